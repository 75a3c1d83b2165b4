"""Pilot tests: timeline, copying and saving cards, the command palette, help, reload."""

from __future__ import annotations

from urbact_tui import clipboard
from urbact_tui.directory import cards
from urbact_tui.screens.help import HelpScreen
from urbact_tui.screens.timeline import TimelineScreen
from urbact_tui.widgets.detail import DetailPane

from .conftest import detail_text, notifications, search_for, settle

SIZE = (120, 40)


async def test_timeline_lists_meetings_in_order_and_opens_the_city(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        rows = [str(o.prompt) for o in screen.timeline_list.options]
        assert rows[0] == "In Focus"
        assert [r.split()[0] for r in rows[1:7]] == ["1", "2", "3", "4", "5", "6"]
        assert "Sep (year 1?)" in rows[1] and "Kick-off" in rows[1] and "Ostrava" in rows[1]
        assert "Final event" in rows[6]
        await pilot.press("down", "enter")  # meeting 2, in Frankfurt
        await settle(pilot)
        assert app.screen is app.main_screen
        assert app.main_screen.detail.record["id"] == "frankfurt"
        assert isinstance(app.focused, DetailPane)


async def test_timeline_opens_at_the_selected_network_and_jumps_to_it(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "n:in focus")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.screen.highlighted_meeting["network"] == "in-focus"
        await pilot.press("n")
        await settle(pilot)
        assert app.main_screen.detail.record["id"] == "in-focus"
        await pilot.press("ctrl+l")
        await pilot.press("m")
        await settle(pilot)
        assert app.main_screen.detail.record["kind"] == "meeting"
        assert "Sep (year 1?)" in detail_text(app)
        await pilot.press("escape")  # back to the network the timeline was opened from
        await settle(pilot)
        assert app.main_screen.detail.record["id"] == "in-focus"


async def test_ctrl_y_copies_a_contact_as_the_exact_vcard(app, directory):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "martin neubert")
        await pilot.press("ctrl+y")
        await settle(pilot)
        expected = cards.render(directory.get("contact", "martin-neubert"), "vcard")
        assert app.clipboard == expected
        message = notifications(app)[-1]
        assert "Martin Neubert as vCard" in message
        assert "no system clipboard" in message and "OSC 52" in message
        assert "^s saves a file" in message


async def test_copy_says_so_when_the_system_clipboard_was_reached(app, directory, monkeypatch):
    reached: list[str] = []
    monkeypatch.setattr(clipboard, "copy_to_system_clipboard", lambda text: reached.append(text) or True)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "c:loule")
        await pilot.press("ctrl+y")
        await settle(pilot)
        expected = cards.render(directory.get("city", "loule"), "text")
        assert app.clipboard == expected and reached == [expected]
        assert "on the system clipboard" in notifications(app)[-1]


async def test_nothing_selected_is_said_plainly(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "zzzzqqq")
        await pilot.press("ctrl+y")
        assert app.clipboard == ""
        assert "Nothing is selected" in notifications(app)[-1]


async def test_palette_copies_as_json(app, directory):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "martin neubert")
        await pilot.press("ctrl+p")
        await pilot.press(*"card as json")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == cards.render(directory.get("contact", "martin-neubert"), "json")


async def test_copy_all_contacts_of_a_city_as_one_multi_card_vcard(app, directory):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "c:bilbao")
        app.action_copy_contacts()
        await settle(pilot)
        ids = [c["id"] for c in directory.get("city", "bilbao")["links"]["contacts"]]
        expected = cards.vcards([directory.get("contact", i) for i in ids])
        assert app.clipboard == expected
        assert app.clipboard.count("BEGIN:VCARD") == len(ids) == 5


async def test_save_vcf_writes_a_new_file_and_names_it(app, directory, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "martin neubert")
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+s")
        expected = cards.vcard(directory.get("contact", "martin-neubert"))
        assert (tmp_path / "martin-neubert.vcf").read_bytes().decode("utf-8") == expected  # CRLF kept
        assert (tmp_path / "martin-neubert-2.vcf").exists()
        assert str(tmp_path / "martin-neubert-2.vcf") in notifications(app)[-1]


async def test_save_all_contacts_of_a_network(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "n:in focus")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "and its partner cities saved to" in notifications(app)[-1]
        saved = (tmp_path / "in-focus-contacts.vcf").read_text(encoding="utf-8")
        assert saved.count("BEGIN:VCARD") > 5


async def test_palette_offers_commands_for_what_is_selected(app):
    from urbact_tui.screens.palette import DirectoryCommands

    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "martin neubert")
        provider = DirectoryCommands(app.screen)
        titles = [title for title, _, _ in provider.commands()]
        assert "Copy card as vCard: Martin Neubert" in titles
        assert "Save card as .vcf file: Martin Neubert" in titles
        assert not any(t.startswith("Copy all contacts") for t in titles)
        for always in ("Timeline of meetings", "Reload data", "Switch theme", "Help: list every key"):
            assert always in titles
        await search_for(pilot, "c:bilbao")
        titles = [title for title, _, _ in DirectoryCommands(app.screen).commands()]
        assert "Copy all contacts of Bilbao as vCards" in titles
        assert not any("vCard:" in t for t in titles)


async def test_help_lists_every_key(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(f"{keys} {what}" for _, rows in app.screen.sections for keys, what in rows)
        for binding in app._all_bindings():
            assert app._keys_display(binding) in text, binding
            assert (binding.tooltip or binding.description) in text
        for key in ("^p", "^q", "c: city:", "click"):
            assert key in text
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_every_binding_has_an_id_and_no_bare_letters_reach_the_search_field(app):
    from urbact_tui.widgets.search_input import SearchInput

    for binding in app._all_bindings():
        assert binding.id, binding
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "m", "r", "q", "question_mark")
        assert isinstance(app.focused, SearchInput)
        assert app.main_screen.search_input.value == "nmrq?"
        assert app.screen is app.main_screen


async def test_reload_reads_the_data_again(app):
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "loule")
        await pilot.press("f5")
        await settle(pilot)
        assert "Data reloaded" in [n.title for n in app._notifications]
        assert app.main_screen.results.hits[0].id == "loule"


async def test_switch_theme_command_opens_the_theme_list(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"switch theme")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.theme != "textual-dark"
