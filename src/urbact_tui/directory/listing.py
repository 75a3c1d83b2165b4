"""The rows a result list shows (kind, id, title, subtitle), stored as two blobs.

A list shows a few dozen entries out of up to a million.  Storing every
entry's id, title and subtitle as one UTF-8 text with an array of offsets,
rather than as a table of one row per entry, takes a load the time of one
insert instead of 100k (binding the rows of a table value by value was ~0.5 s
of a 100k-contact load, on the path the load waits for); reading a page of
results is then a few slices of the blobs.  An entry's kind is not stored: the
entries are numbered kind by kind (`entries.ENTRY_ORDER`), so the entry
offsets tell it.
"""

from __future__ import annotations

import itertools
import sqlite3
import struct
from bisect import bisect_right
from typing import Sequence

from .entries import ENTRY_ORDER
from .schema import KIND_BY_PLURAL

TABLE = "entry_rows"
"""(name, value): the blob "text", every entry's fields each followed by a NUL, and
the blob "starts", the byte offset of each field (int64, little-endian), three per
entry and one more for the end."""

_FIELDS = 3  # id, title, subtitle
_SEPARATOR = "\x00"
_OFFSET = struct.Struct("<q")
_ENTRY_OFFSETS = struct.Struct(f"<{_FIELDS + 1}q")  # an entry's fields' starts, and the next's

Row = tuple[str, str, str, str]
"""(kind, id, title, subtitle)"""


def pack(rows: Sequence[tuple[str, str, str]]) -> dict[str, bytes]:
    """The blobs of the entries' rows (id, title, subtitle: `entries.display_rows`),
    by name (see TABLE)."""
    import numpy as np  # (imported by the load already, with sqlite-utils)

    fields = list(itertools.chain.from_iterable(rows))
    text = (_SEPARATOR.join(fields) + _SEPARATOR).encode("utf-8") if fields else b""
    ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 0) + 1
    if len(ends) != len(fields):  # a field holds a NUL itself: measure each field instead
        ends = np.cumsum([len(field.encode("utf-8")) + 1 for field in fields], dtype=np.int64)
    starts = np.zeros(len(fields) + 1, dtype="<i8")
    starts[1:] = ends
    return {"text": text, "starts": starts.tobytes()}


class Listing:
    """Reads entries' rows by number from an open database.

    `entry_offsets`: the number of each kind's first entry, by kind name.  Errors are
    sqlite3.Error, or ValueError for blobs that do not hold what they should."""

    def __init__(self, conn: sqlite3.Connection, entry_offsets: dict[str, int]):
        self._conn = conn
        kinds = [KIND_BY_PLURAL[plural].name for plural in ENTRY_ORDER]
        self._kinds = kinds
        self._firsts = [entry_offsets[kind] for kind in kinds]
        self._rowids: dict[str, int] | None = None

    def rows(self, numbers: Sequence[int]) -> list[Row]:
        """The rows of the entries `numbers`, in that order."""
        if not numbers:
            return []
        with self._blob("starts") as starts, self._blob("text") as text:
            _check(starts, text)
            return [self._row(number, _ENTRY_OFFSETS.unpack(
                _read(starts, _OFFSET.size * _FIELDS * number, _ENTRY_OFFSETS.size)), text)
                for number in numbers]

    def first(self, limit: int) -> list[Row]:
        """The rows of the first `limit` entries (fewer if there are fewer)."""
        with self._blob("starts") as starts, self._blob("text") as text:
            shown = max(0, min(limit, _check(starts, text)))
            if not shown:
                return []
            offsets = struct.unpack(f"<{_FIELDS * shown + 1}q",
                                    _read(starts, 0, _OFFSET.size * (_FIELDS * shown + 1)))
            return [self._row(number, offsets[_FIELDS * number:_FIELDS * (number + 1) + 1], text)
                    for number in range(shown)]

    def _row(self, number: int, offsets: Sequence[int], text: sqlite3.Blob) -> Row:
        base = offsets[0]
        raw = _read(text, base, offsets[-1] - base)
        fields = [raw[start - base:end - base - 1].decode("utf-8")
                  for start, end in itertools.pairwise(offsets)]
        return (self._kinds[bisect_right(self._firsts, number) - 1], *fields)

    def _blob(self, name: str) -> sqlite3.Blob:
        if self._rowids is None:
            self._rowids = dict(self._conn.execute(f"SELECT name, rowid FROM [{TABLE}]"))
        if name not in self._rowids:
            raise ValueError(f"the entry rows' {name!r} blob is missing")
        return self._conn.blobopen(TABLE, "value", self._rowids[name], readonly=True)


def _check(starts: sqlite3.Blob, text: sqlite3.Blob) -> int:
    """The number of entries, or ValueError if the blobs do not fit together (the
    offsets' count, and the last offset the end of the text)."""
    size = len(starts)
    if size < _OFFSET.size or size % (_FIELDS * _OFFSET.size) != _OFFSET.size \
            or _OFFSET.unpack(starts[size - _OFFSET.size:])[0] != len(text):
        raise ValueError("the entry rows' blobs do not fit together")
    return size // (_FIELDS * _OFFSET.size)


def _read(blob: sqlite3.Blob, offset: int, length: int) -> bytes:
    """`length` bytes of `blob` from `offset`, or ValueError if it does not hold them."""
    if offset < 0 or length < 0 or offset + length > len(blob):
        raise ValueError("the entry rows' blobs are shorter than their offsets say")
    return blob[offset:offset + length]
