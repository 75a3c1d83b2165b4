"""The result list: one line per hit, its kind, and the matched characters highlighted.

It draws with Textual's line API: a keystroke replaces the hits and only the
rows in view are rendered, each straight to segments (no per-row widget, no
measuring of a hundred prompts).  An OptionList did the same job in ~20 ms per
keystroke at 100 rows; this does it in well under a millisecond plus the
visible rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.filter import ANSIToTruecolor, LineFilter
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as TextualStyle

from .search_input import KIND_LABELS

if TYPE_CHECKING:  # the search engine (numpy) loads in the opening worker, not before the first frame
    from ..directory.search import Hit

KIND_STYLES = {
    "city": "$success",
    "contact": "$accent",
    "network": "$warning",
    "meeting": "$secondary",
    "document": "$primary",
}
BADGE_WIDTH = 9
ELLIPSIS = "…"
PLAIN = Style()  # never a None style: Textual's NO_COLOR filter reads every segment's


def option_id(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def parse_option_id(value: str) -> tuple[str, str]:
    """(kind, id) from `kind:id`, or `kind:id~2` for a record listed twice in one pane."""
    kind, _, item_id = value.split("~")[0].partition(":")
    return kind, item_id


def spans_to_segments(text: str, spans: list[tuple[int, int]], style: Style,
                       match: Style) -> list[Segment]:
    """`text` as segments, the `spans` (matched characters) in the match style."""
    segments = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)
        if start >= end:
            continue
        if start > position:
            segments.append(Segment(text[position:start], style))
        segments.append(Segment(text[start:end], match))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:], style))
    return segments


def fit(segments: list[Segment], width: int, style: Style) -> Strip:
    """One row of exactly `width` cells: cut with an ellipsis, or padded with `style`.

    Built as one Strip (each Strip sets up half a dozen caches; cropping, joining
    and padding Strips made four per row, a third of drawing the list)."""
    length = Segment.get_line_length(segments)
    if length > width:
        ellipsis = Segment(ELLIPSIS, segments[-1].style if segments else style)
        segments = [*Segment.adjust_line_length(segments, max(width - 1, 0), style, pad=False),
                    ellipsis] if width else []
    elif length < width:
        segments = [*segments, Segment(" " * (width - length), style)]
    return Strip(segments, width)


def _true_colour(*styles: Style) -> bool:
    """Only true colours and no dim: Textual's conversion of ANSI colours leaves these alone."""
    return all(not style.dim and all(colour is None or colour.triplet is not None
                                     for colour in (style.color, style.bgcolor))
               for style in styles)


class ResultList(ScrollView, can_focus=False):
    """Search results.  Never takes focus: the cursor stays in the search field (fzf).

    Posts `Highlighted` when the highlighted row changes (or new hits arrive with
    one highlighted) and `Selected` when a row is clicked.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "result-list--highlighted", "result-list--hover", "result-list--match",
        "result-list--muted", "result-list--message",
        *(f"result-list--{kind}" for kind in KIND_STYLES),
    }

    DEFAULT_CSS = """
    ResultList {
        color: $foreground;
        padding: 0 1;
        overflow-x: hidden;
        & > .result-list--highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .result-list--hover { background: $block-hover-background; }
        & > .result-list--match { color: $text-accent; text-style: bold underline; }
        & > .result-list--muted { color: $text-muted; }
        & > .result-list--message { color: $text-muted; }""" + "".join(f"""
        & > .result-list--{kind} {{ color: {colour}; }}""" for kind, colour in KIND_STYLES.items()) + """
    }
    """

    class _HitMessage(Message):
        def __init__(self, result_list: ResultList, hit: Hit, new_results: bool = False) -> None:
            super().__init__()
            self.result_list = result_list
            self.hit = hit
            self.new_results = new_results  # a new search put it first, not an arrow key

        @property
        def control(self) -> ResultList:
            return self.result_list

    class Highlighted(_HitMessage):
        """The highlighted hit changed (to show it in the detail pane)."""

    class Selected(_HitMessage):
        """A hit was clicked (to open it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hits: list[Hit] = []
        self.message: str | None = None
        self._highlighted: int | None = None
        self._hover: int | None = None
        self._rows: dict[tuple[int, str, int], Strip] = {}
        self._palettes: dict[str, ResultList._Palette] = {}
        self._width = 0

    # -- content

    def show_hits(self, hits: list[Hit], empty_message: str, highlight: bool = True) -> None:
        """Replace the list; highlight the first hit (which shows it in the detail pane)."""
        self.hits = hits
        self.message = None if hits else empty_message
        self._replaced()
        if hits and highlight:
            self._highlight(0, new_results=True)

    def show_message(self, message: str) -> None:
        """A status line in place of results (opening the directory, building it)."""
        self.hits = []
        self.message = message
        self._replaced()

    def _replaced(self) -> None:
        self._highlighted = None
        self._hover = None
        self._rows.clear()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._update_virtual_size()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.hits) if self.hits else 1

    def _update_virtual_size(self) -> None:
        """One line per row.  The width stays 0: rows are drawn to the widget's width
        and never scroll sideways, and a virtual size that followed the width made
        every resize, the first layout included, ask for another layout pass of the
        whole screen as the app starts."""
        size = Size(0, self.row_count)
        if not self.size and self.is_attached:
            # Not laid out yet (the app's first results): the first layout will read
            # the size, so it asks for no layout of its own (that request would come
            # after the first layout and redo it); and more rows than the terminal has
            # lines need the scrollbar, so the first layout makes room for it instead
            # of finding out and asking for a second one.
            self.set_reactive(ResultList.virtual_size, size)
            self.set_reactive(ResultList.show_vertical_scrollbar,
                              size.height > self.app.size.height)
        elif size != self.virtual_size:
            self.virtual_size = size

    def on_resize(self) -> None:
        self._rows.clear()

    def notify_style_update(self) -> None:
        """A theme or CSS change: draw every row again in the new colours."""
        super().notify_style_update()
        self._rows.clear()
        self._palettes.clear()

    # -- the highlight

    @property
    def highlighted(self) -> int | None:
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        self._highlight(index)

    def _highlight(self, index: int | None, new_results: bool = False) -> None:
        if index is not None:
            if not self.hits:
                index = None
            else:
                index = min(max(index, 0), len(self.hits) - 1)
        previous, self._highlighted = self._highlighted, index
        if index == previous:
            return
        for row in (previous, index):
            self._refresh_row(row)
        if index is not None:
            self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True,
                                  force=True)
            self.post_message(self.Highlighted(self, self.hits[index], new_results))

    @property
    def highlighted_hit(self) -> Hit | None:
        if self.highlighted is None or not self.hits or self.highlighted >= len(self.hits):
            return None
        return self.hits[self.highlighted]

    def _refresh_row(self, row: int | None) -> None:
        if row is not None:
            self.refresh(Region(0, row - int(self.scroll_offset.y), self.size.width, 1))

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def action_cursor_down(self) -> None:
        self.highlighted = 0 if self.highlighted is None else self.highlighted + 1

    def action_cursor_up(self) -> None:
        self.highlighted = 0 if self.highlighted is None else self.highlighted - 1

    def action_page_down(self) -> None:
        self.highlighted = (len(self.hits) - 1 if self.highlighted is None
                            else self.highlighted + self._page())

    def action_page_up(self) -> None:
        self.highlighted = 0 if self.highlighted is None else self.highlighted - self._page()

    # -- mouse

    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        row = offset.y + int(self.scroll_offset.y)
        return row if 0 <= row < len(self.hits) else None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is not None:
            self.highlighted = row
            self.post_message(self.Selected(self, self.hits[row]))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        if row != self._hover:
            previous, self._hover = self._hover, row
            for changed in (previous, row):
                self._refresh_row(changed)

    def on_leave(self) -> None:
        previous, self._hover = self._hover, None
        self._refresh_row(previous)

    # -- drawing

    @dataclass(frozen=True)
    class _Palette:
        """The styles of one kind of row (plain, highlighted, under the mouse)."""

        base: Style
        match: Style
        muted: Style
        kinds: dict[str, Style]
        message: Style

        @cached_property
        def true_colour(self) -> bool:
            return _true_colour(self.base, self.match, self.muted, self.message,
                                *self.kinds.values())

    def _palette(self, state: str) -> _Palette:
        """Styles resolved once per theme, not per row: resolving them walks the DOM."""
        palette = self._palettes.get(state)
        if palette is None:
            def layer(name: str) -> Style:  # a component's text style, over the row's background
                style = self.get_component_rich_style(f"result-list--{name}", default=PLAIN)
                return Style(color=style.color, bold=style.bold, italic=style.italic,
                             underline=style.underline)

            base = (self.get_component_rich_style(f"result-list--{state}") if state
                    else self.rich_style)
            palette = self._palettes[state] = self._Palette(
                base, base + layer("match"), base + layer("muted"),
                {kind: base + layer(kind) for kind in KIND_STYLES},
                self.get_component_rich_style("result-list--message"))
        return palette

    def render_lines(self, crop: Region) -> list[Strip]:
        self._width = self.scrollable_content_region.width  # once per redraw, not per row
        if not self._plain():
            return super().render_lines(crop)
        # The rows as Textual's styles cache draws a content line: the row, filled out
        # to the content width (under a scrollbar) and padded, in the background colour.
        # The cache would pass every row through its border, outline, tint and opacity
        # steps, none of which applies here: a page of new rows took 3.3-5.2 ms that
        # way, about 0.8 ms this way (with `_row_filters`), at every keystroke.
        base_background, background = self.background_colors
        inner = TextualStyle(background=base_background + background).rich_style
        width = self.region.width
        left, right = self.styles.padding.left, self.styles.padding.right
        fill = self.content_region.width - self._width
        before = [Segment(" " * left, inner)] if left else []
        after = [Segment(" " * cells, inner) for cells in (fill, right) if cells]
        strips = [Strip([*before, *self.render_line(y), *after], width)
                  for y in crop.line_range]
        for apply in self._row_filters(inner):   # e.g. monochrome (NO_COLOR)
            strips = [strip.apply_filter(apply, background) for strip in strips]
        if crop.column_span != (0, width):
            strips = [strip.crop(*crop.column_span) for strip in strips]
        return strips

    def _row_filters(self, *more_styles: Style) -> list[LineFilter]:
        """The app's line filters that change these rows.  Textual converts ANSI colours
        to true colour in every line it draws; rows drawn only in true colour (every
        theme but the ANSI ones, which turn the conversion off) come out the same, and
        converting them took a third of drawing a page of rows."""
        filters = self.get_line_filters()
        if any(isinstance(f, ANSIToTruecolor) for f in filters) \
                and self._palettes and all(p.true_colour for p in self._palettes.values()) \
                and _true_colour(*more_styles):
            filters = [f for f in filters if not isinstance(f, ANSIToTruecolor)]
        return filters

    def _plain(self) -> bool:
        """Nothing in the styles but colours and side padding (the list's frame is its
        container's, see `MainScreen`): rows can be drawn without Textual's styles cache."""
        styles = self.styles
        return (not any(edge for edge, _ in styles.border)
                and not any(edge for edge, _ in styles.outline)
                and styles.padding.top == styles.padding.bottom == 0
                and not styles.tint.a and styles.text_opacity == 1.0 and self.opacity == 1.0
                and not (styles.has_rule("hatch") and styles.hatch != "none")
                and self._border_title is None and self._border_subtitle is None
                and not self.BLANK)

    def render_line(self, y: int) -> Strip:
        row = y + int(self.scroll_offset.y)
        width = self._width
        if not self.hits:
            if row == 0 and self.message:
                palette = self._palette("")
                return fit([Segment(self.message, palette.message)], width, palette.base)
            return Strip.blank(width, self._palette("").base)
        if row >= len(self.hits):
            return Strip.blank(width, self._palette("").base)
        state = ("highlighted" if row == self._highlighted
                 else "hover" if row == self._hover else "")
        key = (row, state, width)
        strip = self._rows.get(key)
        if strip is None:
            strip = self._rows[key] = self._draw(self.hits[row], self._palette(state), width)
        return strip

    def _draw(self, hit: Hit, palette: _Palette, width: int) -> Strip:
        base, match, muted = palette.base, palette.match, palette.muted
        label = KIND_LABELS.get(hit.kind, hit.kind).ljust(BADGE_WIDTH)
        segments = [Segment(label, palette.kinds.get(hit.kind, base))]
        segments += spans_to_segments(hit.title, hit.title_spans, base, match)
        if hit.subtitle:
            segments.append(Segment(" — ", muted))
            segments += spans_to_segments(hit.subtitle, hit.subtitle_spans, muted, match)
        return fit(segments, width, base)

