"""The result list's drawing and the Textual fixes that keep typing and starting fast."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

from urbact_tui.textual_fixes import next_slot
from urbact_tui.widgets.results import fit, spans_to_segments

from .conftest import settle, type_query

FRAME = 1 / 60
BOLD = Style(bold=True)


def test_a_timer_that_was_paused_ticks_at_the_next_slot_not_the_one_after():
    # started at 0, ticked once at 1/60, then paused until 0.5 s
    count, tick = next_slot(start=0.0, count=1, now=0.5, interval=FRAME)
    assert 0.5 < tick <= 0.5 + FRAME
    assert count == 30  # the slots that went by


def test_a_timer_on_time_keeps_its_rhythm():
    assert next_slot(start=0.0, count=3, now=3.5 * FRAME, interval=FRAME) == (3, 4 * FRAME)
    # a timer that must not skip catches up one tick at a time
    assert next_slot(0.0, 1, now=0.5, interval=FRAME, skip=False) == (1, 2 * FRAME)


def test_matched_characters_are_their_own_segments():
    segments = spans_to_segments("Loulé, Faro", [(0, 5), (3, 4), (7, 11)], Style(), BOLD)
    assert [(s.text, s.style == BOLD) for s in segments] == [
        ("Loulé", True), (", ", False), ("Faro", True)]


def test_a_row_is_cut_with_an_ellipsis_or_padded_to_the_width():
    long = fit([Segment("Santiago de Compostela", BOLD)], 10, Style())
    assert long.text == "Santiago …" and long.cell_length == 10
    short = fit([Segment("Riga")], 10, Style())
    assert short.text == "Riga      "
    wide = fit([Segment("東京都庁舎")], 6, Style())  # two cells a character
    assert wide.cell_length == 6 and wide.text.endswith("…")


async def test_typing_repaints_the_search_field_without_relaying_out_the_screen(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        search = app.main_screen.search_input
        search.insert_text_at_cursor("lou")
        assert search.value == "lou"
        assert not search._layout_required  # Textual's Input would ask for a layout here
        await settle(pilot)
        assert app.main_screen.results.hits


async def test_a_new_width_redraws_the_rows_without_asking_for_a_layout(app):
    """The list's virtual size does not follow its width (rows are drawn to the width):
    one that did asked for a second layout pass of the whole screen as the app started,
    and at every resize."""
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.main_screen.results
        assert results.hits
        layouts = []
        refresh = results.refresh

        def spy(*regions, layout=False, **kwargs):
            layouts.append(layout)
            return refresh(*regions, layout=layout, **kwargs)

        results.refresh = spy
        await pilot.resize_terminal(90, 40)
        await settle(pilot)
        assert not any(layouts)  # it asked for no layout pass of its own
        width = results.scrollable_content_region.width
        assert all(results.render_line(y).cell_length == width for y in range(5))
        assert results.virtual_size.height == len(results.hits)


async def test_rows_drawn_without_the_styles_cache_are_the_rows_textual_would_draw(app):
    """`ResultList.render_lines` skips Textual's styles cache for its plain rows: in every
    state (a scrollbar or none, highlighted, under the mouse, a message, a crop, a
    monochrome filter, ANSI colours converted) its strips must be the ones the styles
    cache makes."""
    from textual.filter import ANSIToTruecolor, Monochrome
    from textual.geometry import Region
    from textual.scroll_view import ScrollView

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = app.main_screen.results

        def check(crop=None) -> None:
            crop = crop or Region(0, 0, results.region.width, results.region.height)
            assert results._plain()
            ours = results.render_lines(crop)
            results._styles_cache.clear()
            theirs = ScrollView.render_lines(results, crop)
            assert [list(strip) for strip in ours] == [list(strip) for strip in theirs]

        await pilot.press("down")          # browsing: more rows than fit, so a scrollbar
        await settle(pilot)
        assert results.show_vertical_scrollbar and results.highlighted == 0
        check()
        check(Region(3, 2, 10, 4))          # a part, as the compositor asks for one
        results._hover = 2
        results._rows.clear()
        check()
        app._filters.append(Monochrome())
        results._rows.clear()
        check()
        app._filters.pop()
        def truecolor() -> ANSIToTruecolor:   # (a new theme brings a new one)
            return next(f for f in app._filters if isinstance(f, ANSIToTruecolor))

        assert truecolor().enabled and not results._row_filters()   # true colours: left out
        app.theme = "ansi-dark"              # ANSI colours (Textual turns the conversion off)
        await settle(pilot)
        truecolor().enabled = True           # on, it must convert them as Textual would
        results._rows.clear()
        check()
        assert results._row_filters() == [truecolor()]
        truecolor().enabled = False
        app.theme = "textual-dark"
        await settle(pilot)
        await type_query(pilot, "loule")    # two rows: no scrollbar
        assert not results.show_vertical_scrollbar
        check()
        await type_query(pilot, "zzqx")     # a message instead of rows
        assert not results.hits
        check()
        results.styles.border = ("round", "red")   # a frame of its own: Textual draws it
        assert not results._plain()


async def test_the_results_frame_is_redrawn_only_when_its_count_changes(app):
    """The count is in the frame's border: setting it redraws the whole frame (2.4 ms
    a keystroke at 100k), so it is set only when it says something new."""
    async with app.run_test(size=(100, 30)) as pilot:
        await type_query(pilot, "loule")
        pane = app.main_screen.results_pane
        assert pane.border_subtitle == "2 results"
        redraws = []
        refresh = pane.refresh
        pane.refresh = lambda *args, **kwargs: redraws.append(args) or refresh(*args, **kwargs)
        await type_query(pilot, " ")        # the same two results
        assert pane.border_subtitle == "2 results" and redraws == []
        await type_query(pilot, "city")     # one of them
        assert pane.border_subtitle == "1 result" and redraws


async def test_a_resize_to_the_same_size_lays_nothing_out_again(app):
    """Textual lays the screen out for every Resize it is sent; the app sends one
    for the size the screen was just laid out at as it starts (textual_fixes.py)."""
    from textual.events import Resize
    from textual.geometry import Size

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        layouts = []
        refresh_layout = screen._refresh_layout

        def spy(*args, **kwargs):
            layouts.append(args)
            return refresh_layout(*args, **kwargs)

        screen._refresh_layout = spy
        await screen._on_resize(Resize(Size(120, 40), Size(120, 40)))
        assert layouts == []
        await pilot.resize_terminal(100, 40)
        await settle(pilot)
        assert layouts and screen.size.width == 100


async def test_the_screen_is_laid_out_once_as_the_app_starts_and_once_per_resize(app, monkeypatch):
    """A full layout pass used to ask for another that computed the same (its own
    virtual sizes, and requests made before it: textual_fixes.py), and the first
    results and the detail pane's first lines each asked for one more."""
    from textual.screen import Screen

    passes = []
    refresh_layout = Screen._refresh_layout

    def count(self, *args, **kwargs):
        passes.append(self.size)
        return refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", count)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.main_screen.results
        assert len(results.hits) > 40 and results.show_vertical_scrollbar   # (browsing)
        assert len(passes) == 1
        passes.clear()
        await pilot.resize_terminal(110, 36)
        await settle(pilot)
        assert len(passes) == 1 and results.scrollable_content_region.height == 30
        passes.clear()
        await pilot.resize_terminal(70, 30)    # narrow: the layout, then one for one pane
        await settle(pilot)
        assert len(passes) == 2 and app.main_screen.has_class("-narrow")
        assert not app.main_screen.detail.display and results.region.width == 68   # (70 - frame)


async def test_the_detail_pane_still_gets_its_scrollbar_when_a_record_needs_one(app):
    """The detail pane's first lines ask for no layout of the screen (its size never
    depends on them); a scrollbar that a long record needs still asks for its own."""
    async with app.run_test(size=(100, 16)) as pilot:
        await type_query(pilot, "loule")
        detail = app.main_screen.detail
        record = detail.record
        detail.show_message("A short message.")
        await settle(pilot)
        assert not detail.show_vertical_scrollbar
        detail.show_record(record)             # nothing else on screen changes
        await settle(pilot)
        assert detail.virtual_size.height > detail.scrollable_content_region.height
        assert detail.show_vertical_scrollbar
        assert detail.vertical_scrollbar.region.height > 0    # laid out, on screen
        await pilot.resize_terminal(100, 60)
        await settle(pilot)
        assert not detail.show_vertical_scrollbar


async def test_results_arrow_keys_pages_and_the_mouse(app):
    async with app.run_test(size=(120, 30)) as pilot:
        await type_query(pilot, "")
        results = app.main_screen.results
        assert results.highlighted is None  # browsing: nothing chosen yet
        await pilot.press("down")
        assert results.highlighted == 0
        await pilot.press("pagedown")
        page = results.highlighted
        assert page == results.scrollable_content_region.height - 1
        assert results.scroll_offset.y > 0 or page < results.scrollable_content_region.height
        for _ in range(10):
            await pilot.press("pagedown")
        assert results.highlighted == len(results.hits) - 1  # stops at the last
        assert results.scroll_offset.y == results.max_scroll_y  # and shows it
        await pilot.press("pageup")
        assert results.highlighted == len(results.hits) - 1 - (page - 0)
        await pilot.hover("#results-pane", offset=(5, 3))  # border, then the third row
        assert results._hover == int(results.scroll_offset.y) + 2
        await settle(pilot)


async def test_the_key_bar_shows_the_screens_keys_and_repaints_only_when_they_change(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.main_screen.query_one("KeyFooter")
        descriptions = lambda: [key.description for key in footer.keys]
        assert descriptions()[:2] == ["Open", "Back"] and "Copy" in descriptions()
        line = footer.render_line(0).text
        assert line.startswith(" ⏎ Open  esc Back  ^y Copy ")
        assert line.endswith("▏^p palette ") and len(line) == 120
        shown = footer.keys
        app.main_screen.search_input.blur()
        app.main_screen.search_input.focus()  # focus moves, the keys stay the same
        await settle(pilot)
        assert footer.keys is shown  # nothing new to draw
        await type_query(pilot, "loule")
        await pilot.press("enter")  # into the detail pane: its own keys
        await settle(pilot)
        assert footer.keys is not shown and "Copy" in descriptions()


async def test_a_key_in_the_key_bar_shows_its_tooltip_and_a_click_presses_it(app):
    from urbact_tui.screens.help import HelpScreen

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.main_screen.query_one("KeyFooter")
        x = footer.render_line(0).text.index("f1 Help")
        await pilot.hover("KeyFooter", offset=(x, 0))
        assert footer.tooltip == "This list of keys (? works outside the search field)"
        assert footer.key_at(len(footer.render_line(0).text) - 3).description == "palette"
        await pilot.click("KeyFooter", offset=(x, 0))
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_keys_that_do_not_fit_are_cut_at_the_palette_key(app):
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        line = app.main_screen.query_one("KeyFooter").render_line(0).text
        assert len(line) == 60 and line.endswith(" ^t Kind  ^l▏^p palette ")


async def test_a_new_theme_redraws_the_rows_in_its_colours(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await type_query(pilot, "loule")
        results = app.main_screen.results
        before = results.render_line(0)
        app.theme = "textual-light"
        await settle(pilot)
        after = results.render_line(0)
        assert after.text == before.text
        assert [s.style for s in after] != [s.style for s in before]


async def test_full_collections_wait_for_a_pause_in_typing(app):
    import gc

    from urbact_tui import idle_gc

    collections: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            collections.append(1)

    threshold = gc.get_threshold()
    gc.callbacks.append(count)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert gc.get_threshold()[2] == idle_gc.FULL_COLLECTION_THRESHOLD
            collections.clear()
            await type_query(pilot, "lou")
            await pilot.pause(idle_gc.IDLE_SECONDS + 0.3)
            assert collections  # the pause after the results came was used for one
            assert app.idle_gc._timer is None
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)


async def test_no_collections_while_the_app_starts_until_its_first_idle_moment(app, monkeypatch):
    import gc

    from urbact_tui import idle_gc

    monkeypatch.setattr(idle_gc, "IDLE_SECONDS", 30.0)  # the test says when it is idle
    assert gc.isenabled()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main_screen.results.hits  # the first results are on screen
        assert not gc.isenabled()
        app.idle_gc._collect()  # the first idle moment: a full collection, and they resume
        assert gc.isenabled()
        await type_query(pilot, "lou")
        assert gc.isenabled()
    assert gc.isenabled()


async def test_collections_resume_when_the_app_ends_before_its_first_idle_moment(app):
    import gc

    async with app.run_test(size=(120, 40)):
        assert not gc.isenabled()
    assert gc.isenabled()


async def test_collections_resume_after_a_while_even_with_nothing_shown(tmp_path, monkeypatch):
    import gc

    from urbact_tui import idle_gc
    from urbact_tui.app import UrbactApp
    from urbact_tui.screens.error import ErrorScreen

    monkeypatch.setattr(idle_gc, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(idle_gc, "START_UP_PAUSE_LIMIT", 0.2)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database " * 100)
    app = UrbactApp(damaged)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)  # no results: nothing asked for a collection
        await pilot.pause(0.6)
        assert gc.isenabled()


def test_the_pause_limit_leaves_a_pending_idle_collection_to_resume_collections():
    import gc

    from urbact_tui import idle_gc

    class Timer:
        def __init__(self, callback):
            self.callback, self.stopped = callback, False

        def stop(self):
            self.stopped = True

    class Owner:  # stands for the app: its timers are fired by hand here
        def __init__(self):
            self.timers: list[Timer] = []

        def set_timer(self, delay, callback, name=None):
            self.timers.append(Timer(callback))
            return self.timers[-1]

    owner = Owner()
    collector = idle_gc.IdleCollector(owner)
    try:
        collector.pause_until_idle()
        limit = owner.timers[-1]
        assert not gc.isenabled()
        collector.collect_soon()  # results shown while typing: a collection once it pauses
        limit.callback()
        assert not gc.isenabled()  # the limit does not resume them mid-typing
        owner.timers[-1].callback()  # the pause comes: a full collection, and they resume
        assert gc.isenabled()
        collector.pause_until_idle()
        owner.timers[-1].callback()  # the limit with nothing pending: asks for a collection
        assert not gc.isenabled() and collector._timer is owner.timers[-1]
        owner.timers[-1].callback()
        assert gc.isenabled()
    finally:
        collector.resume()
        gc.enable()
