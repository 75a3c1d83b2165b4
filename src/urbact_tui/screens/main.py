"""The main screen: search field on top, results on the left, the selected record on the right.

Data flows down (the app's directory → hits → detail); widgets post messages
up and this screen coordinates: the search field's keys move the result list,
a highlighted result shows in the detail pane, Enter moves focus into it,
links push onto a history stack and Escape walks back one step at a time
(detail history → results → clear the query).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus, Key, Resize
from textual.screen import Screen
from textual.widgets import OptionList
from textual.worker import get_current_worker

from ..widgets.detail import DetailPane, contact_summary
from ..widgets.footer import KeyFooter
from ..widgets.results import ResultList, parse_option_id
from ..widgets.search_input import KIND_PLURALS, SearchInput, next_kind, parse_query

if TYPE_CHECKING:
    from textual.timer import Timer

    from ..app import UrbactApp

RESULT_LIMIT = 100
PREVIEW_DELAY = 0.12  # seconds: the detail pane follows typing once it pauses
ECHO_HOLD = 0.033  # seconds: the longest a typed letter waits to be drawn with its results
MAX_CONTACT_DETAILS = 60
NARROW_WIDTH = 72
WELCOME = ("Type a few letters of a city, a person,\n"
           "a network or a meeting.\n\n"
           "↑ ↓     choose a result\n"
           "Enter   open it; on a link, follow it\n"
           "Escape  back one step\n"
           "Ctrl+Y  copy the card\n"
           "Ctrl+L  meeting timeline\n"
           "F1      every key · Ctrl+P every action")


@dataclass
class Visit:
    """A record the user was on, to come back to with Escape."""

    kind: str
    id: str
    highlighted: int | None
    scroll_y: float


class MainScreen(Screen):
    """Search, results and detail."""

    app: UrbactApp

    BINDINGS = [
        Binding("escape", "back", "Back", id="back",
                tooltip="Back one step: previous record → results → clear the query"),
    ]

    def __init__(self) -> None:
        super().__init__(id="main")
        self.kind_filter: str | None = None
        self.history: list[Visit] = []
        self._pending_focus_detail = False
        self._echo_hold: tuple[Any, Timer] | None = None  # (the held batch, its deadline)

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder="Search cities, people, networks, meetings…  (c: p: n: m: d: narrow)",
                          id="search")
        with Horizontal(id="panes"):
            with Vertical(id="results-pane"):   # the frame: the list itself draws plain rows
                yield ResultList(id="results")
            yield DetailPane(id="detail")
        yield KeyFooter()

    # -- parts

    @property
    def search_input(self) -> SearchInput:
        return self.query_one("#search", SearchInput)

    @property
    def results(self) -> ResultList:
        return self.query_one("#results", ResultList)

    @property
    def results_pane(self) -> Vertical:
        """The results' frame: its border shows the title and the number of results."""
        return self.query_one("#results-pane", Vertical)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def on_mount(self) -> None:
        self.search_input.border_title = "Search"
        self.results_pane.border_title = "Results"
        self.detail.border_title = "Detail"
        self._show_kind_filter()
        self.search_input.focus()
        hits = self.app.open_directory_at_start()
        if hits is not None:
            self._show_hits("", None, hits)  # in the first frame
            return
        self.results.show_message("Opening the directory…")
        self.detail.show_message(WELCOME, "Start here")

    def on_key(self, event: Key) -> None:
        """Letters typed while the app starts arrive before the search field exists and are
        addressed to the screen; hand them to the field so nothing typed is lost."""
        search = self.search_input
        if event.is_printable and event.character and self.focused in (None, search):
            search.focus()
            search.insert_text_at_cursor(event.character)
            event.stop()

    def selected_record(self) -> dict[str, Any] | None:
        """The record in the detail pane (what Ctrl+Y copies)."""
        return self.detail.record

    # -- directory state, called by the app

    def show_status(self, message: str) -> None:
        self.results.show_message(message)

    def directory_ready(self) -> None:
        self.run_search(self.search_input.value)

    def refresh_after_reload(self) -> None:
        record = self.detail.record
        self.run_search(self.search_input.value)
        if record is not None and self.detail.has_focus:
            self.load_record(record["kind"], record["id"])

    # -- searching

    @on(SearchInput.Changed, "#search")
    def _query_changed(self, event: SearchInput.Changed) -> None:
        self._hold_echo()
        self.run_search(event.value)

    def _hold_echo(self) -> None:
        """Draw a typed letter together with its results, in one frame.

        Otherwise the letter is drawn at once (a frame of its own) and the results a
        frame later: the letter's frame kept the search thread from the GIL and the
        results waited for the next frame, ~4-6 ms of every keystroke at 100k
        records (benchmarks/app_probe.py).  Screen updates are held (Textual's
        `batch_update`) until the results are shown, or for ECHO_HOLD at most, so a
        slow search never hides what was typed.
        """
        if self._echo_hold is None:
            batch = self.app.batch_update()
            batch.__enter__()
            self._echo_hold = (batch, self.set_timer(ECHO_HOLD, self._echo_deadline,
                                                     name="echo hold"))

    def _echo_deadline(self) -> None:
        self._release_echo()
        self.check_idle()  # the screen draws what changed meanwhile (the letter)

    def _release_echo(self) -> None:
        """End the hold (results being shown are drawn with what else changed)."""
        if self._echo_hold is not None:
            batch, deadline = self._echo_hold
            self._echo_hold = None
            deadline.stop()
            batch.__exit__(None, None, None)

    def on_screen_suspend(self) -> None:
        self._echo_deadline()  # another screen on top must not find updates held

    def on_unmount(self) -> None:
        self._release_echo()

    @work(exclusive=True, thread=True, group="search")
    def run_search(self, text: str) -> None:
        """Search in a thread; a newer keystroke cancels this one's result."""
        kind, words = parse_query(text, self.kind_filter)
        hits = self.app.call_directory("search", words, kind, RESULT_LIMIT)
        if hits is None or get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_hits, text, kind, hits)

    def _show_hits(self, text: str, kind: str | None, hits: list) -> None:
        if text != self.search_input.value:
            return  # a stale answer; the newer search is on its way
        self._release_echo()
        self.app.idle_gc.collect_soon()
        what = KIND_PLURALS[kind] if kind else "entries"
        empty = f"Nothing matches {text.strip()!r}" + (f" among {what}" if kind else "") + "."
        browsing = not text.strip() and kind is None  # the welcome stays until ↓ or a letter
        self.results.show_hits(hits, empty, highlight=not browsing)
        self._show_kind_filter()
        if browsing:
            self.history.clear()
            self.detail.show_message(WELCOME, "Start here")
        count = f"{len(hits)}{'+' if len(hits) >= RESULT_LIMIT else ''}"
        noun = (kind or "result") if len(hits) == 1 else (what if kind else "results")
        if self.results_pane.border_subtitle != (subtitle := f"{count} {noun}"):
            self.results_pane.border_subtitle = subtitle   # (redraws the whole frame)
        if not hits and not browsing:
            self.history.clear()
            self.detail.show_message("No match. Fewer letters, or Escape to clear the search.")

    @on(SearchInput.Navigate)
    def _navigate(self, event: SearchInput.Navigate) -> None:
        actions = {"down": self.results.action_cursor_down, "up": self.results.action_cursor_up,
                   "page_down": self.results.action_page_down,
                   "page_up": self.results.action_page_up}
        actions[event.direction]()

    @on(ResultList.Highlighted, "#results")
    def _result_highlighted(self, event: ResultList.Highlighted) -> None:
        hit = event.hit
        shown = self.detail.record
        if shown and not self.history and (shown["kind"], shown["id"]) == (hit.kind, hit.id):
            return  # typing another letter kept the same top hit: nothing to redraw
        self.history.clear()
        self.load_record(hit.kind, hit.id, delay=PREVIEW_DELAY if event.new_results else 0.0)

    @on(SearchInput.Submitted, "#search")
    def _submitted(self) -> None:
        self.open_detail()

    @on(ResultList.Selected, "#results")
    def _result_clicked(self) -> None:
        self.open_detail()

    def open_detail(self) -> None:
        """Enter on a result: move focus into the detail pane."""
        if self.results.highlighted is None and self.results.hits:
            self.results.highlighted = 0  # browsing, nothing chosen yet: take the first
        hit = self.results.highlighted_hit
        if hit is None:
            self.app.bell()
            return
        record = self.detail.record
        if record is None or (record["kind"], record["id"]) != (hit.kind, hit.id):
            self._pending_focus_detail = True
            self.load_record(hit.kind, hit.id)
        else:
            self.detail.focus()

    # -- kind filter

    def cycle_kind(self) -> None:
        self.kind_filter = next_kind(self.kind_filter)
        self._show_kind_filter()
        self.run_search(self.search_input.value)

    def set_kind(self, kind: str | None) -> None:
        self.kind_filter = kind
        self._show_kind_filter()
        self.run_search(self.search_input.value)

    def _show_kind_filter(self) -> None:
        """`cities · ^t to change`, or `networks (from n:)` while a prefix decides."""
        kind, _ = parse_query(self.search_input.value, self.kind_filter)
        label = KIND_PLURALS[kind] if kind else "all kinds"
        if kind != self.kind_filter:
            prefix = self.search_input.value.lstrip().split(":", 1)[0]
            self.search_input.border_subtitle = f"{label} (from {prefix}:)"
        else:
            self.search_input.border_subtitle = f"{label} · {self.app.key_for('cycle-kind')} to change"

    # -- the detail pane and its history

    @work(exclusive=True, thread=True, group="detail")
    def load_record(self, kind: str, item_id: str, visit: Visit | None = None,
                    delay: float = 0.0) -> None:
        """Fetch a record in a thread and show it; a newer request cancels this one.

        While the user types, the preview waits `delay` seconds first: the top hit
        changes with nearly every letter, and drawing a record the next letter
        replaces would only slow the results down.
        """
        if delay and (time.sleep(delay) or get_current_worker().is_cancelled):
            return
        record = self.app.call_directory("get", kind, item_id)
        if record is not None:
            self._add_contact_details(record)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show_record, kind, item_id, record, visit)

    def _add_contact_details(self, record: dict[str, Any]) -> None:
        """Put each linked contact's phone under its link: a city's office phone at a glance."""
        links = [link for name in ("contacts", "parent", "authors")
                 for link in (record.get("links") or {}).get(name, [])[:MAX_CONTACT_DETAILS]
                 if link["kind"] == "contact"]
        details = self.app.call_directory("contact_details", [link["id"] for link in links]) or {}
        for link in links:
            if link["id"] in details:
                link["detail"] = contact_summary(details[link["id"]])

    def _show_record(self, kind: str, item_id: str, record: dict | None, visit: Visit | None) -> None:
        if record is None:
            self.detail.show_message(f"The {kind} {item_id!r} is no longer in the directory.")
        elif visit is not None:
            self.detail.show_record(record, visit.highlighted, visit.scroll_y)
        else:
            self.detail.show_record(record)
        if self._pending_focus_detail:
            self._pending_focus_detail = False
            self.detail.focus()

    def open_record(self, kind: str, item_id: str, *, remember: bool = True) -> None:
        """Show a record in the detail pane and focus it, keeping the current one in history."""
        current = self.detail.record
        if remember and current is not None:
            self.history.append(Visit(current["kind"], current["id"], self.detail.highlighted,
                                      self.detail.scroll_offset.y))
        self._pending_focus_detail = True
        self.load_record(kind, item_id)

    @on(OptionList.OptionSelected, "#detail")
    def _link_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.open_record(*parse_option_id(event.option.id))

    @on(DetailPane.TypeAhead)
    def _type_ahead(self, event: DetailPane.TypeAhead) -> None:
        self.search_input.focus()
        self.search_input.insert_text_at_cursor(event.character)

    def action_back(self) -> None:
        """Escape: detail history → results → clear the query → clear the kind filter."""
        if self.detail.has_focus:
            if self.history:
                visit = self.history.pop()
                self._pending_focus_detail = True
                self.load_record(visit.kind, visit.id, visit)
            else:
                self.search_input.focus()
                hit = self.results.highlighted_hit
                record = self.detail.record
                if hit and (record is None or (record["kind"], record["id"]) != (hit.kind, hit.id)):
                    self.load_record(hit.kind, hit.id)
        elif not self.search_input.has_focus:
            self.search_input.focus()
        elif self.search_input.value:
            self.search_input.value = ""
        elif self.kind_filter:
            self.set_kind(None)

    def focus_search(self) -> None:
        self.search_input.focus()

    # -- layout: side by side when wide, one pane at a time when narrow

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self.set_class(isinstance(event.widget, DetailPane), "-detail-focus")
