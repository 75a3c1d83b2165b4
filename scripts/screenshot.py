"""Regenerate docs/screenshot.svg, the README's picture of the app, from the real app.

    python scripts/screenshot.py            # writes docs/screenshot.svg
    python scripts/screenshot.py out.svg    # or somewhere else

Builds a fresh database from the bundled directory in a temporary folder,
types "loule" and saves Textual's SVG screenshot, so the picture always shows
the current app and data.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from urbact_tui.app import UrbactApp
from urbact_tui.directory.loader import load
from urbact_tui.paths import bundled_seed

REPO = Path(__file__).resolve().parents[1]
SIZE = (110, 30)
QUERY = "loule"


async def capture(db_path: Path, target: Path) -> None:
    app = UrbactApp(db_path)
    async with app.run_test(size=SIZE) as pilot:
        while app.directory is None and app.directory_error is None:
            await pilot.pause(0.05)
        app.main_screen.search_input.cursor_blink = False
        await pilot.press(*QUERY)
        for _ in range(4):
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(filename=target.name, path=str(target.parent))


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else REPO / "docs" / "screenshot.svg"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "directory.db"
        load(bundled_seed(), db_path)
        asyncio.run(capture(db_path, target.resolve()))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
