"""A large file is parsed in two parts at once, in two threads (`split_parse`).  The
result must be exactly what one parse gives, or None (the file is then parsed
whole): never a different reading of the file."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urbact_tui.directory import yamlfile
from urbact_tui.directory.split_parse import _cut, _may_have_anchors, loads_in_two
from urbact_tui.paths import bundled_seed


def whole(text: str):
    try:
        return yamlfile._loads(text.encode())
    except Exception as exc:  # noqa: BLE001 - compared by kind below
        return type(exc)


def check(text: str):
    """The one rule: the same as one parse, or None."""
    split = loads_in_two(text.encode(), yamlfile._loads)
    assert split is None or split == whole(text), text
    return split


def test_the_seed_parses_the_same_in_two_parts():
    text = bundled_seed().read_text(encoding="utf-8")
    key, head, tail, rest = _cut(text.encode())
    blocks = {k: len(v) for k, v in whole(text).items()}
    assert key in blocks and blocks[key] > 2
    assert head + tail.removeprefix(f"{key}:\n".encode()) + rest == text.encode()  # nothing lost
    assert check(text) is not None


def items(count: int, indent: str = "  ") -> str:
    return "".join(f"{indent}- id: c{n}\n{indent}  name: Person {n}\n" for n in range(count))


@pytest.mark.parametrize("indent", ["", "  ", "    "])
def test_items_at_any_indentation_are_cut_between_items(indent):
    text = f"cities:\n  - id: x\n    name: X\ncontacts:\n{items(40, indent)}networks:\n  - id: n\n    name: N\n"
    assert check(text) == whole(text)


@pytest.mark.parametrize("spanning", [
    '    note: "a quoted text\n  - that goes on"\n',      # a quoted scalar over an item line
    "    tags: [a,\n  - b]\n",                            # a bracketed list over it
])
def test_a_value_spanning_the_cut_is_never_read_differently(spanning):
    lines = items(40).splitlines(keepends=True)
    for at in range(1, len(lines)):   # the spanning value before every possible cut
        text = "contacts:\n" + "".join(lines[:at]) + spanning + "".join(lines[at:])
        check(text)


@pytest.mark.parametrize("text", [
    "contacts:\n" + items(20) + "  - &a {id: z, name: Z}\n" + items(20).replace("c", "d") + "other: *a\n",
    "contacts:\n" + items(40) + "contacts:\n" + items(2),         # a duplicate top-level key
    "%YAML 1.2\n---\ncontacts:\n" + items(40),                     # directives: never cut
    "contacts:\n" + items(20) + "---\nother:\n" + items(20),       # two documents: never cut
    "contacts: []\n",
    "- a\n- b\n",
])
def test_anchors_duplicates_directives_and_documents(text):
    check(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "  - id: a\n    name: A\n", "  - id: b\n    note: |\n      - not an item\n      text\n",
    '  - id: c\n    note: "two\n      lines"\n', "  - id: d\n    tags: [x, y]\n",
    "  # a comment\n", "\n", "  - &anchor\n    id: e\n", "  - *anchor\n",
    "  - id: f\n    phones:\n    - raw: '1'\n", '  - "quoted\n', "  - [open\n",
]), min_size=2, max_size=30), st.sampled_from(["", "cities:\n  - id: x\n", "x: 1\n"]),
       st.sampled_from(["", "networks:\n  - id: n\n", "contacts:\n  - id: again\n"]))
def test_any_list_parses_the_same_in_two_parts_or_whole(lines, before, after):
    check(before + "contacts:\n" + "".join(lines) + after)


@pytest.mark.parametrize("text, anchors", [
    ("name: A & B\n", False), ("note: 'x*y, 2 * 3'\n", False), ('mail: "a&b@x.eu"\n', False),
    ("x: &a 1\ny: *a\n", True), ("- &item\n  id: e\n", True), ("- *item\n", True),
    ("&top\na: 1\n", True), ("tags: [*a]\n", True), ("k: {x: *a}\n", True),
])
def test_anchors_and_aliases_are_told_from_text(text, anchors):
    assert _may_have_anchors(text.encode()) is anchors


def test_a_file_with_an_anchor_is_parsed_whole():
    """(Each part would have its own alias limits: a file with aliases is never cut.)"""
    text = "contacts:\n" + items(40) + "  - &a\n    id: z\n    name: Z\n" + items(40).replace("c", "d")
    assert _cut(text.encode()) is not None and whole(text) != type
    assert loads_in_two(text.encode(), yamlfile._loads) is None
