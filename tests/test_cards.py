"""Contact cards: vCards that address books import, text for e-mails."""

from __future__ import annotations

import vobject

from urbact_tui.directory.cards import render, vcards


def test_vcard_of_a_person_holds_name_organisation_and_phone(directory):
    card = vobject.readOne(render(directory.get("contact", "laura-gonzalez-mendez"), "vcard"))
    assert card.fn.value == "Laura González Méndez"
    assert card.n.value.given == "Laura"
    assert card.org.value == ["Gijón City Council"]
    assert card.title.value == "Project coordinator"


def test_vcard_of_an_office_holds_address_and_normalised_phone(directory):
    card = vobject.readOne(render(directory.get("contact", "loule-city"), "vcard"))
    assert card.org.value == ["City of Loulé"]
    assert card.tel.value == "+351 289 400 600"
    assert card.adr.value.code == "8104-001"
    assert "Praça da República" in card.adr.value.street


def test_vcard_keeps_an_invalid_number_as_printed_and_says_why(directory):
    card = vobject.readOne(render(directory.get("contact", "bilbao-city"), "vcard"))
    assert card.tel.value == "+32 944 204 200"
    assert "+32 belongs to BE" in card.note.value


def test_multi_card_file_imports_every_contact(directory):
    records = [directory.get("contact", i) for i in ("loule-city", "martin-neubert")]
    cards = list(vobject.readComponents(vcards(records)))
    assert [c.fn.value for c in cards] == ["City of Loulé", "Martin Neubert"]


def test_text_card_for_a_city_reads_as_a_summary(directory):
    text = render(directory.get("city", "loule"), "text")
    assert text.startswith("Loulé\nPortugal")
