"""Property-based tests: the loader and the search core never fail in an unplanned way.

Loader: documents built from the schema (valid ones must load; mutated ones
and random bytes either load or raise DirectoryError), and never a partial
database: no temporary file is left, and the target is either the old
database byte for byte or a complete new one.
Search: any Unicode query returns a list of hits, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from urbact_tui.directory import schema
from urbact_tui.directory.errors import DirectoryError
from urbact_tui.directory.loader import load
from urbact_tui.directory.store import Directory

# A deterministic, quick run by default; URBACT_FUZZ_EXAMPLES=2000 explores more, randomly.
EXAMPLES = int(os.environ.get("URBACT_FUZZ_EXAMPLES", "0")) or None
SETTINGS = settings(max_examples=EXAMPLES or 20, deadline=None, derandomize=EXAMPLES is None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

IDS = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
NON_EMPTY = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6)
YAML_CHARACTERS = st.sampled_from(list(":-[]{}#&*!|>'\"%@`?,\t\n \\") + ["\n  ", "- ", ": ", "\x85"])


def value_for(draw, ftype, ids: dict[str, list[str]], required: bool = False):
    if isinstance(ftype, schema.Text):
        if ftype.choices:
            return draw(st.sampled_from(ftype.choices))
        return draw(NON_EMPTY if required else TEXT)
    if isinstance(ftype, schema.Integer):
        return draw(st.integers(ftype.minimum, ftype.maximum))
    if isinstance(ftype, schema.Number):
        return draw(st.floats(ftype.minimum, ftype.maximum, allow_nan=False))
    if isinstance(ftype, schema.Ref):
        targets = ids[ftype.kind]
        return draw(st.sampled_from(targets)) if targets else None
    if isinstance(ftype, schema.ListOf):
        values = [value_for(draw, ftype.item, ids) for _ in range(draw(st.integers(0, 2)))]
        return [v for v in values if v is not None]
    if isinstance(ftype, schema.Record):
        return {f.name: value_for(draw, f.type, ids, f.required) for f in ftype.fields
                if f.required or draw(st.booleans())}
    if isinstance(ftype, schema.TextMap):
        return draw(st.dictionaries(st.sampled_from(["name", "country", "year"]), NON_EMPTY,
                                    max_size=2))
    raise AssertionError(ftype)


@st.composite
def documents(draw) -> dict:
    """A valid directory: unique ids per kind, every reference resolved."""
    ids = {kind.name: draw(st.lists(IDS, max_size=3, unique=True)) for kind in schema.KINDS}
    document = {}
    for kind in schema.KINDS:
        items = []
        for item_id in ids[kind.name]:
            item = {"id": item_id}
            for field in kind.all_fields[1:]:
                if field.required or draw(st.integers(0, 3)) == 0:
                    value = value_for(draw, field.type, ids, field.required)
                    if value is not None:
                        item[field.name] = value
            items.append(item)
        if items or draw(st.booleans()):
            document[kind.plural] = items
    assume(any(document.values()))  # an empty directory is refused (tests/data/bad/no-items)
    return document


@st.composite
def mutated(draw) -> dict | object:
    """A document with one plausible editing mistake (or several)."""
    document = draw(documents())
    for _ in range(draw(st.integers(1, 3))):
        items = [(plural, i) for plural, values in document.items()
                 if plural in schema.KIND_BY_PLURAL and isinstance(values, list)
                 for i, item in enumerate(values) if isinstance(item, dict)]
        choice = draw(st.integers(0, 8))
        if choice == 0 and items:       # a required field deleted, or any field
            plural, i = draw(st.sampled_from(items))
            item = document[plural][i]
            if item:
                item.pop(draw(st.sampled_from(list(item))), None)
        elif choice == 1 and items:     # a field with a value of the wrong type
            plural, i = draw(st.sampled_from(items))
            kind = schema.KIND_BY_PLURAL[plural]
            field = draw(st.sampled_from(kind.all_fields))
            document[plural][i][field.name] = draw(JUNK)
        elif choice == 2 and items:     # an unknown field
            plural, i = draw(st.sampled_from(items))
            document[plural][i][draw(TEXT)] = draw(JUNK)
        elif choice == 3 and items:     # a duplicated item (duplicate id)
            plural, i = draw(st.sampled_from(items))
            document[plural].append(dict(document[plural][i]))
        elif choice == 4 and items:     # a reference to an id that does not exist
            plural, i = draw(st.sampled_from(items))
            kind = schema.KIND_BY_PLURAL[plural]
            refs = [f for f in kind.fields if isinstance(f.type, schema.Ref)]
            if refs:
                document[plural][i][draw(st.sampled_from(refs)).name] = draw(IDS)
        elif choice == 5 and document:  # a kind that is not a list
            document[draw(st.sampled_from(sorted(document)))] = draw(JUNK)
        elif choice == 6:               # an unknown kind
            document[draw(TEXT)] = draw(JUNK)
        elif choice == 7 and items:     # an item that is not a mapping
            plural, i = draw(st.sampled_from(items))
            document[plural][i] = draw(JUNK)
        elif choice == 8:               # the whole document replaced
            return draw(JUNK)
    return document


@st.composite
def damaged_text(draw, text: str) -> str:
    """Edits at random places: characters YAML cares about, deletions, truncation."""
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.integers(0, 2))
        if action == 0:
            text = text[:position] + draw(YAML_CHARACTERS) + text[position:]
        elif action == 1:
            text = text[:position] + text[position + draw(st.integers(1, 8)):]
        else:
            text = text[:position]
    return text


def dump(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_load(old_db: Path, content: bytes, must_load: bool = False) -> None:
    """Load `content` over a copy of `old_db`: a complete new database or the old one intact."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = folder / "directory.yaml"
        source.write_bytes(content)
        target = folder / "db" / "directory.db"
        target.parent.mkdir()
        shutil.copyfile(old_db, target)
        before = sha256(target)
        try:
            counts = load(source, target)
        except DirectoryError as error:
            assert not must_load, error.render()
            assert error.render().startswith("error in ")
            assert sha256(target) == before
        else:
            directory = Directory(target)
            try:
                stored = directory.counts()
                assert {k: v for k, v in counts.items() if v} == stored
                for kind, number in stored.items():
                    assert len(directory.search("", kind=kind, limit=1000)) == number
            finally:
                directory.close()
        assert sorted(p.name for p in target.parent.iterdir()) in (
            ["directory.db"], [".directory.db.lock", "directory.db"])


@SETTINGS
@given(documents())
def test_valid_documents_load_completely(seed_db, document):
    # JSON is YAML 1.2 with every string quoted: what was generated is what is read.
    check_load(seed_db, json.dumps(document).encode(), must_load=True)


@SETTINGS
@given(documents())
def test_valid_documents_read_back_as_they_were_written(seed_db, document):
    """Items are stored only in columns, list tables and the warnings table (see
    `records`): each one read back is the item of the file, empty values left out."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "directory.yaml", Path(folder) / "directory.db"
        source.write_text(json.dumps(document), encoding="utf-8")
        load(source, target)
        directory = Directory(target)
        try:
            for plural, items in document.items():
                kind = schema.KIND_BY_PLURAL[plural]
                for item in items:
                    assert directory._item(kind, item["id"]) == without_empty_values(item)
                    # its entry, found by its place in its kind (no index by kind and id)
                    summary = directory.summary(kind.name, item["id"])
                    assert (summary.kind, summary.id) == (kind.name, item["id"])
        finally:
            directory.close()


def without_empty_values(value):
    """An item as it reads back: no None, no empty mapping, no empty list of
    references or records (lists of text keep `[]`: they are stored as JSON)."""
    if isinstance(value, dict):
        kept = {key: without_empty_values(v) for key, v in value.items()}
        return {key: v for key, v in kept.items()
                if v is not None and not (v == [] and isinstance(value[key], list)
                                          and key not in TEXT_LISTS)
                and not (v == {} and key != "added")}
    if isinstance(value, list):
        return [without_empty_values(v) for v in value]
    return value


TEXT_LISTS = {field.name for kind in schema.KINDS for field in kind.all_fields
              if isinstance(field.type, schema.ListOf) and isinstance(field.type.item, schema.Text)
              and field.name != "warnings"}


@SETTINGS
@given(mutated())
def test_mutated_documents_load_or_raise_the_user_error(seed_db, document):
    check_load(seed_db, dump(document).encode("utf-8"))


@SETTINGS
@given(st.data())
def test_damaged_yaml_text_loads_or_raises_the_user_error(seed_db, data):
    text = dump(data.draw(documents()))
    check_load(seed_db, data.draw(damaged_text(text)).encode("utf-8"))


@SETTINGS
@given(st.binary(max_size=300))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe\x00c")
@example(b"cities:\n  - id: a\n    name: \xc3")
@example(b"\x00" * 10)
def test_random_bytes_load_or_raise_the_user_error(seed_db, content):
    check_load(seed_db, content)


@SETTINGS
@given(st.text(max_size=200))
@example("cities: [")
@example("? [a]\n: b\n")
@example("cities:\n  - &a {id: x, name: y}\n  - *a\n")
@example("cities: !!set {a, b}\n")
@example("cities:\n  - id: a\n    name: A\n    location: {lat: .nan, lon: .inf}\n")
@example("%YAML 1.1\n---\ncities: []\n")
@example("cities: []\n---\ncities: []\n")
def test_random_text_loads_or_raises_the_user_error(seed_db, text):
    assume("\ud800" not in text)
    check_load(seed_db, text.encode("utf-8", errors="surrogatepass"))


# --- search ----------------------------------------------------------------------------

QUERIES = st.one_of(
    st.text(max_size=50),
    st.text(st.sampled_from(list(".*+?[](){}|^$\\'\"%_;-- \t\n")), max_size=30),
    st.text(st.characters(categories=("Mn", "Me", "So", "Zs", "Cc", "Cf")), max_size=20),
    st.text(st.characters(exclude_categories=()), max_size=30),  # surrogates too
)


@settings(max_examples=EXAMPLES or 150, deadline=None, derandomize=EXAMPLES is None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERIES, st.sampled_from([None, *schema.KIND_BY_NAME]), st.integers(1, 60))
@example("", None, 20)
@example("   \t\n", None, 20)
@example("🙂🏙️ 👩‍👩‍👧", None, 20)
@example("e\u0301\u0301\u0301 lou\u0301le\u0301", None, 20)
@example("x" * 10_000, None, 20)
@example("loule " * 2000, None, 20)
@example(".*+?[](){}|^$\\", None, 20)
@example("'; DROP TABLE entries; --", None, 20)
@example('" OR 1=1 -- %_', "contact", 5)
@example("\x00\ud800\udfff\ufeff\u202e", None, 20)
@example("ǅ ß ﬁ İ ı ŉ", "city", 20)
def test_any_query_returns_a_list_of_hits(directory, query, kind, limit):
    hits = directory.search(query, kind=kind, limit=limit)
    assert isinstance(hits, list)
    assert len(hits) <= limit
    for hit in hits:
        assert hit.kind in schema.KIND_BY_NAME
        assert kind is None or hit.kind == kind
        for start, end in hit.title_spans:
            assert 0 <= start < end <= len(hit.title)
        json.dumps(hit.as_json())


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12)


@given(JSON_VALUES)
@example({"year": 2**70, "names": ["Loulé", {"1": -0.0}]})
def test_stored_records_read_back_as_they_were_written(value):
    """The load's fast JSON encoder (orjson, with the standard library for what orjson
    refuses, such as integers beyond 64 bits) writes what json.loads reads back."""
    from urbact_tui.directory.tables import encode_json

    assert json.loads(encode_json(value)) == value


def _valid_mapping(draw, fields, ids) -> dict:
    """A valid mapping for `fields`: required ones always, the others sometimes."""
    return {field.name: value_for(draw, field.type, ids, field.required) for field in fields
            if field.name != "id" and (field.required or draw(st.booleans()))}


def _near_miss(draw, ftype, ids):
    """A value that may just miss `ftype`: any text for a choice, any number for a range,
    a record or a list with one such value inside, or anything at all."""
    if isinstance(ftype, schema.Record):
        record = _valid_mapping(draw, ftype.fields, ids)
        field = draw(st.sampled_from(ftype.fields))
        record[field.name] = _near_miss(draw, field.type, ids)
        return record
    if isinstance(ftype, schema.ListOf):
        return [_near_miss(draw, ftype.item, ids)]
    if isinstance(ftype, schema.Text):
        return draw(st.none() | TEXT | JUNK)
    if isinstance(ftype, (schema.Integer, schema.Number)):
        return draw(st.none() | st.integers() | st.floats() | st.booleans() | TEXT)
    return draw(JUNK)


FIELDS = [(kind, field) for kind in schema.KINDS for field in kind.all_fields if field.name != "id"]


@pytest.mark.parametrize("kind, field", FIELDS, ids=[f"{k.name}.{f.name}" for k, f in FIELDS])
@settings(SETTINGS, max_examples=EXAMPLES or 10)
@given(data=st.data())
def test_the_fast_check_passes_nothing_the_detailed_check_would_refuse(kind, field, data):
    """Validation's compiled fast path may only say yes to what the detailed checks accept
    (a wrong yes would let bad data into the database without a message)."""
    from urbact_tui.directory import validate

    ids = {k.name: ["x"] for k in schema.KINDS}
    item = _valid_mapping(data.draw, kind.all_fields, ids)
    item[field.name] = _near_miss(data.draw, field.type, ids)
    if data.draw(st.integers(0, 9)) == 0:
        item[data.draw(TEXT)] = data.draw(JUNK)  # an unknown field besides
    problems: list = []
    validate._check_fields(kind.all_fields, item, (kind.plural, 0), kind, None, "", problems)
    if validate._fast_check(kind.all_fields)(item):
        assert problems == []


@SETTINGS
@given(documents())
def test_the_fast_check_passes_valid_items(document):
    """The fast path is taken for valid items (else every item is checked in detail)."""
    from urbact_tui.directory import validate

    for plural, items in document.items():
        fields_ok = validate._fast_check(schema.KIND_BY_PLURAL[plural].all_fields)
        assert all(fields_ok(item) for item in items)


@SETTINGS
@given(st.text(st.sampled_from("+0123456789 ()-./x#٣²") | st.characters(), max_size=20))
def test_a_phone_number_s_digits_are_its_decimal_digits(raw):
    """The search index holds a phone's digits as one word (ASCII ones through a fast
    path): every decimal digit the regex \\d knows, in order, and nothing else."""
    import re

    from urbact_tui.directory.entries import _digits

    assert _digits(raw) == re.sub(r"\D", "", raw)


TEXTS = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(schema.KINDS), IDS, TEXTS, TEXTS), max_size=8),
       st.integers(0, 10), st.sampled_from([1, 3, 64]))
def test_entry_rows_read_back_as_written(rows, limit, block):
    """The entries' rows, stored in blocks (`listing`), read back the same, by number
    and from the start, whatever their texts hold (a NUL too, possible in YAML as
    "\\0"); each row's kind comes from the kind's first entry number."""
    import contextlib
    import sqlite3
    from unittest import mock

    from urbact_tui.directory import listing
    from urbact_tui.directory.entries import ENTRY_ORDER

    order = [schema.KIND_BY_PLURAL[plural].name for plural in ENTRY_ORDER]
    rows.sort(key=lambda row: order.index(row[0].name))  # (entries are numbered kind by kind)
    written = [(kind.name, item_id, title, subtitle) for kind, item_id, title, subtitle in rows]
    offsets = {name: sum(1 for row in written if order.index(row[0]) < order.index(name))
               for name in order}
    with contextlib.closing(sqlite3.connect(":memory:")) as conn, \
            mock.patch.object(listing, "BLOCK", block):  # (small blocks: several of them)
        listing.create_table(conn)
        conn.executemany(f"INSERT INTO {listing.TABLE} VALUES (?, ?, ?)",
                         listing.blocks([row[1:] for row in written]))
        reading = listing.Listing(conn, offsets, len(written))
        assert reading.rows(list(range(len(written)))[::-1]) == written[::-1]
        assert reading.first(limit) == written[:limit]


@SETTINGS
@given(st.lists(st.text(st.sampled_from("ab9-\nA é_"), max_size=5) | IDS, max_size=5))
def test_ids_checked_all_at_once_as_one_by_one(ids):
    """The validator checks all of a kind's ids in one go when it can; that check
    must agree with the id pattern applied to each id."""
    from urbact_tui.directory.validate import _well_formed

    assert _well_formed("\n".join(ids), len(ids)) == (
        bool(ids) and all(schema.ID_PATTERN.match(item_id) for item_id in ids))
