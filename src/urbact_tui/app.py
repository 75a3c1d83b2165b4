"""The Textual app: opens the directory in the background and owns the app-wide actions.

The first screen appears at once.  While Textual starts up, a thread opens
the database and reads the first results, and the main screen shows them in
its first frame; if they are not ready by then (or the database must be built
from the bundled directory on first run), the `open_directory` worker takes
over and they are drawn as soon as they are read.  The search index (numpy and
its blobs) loads in the background after that — a search typed before it is
loaded loads it at once.  Copying, saving .vcf
files, the timeline, reloading and help are app-wide actions, reachable from
keys and from the command palette.  A problem with the data never shows a
traceback: the error screen shows the loader's message and offers to rebuild
from the bundled directory.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Importing Textual and the app creates a few hundred thousand objects that live as
# long as the process (modules, classes, functions).  Python's cyclic garbage collector
# would walk them again and again for nothing: ~20 ms while importing, then a full
# collection of 30-45 ms just as the first results are drawn (measured on the 2-vCPU
# benchmark machine).  So it is paused while importing, and what the imports built is
# then frozen (gc.freeze: left out of every later collection) before it resumes.
_GC_WAS_ENABLED = gc.isenabled()
gc.disable()

# Up to 120 frames a second (Textual's default is 60; it reads this once, on import).
# A keystroke's results are ready ~10 ms after the key, just after the frame that
# echoed the letter; at 60 fps they would wait up to 17 ms more for the next frame.
os.environ.setdefault("TEXTUAL_FPS", "120")

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from . import idle_gc, textual_fixes
from .directory.errors import DirectoryError
from .paths import bundled_seed
from .screens.main import RESULT_LIMIT, MainScreen
from .widgets.search_input import KIND_PLURALS

# Imported when first used, not before the first frame: the other screens, vCards, the
# clipboard, the search index (numpy) and the loader.  The directory code is imported
# as the app starts (see _EarlyOpening).
if TYPE_CHECKING:
    from .directory.store import Directory
    from .screens.palette import DirectoryCommands

textual_fixes.apply()

gc.freeze()
if _GC_WAS_ENABLED:
    gc.enable()

FORMAT_NAMES = {"vcard": "vCard", "text": "text", "json": "JSON"}
EXIT_OK, EXIT_DATA_ERROR = 0, 2
EARLY_OPENING_WAIT = 0.05
"""Seconds the main screen may wait, as it mounts, for the database opened in the
background; longer (e.g. a YAML file to hash) and it is taken later, by a worker."""
INDEX_LOAD_DELAY = 0.25
"""Seconds after the first results are asked for before the search index loads (in the
background; a search typed sooner loads it at once)."""


def _directory_commands() -> type[DirectoryCommands]:
    from .screens.palette import DirectoryCommands

    return DirectoryCommands


def _is_screen(screen: object, module: str, *names: str) -> bool:
    """isinstance(screen, urbact_tui.screens.<module>.<name>) without importing the module:
    while it is not imported, no screen can be one of its classes."""
    loaded = sys.modules.get(f"{__package__}.screens.{module}")
    return loaded is not None and isinstance(screen, tuple(getattr(loaded, n) for n in names))


class _EarlyOpening(threading.Thread):
    """Opens the database while Textual starts up, if it needs no building: opens the
    SQLite file, checks that its YAML is unchanged and reads the first results.  The
    main screen takes them as it mounts, so the first frame shows them; if they are
    not ready by then, the app's `open_directory` worker takes the result (or the
    error) from here.

    The directory code is imported by the main thread before this one starts: imported
    here, each file it read let go of the interpreter lock, which the main thread (busy
    starting Textual) gave back only every few milliseconds, and the first results
    came after the first frame and cost a layout pass of their own."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(name="urbact-early-open", daemon=True)
        self.db_path = db_path
        self.directory: Directory | None = None
        self.hits: list | None = None
        self.error: Exception | None = None
        self.start()

    def run(self) -> None:
        from .directory.store import open_current

        try:
            self.directory = open_current(self.db_path)
            if self.directory is not None:
                self.hits = self.directory.search("", None, RESULT_LIMIT)  # the first results
        except Exception as exc:  # reported by the worker, as if it had opened it
            self.error = exc

    def ready(self, timeout: float) -> Directory | None:
        """The open directory if it opened without error within `timeout` seconds."""
        self.join(timeout)
        if self.is_alive() or self.error is not None:
            return None
        return self.directory

    def take(self) -> Directory | None:
        """The open directory, None if it must be built; raises what opening raised."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.directory

    def discard(self) -> None:
        self.join()
        if self.directory is not None:
            self.directory.close()


class UrbactApp(App[int]):
    """The URBACT contact directory."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere find it
    TITLE = "URBACT directory"
    COMMANDS = App.COMMANDS | {_directory_commands}

    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/", show=False, id="search",
                tooltip="Back to the search field, from anywhere"),
        Binding("ctrl+y", "copy_card", "Copy", id="copy-card",
                tooltip="Copy the selected record: a vCard for a contact, text otherwise"),
        Binding("ctrl+s", "save_vcf", "Save", id="save-vcf",
                tooltip="Save the contact (or a city's or network's contacts) as a .vcf file"),
        Binding("ctrl+t", "cycle_kind", "Kind", id="cycle-kind",
                tooltip="Search all kinds → cities → contacts → networks → meetings → documents"),
        Binding("ctrl+l", "timeline", "Timeline", id="timeline",
                tooltip="The meeting timeline, grouped by network"),
        Binding("f1,question_mark", "help", "Help", id="help",
                tooltip="This list of keys (? works outside the search field)"),
        Binding("f5", "reload", "Reload data", show=False, id="reload",
                tooltip="Re-read the directory (rebuilt when its YAML file changed)"),
    ]

    def __init__(self, db_path: Path, seed: Path | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.seed = seed or bundled_seed()
        self.directory: Any = None  # a Directory once opened
        self.directory_error: DirectoryError | None = None
        self._lock = threading.Lock()
        self._early: _EarlyOpening | None = None
        self.idle_gc = idle_gc.IdleCollector(self)

    def on_load(self) -> None:
        from .directory import store  # noqa: F401  (here, not in the thread: _EarlyOpening)

        self._early = _EarlyOpening(self.db_path)  # overlaps Textual's start-up
        idle_gc.defer_full_collections()
        self.idle_gc.pause_until_idle()

    def on_unmount(self) -> None:
        self.idle_gc.resume()  # if the app ends before its first idle moment

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing on the current screen (they also vanish from the footer)."""
        screen = self.screen
        if action in ("cycle_kind", "focus_search"):
            return isinstance(screen, MainScreen)
        if action == "copy_card":
            return isinstance(screen, MainScreen) \
                or _is_screen(screen, "timeline", "TimelineScreen")
        if action in ("save_vcf", "timeline"):
            return isinstance(screen, MainScreen)
        return True

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    @property
    def main_screen(self) -> MainScreen:
        return self.get_screen("main") if self.is_screen_installed("main") else self.screen_stack[0]

    def key_for(self, binding_id: str) -> str:
        """How the key of a binding is shown, e.g. '^t'."""
        for binding in self._all_bindings():
            if binding.id == binding_id:
                return self.get_key_display(Binding(binding.key.split(",")[0], binding.action))
        return binding_id

    @staticmethod
    def _all_bindings() -> Iterator[Binding]:
        """Every binding, the app's first: the other screens are imported only when a key
        is not found before them."""
        from .widgets.detail import DetailPane
        from .widgets.search_input import SearchInput

        for owner in (UrbactApp, MainScreen, SearchInput, DetailPane):
            yield from (b for b in owner.BINDINGS if isinstance(b, Binding))
        from .screens.error import ErrorScreen
        from .screens.timeline import TimelineList, TimelineScreen

        for owner in (TimelineList, TimelineScreen, ErrorScreen):
            yield from (b for b in owner.BINDINGS if isinstance(b, Binding))

    # -- the directory

    def open_directory_at_start(self) -> list | None:
        """Called by the main screen as it mounts.  The first results if the database
        opened while Textual started (the screen shows them in its first frame, and the
        search index loads soon after); otherwise None, and the `open_directory` worker
        opens it (or builds it) and shows them when they are ready."""
        early = self._early
        directory = early.ready(EARLY_OPENING_WAIT) if early is not None else None
        if early is None or directory is None:
            self.open_directory()
            return None
        self._early = None
        with self._lock:
            self.directory = directory
        self.call_after_refresh(self._load_search_index_soon)  # counted from the first frame
        return early.hits

    @work(exclusive=True, thread=True, group="directory")
    def open_directory(self, rebuild: bool = False, reload: bool = False) -> None:
        """Open the database: build it when missing, refresh it when its YAML changed,
        or with `rebuild` replace it from the bundled seed.  Never holds the lock while
        building, so searches answer "not ready" at once instead of waiting."""
        with self._lock:
            old, self.directory = self.directory, None
        if old is not None:
            old.close()
        early, self._early = self._early, None
        if early is not None and (rebuild or reload):
            early.discard()
            early = None
        progress = self._progress_reporter()
        try:
            from .directory.store import open_directory

            directory = early.take() if early is not None else None
            if rebuild:
                # (the YAML and phone libraries: imported only to build)
                from .directory.loader import load

                load(self.seed, self.db_path, progress)
            if directory is None:
                directory = open_directory(self.db_path, self.seed, progress)
            count = sum(directory.counts().values()) if rebuild or reload else 0
        except Exception as exc:
            self.call_from_thread(self._show_error, self._as_directory_error(exc))
            return
        with self._lock:
            self.directory = directory
            self.directory_error = None
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._directory_ready, count, rebuild, reload)

    @work(exclusive=True, thread=True, group="index")
    def _load_search_index(self) -> None:
        """Load the search index (numpy and the index blobs: ~0.1-0.2 s at 100k records)
        and then the phone library in the background, so that the first keystroke finds
        the index loaded and the first contact shown its phone checks.  A search that
        comes first loads the index itself, and one during this load waits for it."""
        with self._lock:
            directory = self.directory
        if directory is None:
            return
        try:
            directory.index
        except Exception as exc:
            with self._lock:
                current = self.directory is directory
            if current and not get_current_worker().is_cancelled:
                self.call_from_thread(self._show_error, self._as_directory_error(exc))
            return
        from .directory.store import prepare_phone_checks

        prepare_phone_checks()  # a contact's phones are checked when it is shown

    def _as_directory_error(self, exc: Exception) -> DirectoryError:
        if isinstance(exc, DirectoryError):
            return exc
        # e.g. an unreadable file: still a data problem for the user, not a traceback
        return DirectoryError(f"the database cannot be opened ({type(exc).__name__}: {exc})",
                              path=self.db_path, hint="rebuild it from the bundled directory")

    def _progress_reporter(self) -> Callable[[str, int, int], None]:
        last = [0.0]

        def report(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if stage == "done" or now - last[0] < 0.1:
                return
            last[0] = now
            message = f"Building the directory… {stage} {done:,}/{total:,}"
            self.call_from_thread(self._show_status, message)

        return report

    def _show_status(self, message: str) -> None:
        on_error_screen = _is_screen(self.screen, "error", "ErrorScreen")
        screen = self.screen if on_error_screen else self.main_screen
        screen.show_status(message)

    def _directory_ready(self, count: int, rebuilt: bool, reloaded: bool) -> None:
        if _is_screen(self.screen, "error", "ErrorScreen"):
            self.pop_screen()
        if reloaded:
            self.main_screen.refresh_after_reload()
            self.notify(f"{count:,} records from {self.db_path}", title="Data reloaded")
            self._load_search_index_soon()
        else:
            self._search_first()
        if rebuilt:
            self.notify(f"{count:,} records from the bundled directory written to {self.db_path}",
                        title="Directory rebuilt", timeout=8)

    def _search_first(self) -> None:
        self.main_screen.directory_ready()
        self._load_search_index_soon()

    def _load_search_index_soon(self) -> None:
        """The first results list the first entries and need no search index: it loads
        in the background once they are shown, not before them."""
        self.set_timer(INDEX_LOAD_DELAY, self._load_search_index, name="load search index")

    def _show_error(self, error: DirectoryError) -> None:
        from .screens.error import ErrorScreen

        self.directory_error = error
        self.main_screen.show_status("The directory could not be opened.")
        if isinstance(self.screen, ErrorScreen):
            self.screen.show_error(error)
        else:
            self.push_screen(ErrorScreen(error, self.db_path, self.seed))

    def call_directory(self, method: str, *args: Any) -> Any:
        """Call a Directory method under the lock (from any thread); None until it is open."""
        try:
            with self._lock:
                if self.directory is None:
                    return None
                return getattr(self.directory, method)(*args)
        except DirectoryError as error:  # the file broke while the app was running
            if threading.get_ident() == self._thread_id:
                self._show_error(error)
            else:
                self.call_from_thread(self._show_error, error)
            return None

    def rebuild_from_seed(self) -> None:
        self.open_directory(rebuild=True)

    def action_reload(self) -> None:
        """Re-read the data: rebuilt when its YAML changed, then searched again."""
        self.open_directory(reload=True)

    # -- what is selected

    def selected_record(self) -> dict[str, Any] | None:
        getter = getattr(self.screen, "selected_record", None)
        return getter() if getter else self.main_screen.selected_record()

    def contacts_of(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """A city's contacts; a network's own contacts and those of its partner cities."""
        links = record.get("links") or {}
        ids = [c["id"] for c in links.get("contacts", [])]
        if record["kind"] == "network":
            for city in links.get("cities", []):
                city_record = self.call_directory("get", "city", city["id"]) or {}
                ids += [c["id"] for c in (city_record.get("links") or {}).get("contacts", [])]
        unique = list(dict.fromkeys(ids))
        return [r for r in (self.call_directory("get", "contact", i) for i in unique) if r]

    # -- copying and saving

    def action_copy_card(self, fmt: str | None = None) -> None:
        """Copy the selected record: vCard for a contact, text otherwise (or `fmt`)."""
        record = self.selected_record()
        if record is None:
            self.notify("Nothing is selected: search, and highlight a result first.",
                        title="Nothing to copy", severity="warning")
            return
        from .directory import cards

        fmt = fmt or ("vcard" if record["kind"] == "contact" else "text")
        self.copy_text(cards.render(record, fmt), f"{record['title']} as {FORMAT_NAMES[fmt]}")

    def action_copy_contacts(self) -> None:
        """Copy every contact of the selected city or network as one multi-card vCard."""
        self._export_contacts(self.selected_record(), save=False)

    def action_save_contacts(self) -> None:
        """Save every contact of the selected city or network as one .vcf file."""
        self._export_contacts(self.selected_record(), save=True)

    def _export_contacts(self, record: dict[str, Any] | None, save: bool) -> None:
        if record is None or record["kind"] not in ("city", "network"):
            self.notify("Select a city or a network first.", title="No contacts",
                        severity="warning")
            return
        self._gather_contacts(record, save)

    @work(thread=True, group="export")
    def _gather_contacts(self, record: dict[str, Any], save: bool) -> None:
        """Fetch the contacts in a thread: a big city can have thousands."""
        contacts = self.contacts_of(record)
        self.call_from_thread(self._contacts_gathered, record, contacts, save)

    def _contacts_gathered(self, record: dict[str, Any], contacts: list[dict[str, Any]],
                           save: bool) -> None:
        if not contacts:
            self.notify(f"{record['title']} has no contacts in the directory.",
                        title="No contacts", severity="warning")
            return
        from .directory import cards

        whose = " and its partner cities" if record["kind"] == "network" else ""
        what = f"{len(contacts)} contacts of {record['title']}{whose}"
        if save:
            self.save_text(cards.vcards(contacts), f"{record['id']}-contacts", ".vcf", what)
        else:
            self.copy_text(cards.vcards(contacts), f"{what} as vCards")

    def copy_text(self, text: str, what: str) -> None:
        """Send `text` to the terminal clipboard (OSC 52) and, in a thread, the system one."""
        self.copy_to_clipboard(text)
        self._copy_to_system_clipboard(text, what)

    @work(thread=True, group="clipboard")
    def _copy_to_system_clipboard(self, text: str, what: str) -> None:
        from . import clipboard

        reached = clipboard.copy_to_system_clipboard(text)
        self.call_from_thread(self._notify_copied, what, reached)

    def _notify_copied(self, what: str, reached_system: bool) -> None:
        if reached_system:
            self.notify(f"{what}: on the system clipboard, and sent to the terminal (OSC 52).",
                        title="Copied")
        else:
            self.notify(f"{what}: sent to the terminal (OSC 52); no system clipboard here. "
                        f"Paste gives nothing? {self.key_for('save-vcf')} saves a file.",
                        title="Copied to the terminal", timeout=8)

    def action_save_vcf(self) -> None:
        """Save the selected contact, or all contacts of a city or network, as a .vcf file."""
        record = self.selected_record()
        if record is None:
            self.notify("Nothing is selected: search, and highlight a contact first.",
                        title="Nothing to save", severity="warning")
            return
        from .directory import cards

        if record["kind"] == "contact":
            self.save_text(cards.vcard(record), record["id"], ".vcf", f"{record['title']}'s vCard")
        elif record["kind"] in ("city", "network"):
            self._export_contacts(record, save=True)
        else:
            self.save_text(cards.render(record, "text"), record["id"], ".txt", record["title"])

    def save_text(self, text: str, stem: str, suffix: str, what: str) -> Path | None:
        from . import clipboard

        try:
            path = clipboard.save_new_file(clipboard.save_folder(), stem, suffix, text)
        except OSError as exc:
            self.notify(f"Could not save {what}: {exc}", title="Not saved", severity="error")
            return None
        self.notify(f"{what} saved to {path}", title="Saved", timeout=8)
        return path

    # -- views

    def action_focus_search(self) -> None:
        if not isinstance(self.screen, MainScreen):
            return
        self.main_screen.focus_search()

    def action_cycle_kind(self) -> None:
        if isinstance(self.screen, MainScreen):
            self.main_screen.cycle_kind()
            kind = self.main_screen.kind_filter
            self.notify(f"Showing {KIND_PLURALS[kind] if kind else 'all kinds'}", timeout=1.5)

    def action_timeline(self, network: str | None = None) -> None:
        """The meeting timeline; opened on the selected network or meeting when there is one."""
        if _is_screen(self.screen, "timeline", "TimelineScreen") \
                or _is_screen(self.screen, "error", "ErrorScreen"):
            return
        meetings = self.call_directory("timeline")
        if meetings is None:
            self.notify("The directory is still opening.", severity="warning")
            return
        record = self.selected_record()
        focus_meeting = None
        if network is None and record is not None:
            if record["kind"] == "network":
                network = record["id"]
            elif record["kind"] == "meeting":
                focus_meeting = record["id"]
        from .screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen(meetings, network=network, meeting=focus_meeting))

    def open_from_timeline(self, kind: str, item_id: str) -> None:
        while _is_screen(self.screen, "timeline", "TimelineScreen"):
            self.pop_screen()
        self.main_screen.open_record(kind, item_id)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self._help_sections()))

    def _help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        from .screens.error import ErrorScreen
        from .screens.timeline import TimelineList, TimelineScreen
        from .widgets.detail import DetailPane
        from .widgets.search_input import SearchInput

        def keys(owner: type) -> list[tuple[str, str]]:
            return [(self._keys_display(b), b.tooltip or b.description) for b in owner.BINDINGS
                    if isinstance(b, Binding) and b.description]

        return [
            ("Anywhere", keys(UrbactApp) + [("^p", "Command palette: every action by name"),
                                            ("^q", "Quit")]),
            ("Search field", [("type", "Search as you type (typos and accents forgiven)")]
             + keys(SearchInput) + [("esc", "Clear the query, then the kind filter")]),
            ("Kind filters", [("c: city:", "Cities"), ("p: person:", "People and offices"),
                              ("n: network:", "Networks"), ("m: meeting:", "Meetings"),
                              ("d: doc:", "Documents and articles")]),
            ("Detail pane", keys(DetailPane) + keys(MainScreen)),
            ("Timeline", keys(TimelineList) + keys(TimelineScreen)),
            ("Error screen", keys(ErrorScreen)),
            ("Mouse", [("click", "A result or a link: same as Enter")]),
        ]

    def _keys_display(self, binding: Binding) -> str:
        return " ".join(self.get_key_display(Binding(key.strip(), binding.action))
                        for key in binding.key.split(","))


def run_app(db_path: Path) -> int:
    """Run the app on the database at `db_path`; the exit code for the shell."""
    app = UrbactApp(db_path)
    app.run()
    if app.directory_error is not None and app.return_code == EXIT_DATA_ERROR:
        print(app.directory_error.render(), file=sys.stderr)
    return app.return_code or EXIT_OK
