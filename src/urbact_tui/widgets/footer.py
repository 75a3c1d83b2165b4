"""The key bar at the bottom of each screen: one widget that draws its keys as one line.

Textual's Footer is a container of one widget per key (a dozen, each with its
own styles), built empty and recomposed once the screen's bindings are known.
At start-up that recompose and the layout pass after it came after the first
results: the app was interactive ~100 ms sooner at 100k records without any
footer, and is ~35-45 ms sooner with this one (benchmarks/app_probe.py, 15
interleaved starts each, machine under load).  This one draws the
same line (the same colours, the command palette key on the right) with the
line API and only repaints when the keys it shows change; a click on a key
presses it and hovering shows the key's tooltip, as on Textual's footer.  Not
carried over, as the app uses neither: binding groups (one label for several keys)
and the compact style.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

SEPARATOR = "▏"  # Textual's `vkey` left border, before the command palette key


class FooterKey(NamedTuple):
    """One key as the bar shows it."""

    key: str          # the key to press (the binding's first key)
    display: str      # how the key is shown, e.g. ^y
    description: str
    enabled: bool
    tooltip: str


class KeyFooter(Widget, can_focus=False):
    """The active bindings of its screen that are shown (`show=True`), one after the
    other, and the command palette key at the right edge.  Keys that do not fit are
    cut at the palette key, as Textual's footer does."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--hover",
                         "key-footer--separator"}
    # The values of Textual's Footer and FooterKey (textual/widgets/_footer.py, 8.2.8).
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--hover {
            background: $block-hover-background;
        }
        & > .key-footer--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.keys: tuple[FooterKey, ...] = ()
        self.palette_key: FooterKey | None = None
        self._spans: list[tuple[int, int, FooterKey]] = []  # (start, end, key) of the last draw
        self._line: tuple[tuple, Strip] | None = None       # (what it was drawn from, line)
        self._hover: FooterKey | None = None
        self._update_pending = False
        self._keys_read = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Read the keys once the screen has settled: focus moving through two widgets
        in one go (blur, then focus) changes the bindings twice, and the keys once."""
        if screen is self.screen and self.is_attached and not self._update_pending:
            self._update_pending = True
            self.call_after_refresh(self.update_keys)

    def update_keys(self) -> None:
        """Read the screen's active bindings; repaint only if the keys shown changed."""
        self._update_pending = False
        if self.is_attached and self._read_keys():
            self.refresh()

    def _read_keys(self) -> bool:
        """Take the keys to show from the screen's active bindings; True if they changed."""
        self._keys_read = True
        keys: dict[str, FooterKey] = {}  # by action: one key per action, as Textual's footer
        active = self.screen.active_bindings
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = self._key(binding, enabled, tooltip)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._key(binding, enabled, binding.tooltip or binding.description)
        shown = tuple(keys.values())
        if (shown, palette) == (self.keys, self.palette_key):
            return False
        self.keys, self.palette_key = shown, palette
        return True

    def _key(self, binding: Binding, enabled: bool, tooltip: str) -> FooterKey:
        return FooterKey(binding.key.split(",")[0].strip(), self.app.get_key_display(binding),
                         binding.description, enabled, tooltip)

    # -- drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line = None

    def render_line(self, y: int) -> Strip:
        if not self._keys_read:  # read as first drawn, not on mount: focus is set by then,
            self._read_keys()    # and the first frame has the keys, with no repaint after
        width = self.size.width
        drawn_from = (self.keys, self.palette_key, self._hover, width)
        if self._line is None or self._line[0] != drawn_from:
            self._line = (drawn_from, self._draw(width))
        return self._line[1]

    def _draw(self, width: int) -> Strip:
        base = Style.from_color(bgcolor=self.rich_style.bgcolor)  # padding: background only
        styles = (self.get_component_rich_style("key-footer--key"),
                  self.get_component_rich_style("key-footer--description"), base)
        hover = Style(bgcolor=self.get_component_rich_style("key-footer--hover").bgcolor)
        dim = Style(dim=True)

        def styles_of(key: FooterKey) -> tuple[Style, ...]:
            """(key, description, padding) styles: hovered, dimmed when disabled."""
            shown = tuple(style + hover for style in styles) if key == self._hover else styles
            return shown if key.enabled else tuple(style + dim for style in shown)

        segments: list[Segment] = []
        spans: list[tuple[int, int, FooterKey]] = []
        position = 0
        for key in self.keys:
            key_style, description_style, _ = styles_of(key)
            text = f" {key.display} "
            segments.append(Segment(text, key_style))
            if key.description:
                text += f"{key.description} "
                segments.append(Segment(f"{key.description} ", description_style))
            length = Strip([Segment(text)]).cell_length
            spans.append((position, position + length, key))
            position += length
        palette: list[Segment] = []
        if self.palette_key is not None:
            # compact, as Textual draws it: no padding around the key, a space before the
            # description, one cell of padding on the right, a thin line on the left
            key_style, description_style, padding_style = styles_of(self.palette_key)
            palette = [Segment(SEPARATOR, self.get_component_rich_style("key-footer--separator")),
                       Segment(self.palette_key.display, key_style),
                       Segment(f" {self.palette_key.description}", description_style),
                       Segment(" ", padding_style)]
        palette_width = Strip(palette).cell_length if palette else 0
        room = max(width - palette_width, 0)
        self._spans = [(start, min(end, room), key) for start, end, key in spans if start < room]
        if self.palette_key is not None:
            self._spans.append((room, width, self.palette_key))
        line = Strip(segments, position).crop(0, room).extend_cell_length(room, base)
        return Strip.join([line, Strip(palette, palette_width)]).crop(0, width)

    # -- the mouse: hover shows a key's tooltip, a click presses it

    def key_at(self, x: int) -> FooterKey | None:
        for start, end, key in self._spans:
            if start <= x < end:
                return key
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.key_at(event.x))

    def on_leave(self) -> None:
        self._set_hover(None)

    def _set_hover(self, key: FooterKey | None) -> None:
        if key != self._hover:
            self._hover = key
            self.tooltip = key.tooltip or key.description if key else None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
