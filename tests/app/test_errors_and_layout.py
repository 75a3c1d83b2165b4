"""Pilot tests: data errors show a screen (never a traceback), and every size stays usable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from urbact_tui.app import UrbactApp
from urbact_tui.directory.errors import DirectoryError
from urbact_tui.directory.loader import load
from urbact_tui.directory.store import open_directory
from urbact_tui.paths import bundled_seed
from urbact_tui.screens.error import ErrorScreen
from urbact_tui.widgets.detail import DetailPane
from urbact_tui.widgets.search_input import SearchInput

from .conftest import search_for, settle, type_query


def screen_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static"))


def corrupt_copy(built_db: Path, target: Path) -> Path:
    """A real SQLite file with its schema pages overwritten."""
    data = bytearray(built_db.read_bytes())
    data[100:8192] = b"\xff" * (8192 - 100)
    target.write_bytes(bytes(data))
    return target


async def error_screen_text(pilot, error: DirectoryError) -> str:
    """The error screen's text, after checking it is up and shows `error` word for word."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, ErrorScreen)
    text = screen_text(pilot.app)
    assert error.render() in text
    return text


async def test_a_corrupt_database_shows_the_error_and_rebuilds_from_the_seed(tmp_path, built_db):
    db = corrupt_copy(built_db, tmp_path / "broken.db")
    with pytest.raises(DirectoryError) as raised:
        open_directory(db, bundled_seed())
    app = UrbactApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        text = await error_screen_text(pilot, raised.value)
        assert str(db) in text and "Rebuild" in text
        await pilot.press("enter")  # the focused button: rebuild
        await settle(pilot)
        assert app.screen is app.main_screen
        assert app.main_screen.results.hits
    assert open_directory(db, bundled_seed()).counts()["city"] > 10


async def test_a_text_file_in_place_of_the_database_is_not_overwritten(tmp_path):
    db = tmp_path / "notes.txt"
    db.write_text("my notes, not a database\n")
    app = UrbactApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "loading would overwrite it" in screen_text(app)
    assert db.read_text() == "my notes, not a database\n"


async def test_invalid_yaml_shows_where_and_quitting_returns_2(tmp_path):
    source = tmp_path / "mine.yaml"
    shutil.copyfile(bundled_seed(), source)
    db = tmp_path / "mine.db"
    load(source, db)
    text = source.read_text(encoding="utf-8").replace("id: loule\n", "id: Loule Bad\n", 1)
    source.write_text(text, encoding="utf-8")
    with pytest.raises(DirectoryError) as raised:
        open_directory(db, bundled_seed())
    app = UrbactApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        shown = await error_screen_text(pilot, raised.value)
        assert "line" in shown and "Loule Bad" in shown
        await pilot.press("q")
    assert app.return_code == 2


def test_run_app_prints_the_error_and_returns_2_without_a_traceback(tmp_path, built_db):
    """run_app on a broken database, quit from the error screen: exit code 2, no traceback."""
    db = corrupt_copy(built_db, tmp_path / "broken.db")
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from urbact_tui import app as module\n"
        "class Quitting(module.UrbactApp):\n"
        "    def _show_error(self, error):\n"
        "        super()._show_error(error)\n"
        "        self.set_timer(0.3, lambda: self.screen.action_quit_app())\n"
        "module.UrbactApp = Quitting\n"
        "original = Quitting.run\n"
        "Quitting.run = lambda self, **kw: original(self, headless=True)\n"
        f"sys.exit(module.run_app(Path({str(db)!r})))\n"
    )
    (tmp_path / "quit_on_error.py").write_text(script)
    done = subprocess.run([sys.executable, str(tmp_path / "quit_on_error.py")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error in ") and "fix:" in done.stderr
    assert "Traceback" not in done.stderr


async def test_tiny_terminal_does_not_crash(app):
    async with app.run_test(size=(20, 5)) as pilot:
        await type_query(pilot, "lou")
        await pilot.press("enter", "ctrl+l", "escape", "f1", "escape", "escape")
        await settle(pilot)
        await pilot.resize_terminal(1, 1)
        await settle(pilot)
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert app.main_screen.search_input.value == "lou"


async def test_narrow_terminal_shows_one_pane_at_a_time(app):
    async with app.run_test(size=(60, 24)) as pilot:
        await search_for(pilot, "loule")
        screen = app.main_screen
        assert screen.has_class("-narrow")
        assert screen.results_pane.display and not screen.detail.display
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, DetailPane)
        assert screen.detail.display and not screen.results_pane.display
        await pilot.press("escape")
        assert isinstance(app.focused, SearchInput)
        assert screen.results_pane.display


def test_the_core_and_clipboard_never_import_textual():
    code = ("import sys, urbact_tui.clipboard, urbact_tui.cli, urbact_tui.directory.store, "
            "urbact_tui.directory.cards, urbact_tui.directory.search\n"
            "assert 'textual' not in sys.modules and 'rich' not in sys.modules, 'UI imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_first_run_builds_the_database(tmp_path):
    """No database yet: the app builds it from the bundled seed (in its worker)."""
    import asyncio

    db = tmp_path / "new" / "d.db"
    db.parent.mkdir()
    app = UrbactApp(db)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, timeout=60)
            assert app.main_screen.results.hits

    asyncio.run(run())
    assert Path(db).exists()
