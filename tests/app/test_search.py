"""Pilot tests: searching, moving the selection, filters, the detail pane and its history."""

from __future__ import annotations

import time

from textual import events

from urbact_tui.screens.main import ECHO_HOLD
from urbact_tui.widgets.detail import DetailPane
from urbact_tui.widgets.search_input import SearchInput, parse_query

from .conftest import detail_text, search_for, settle, type_query

SIZE = (120, 40)


async def test_starts_in_the_search_field_and_lists_cities_first(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, SearchInput)
        hits = app.main_screen.results.hits
        assert hits and hits[0].kind == "city"
        assert app.main_screen.detail.record is None  # the welcome, with the main keys
        assert "Ctrl+Y  copy the card" in str(app.main_screen.detail.options[0].prompt)
        await pilot.press("down")
        await settle(pilot)
        assert app.main_screen.detail.record["id"] == hits[0].id  # previewed


async def test_typing_ranks_and_highlights_matches(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        hits = app.main_screen.results.hits
        assert [(h.kind, h.id) for h in hits[:2]] == [("city", "loule"), ("contact", "loule-city")]
        row = app.main_screen.results.render_line(1)  # what the second row draws
        assert row.text.startswith("Contact  City of Loulé")
        underlined = [segment.text for segment in row if segment.style and segment.style.underline]
        assert underlined == ["Loulé", "Loulé"]  # in its name, and in its city after the —
        assert app.main_screen.results_pane.border_subtitle == "2 results"


async def test_arrows_and_pages_move_the_selection_while_typing_continues(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        results = app.main_screen.results
        await pilot.press("down", "down", "down")
        assert results.highlighted == 2
        await pilot.press("up")
        assert results.highlighted == 1
        await pilot.press("pagedown")
        paged = results.highlighted
        assert paged > 10
        await pilot.press("pageup")
        assert results.highlighted < paged
        assert isinstance(app.focused, SearchInput)
        await pilot.press("down")
        await settle(pilot)
        assert app.main_screen.detail.record["id"] == results.highlighted_hit.id
        await pilot.press("b")
        assert app.main_screen.search_input.value == "b"


async def test_enter_opens_the_detail_and_escape_goes_back_step_by_step(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, DetailPane)
        await pilot.press("escape")
        assert isinstance(app.focused, SearchInput)
        assert app.main_screen.search_input.value == "loule"
        await pilot.press("escape")
        await settle(pilot)
        assert app.main_screen.search_input.value == ""
        assert app.main_screen.results.hits[0].kind == "city"


async def test_links_navigate_and_escape_walks_the_history_back(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.main_screen
        assert screen.detail.highlighted_link == ("contact", "loule-city")
        await pilot.press("enter")
        await settle(pilot)
        assert (screen.detail.record["kind"], screen.detail.record["id"]) == ("contact", "loule-city")
        assert "+351 289 400 600" in detail_text(app)
        assert screen.detail.highlighted_link == ("city", "loule")
        await pilot.press("enter")  # and on to the city again: two steps deep
        await settle(pilot)
        assert len(screen.history) == 2
        await pilot.press("escape")
        await settle(pilot)
        assert screen.detail.record["id"] == "loule-city"
        await pilot.press("escape")
        await settle(pilot)
        assert screen.detail.record["id"] == "loule"
        assert isinstance(app.focused, DetailPane)
        await pilot.press("escape")
        assert isinstance(app.focused, SearchInput)


async def test_slash_returns_to_the_search_field_from_the_detail(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "bilbao")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, DetailPane)
        await pilot.press("slash")
        assert isinstance(app.focused, SearchInput)


def test_kind_prefixes():
    assert parse_query("c:loule") == ("city", "loule")
    assert parse_query("person: neubert") == ("contact", "neubert")
    assert parse_query("n:focus", "city") == ("network", "focus")
    assert parse_query("x:loule", "city") == ("city", "x:loule")


async def test_a_kind_prefix_narrows_the_results(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "p:loule")
        assert {h.kind for h in app.main_screen.results.hits} == {"contact"}
        assert app.main_screen.results_pane.border_subtitle == "1 contact"


async def test_ctrl_t_cycles_the_kind_filter(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.main_screen.kind_filter == "city"
        assert {h.kind for h in app.main_screen.results.hits} == {"city"}
        assert app.main_screen.search_input.border_subtitle.startswith("cities")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert {h.kind for h in app.main_screen.results.hits} == {"contact"}


async def test_no_match_says_so(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "zzzzqqq")
        assert app.main_screen.results.hits == []
        assert "Nothing matches" in app.main_screen.results.render_line(0).text


async def test_clicking_a_result_opens_it(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        await pilot.click("#results-pane", offset=(5, 2))  # border, then the second row
        await settle(pilot)
        assert isinstance(app.focused, DetailPane)
        assert app.main_screen.detail.record["id"] == "loule-city"


async def test_clicking_a_link_opens_it(app):
    async with app.run_test(size=SIZE) as pilot:
        await type_query(pilot, "loule")
        detail = app.main_screen.detail
        line = detail._index_to_line[detail.get_option_index("contact:loule-city")]
        await pilot.click("#detail", offset=(8, 1 + line))
        await settle(pilot)
        assert detail.record["id"] == "loule-city"


async def test_warnings_show_in_the_detail(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "rome european funds")
        assert app.main_screen.detail.record["id"] == "rome-european-funds"
        assert "⚠ This department is printed under" in detail_text(app)


async def test_network_detail_lists_cities_meetings_and_documents(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "n:in focus")
        text = detail_text(app)
        for heading in ("Partner cities (8)", "Meetings (6)", "Documents and resources (2)"):
            assert heading in text
        assert "Smart specialisation" in text


async def test_long_text_scrolls_with_the_arrow_keys(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await search_for(pilot, "d:cluster development")
        await pilot.press("enter")
        await settle(pilot)
        detail = app.main_screen.detail
        assert detail.max_scroll_y > 0
        for _ in range(3):
            await pilot.press("down")
        assert detail.scroll_offset.y > 0 or detail.highlighted is not None
        await pilot.press("end")
        assert detail.scroll_offset.y == detail.max_scroll_y
        await pilot.press("home")
        assert detail.scroll_offset.y == 0


async def test_typing_in_the_detail_pane_goes_back_to_the_search(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "loule")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("end", "space", "x")
        assert isinstance(app.focused, SearchInput)
        assert app.main_screen.search_input.value == "loulex"


async def test_a_slow_stale_search_never_overwrites_a_newer_one(app, monkeypatch):
    import time

    from urbact_tui.app import UrbactApp

    original = UrbactApp.call_directory

    def slow_for_lo(self, method, *args):
        if method == "search" and args[0] == "lo":
            time.sleep(0.4)  # the older keystroke's search finishes last
        return original(self, method, *args)

    monkeypatch.setattr(UrbactApp, "call_directory", slow_for_lo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.search_input.value = "lo"
        await pilot.pause()
        app.main_screen.search_input.value = "loule"
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert [h.id for h in app.main_screen.results.hits] == ["loule", "loule-city"]


async def test_the_search_field_says_which_kinds_it_searches(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "n:in focus")
        assert app.main_screen.search_input.border_subtitle == "networks (from n:)"
        await search_for(pilot, "in focus")
        assert app.main_screen.search_input.border_subtitle == "all kinds · ^t to change"


async def test_letters_typed_before_the_search_field_had_focus_are_kept(app):
    """At start-up, keys arrive before the field exists and are addressed to the screen."""
    from textual import events

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.set_focus(None)
        for letter in "loule":
            screen.post_message(events.Key(letter, letter))
        await settle(pilot)
        assert screen.search_input.value == "loule"
        assert isinstance(app.focused, SearchInput)
        assert screen.results.hits[0].id == "loule"


async def _frames_around_a_keystroke(app, pilot, letter: str) -> tuple[list[float], float]:
    """Press `letter`; return the times of the screen updates that followed and the
    time its results were shown."""
    screen = app.main_screen
    frames: list[float] = []
    shown: list[float] = []
    draw, show = screen._compositor_refresh, screen._show_hits

    def drawn() -> None:
        draw()
        frames.append(time.monotonic())

    def showing(text, *args):
        show(text, *args)
        shown.append(time.monotonic())

    screen._compositor_refresh, screen._show_hits = drawn, showing
    await pilot.press(letter)
    await settle(pilot)
    await pilot.pause(0.1)
    assert shown, "the results never came"
    return frames, shown[-1]


async def test_a_typed_letter_is_drawn_with_its_results_not_a_frame_before(app):
    """One frame per keystroke: never the new letter over the old results."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        frames, results_at = await _frames_around_a_keystroke(app, pilot, "l")
        assert [t for t in frames if t < results_at] == []
        assert [t for t in frames if t >= results_at]  # drawn, with the results
        assert app._batch_count == 0


async def test_a_slow_search_does_not_hide_the_typed_letter(app, monkeypatch):
    """Updates are held for ECHO_HOLD at most: the letter shows while a slow search runs."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = app.directory.search

        def slow_search(*args, **kwargs):
            time.sleep(0.5)
            return search(*args, **kwargs)

        monkeypatch.setattr(app.directory, "search", slow_search)
        pressed = time.monotonic()
        frames, results_at = await _frames_around_a_keystroke(app, pilot, "l")
        early = [t for t in frames if t < results_at]
        assert early and early[0] - pressed < ECHO_HOLD + 0.25  # the letter, long before
        assert app._batch_count == 0


async def test_keys_typed_faster_than_the_app_reads_them_apply_in_order(app):
    """Backspace and arrows keep their place among the letters typed around them, even
    when they all arrive at once (Textual runs bound keys later: its issue #6605)."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def arrive_at_once(*keys: str) -> None:  # as the terminal driver posts them
            for key in keys:
                app._driver.send_message(events.Key(key, key if len(key) == 1 else None))

        arrive_at_once(*"loule")
        await settle(pilot)
        arrive_at_once("backspace", "backspace", "backspace", *"abc", "left", "left", "X")
        await settle(pilot)
        assert app.main_screen.search_input.value == "loaXbc"
