"""Snapshots of the main screens at 80×24 and 120×40 (they complement the pilot tests).

Regenerate after an intended visual change with
`pytest tests/app/test_snapshots.py --snapshot-update` and review the SVG diff.
"""

from __future__ import annotations

import pytest

from urbact_tui.app import UrbactApp

from .conftest import settle


def prepare(query: str = "", keys: tuple[str, ...] = ()):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.main_screen.search_input.cursor_blink = False
        if query:
            pilot.app.main_screen.search_input.value = query
            await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


CASES = {
    "start_80x24": ((80, 24), prepare()),
    "loule_80x24": ((80, 24), prepare("loule")),
    "loule_120x40": ((120, 40), prepare("loule")),
    "contact_with_warning_120x40": ((120, 40), prepare("martin neubert", ("enter",))),
    "network_80x24": ((80, 24), prepare("n:in focus", ("enter",))),
    "timeline_120x40": ((120, 40), prepare("", ("ctrl+l",))),
    "help_80x24": ((80, 24), prepare("", ("f1",))),
    "narrow_detail_60x20": ((60, 20), prepare("loule", ("enter",))),
}


@pytest.mark.parametrize("case", list(CASES))
def test_snapshot(case, snap_compare, db_path):
    size, run_before = CASES[case]
    assert snap_compare(UrbactApp(db_path), terminal_size=size, run_before=run_before)
