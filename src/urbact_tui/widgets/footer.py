"""The key bar at the bottom of each screen, rebuilt only when what it shows changes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds all its keys (a dozen widgets, ~18 ms) whenever the
    bindings *may* have changed: at start-up three times, and again after every focus
    change, though the keys shown are mostly the same.  This one compares first."""

    def __init__(self) -> None:
        super().__init__()
        self._drawn: tuple | None = None  # what the keys on screen were built from

    def _shown(self) -> tuple:
        return (self.compact, self.show_command_palette,
                *((key, binding.action, binding.description, binding.show, enabled, tooltip)
                  for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()))

    def _up_to_date(self) -> bool:
        """True if rebuilding would draw the same keys (or there is nothing to rebuild:
        the footer's screen has been closed)."""
        if not self.is_attached or self._pruning:
            return True
        return self._drawn is not None and self._shown() == self._drawn

    def compose(self) -> ComposeResult:
        self._drawn = self._shown() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and self._up_to_date():
            return
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        if not self._up_to_date():
            await super().recompose()
