"""The rows a result list shows (kind, id, title, subtitle), stored in blocks.

A list shows a few dozen entries out of up to a million.  The entries' id,
title and subtitle are stored BLOCK entries to a row, as one UTF-8 text and an
array of offsets, rather than one row per entry: a load then inserts 1,600 rows
for 100k contacts instead of 100k (binding a table's rows value by value was
~0.5 s of a 100k-contact load, on the path the load waits for), and reading a
page of results is a look-up of the few blocks it falls in.  (One blob for all
entries was tried: SQLite reads a large blob's overflow pages as a chain, so
reading at an offset walks the chain up to it, 3.7 ms for 50 results at 100k.)
An entry's kind is not stored: the entries are numbered kind by kind
(`entries.ENTRY_ORDER`), so the entry offsets tell it.
"""

from __future__ import annotations

import itertools
import sqlite3
import struct
from bisect import bisect_right
from collections.abc import Sequence

from .entries import ENTRY_ORDER
from .schema import KIND_BY_PLURAL

TABLE = "entry_rows"
"""One row per block of BLOCK entries: `block` (its number: entry number // BLOCK),
`text`, each entry's id, title and subtitle each followed by a NUL, and `starts`,
the byte offset in `text` of each field, three per entry and one for the end
(little-endian 32-bit)."""

BLOCK = 64
"""Entries per row: a block's text (~6 KB) stays within one database page."""

_FIELDS = 3  # id, title, subtitle
_SEPARATOR = "\x00"
_OFFSET = struct.Struct("<I")
_ENTRY = struct.Struct(f"<{_FIELDS + 1}I")  # an entry's fields' offsets and the next one's
_ENTRY_STEP = _FIELDS * _OFFSET.size

Row = tuple[str, str, str, str]
"""(kind, id, title, subtitle)"""


def create_table(conn: sqlite3.Connection) -> None:
    conn.execute(f"CREATE TABLE [{TABLE}] (block INTEGER PRIMARY KEY, text BLOB NOT NULL, "
                 "starts BLOB NOT NULL)")


def blocks(rows: Sequence[tuple[str, str, str]]) -> list[tuple[int, bytes, bytes]]:
    """The table's rows for the entries' rows (id, title, subtitle, in entry order:
    `entries.display_rows`)."""
    import numpy as np  # (imported by the load already, with sqlite-utils)

    fields = list(itertools.chain.from_iterable(rows))
    text = (_SEPARATOR.join(fields) + _SEPARATOR).encode("utf-8") if fields else b""
    ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 0) + 1
    if len(ends) != len(fields):  # a field holds a NUL itself: measure each field instead
        ends = np.cumsum([len(field.encode("utf-8")) + 1 for field in fields], dtype=np.int64)
    starts = np.zeros(len(fields) + 1, dtype=np.int64)
    starts[1:] = ends
    table = []
    for block, first in enumerate(range(0, len(rows), BLOCK)):
        offsets = starts[_FIELDS * first:_FIELDS * min(first + BLOCK, len(rows)) + 1]
        table.append((block, text[offsets[0]:offsets[-1]],
                      (offsets - offsets[0]).astype("<u4").tobytes()))
    return table


class Listing:
    """Reads entries' rows by number from an open database.

    `entry_offsets`: the number of each kind's first entry, by kind name; `count`: the
    number of entries.  Errors are sqlite3.Error, or ValueError for blocks that are
    missing or do not hold what they should."""

    def __init__(self, conn: sqlite3.Connection, entry_offsets: dict[str, int], count: int):
        self._conn = conn
        self._count = count
        self._kinds = [KIND_BY_PLURAL[plural].name for plural in ENTRY_ORDER]
        self._firsts = [entry_offsets[kind] for kind in self._kinds]
        if self._firsts != sorted(self._firsts) or not 0 <= self._firsts[0] <= self._firsts[-1] <= count:
            raise ValueError("the entry offsets are not in order")

    def counts(self) -> dict[str, int]:
        """The number of entries of each kind that has any."""
        ends = [*self._firsts[1:], self._count]
        return {kind: end - first for kind, first, end in zip(self._kinds, self._firsts, ends)
                if end > first}

    def rows(self, numbers: Sequence[int]) -> list[Row]:
        """The rows of the entries `numbers`, in that order."""
        blocks = self._blocks(sorted({number // BLOCK for number in numbers}))
        return [self._row(number, *blocks[number // BLOCK]) for number in numbers]

    def first(self, limit: int) -> list[Row]:
        """The rows of the first `limit` entries (fewer if there are fewer)."""
        shown = range(min(max(limit, 0), self._count))
        blocks = self._blocks(list(range(-(-len(shown) // BLOCK))))
        return [self._row(number, *blocks[number // BLOCK]) for number in shown]

    def _blocks(self, numbers: list[int]) -> dict[int, tuple[bytes, bytes]]:
        """The blocks `numbers`: (text, field offsets), each checked; ValueError if one
        is missing or damaged."""
        if numbers and not 0 <= numbers[0] <= numbers[-1] < -(-self._count // BLOCK):
            raise ValueError("an entry number out of range")
        found = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start:start + 500]
            for block, text, starts in self._conn.execute(
                    f"SELECT block, text, starts FROM [{TABLE}] WHERE block IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                entries = min(BLOCK, self._count - block * BLOCK)
                if not isinstance(text, bytes) or not isinstance(starts, bytes) \
                        or len(starts) != _OFFSET.size * (_FIELDS * entries + 1) \
                        or _OFFSET.unpack_from(starts, len(starts) - _OFFSET.size)[0] != len(text):
                    raise ValueError(f"the entry rows' block {block} is damaged")
                found[block] = (text, starts)
        if len(found) != len(numbers):
            raise ValueError(f"the entry rows' blocks {sorted(set(numbers) - set(found))} "
                             "are missing")
        return found

    def _row(self, number: int, text: bytes, starts: bytes) -> Row:
        """The row of entry `number` from its block (checked by `_blocks`)."""
        offsets = _ENTRY.unpack_from(starts, _ENTRY_STEP * (number % BLOCK))
        kind = self._kinds[bisect_right(self._firsts, number) - 1]
        raw = text[offsets[0]:offsets[-1] - 1]
        if raw.count(0) == _FIELDS - 1:  # (no NUL inside a field: one decode for all three)
            return (kind, *raw.decode("utf-8").split(_SEPARATOR))
        return (kind, *(text[start:end - 1].decode("utf-8")
                        for start, end in itertools.pairwise(offsets)))
