"""Unit tests of the search engine on small directories built in memory.

They pin the behaviour the performance work must not lose: ranking order
(exact > prefix > infix > typo), folding of letters Unicode decomposition
leaves alone, typos, multi-word queries across fields, the kind filter,
highlight spans in the original text, and odd queries.
"""

from __future__ import annotations

import pytest

from urbact_tui.directory.folding import WORD, fold, fold_with_map
from urbact_tui.directory.search import Entry, SearchIndex, _word_ids, build_index

KINDS = {"city": 0, "contact": 1, "network": 2, "meeting": 3, "document": 4}


def make_index(entries: list[Entry], subtitles: dict[str, str] | None = None) -> SearchIndex:
    rows = [(e.kind, e.id, e.title, (subtitles or {}).get(e.id, "")) for e in entries]
    fetched: list[list[int]] = []

    def fetch(numbers: list[int]) -> list[tuple[str, str, str, str]]:
        fetched.append(list(numbers))
        return [rows[n] for n in numbers]

    index = SearchIndex(build_index(entries, KINDS), KINDS, fetch)
    index.fetched = fetched  # type: ignore[attr-defined]
    return index


def city(item_id: str, name: str, fields: str = "", text: str = "") -> Entry:
    return Entry("city", item_id, name, fields, text)


def contact(item_id: str, name: str, fields: str = "", text: str = "") -> Entry:
    return Entry("contact", item_id, name, fields, text)


def ids(hits) -> list[str]:
    return [h.id for h in hits]


# --- ranking -------------------------------------------------------------------------


def test_exact_then_prefix_then_infix():
    index = make_index([
        city("infix", "Saintlouleton"),   # contains it
        city("prefix", "Louleville"),     # starts with it
        city("exact", "Loulé"),           # is it (accent folded)
        city("none", "Porto"),
    ])
    assert ids(index.search("loule")) == ["exact", "prefix", "infix"]


def test_prefix_then_infix_then_typo_when_no_word_is_exact():
    index = make_index([
        city("typo", "Bilbau"),           # a typo away from "bilbao"
        city("infix", "Sanbilbaoko"),
        city("prefix", "Bilbaoberri"),
        city("none", "Porto"),
    ])
    assert ids(index.search("bilbao")) == ["prefix", "infix", "typo"]


def test_typos_are_not_looked_for_when_the_word_exists():
    index = make_index([city("porto", "Porto"), city("porta", "Porta")])
    assert ids(index.search("porto")) == ["porto"]


def test_title_beats_short_fields_beats_long_text():
    index = make_index([
        contact("text", "Ana Silva", text="met in Bilbao last year"),
        contact("fields", "Jon Uriarte", fields="Bilbao City Council"),
        city("title", "Bilbao"),
    ])
    assert ids(index.search("bilbao")) == ["title", "fields", "text"]


def test_whole_title_match_first_and_shorter_titles_win_ties():
    index = make_index([
        city("long", "Gent Sint-Pieters Station Area"),
        city("short", "Gent Centrum"),
        city("exact", "Gent"),
    ])
    assert ids(index.search("gent")) == ["exact", "short", "long"]


def test_word_start_beats_infix_inside_longer_words():
    index = make_index([contact("inside", "Marco Bellaporta"), contact("start", "Porta Nuova office")])
    assert ids(index.search("porta")) == ["start", "inside"]


# --- folding -------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ("tromso", "tromso"), ("TROMSØ", "tromso"), ("lodz", "lodz"), ("strasse", "strasse"),
    ("aebeltoft", "aebeltoft"), ("dakovo", "dakovo"), ("thingvellir", "thingvellir"),
    ("isik", "isik"), ("kobenhavn", "kobenhavn"), ("sao joao", "sao-joao"),
])
def test_letters_that_decomposition_leaves_alone_are_folded(query, expected):
    index = make_index([
        city("tromso", "Tromsø"), city("lodz", "Łódź"), city("strasse", "Straße der Nationen"),
        city("aebeltoft", "Æbeltoft"), city("dakovo", "Đakovo"), city("thingvellir", "Þingvellir"),
        city("isik", "Işık"), city("kobenhavn", "København"), city("sao-joao", "São João"),
        city("other", "Porto"),
    ])
    assert ids(index.search(query))[:1] == [expected]


def test_fold_spells_out_special_letters():
    assert fold("Æbelø Łódź Straße Đakovo Þórsson Işık") == "aebelo lodz strasse dakovo thorsson isik"


def test_tokeniser_matches_word_regex_on_folded_text():
    texts = ["Laura González Méndez — Project coordinator · Gijón", "ŁÓDŹ Straße_x a-b İzmir",
             "", "Ωμέγα ΟΔΟΣ ½ ²3 Москва", "two\nlines", "\u00a0nbsp\u2028sep ﬁne", "\x01odd"]
    expected: list[bytes] = []
    for number, text in enumerate(texts):
        if number:
            expected.append(b"\x01")
        expected += [w.encode() for w in WORD.findall(fold(text.replace("\n", " ")))]
    vocab: dict[bytes, int] = {b"\x01": 0}
    ids = _word_ids(texts, vocab)
    words = list(vocab)
    assert [words[i] for i in ids.tolist()] == expected


def test_non_latin_scripts_are_searchable_by_prefix():
    index = make_index([city("athens", "Αθήνα"), city("moscow", "Москва")])
    assert ids(index.search("αθη")) == ["athens"]
    assert ids(index.search("моск")) == ["moscow"]


# --- typos ---------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ("bilboa", "bilbao"), ("ljublana", "ljubljana"), ("gonzalez", "laura"), ("gonzales", "laura"),
    ("amsterdan", "amsterdam"),
])
def test_typos_are_forgiven(query, expected):
    index = make_index([
        city("bilbao", "Bilbao"), city("ljubljana", "Ljubljana"), city("amsterdam", "Amsterdam"),
        contact("laura", "Laura González Méndez"), city("porto", "Porto"),
    ])
    assert ids(index.search(query))[:1] == [expected]


def test_short_words_and_numbers_are_not_matched_as_typos():
    index = make_index([city("a", "Riga", fields="2017"), city("b", "Rigo", fields="2013")])
    assert ids(index.search("rig")) == ["a", "b"]        # prefix, both
    assert ids(index.search("2017")) == ["a"]            # 2013 is not a typo of 2017
    assert index.search("xq") == []


# --- multi-word --------------------------------------------------------------------


def test_every_word_must_match_across_fields():
    index = make_index([
        contact("laura-gijon", "Laura González Méndez",
                fields="Project coordinator Gijón City Council Gijón Spain"),
        contact("laura-porto", "Laura Reis", fields="Câmara Municipal do Porto Porto"),
        contact("ana-gijon", "Ana Fernández", fields="Gijón City Council Gijón"),
    ])
    assert ids(index.search("laura gijon")) == ["laura-gijon"]
    assert ids(index.search("gijon laura")) == ["laura-gijon"]
    assert set(ids(index.search("gijon"))) == {"laura-gijon", "ana-gijon"}
    assert index.search("laura lisboa") == []


def test_typing_letter_by_letter_gives_the_same_answers_as_a_fresh_search():
    entries = [contact(f"c{i}", name, fields=where) for i, (name, where) in enumerate([
        ("Laura González Méndez", "Gijón"), ("Laurent Dubois", "Grenoble"), ("Lars Løkke", "Odense"),
        ("Ljubica Đurić", "Zagreb"), ("Laura Gil", "Girona"), ("Gijs de Vries", "Laren"),
    ])]
    typed, fresh = make_index(entries), make_index(entries)
    query = "laura gijon"
    for end in range(1, len(query) + 1):
        fresh.clear_cache()
        assert ids(typed.search(query[:end])) == ids(fresh.search(query[:end])), query[:end]


# --- filters, limits, fetching --------------------------------------------------------


def test_kind_filter():
    index = make_index([city("porto", "Porto"), contact("porto-city", "City of Porto", fields="Porto")])
    assert ids(index.search("porto", kind="city")) == ["porto"]
    assert ids(index.search("porto", kind="contact")) == ["porto-city"]
    assert index.search("porto", kind="meeting") == []
    assert index.search("porto", kind="no-such-kind") == []


def test_only_the_displayed_rows_are_fetched():
    index = make_index([city(f"c{i}", f"Porto {i}") for i in range(50)])
    hits = index.search("porto", limit=5)
    assert len(hits) == 5
    assert [len(call) for call in index.fetched] == [5]


def test_empty_and_odd_queries():
    index = make_index([city("a", "Aachen"), contact("b", "Bea Ortiz"), city("c", "Cork")])
    assert ids(index.search("")) == ["a", "b", "c"]          # browsing, in stored order
    assert ids(index.search("   ")) == ["a", "b", "c"]
    assert ids(index.search("!!! ---")) == ["a", "b", "c"]
    assert ids(index.search("", kind="city")) == ["a", "c"]
    assert index.search("cork", limit=0) == []
    assert ids(index.search("x" * 10_000 + " cork")) == []  # one giant word: no match, no stall
    assert ids(index.search(" ".join(["cork"] * 50))) == ["c"]
    assert ids(index.search("CORK!!")) == ["c"]


def test_an_empty_directory_answers_nothing():
    index = make_index([])
    assert index.search("anything") == []
    assert index.search("") == []


def test_an_index_of_another_format_is_refused():
    blobs = build_index([city("a", "Aachen")], KINDS)
    del blobs["format"]
    with pytest.raises(KeyError):
        SearchIndex(blobs, KINDS, lambda numbers: [])


# --- highlighting ---------------------------------------------------------------------


def test_spans_point_into_the_original_text():
    index = make_index([contact("laura", "Laura González Méndez", fields="Project coordinator Gijón")],
                       {"laura": "Project coordinator · Gijón"})
    hit = index.search("gonz gij")[0]
    assert hit.title_spans == [(6, 10)]
    assert hit.title[6:10] == "Gonz"
    assert [hit.subtitle[s:e] for s, e in hit.subtitle_spans] == ["Gij"]


def test_spans_survive_letters_that_fold_to_two():
    index = make_index([city("s", "Große Straße")])
    hit = index.search("strasse")[0]
    assert [hit.title[s:e] for s, e in hit.title_spans] == ["Straße"]
    hit = index.search("gros")[0]
    assert [hit.title[s:e] for s, e in hit.title_spans] == ["Groß"]


def test_typo_matches_highlight_the_whole_word_and_infixes_their_part():
    index = make_index([city("b", "Bilbao"), city("p", "Saintlouleton")])
    assert [(h.title[s:e]) for h in index.search("bilboa") for s, e in h.title_spans] == ["Bilbao"]
    assert [(h.title[s:e]) for h in index.search("loule") for s, e in h.title_spans] == ["loule"]


def test_fold_with_map_maps_each_folded_character_back():
    for text in ["Loulé", "Straße", "Æbelø", "e\u0301te", "plain"]:
        folded, origin = fold_with_map(text)
        assert folded == fold(text)
        assert len(origin) == len(folded)
        assert all(0 <= i < len(text) for i in origin)
    folded, origin = fold_with_map("aßb")
    assert folded == "assb" and list(origin) == [0, 1, 1, 2]


def test_the_index_is_the_same_whatever_the_tokenising_chunks(monkeypatch):
    """Records are tokenised in chunks; a chunk boundary must not move a word to another
    record (the seed's entries, in chunks of 7 and of all of them at once)."""
    from urbact_tui.directory import search
    from urbact_tui.directory.entries import build_entries
    from urbact_tui.directory.loader import KIND_CODES
    from urbact_tui.directory.validate import validate
    from urbact_tui.directory.yamlfile import parse, read_source
    from urbact_tui.paths import bundled_seed

    source = read_source(bundled_seed())
    entries = build_entries(validate(parse(source), source))
    assert len(entries) > 7 * 3 and any(entry.shared for entry in entries)
    monkeypatch.setattr(search, "TOKENISE_RECORDS", 10**9)
    whole = build_index(entries, KIND_CODES)
    monkeypatch.setattr(search, "TOKENISE_RECORDS", 7)
    assert build_index(entries, KIND_CODES) == whole


def test_shared_texts_index_as_if_each_record_held_them_itself():
    """A contact's city, role, organisation and e-mail domain are tokenised once per
    distinct text and given to every record sharing it: the index must be exactly
    the one built with every record holding its own copy among its short fields."""
    from dataclasses import replace

    from urbact_tui.directory.entries import build_entries
    from urbact_tui.directory.loader import KIND_CODES
    from urbact_tui.directory.validate import validate
    from urbact_tui.directory.yamlfile import parse, read_source
    from urbact_tui.paths import bundled_seed

    source = read_source(bundled_seed())
    items = validate(parse(source), source)
    city = items["cities"][0]["id"]
    items["contacts"] += [  # (the seed has no e-mail addresses)
        {"id": f"mailer-{n}", "name": f"Mailer {n}", "city": city, "role": "Press officer",
         "emails": [f"press.{n}@ville-é{n % 2}.example.eu", "not-an-address"]}
        for n in range(4)]
    entries = build_entries(items)
    sharing = [entry for entry in entries if entry.shared]
    assert len(sharing) > 10 and "ville-é1.example.eu" in sharing[-1].shared
    unshared = [replace(entry, fields=" ".join((entry.fields, *entry.shared)), shared=())
                for entry in entries]
    assert build_index(entries, KIND_CODES) == build_index(unshared, KIND_CODES)
