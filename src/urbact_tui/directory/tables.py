"""The database's tables: created from the schema, filled with the items' rows.

Each kind has a table of its own (one column per scalar field, JSON text for a
list of texts or a mapping), a link table per list of references and a child table per list
of records (as `records.plan` names them).  Rows are tuples made by a function
compiled once per table layout, and bound with NULL as a NaN double (see
`NULL`); every index is made once the rows are in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from . import listing, records, schema

if TYPE_CHECKING:
    from pathlib import Path

    from .loader import Progress


def open_new(path: Path, total: int) -> sqlite3.Connection:
    """A connection to a new database file, set up for writing it fast."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if total >= 20_000:   # big pages: about half the insert time of 4096 on 100k rows
            conn.execute("PRAGMA page_size = 16384")   # (small directories stay small)
        conn.execute("PRAGMA journal_mode = OFF")   # a fresh temporary file: nothing to protect
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: index creation sorts in memory
    except BaseException:
        conn.close()
        raise
    return conn


def create_schema(db: Any) -> tuple[list[Index], dict[str, list[str]]]:
    """Create every table; return the indexes to create once the rows are in, and
    each table's columns."""
    indexes: list[Index] = []
    foreign_keys = []
    for kind in schema.KINDS:
        kind_keys, kind_indexes = _create_tables(db, kind)
        foreign_keys += kind_keys
        indexes += kind_indexes
    db.add_foreign_keys(foreign_keys)  # after every table exists: contacts refer to contacts
    for kind in schema.KINDS:
        indexes += _create_list_tables(db, kind)
    listing.create_table(db.conn)
    db["search_index"].create({"name": str, "value": bytes}, pk="name")
    db["meta"].create({"key": str, "value": str}, pk="key")
    columns = {table: [c.name for c in db[table].columns] for table in db.table_names()}
    return indexes, columns


def write_kind_tables(conn: sqlite3.Connection, items: dict[str, list[dict]],
                       columns: dict[str, list[str]], report: Progress, total: int) -> None:
    """Write the kinds' own tables and their list tables (not the warnings)."""
    done = 0
    for kind in schema.KINDS:
        kind_items = items[kind.plural]
        for start in range(0, len(kind_items), CHUNK):  # chunks: a bounded heap of rows
            chunk = kind_items[start:start + CHUNK]
            rows = _kind_rows(kind, chunk, columns, report, done, total)
            done += len(chunk)
            for table, table_rows in rows.items():
                insert(conn, table, columns[table], table_rows)
            del rows, chunk


CHUNK = 50_000
"""Rows are built and inserted this many items at a time (each table's in item order)."""


NULL = float("nan")
"""What the rows hold for SQL NULL: SQLite stores a NaN bound as a double as NULL
(`sqlite3VdbeMemSetDouble`), and Python's sqlite3 binds a float at once, whereas
None goes through its adapter look-ups first: binding None was most of the time of
inserting 100k contacts (their many empty columns), 1.3 s of 1.6 s."""


def insert(conn: sqlite3.Connection, table: str, columns: list[str],
            rows: Iterable[tuple]) -> None:
    """Insert rows (tuples in `columns` order; NULL, not None, for SQL NULL)."""
    if rows:  # (a list may be empty; any other iterable is inserted)
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", rows)


class Index(NamedTuple):
    """An index, made once the rows are in (cheaper than keeping it up to date row by
    row).  `sparse`: of a reference that most rows may leave empty (a contact's
    parent), so only the rows that have one are in it; a look-up by value
    (`parent = ?`) can use it all the same."""

    table: str
    columns: tuple[str, ...]
    unique: bool = False
    sparse: bool = False

    def create(self, conn: sqlite3.Connection) -> None:
        columns = ", ".join(f'"{column}"' for column in self.columns)
        where = f' WHERE "{self.columns[0]}" IS NOT NULL' if self.sparse else ""
        conn.execute(f'CREATE {"UNIQUE " if self.unique else ""}INDEX '
                     f'"idx_{self.table}_{"_".join(self.columns)}" ON "{self.table}" ({columns}){where}')


def _create_tables(db: Any, kind: schema.Kind
                   ) -> tuple[list[tuple[str, str, str, str]], list[Index]]:
    """Create the kind's main table; return its foreign keys to add once all tables exist
    and the indexes to create once the rows are in."""
    foreign_keys = [(kind.plural, field.name, schema.KIND_BY_NAME[field.type.kind].plural, "id")
                    for field in kind.fields if isinstance(field.type, schema.Ref)]
    db[kind.plural].create(records.column_types(kind), not_null={"id"})  # id index: after the rows
    indexes = [Index(kind.plural, ("id",), unique=True)]
    indexes += [Index(kind.plural, (column,), sparse=True) for _, column, _, _ in foreign_keys]
    if "warnings" not in db.table_names():
        db["warnings"].create({"kind": str, "item_id": str, "field": str, "message": str,
                               "origin": str})
        indexes.append(Index("warnings", ("kind", "item_id")))
    return foreign_keys, indexes


def _create_list_tables(db: Any, kind: schema.Kind) -> list[Index]:
    """Link tables for lists of references, child tables for lists of records (as
    `records.plan` names them).

    Returns the indexes to create once the rows are in."""
    indexes = []
    for stored in records.plan(kind):
        table = stored.table
        if stored.how == records.REF_LIST:
            target = schema.KIND_BY_NAME[stored.field.target_kind].plural
            db[table].create(
                {"item_id": str, "target_id": str, "position": int},
                not_null={"item_id", "target_id", "position"},
                foreign_keys=[("item_id", kind.plural, "id"), ("target_id", target, "id")])
            indexes.append(Index(table, ("target_id",)))
        elif stored.how == records.RECORD_LIST:
            db[table].create({"item_id": str, "position": int,
                              **dict.fromkeys(stored.table_columns, str)},
                             not_null={"item_id", "position"},
                             foreign_keys=[("item_id", kind.plural, "id")])
        else:
            continue
        indexes.append(Index(table, ("item_id", "position"), unique=True))
    return indexes


def _json_encoder() -> Callable[[Any], str]:
    """Compact JSON text of a list or mapping (a column of e-mails, aliases, the `added`
    map): orjson, ~5x faster than the standard library's encoder.  A value orjson refuses
    (an integer beyond 64 bits) goes to the standard library instead."""
    import orjson

    dumps, options, refused = orjson.dumps, orjson.OPT_NON_STR_KEYS, orjson.JSONEncodeError
    standard = json.JSONEncoder(ensure_ascii=False, check_circular=False,
                                separators=(",", ":")).encode

    def encode(value: Any) -> str:
        try:
            return dumps(value, option=options).decode("utf-8")
        except refused:
            return standard(value)
    return encode


encode_json = _json_encoder()


def _kind_rows(kind: schema.Kind, items: list[dict], columns: dict[str, list[str]],
               report: Progress, done: int, total: int) -> dict[str, list[tuple]]:
    """The rows of the kind's items, table by table, except their warnings.  Each
    table's rows are in item order."""
    main: list[tuple] = []
    rows: dict[str, list[tuple]] = {kind.plural: main}
    row_of = _row_builder(kind, columns[kind.plural])
    lists = [(stored.field.name, rows.setdefault(stored.table, []),
              _element_builder(stored.how, columns[stored.table]))
             for stored in records.plan(kind) if stored.table is not None]
    for count, item in enumerate(items, done + 1):
        main.append(row_of(item))
        for name, table_rows, element_row in lists:
            value = item.get(name)
            if value:
                item_id = item["id"]
                table_rows.extend([element_row(item_id, position, element)
                                   for position, element in enumerate(value)])
        if count % 5000 == 0:
            report("storing", count, total)
    return {table: table_rows for table, table_rows in rows.items() if table_rows}


_ROW_BUILDERS: dict[tuple[str, tuple[str, ...]], Callable[..., tuple]] = {}


def _row_builder(kind: schema.Kind, columns: list[str]) -> Callable[[dict], tuple]:
    """item -> the row of the kind's own table, in `columns` order (see `records`).

    Compiled once per kind (a function with one expression per column): building a
    dict per item and reading it back by column was most of the time of the rows.
    """
    key = (kind.name, tuple(columns))
    built = _ROW_BUILDERS.get(key)
    if built is not None:
        return built
    expression: dict[str, str] = {"id": 'item["id"]'}
    setup = ["get = item.get"]
    for number, stored in enumerate(records.plan(kind)):
        name = stored.field.name
        if stored.how == records.SCALAR:
            expression[name] = f"(NULL if (value := get({name!r})) is None else value)"
        elif stored.how == records.JSON:
            expression[name] = f"(NULL if (value := get({name!r})) is None else _json(value))"
        elif stored.how == records.RECORD:
            setup.append(f"record{number} = get({name!r}) or _EMPTY")
            for column, sub in stored.columns:
                expression[column] = \
                    f"(NULL if (value := record{number}.get({sub!r})) is None else value)"
    built = _ROW_BUILDERS[key] = _compiled(
        "item", setup, [expression.get(c, "NULL") for c in columns], f"<rows of {kind.plural}>")
    return built


def _element_builder(how: int, columns: list[str]) -> Callable[[str, int, Any], tuple]:
    """(item id, position, element) -> the row of a list's table, in `columns` order:
    a reference list's link row, or a record list's child row (compiled once per
    table layout, like `_row_builder`)."""
    key = (f"list {how}", tuple(columns))
    built = _ROW_BUILDERS.get(key)
    if built is None:
        fixed = {"item_id": "item_id", "position": "position"}
        if how == records.REF_LIST:
            fixed["target_id"] = "element"
        setup = [] if how == records.REF_LIST else ["get = element.get"]
        built = _ROW_BUILDERS[key] = _compiled(
            "item_id, position, element", setup,
            [fixed.get(column, f"(NULL if (value := get({column!r})) is None else value)")
             for column in columns], f"<rows of a list, {', '.join(columns)}>")
    return built


def _compiled(arguments: str, setup: list[str], expressions: list[str],
              name: str) -> Callable[..., tuple]:
    """A function of `arguments` returning the tuple of `expressions` (after `setup`)."""
    lines = [f"def row_of({arguments}):", *(f"    {line}" for line in setup),
             "    return (" + "".join(f"{expression}, " for expression in expressions) + ")"]
    namespace = {"_json": encode_json, "_EMPTY": {}, "NULL": NULL}
    exec(compile("\n".join(lines), name, "exec"), namespace)  # noqa: S102
    return namespace["row_of"]
