"""The app in odd terminals and under abuse: it keeps working and never crashes.

Resizes down to 20x5 and back, a `load` while the app is open, thousands of
random keys (a monkey test), and, in a real terminal, LANG=C and NO_COLOR=1.
(Resizes are tested with the pilot: under pytest, tmux's resize-window does
not always give the pane its new height back, which would test tmux, not us.)
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys

import pytest
from textual import events

from urbact_tui.directory.loader import load
from urbact_tui.paths import bundled_seed
from urbact_tui.widgets.search_input import SearchInput

from .conftest import settle, type_query
from .test_real_terminal import COMMAND, DRIVER

SIZE = (100, 30)

# Every key a person might hit, except quitting (ctrl+q), suspending (ctrl+z) and the
# command palette (ctrl+p): in Textual 8.2.8 the palette's own gather worker and
# dismissal race with keys that arrive within a millisecond (NoMatches 'CommandList',
# ScreenStackError), which is Textual's, not ours; the palette is tested at a
# person's pace in test_actions.py.
MONKEY_KEYS = (
    list("abcdefghijklmnopqrstuvwxyzé0123456789 :-/?") +
    ["enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "pageup",
     "pagedown", "home", "end", "backspace", "delete", "ctrl+y", "ctrl+t", "ctrl+l",
     "f1", "f5", "ctrl+s", "ctrl+c", "n", "m"]
)


async def test_resizing_down_to_20x5_and_back_keeps_the_app_working(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        for size in [(60, 20), (40, 10), (20, 5), (1, 1), (20, 5), SIZE]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
        await settle(pilot)
        assert app.is_running
        assert app.main_screen.results.hits[0].id == "loule"
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert app.main_screen.search_input.value == "lou"


async def test_a_load_while_the_app_is_open_does_not_break_it_and_f5_reloads(app, db_path, tmp_path):
    source = tmp_path / "mine.yaml"
    text = bundled_seed().read_text(encoding="utf-8").replace("name: Loulé", "name: Loulé Renamed", 1)
    source.write_text(text, encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        load(source, db_path)  # another process (or the CLI) rebuilds the database
        await pilot.press("space", "r")
        await settle(pilot)
        assert app.main_screen.search_input.value == "loule r"  # still answering
        await pilot.press("backspace", "backspace", "f5")
        await settle(pilot)
        titles = [h.title for h in app.main_screen.results.hits]
        assert "Loulé Renamed" in titles


@pytest.mark.parametrize("seed", [1, 2])
async def test_monkey_thousands_of_random_keys_leave_the_app_alive(app, seed, tmp_path):
    rng = random.Random(seed)
    keys = [rng.choice(MONKEY_KEYS) for _ in range(1500)]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for start in range(0, len(keys), 5):  # fast typing: bursts of five keys
            for key in keys[start:start + 5]:
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            await pilot.pause(0.005)
        await settle(pilot)
        assert app.is_running and app.return_code is None
        # Still responsive: get back to the main screen and search.
        while len(app.screen_stack) > 1:
            app.pop_screen()
            await pilot.pause()
        await pilot.press("slash")
        app.main_screen.search_input.value = ""
        app.main_screen.set_kind(None)
        await type_query(pilot, "loule")
        assert isinstance(app.focused, SearchInput)
        assert app.main_screen.results.hits[0].id == "loule"


@pytest.mark.parametrize("env", [{"LANG": "C", "LC_ALL": "C"}, {"NO_COLOR": "1"}],
                         ids=["LANG=C", "NO_COLOR=1"])
def test_odd_locales_and_no_color_in_a_real_terminal(tmp_path, built_db, env):
    if shutil.which("tmux") is None or not DRIVER.exists() or not COMMAND.exists():
        pytest.skip("needs tmux, the terminal driver and the installed command")
    db = tmp_path / "d.db"
    shutil.copyfile(built_db, db)
    steps = [
        {"wait": "Results", "timeout": 30},
        {"type": "loule"},
        {"expect": "+351 289 400 600", "timeout": 15},
        {"key": "C-y"},
        {"expect": "Copied", "timeout": 15},
        {"clipboard_contains": "Loulé"},
        {"key": "C-q"},
        {"wait_exit": True, "status": 0},
    ]
    command = [sys.executable, str(DRIVER), "run", "--cmd", f"{COMMAND} --db {db}",
               "--size", "80x24", "--cwd", str(tmp_path), "--steps", json.dumps(steps)]
    for key, value in env.items():
        command += ["--env", f"{key}={value}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout


async def test_pagedown_as_the_command_palette_opens_does_not_crash(app):
    """Textual's OptionList raised KeyError on a page move before its lines existed."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(events.Key("ctrl+p", None))
        app.post_message(events.Key("pagedown", None))
        app.post_message(events.Key("pageup", None))
        await pilot.pause(0.2)
        assert app.is_running
        await pilot.press("escape")
        await type_query(pilot, "loule")
        assert app.main_screen.results.hits[0].id == "loule"
