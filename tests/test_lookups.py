"""A newcomer on the staff looks things up: every entity in the pages is findable.

Each case is a query a person would type and the record they expect near the
top.  `show` must then hold the detail they came for.
"""

from __future__ import annotations

import pytest

# (query, kind, id) — the record must be among the first three results.
LOOKUPS = [
    # cities, by local name, English name, without accents, with typos
    ("loule", "city", "loule"),
    ("Loulé", "city", "loule"),
    ("turin", "city", "torino"),
    ("torino", "city", "torino"),
    ("genoa", "city", "genova"),
    ("antwerp", "city", "antwerpen"),
    ("naples", "city", "napoli"),
    ("ghent", "city", "gent"),
    ("bilboa", "city", "bilbao"),
    ("ljublana", "city", "ljubljana"),
    ("lisbon", "city", "lisboa"),
    ("san dona", "city", "san-dona-di-piave"),
    ("perigueux", "city", "perigueux"),
    ("angouleme", "city", "angouleme"),
    ("santiago compostela", "city", "santiago-de-compostela"),
    ("athienou", "city", "athienou"),
    ("piraeus", "city", "piraeus"),
    ("dakar", "city", "dakar"),
    # offices, councils, departments
    ("loule city", "contact", "loule-city"),
    ("amadora", "contact", "amadora-office"),
    ("european funds", "contact", "rome-european-funds"),
    ("desenvolvimento local", "contact", "lisboa-desenvolvimento-local"),
    ("gijon council", "contact", "gijon-city-council"),
    ("manchester council", "contact", "manchester-city-council"),
    ("burger service", "contact", "bielefeld-burger-service-center"),
    ("naples urban planning", "contact", "naples-urban-planning"),
    ("barnsley digital", "contact", "barnsley-digital-media"),
    ("riga ngo", "contact", "riga-ngo-house"),
    ("preston", "contact", "preston-city-council"),
    ("piacenza", "contact", "piacenza-city"),
    # people, by name, surname, role, or across fields
    ("laura gijon", "contact", "laura-gonzalez-mendez"),
    ("gonzalez", "contact", "laura-gonzalez-mendez"),
    ("neubert", "contact", "martin-neubert"),
    ("martin", "contact", "martin-neubert"),
    ("schafer", "contact", "sebastian-schafer"),
    ("lehman porto", "contact", "ana-teresa-lehman"),
    ("voisin", "contact", "gabriel-voisin-fradin"),
    ("cougoule", "contact", "francois-cougoule"),
    # clusters and organisations named in the articles
    ("route des lasers", "contact", "route-des-lasers"),
    ("gaia", "contact", "gaia"),
    ("eiken", "contact", "eiken"),
    ("as-fabrik", "contact", "as-fabrik"),
    ("surfcity", "contact", "surfcity-donostia"),
    ("different angle", "contact", "different-angle"),
    ("go electric", "contact", "go-electric"),
    ("tech quartier", "contact", "frankfurt-tech-quartier"),
    ("invest porto", "contact", "invest-porto"),
    ("aurba", "contact", "aurba"),
    # networks and programmes
    ("in focus", "network", "in-focus"),
    ("tech revolution", "network", "tech-revolution"),
    ("2ndchance", "network", "2ndchance"),
    ("bluact", "network", "bluact"),
    ("intercultural cities", "network", "icc"),
    ("icc", "network", "icc"),
    # meetings and documents
    ("kick-off ostrava", "meeting", "in-focus-01-kick-off-ostrava"),
    ("final event bilbao", "meeting", "in-focus-06-final-event-bilbao"),
    ("atlas metropolitan", "document", "atlas-of-metropolitan-spaces"),
    ("cluster development", "document", "cluster-development-smart-specialisation"),
    ("bluact toolkit", "document", "bluact-toolkit"),
    ("welcoming migrants", "document", "amadora-welcoming-migrants-guide"),
]


@pytest.mark.parametrize("query, kind, item_id", LOOKUPS, ids=[q for q, _, _ in LOOKUPS])
def test_a_newcomer_finds_it(directory, query, kind, item_id):
    top = [(h.kind, h.id) for h in directory.search(query, limit=3)]
    assert (kind, item_id) in top, f"{query!r} gave {top}"


def test_every_record_is_found_by_its_own_title(directory):
    missed = []
    for kind in ("city", "contact", "network", "meeting", "document"):
        for hit in directory.search("", kind=kind, limit=10_000):
            found = [(h.kind, h.id) for h in directory.search(hit.title, limit=5)]
            if (hit.kind, hit.id) not in found:
                missed.append((hit.kind, hit.id, hit.title))
    assert not missed


def test_exact_name_ranks_above_fuzzy_and_longer_names(directory):
    hits = directory.search("bilbao", limit=5)
    assert (hits[0].kind, hits[0].id) == ("city", "bilbao")
    assert hits[0].score > hits[-1].score


def test_matched_spans_point_at_the_accented_original(directory):
    hit = directory.search("loule", kind="city", limit=1)[0]
    assert hit.title == "Loulé"
    start, end = hit.title_spans[0]
    assert hit.title[start:end] == "Loulé"


def test_kind_filter_keeps_only_that_kind(directory):
    hits = directory.search("bilbao", kind="contact", limit=20)
    assert hits and all(h.kind == "contact" for h in hits)


def test_loule_office_phone_is_in_its_record(directory):
    record = directory.get("contact", "loule-city")
    phones = record["record"]["phones"]
    assert phones[0]["raw"] == "+351 289 400 600"
    assert phones[0]["e164"] == "+351289400600"
    assert record["links"]["city"][0]["id"] == "loule"


def test_amadora_phone_keeps_its_extension(directory):
    phones = directory.get("contact", "amadora-office")["record"]["phones"]
    assert phones[0]["ext"] == "1801"
    assert phones[0]["international"] == "+351 21 436 9000"


def test_a_city_lists_its_offices_and_people(directory):
    record = directory.get("city", "gijon")
    contacts = {c["id"] for c in record["links"]["contacts"]}
    assert {"gijon-city-council", "laura-gonzalez-mendez"} <= contacts


def test_a_network_lists_its_meetings_in_order(directory):
    record = directory.get("network", "in-focus")
    meetings = [m["id"] for m in record["links"]["meetings"]]
    assert meetings == [
        "in-focus-01-kick-off-ostrava", "in-focus-02-transnational-frankfurt",
        "in-focus-03-transnational-torino", "in-focus-04-transnational-bordeaux",
        "in-focus-05-transnational-grenoble", "in-focus-06-final-event-bilbao",
    ]


def test_timeline_is_chronological_with_honest_partial_dates(directory):
    meetings = directory.timeline("in-focus")
    assert [m["order"] for m in meetings] == [1, 2, 3, 4, 5, 6]
    assert meetings[0]["date"] == "Sep (year 1?)"
    assert meetings[-1]["date"] == "Apr (year 3?)"
    assert all(m["year"] is None for m in meetings)


@pytest.mark.parametrize("kind, item_id, fragment", [
    ("contact", "bilbao-city", "country code +32 belongs to BE"),
    ("contact", "barnsley-digital-media", "trunk 0 after the country code +44"),
    ("city", "antwerpen", "Antwarp"),
])
def test_data_quality_warnings_are_recorded(directory, kind, item_id, fragment):
    messages = " ".join(w["message"] for w in directory.get(kind, item_id)["warnings"])
    assert fragment in messages


def test_phone_checks_name_the_phone_they_are_about(directory):
    """Phones are checked when a record is read, against its city's country."""
    checks = [w for w in directory.get("contact", "bilbao-city")["warnings"]
              if w["origin"] == "check"]
    assert checks and all(w["field"].startswith("phones[") for w in checks)
    assert any("but Bilbao is in ES" in w["message"] for w in checks)
    stored = directory.query("SELECT count(*) FROM warnings WHERE origin = 'check'")[0][0]
    assert stored == 0


def test_every_reference_in_the_database_points_at_a_stored_record(directory):
    """Validation checks references before anything is stored; the database's foreign
    keys agree."""
    assert directory.query("PRAGMA foreign_key_check") == []
    assert directory.query("SELECT count(*) FROM contacts WHERE city IS NOT NULL")[0][0] > 0


def test_ids_and_list_positions_are_unique_keys_of_their_tables(seed_db, tmp_path):
    """The load creates every index after the rows (ids too, instead of a declared
    primary key): each kind's ids and each list's (item, position) must still be
    unique keys, and the foreign keys must be enforceable against them."""
    import shutil
    import sqlite3

    from urbact_tui.directory import schema

    conn = sqlite3.connect(shutil.copy(seed_db, tmp_path / "copy.db"), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")

    def unique_keys(table):
        return {tuple(row[2] for row in conn.execute(f"PRAGMA index_info([{name}])"))
                for _, name, unique, *_ in conn.execute(f"PRAGMA index_list([{table}])")
                if unique}

    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for kind in schema.KINDS:
            assert ("id",) in unique_keys(kind.plural), kind.plural
            for table in tables:
                if table.startswith(f"{kind.plural}_"):
                    assert ("item_id", "position") in unique_keys(table), table
        some_contact, some_city = (conn.execute(f"SELECT id FROM {t} LIMIT 1").fetchone()[0]
                                   for t in ("contacts", "cities"))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO contacts (id, name) VALUES (?, 'again')", (some_contact,))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO contacts_phones (item_id, position, raw) "
                         "SELECT item_id, position, '1' FROM contacts_phones LIMIT 1")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO contacts (id, name, city) VALUES ('new', 'New', 'nowhere')")
        conn.execute("INSERT INTO contacts (id, name, city) VALUES ('new', 'New', ?)", (some_city,))
    finally:
        conn.close()


def test_empty_fields_are_stored_as_sql_null(directory):
    """The load binds NULL as a NaN double (much faster than None); SQLite must store
    NULL, never a number, in every column the record leaves empty."""
    for table, column in [("contacts", "address_street"), ("contacts", "websites"),
                          ("contacts_phones", "ext"), ("warnings", "field"),
                          ("cities", "name_en")]:
        kinds = dict(directory.query(
            f"SELECT typeof([{column}]), count(*) FROM [{table}] GROUP BY 1"))
        assert kinds.get("null"), (table, column, kinds)
        assert "real" not in kinds, (table, column, kinds)


def test_bordeaux_has_the_one_wkt_point(directory):
    location = directory.get("city", "bordeaux")["record"]["location"]
    assert (location["lat"], location["lon"]) == (44.837789, -0.57918)
    assert "added" in directory.get("city", "bordeaux")["record"]


def test_contact_details_are_the_phones_and_emails_get_returns(directory):
    ids = [row[0] for row in directory.query("SELECT id FROM contacts ORDER BY id")]
    details = directory.contact_details(ids + ["no-such-contact"])
    assert set(details) == set(ids)
    for item_id in ids:
        record = directory.get("contact", item_id)["record"]
        assert details[item_id] == {"phones": record.get("phones", []),
                                    "emails": record.get("emails") or []}
    assert directory.contact_details([]) == {}


def test_every_reverse_lookup_of_a_record_uses_an_index(directory, monkeypatch):
    """A record's pane lists what refers to it (a city's contacts, a contact's
    sub-units): each of those look-ups is answered from an index, the partial
    ones on references most rows leave empty included, never by a scan."""
    from urbact_tui.directory import schema

    plans = []
    real_query = directory.query

    def query(sql, params=()):
        plans.append((sql, real_query(f"EXPLAIN QUERY PLAN {sql}", params)))
        return real_query(sql, params)

    monkeypatch.setattr(directory, "query", query)  # (a directory shared by the session)
    for kind in schema.KINDS:
        for other in schema.KINDS:
            for field in other.fields:
                if field.target_kind == kind.name:
                    directory._referencing(other, field, "x")
    assert len(plans) == sum(1 for kind in schema.KINDS for field in kind.fields
                             if field.target_kind)
    for sql, plan in plans:
        assert any("USING INDEX" in step[-1] or "USING COVERING INDEX" in step[-1]
                   for step in plan), (sql, plan)
        assert not any(step[-1].startswith("SCAN") and "USING" not in step[-1]
                       for step in plan), (sql, plan)
