"""A guard around one Textual 8.2.8 bug, applied once when the app is imported.

`OptionList._move_page` (PageUp/PageDown) looks up the highlighted option's
line before the list has laid its lines out, and raises KeyError — which ends
the app.  It happens when PageDown is pressed right after a list is refilled,
e.g. in the command palette as it opens.  The monkey test in
tests/app/test_terminal_faults.py finds it.  Until Textual fixes it, a page
move that cannot be laid out yet falls back to moving to the first or last
option, which is what the key means on a list that is just appearing.
"""

from __future__ import annotations

from textual.widgets import OptionList

_original_move_page = OptionList._move_page


def _move_page_safely(self: OptionList, direction: int) -> None:
    try:
        _original_move_page(self, direction)
    except (KeyError, IndexError):
        if direction > 0:
            self.action_last()
        else:
            self.action_first()


def apply() -> None:
    """Install the guard (idempotent)."""
    OptionList._move_page = _move_page_safely
