"""Fixtures for the app tests: a database built once per worker, copied per test."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.worker import WorkerCancelled

from urbact_tui import clipboard
from urbact_tui.app import UrbactApp
from urbact_tui.directory.loader import load
from urbact_tui.directory.store import Directory
from urbact_tui.paths import bundled_seed


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests in a fresh event loop (no pytest-asyncio needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("directory") / "d.db"
    load(bundled_seed(), path)
    return path


@pytest.fixture
def db_path(built_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "d.db"
    shutil.copyfile(built_db, path)
    return path


@pytest.fixture
def directory(db_path: Path):
    opened = Directory(db_path)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real system clipboard (as over SSH); saved files and HOME under tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(clipboard, "copy_to_system_clipboard", lambda text: False)


@pytest.fixture
def app(db_path: Path) -> UrbactApp:
    return UrbactApp(db_path)


async def settle(pilot, timeout: float = 15) -> None:
    """Wait until the directory is open, then until searches and record loads are shown."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while app.directory is None and app.directory_error is None and time.monotonic() < deadline:
        await pilot.pause(0.02)
    for attempt in range(8):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # a search superseded by a newer keystroke: expected
            continue
        await pilot.pause()
        if attempt and not any(worker.is_running for worker in app.workers):
            break


async def type_query(pilot, text: str) -> None:
    await settle(pilot)
    await pilot.press(*text)
    await settle(pilot)


async def search_for(pilot, text: str) -> None:
    """Put a query in the search field at once (tests whose subject is not typing)."""
    await settle(pilot)
    pilot.app.main_screen.search_input.value = text
    await settle(pilot)


def detail_text(app: UrbactApp) -> str:
    """The detail pane's text, tables included, as plain text."""
    console = Console(width=120, color_system=None, record=True, file=open("/dev/null", "w"))
    parts = []
    for option in app.main_screen.detail.options:
        prompt = option.prompt
        if hasattr(prompt, "plain"):
            parts.append(prompt.plain)
        else:
            console.print(prompt)
            parts.append(console.export_text())
    return "\n".join(parts)


def notifications(app: UrbactApp) -> list[str]:
    return [n.message for n in app._notifications]
