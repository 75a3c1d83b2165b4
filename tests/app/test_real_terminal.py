"""The installed `urbact-tui` in a real terminal (tmux), driven by ../shared/tools/tui_drive.py.

Checks what pilot tests cannot: the command starts (building its database on
first run), draws in a real terminal, and Ctrl+Y's OSC 52 copy reaches tmux's
clipboard.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DRIVER = (REPO / "../shared/tools/tui_drive.py").resolve()
COMMAND = Path(sys.executable).with_name("urbact-tui")


def test_search_detail_and_copy_in_tmux(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    if not DRIVER.exists():
        pytest.skip(f"the terminal driver is missing: {DRIVER}")
    if not COMMAND.exists():
        pytest.skip(f"the urbact-tui command is not installed next to {sys.executable}")
    db = tmp_path / "first-run.db"  # missing: the app builds it from the bundled seed
    steps = [
        {"wait": "Results", "timeout": 30},
        {"type": "loule"},
        {"expect": "+351 289 400 600", "timeout": 15},
        {"key": "Escape"},
        {"type": "martin neubert"},
        {"expect": ["Martin Neubert", "+49 371 3557029"], "timeout": 15},
        {"key": "Enter"},
        {"clipboard_clear": True},
        {"key": "C-y"},
        {"clipboard_contains": "BEGIN:VCARD", "timeout": 15},
        {"clipboard_contains": "Neubert"},
        {"expect": "Copied"},
    ]
    done = subprocess.run(
        [sys.executable, str(DRIVER), "run", "--cmd", f"{COMMAND} --db {db}", "--size", "100x30",
         "--cwd", str(tmp_path), "--steps", json.dumps(steps)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert db.exists()
