"""How an item is stored in its tables, and how it is read back from them.

The loader stores each item relationally, and only so: scalar fields in columns
of the kind's table, a record's fields in `<field>_<sub>` columns, lists of
text and the `added` map as JSON text, lists of references in link tables and
lists of records in child tables (both by position), and the item's own
data-quality notes in the `warnings` table.  An item shown is put back
together from those.  (Keeping the whole item a second time, as JSON, was a
third of writing the tables: 0.5 s of loading 100k contacts.)

Both sides use the plan here, so what is written is what is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import schema

SCALAR, RECORD, JSON, REF_LIST, RECORD_LIST = range(5)

_SEPARATE = frozenset({"id", "warnings"})
"""Fields with no column of their own: the key, and the notes kept in `warnings`."""


@dataclass(frozen=True)
class Stored:
    """How one field of a kind is stored: `how` (SCALAR, RECORD, ...), the columns of
    the kind's table it fills (with each one's key in a record), and the table of a
    list (its columns after item_id and position)."""

    field: schema.Field
    how: int
    columns: tuple[tuple[str, str], ...] = ()
    table: str | None = None
    table_columns: tuple[str, ...] = ()


@cache
def plan(kind: schema.Kind) -> tuple[Stored, ...]:
    """Every field of the kind but the id and warnings, in the order an item shows
    them: the kind's own fields, then `added`, `source` and `notes`."""
    fields = [*kind.fields, *(f for f in schema.COMMON_FIELDS if f.name not in _SEPARATE)]
    stored = []
    for field in fields:
        ftype = field.type
        if isinstance(ftype, schema.Record):
            stored.append(Stored(field, RECORD, tuple(
                (f"{field.name}_{sub.name}", sub.name) for sub in ftype.fields)))
        elif isinstance(ftype, schema.ListOf) and isinstance(ftype.item, schema.Ref):
            stored.append(Stored(field, REF_LIST, table=f"{kind.plural}_{field.name}",
                                 table_columns=("target_id",)))
        elif isinstance(ftype, schema.ListOf) and isinstance(ftype.item, schema.Record):
            stored.append(Stored(field, RECORD_LIST, table=f"{kind.plural}_{field.name}",
                                 table_columns=tuple(sub.name for sub in ftype.item.fields)))
        elif isinstance(ftype, (schema.ListOf, schema.TextMap)):
            stored.append(Stored(field, JSON, ((field.name, field.name),)))
        else:
            stored.append(Stored(field, SCALAR, ((field.name, field.name),)))
    return tuple(stored)


def column_types(kind: schema.Kind) -> dict[str, type]:
    """The kind's table: each column and its type."""
    columns: dict[str, type] = {"id": str}
    for stored in plan(kind):
        ftype = stored.field.type
        if stored.how == RECORD:
            for (column, _), sub in zip(stored.columns, ftype.fields):
                columns[column] = _column_type(sub.type)
        elif stored.how in (SCALAR, JSON):
            columns[stored.field.name] = _column_type(ftype)
    return columns


def _column_type(ftype: schema.FieldType) -> type:
    return int if isinstance(ftype, schema.Integer) else \
        float if isinstance(ftype, schema.Number) else str


Query = Callable[[str, tuple], list[tuple]]


def read_item(query: Query, kind: schema.Kind, item_id: str,
              notes: list[str] | None = None) -> dict[str, Any] | None:
    """The item with this id as the directory file gives it (its fields in schema
    order, empty ones left out), or None.  `query` runs SQL (and reports damage).
    `notes`: its data-quality notes from the file, when the caller has read them
    from `warnings` already (they are read here otherwise)."""
    stored_fields = plan(kind)
    columns = [column for stored in stored_fields for column, _ in stored.columns]
    rows = query(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{kind.plural}] "
                 "WHERE id = ?", (item_id,))
    if not rows:
        return None
    values = dict(zip(columns, rows[0]))
    item: dict[str, Any] = {"id": item_id}
    for stored in stored_fields:
        name = stored.field.name
        if stored.how == SCALAR:
            value = values[name]
        elif stored.how == JSON:
            value = json_value(values[name],
                               dict if isinstance(stored.field.type, schema.TextMap) else list)
        elif stored.how == RECORD:
            value = {key: values[column] for column, key in stored.columns
                     if values[column] is not None} or None
        else:
            value = _list(query, stored, item_id)
        if value is not None:
            item[name] = value
    if notes is None:
        notes = [message for (message,) in query(
            "SELECT message FROM warnings WHERE kind = ? AND item_id = ? AND origin = 'source' "
            "ORDER BY rowid", (kind.name, item_id))]
    if notes:
        item["warnings"] = notes
    return item


def _list(query: Query, stored: Stored, item_id: str) -> list | None:
    rows = query(f"SELECT {', '.join(f'[{c}]' for c in stored.table_columns)} "
                 f"FROM [{stored.table}] WHERE item_id = ? ORDER BY position", (item_id,))
    if stored.how == REF_LIST:
        return [target for (target,) in rows] or None
    return [{key: value for key, value in zip(stored.table_columns, row) if value is not None}
            for row in rows] or None


class DamagedValue(ValueError):
    """A stored JSON value that does not read back as what was stored."""


def json_value(text: str | None, expected: type) -> Any:
    """A list or mapping stored as JSON text (None stays None)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise DamagedValue(f"a stored value is unreadable: {exc}") from None
    if not isinstance(value, expected):
        raise DamagedValue(f"a stored value is not a {expected.__name__}")
    return value
