"""The detail pane: one record, its data-quality warnings, and links to related records.

The pane is an option list: the record's text is made of inert (disabled)
options and every linked record is a selectable option, so Up/Down walk the
links, Enter (or a click) opens one, and the screen keeps the history stack.
When the next link is below the visible part, Up/Down scroll the text first,
so long descriptions can be read with the keyboard.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from rich.table import Table
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..directory import schema
from ..directory.cards import phone_dial
from .results import KIND_STYLES, option_id, parse_option_id
from .search_input import KIND_LABELS

LABELS = {
    "name_en": "English name", "country_code": "Country code", "emails": "Email",
    "websites": "Web", "social": "Social", "links": "Resources", "organisations": "Organisations",
    "aliases": "Also written", "kind": "Meeting", "raw": "As printed", "type": "Type",
}
SKIPPED = {"id", "added", "warnings", "source", "notes", "name", "title",
           "month", "year", "project_year", "order"}
LONG_TEXT = ("description", "summary", "body")
MEETING_KINDS = {"kick-off": "Kick-off", "transnational": "Transnational meeting",
                 "final-event": "Final event", "workshop": "Workshop", "other": "Meeting"}

# Link sections in reading order; anything else follows in the core's order.
LINK_SECTIONS = {
    "city": "City", "parent": "Part of", "network": "Network", "networks": "Networks",
    "contacts": "People and offices", "cities": "Cities", "authors": "Authors",
    "meetings": "Meetings", "documents": "Documents and resources",
}
SECTION_TITLES = {("network", "cities"): "Partner cities", ("document", "cities"): "Cities mentioned",
                  ("document", "contacts"): "People mentioned",
                  ("document", "networks"): "Networks mentioned"}


def phone_text(phone: dict[str, Any]) -> str:
    """`+351 21 436 9000 ext. 1801 (switchboard)`; the printed form when it is not dialable."""
    text = phone_dial(phone)
    if phone.get("label"):
        text += f" ({phone['label']})"
    if not phone.get("international"):
        text += "  — as printed, not a single valid number"
    return text


def field_rows(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows for the record's own fields, in schema order."""
    kind = schema.KIND_BY_NAME[record["kind"]]
    data = record["record"]
    rows: list[tuple[str, str]] = []
    if kind is schema.MEETING:
        from ..directory.entries import month_label  # here: entries pulls in numpy

        rows.append(("When", month_label(data)))
        if data.get("order"):
            rows.append(("In series", f"meeting {data['order']} of its network"))
    for field in kind.fields:
        name = field.name
        value = data.get(name)
        if value in (None, "", [], {}) or name in SKIPPED or name in LONG_TEXT:
            continue
        if field.target_kind:
            continue  # linked records have their own sections
        label = LABELS.get(name, name.replace("_", " ").capitalize())
        if name == "phones":
            rows += [("Phone", phone_text(p)) for p in value]
        elif name == "address":
            rows.append(("Address", value.get("raw", "")))
        elif name == "location":
            rows.append(("Coordinates", f"{value['lat']}, {value['lon']}"))
        elif name == "social":
            rows += [(entry.get("service", "social").capitalize(),
                      " ".join(str(entry[k]) for k in ("handle", "url", "label") if entry.get(k)))
                     for entry in value]
        elif name == "links":
            rows += [(label, " — ".join(str(entry[k]) for k in ("title", "url") if entry.get(k)))
                     for entry in value]
        elif name in ("emails", "websites"):
            rows += [(label, str(v)) for v in value]
        elif name == "kind" and kind is schema.MEETING:
            rows.append(("Meeting", MEETING_KINDS.get(value, value)))
        elif isinstance(value, list):
            rows.append((label, ", ".join(str(v) for v in value)))
        else:
            rows.append((label, str(value)))
    return rows


def _grid(rows: Iterable[tuple[str, str]], label_style: str = "dim", value_style: str = "") -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style=label_style)
    grid.add_column(ratio=1, overflow="fold", style=value_style)
    for label, value in rows:
        grid.add_row(Text(label), Text(value))  # Text, not str: no markup in the data
    return grid


def contact_summary(data: dict[str, Any]) -> str:
    """A contact's phones and first e-mail on one line, shown under its link."""
    parts = [phone_text(p) for p in data.get("phones") or []]
    parts += (data.get("emails") or [])[:1]
    return " · ".join(parts)


def link_prompt(link: dict[str, Any], width: int | None = None) -> Content:
    """`Contact  City of Loulé — Loulé`, with the contact's phone below when known.

    Each line is cut to `width` with an ellipsis: the whole record is one Enter away.
    """
    badge = Content.styled(KIND_LABELS.get(link["kind"], link["kind"]).ljust(9),
                           KIND_STYLES.get(link["kind"], ""))
    parts = [Content("  "), badge, Content(link["title"])]
    if link.get("subtitle"):
        parts.append(Content.styled(f" — {link['subtitle']}", "$text-muted"))
    lines = [Content.assemble(*parts)]
    if link.get("detail"):
        lines.append(Content.styled(f"{' ' * 11}{link['detail']}", "$text-muted"))
    if width is not None and width > 1:
        lines = [line.truncate(width, ellipsis=True) for line in lines]
    return Content("\n").join(lines)


def record_options(record: dict[str, Any], width: int | None = None) -> list[Option]:
    """The whole pane for one record from `Directory.get`; link lines cut to `width`."""
    kind = record["kind"]
    data = record["record"]
    text = lambda content: Option(content, disabled=True)  # inert text
    header = Content.assemble(
        (KIND_LABELS.get(kind, kind), f"bold {KIND_STYLES.get(kind, '')}"), "  ",
        (record["title"], "bold"))
    options = [text(header)]
    if record.get("subtitle"):
        options.append(text(Content.styled(record["subtitle"], "$text-muted")))
    if record.get("warnings"):
        options.append(text(Content("")))
        for warning in record["warnings"]:
            options.append(text(Content.assemble(("⚠ ", "bold $text-warning"),
                                                 (warning["message"], "$text-warning"))))
    rows = field_rows(record)
    if rows:
        options.append(text(Content("")))
        options.append(text(_grid(rows)))
    for name in LONG_TEXT:
        if data.get(name):
            options.append(text(Content("")))
            if name == "body":
                options.append(text(Content.styled("Text", "bold")))
            options.append(text(Content(str(data[name]).strip())))
    links = record.get("links") or {}
    ordered = [n for n in LINK_SECTIONS if n in links] + [n for n in links if n not in LINK_SECTIONS]
    seen: dict[str, int] = {}

    def unique_id(link: dict[str, Any]) -> str:
        """Option ids must be unique; a record linked twice gets `~2`."""
        key = option_id(link["kind"], link["id"])
        seen[key] = seen.get(key, 0) + 1
        return key if seen[key] == 1 else f"{key}~{seen[key]}"

    for name in ordered:
        title = SECTION_TITLES.get((kind, name)) or LINK_SECTIONS.get(name) or name.capitalize()
        options.append(text(Content("")))
        options.append(text(Content.styled(f"{title} ({len(links[name])})", "bold")))
        options += [Option(link_prompt(link, width), id=unique_id(link))
                    for link in links[name]]
    added = data.get("added") or {}
    if added:
        options.append(text(Content("")))
        options.append(text(Content.styled("Added by the editors (not in the source pages)",
                                           "bold $text-muted")))
        options.append(text(_grid(((LABELS.get(k, k.replace("_", " ").capitalize()), str(v))
                                   for k, v in added.items()), value_style="dim")))
    if data.get("source"):
        options.append(text(Content("")))
        options.append(text(Content.styled(f"Source: {data['source']}", "$text-muted")))
    return options


class DetailPane(OptionList):
    """The selected record.  Enter on a link posts OptionSelected; the screen navigates."""

    HELP = """
## Detail

Up/Down move between linked records (scrolling the text on the way),
Enter opens the highlighted link, Escape goes back.
"""

    BINDINGS = [
        Binding("enter", "select", "Open", id="open-link",
                tooltip="Open the highlighted linked record (Escape comes back)"),
        Binding("down", "cursor_down", "Next link", show=False, id="link-next"),
        Binding("up", "cursor_up", "Previous link", show=False, id="link-previous"),
        Binding("pagedown", "page_down", "Page down", show=False, id="detail-page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="detail-page-up"),
        Binding("home", "first", "Top", show=False, id="detail-top"),
        Binding("end", "last", "Bottom", show=False, id="detail-bottom"),
    ]

    class TypeAhead(Message):
        """A letter typed in the pane: the screen sends it to the search field."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record: dict[str, Any] | None = None
        self._rendered_width: int | None = None
        self._virtual_size_changing = False

    def _update_lines(self) -> None:
        """Textual's OptionList lays out its lines when drawn, and the new virtual size
        asks for a layout of the whole screen: a second one as the app starts, 14-21 ms
        and a frame more.  The pane's size never depends on its lines (it fills its
        share of the screen), so that request is dropped; a scrollbar that appears or
        goes (set just after, by `_scroll_update`) still asks for its own."""
        self._virtual_size_changing = True
        try:
            super()._update_lines()
        finally:
            self._virtual_size_changing = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if layout and self._virtual_size_changing:
            self._virtual_size_changing = False   # (only the virtual size's request)
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def on_key(self, event: events.Key) -> None:
        """Typing in the pane starts a new search, as in fzf (keys with bindings still work)."""
        if event.is_printable and event.character and event.character not in " /?":
            event.stop()
            event.prevent_default()
            self.post_message(self.TypeAhead(event.character))

    def show_record(self, record: dict[str, Any], highlighted: int | None = None,
                    scroll_y: float = 0) -> None:
        """Show `record`; restore a highlight and scroll position when coming back."""
        self.record = record
        self._rendered_width = self._line_width()
        self.clear_options()
        self.add_options(record_options(record, self._rendered_width))
        self.border_title = f"{KIND_LABELS.get(record['kind'], record['kind'])}: {record['title']}"
        if highlighted is not None:
            self.highlighted = highlighted
            self.scroll_to(y=scroll_y, animate=False, immediate=True)
        else:
            self.highlighted = None
            self.scroll_home(animate=False, immediate=True)
            self.call_after_refresh(self._highlight_first_visible_link)

    def _line_width(self) -> int | None:
        """Room for a link line, leaving space for a scrollbar that may appear."""
        width = self.size.width - self.styles.gutter.width - self.styles.scrollbar_size_vertical
        width -= self.get_component_styles("option-list--option").padding.width
        return width if width > 1 else None

    def on_resize(self) -> None:
        """Re-cut the link lines to the new width, keeping the place."""
        if self.record is not None and self._line_width() != self._rendered_width:
            self.show_record(self.record, self.highlighted, self.scroll_offset.y)

    def show_message(self, message: str, title: str | None = None) -> None:
        self.record = None
        self.border_title = title
        self.clear_options()
        self.add_option(Option(Content.styled(message, "$text-muted"), disabled=True))

    @property
    def link_indexes(self) -> list[int]:
        return [i for i, option in enumerate(self.options) if not option.disabled]

    @property
    def highlighted_link(self) -> tuple[str, str] | None:
        if self.highlighted is None or self.options[self.highlighted].disabled:
            return None
        return parse_option_id(self.options[self.highlighted].id or "")

    # -- keyboard: walk links, but scroll through text that lies between them

    def _line_of(self, index: int) -> int | None:
        self._update_lines()
        return self._index_to_line.get(index)

    def _visible(self, index: int) -> bool:
        line = self._line_of(index)
        top = self.scroll_offset.y
        return line is not None and top <= line < top + self.scrollable_content_region.height

    def _next_link(self, direction: int) -> int | None:
        """The link Up (-1) or Down (+1) would reach, if it were in view."""
        links = self.link_indexes if direction > 0 else self.link_indexes[::-1]
        if self.highlighted is None:
            top = self.scroll_offset.y
            bottom = top + self.scrollable_content_region.height
            for index in links:
                line = self._line_of(index)
                if line is not None and (line >= top if direction > 0 else line < bottom):
                    return index
            return None
        return next((i for i in links if (i - self.highlighted) * direction > 0), None)

    def _highlight_first_visible_link(self) -> None:
        if self.highlighted is None:
            target = self._next_link(1)
            if target is not None and self._visible(target):
                self.highlighted = target

    def _step(self, direction: int) -> None:
        target = self._next_link(direction)
        if target is not None and self._visible(target):
            self.highlighted = target
            return
        if direction > 0:
            self.scroll_down(animate=False, immediate=True)
        else:
            self.scroll_up(animate=False, immediate=True)
        self._rehighlight(direction)

    def _rehighlight(self, direction: int) -> None:
        """After scrolling: drop a highlight that left the view, pick the next one in view."""
        if self.highlighted is not None and self._visible(self.highlighted):
            return
        self.highlighted = None
        target = self._next_link(direction)
        if target is not None and self._visible(target):
            self.highlighted = target

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)
        self._rehighlight(1)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)
        self._rehighlight(-1)

    def action_first(self) -> None:
        self.scroll_home(animate=False, immediate=True)
        self._rehighlight(1)

    def action_last(self) -> None:
        self.scroll_end(animate=False, immediate=True)
        self._rehighlight(-1)
