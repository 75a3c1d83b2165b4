"""The issue's done-when, one story each: a newcomer, keyboard only, no README."""

from __future__ import annotations

from urbact_tui.directory import cards
from urbact_tui.screens.timeline import TimelineScreen

from .conftest import detail_text, settle, type_query


async def test_a_newcomer_finds_loules_office_phone(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await type_query(pilot, "loule")
        # the city is the top hit; its office and phone are in the pane at once
        assert app.main_screen.detail.record["id"] == "loule"
        assert "+351 289 400 600" in detail_text(app)
        await pilot.press("down")  # or the office itself, one row down
        await settle(pilot)
        assert app.main_screen.detail.record["id"] == "loule-city"
        assert "Phone    +351 289 400 600" in detail_text(app)


async def test_a_newcomer_copies_martin_neuberts_card(app, directory):
    async with app.run_test(size=(80, 24)) as pilot:
        await type_query(pilot, "neubert")
        assert app.main_screen.detail.record["id"] == "martin-neubert"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.clipboard == cards.render(directory.get("contact", "martin-neubert"), "vcard")
        assert app.clipboard.startswith("BEGIN:VCARD") and "FN:Martin Neubert" in app.clipboard


async def test_a_newcomer_reads_the_in_focus_meeting_history_in_order(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await type_query(pilot, "in focus")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        seen = []
        for _ in range(6):
            seen.append(app.screen.highlighted_meeting)
            await pilot.press("down")
        assert [m["network"] for m in seen] == ["in-focus"] * 6
        assert [m["order"] for m in seen] == [1, 2, 3, 4, 5, 6]
        assert [m["city_name"] for m in seen] == [
            "Ostrava", "Frankfurt", "Torino", "Bordeaux", "Grenoble", "Bilbao"]
        assert [m["date"] for m in seen][:2] == ["Sep (year 1?)", "Nov (year 1?)"]
