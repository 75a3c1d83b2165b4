"""Pilot tests of start-up: the first results come before the search index, which
then loads in the background; a damaged index still ends on the error screen."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time

from urbact_tui.app import UrbactApp
from urbact_tui.screens.error import ErrorScreen

from .conftest import settle, type_query

SIZE = (120, 40)


async def wait_until(condition, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_the_index_loads_after_the_first_results(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.main_screen.results.hits
        assert await wait_until(lambda: app.directory._index is not None)
        await type_query(pilot, "loule")
        assert app.main_screen.results.hits[0].id == "loule"


async def test_the_phone_library_is_prepared_after_the_index(app, monkeypatch):
    """A contact's phones are checked when it is shown: the library (~50 ms to import)
    is loaded in the background once the index is in, not by the first contact."""
    from urbact_tui.directory import store

    prepared = []
    monkeypatch.setattr(store, "prepare_phone_checks",
                        lambda: prepared.append(app.directory._index is not None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await wait_until(lambda: prepared)
        assert prepared == [True]


async def test_typing_before_the_directory_opens_searches_what_was_typed(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"loule")
        await settle(pilot)
        assert app.main_screen.search_input.value == "loule"
        assert app.main_screen.results.hits[0].id == "loule"


async def test_a_damaged_index_shows_the_error_screen_after_the_first_results(db_path):
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("UPDATE search_index SET value = x'ff' WHERE name = 'vocab'")
        conn.commit()
    app = UrbactApp(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await wait_until(lambda: isinstance(app.screen, ErrorScreen))
        assert "search index is damaged" in app.directory_error.message
