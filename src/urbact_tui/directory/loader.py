"""YAML → SQLite: validate a directory file and build the database atomically.

The YAML is the source of truth and the database a cache of it.  A load reads
and validates the whole file first; only then is a new database built, in a
temporary file beside the target, and swapped in with one rename.  Any error
leaves the existing database byte-for-byte as it was, and a lock file makes
two loads at once wait for each other instead of mixing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import glob
import importlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from . import listing, records, schema
from .entries import build_entries, display_rows, entry_offsets
from .errors import DirectoryError
from .forked import ChildFailed, Forked, can_fork
from .search import build_index
from .store import read_only_uri
from .validate import validate
from .yamlfile import SourceFile, parse, read_source

LOCK_TIMEOUT_SECONDS = 60
KIND_CODES = {kind.name: code for code, kind in enumerate(schema.KINDS)}

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as a long load advances."""


def load(source: Path, target: Path, progress: Progress | None = None, *,
         exiting: bool = False) -> dict[str, int]:
    """Validate `source` and (re)build the database at `target`; return counts per kind.

    `exiting`: the process ends right after the load, without freeing its objects
    (see `cli.run`), so the parsed directory is left to the exit instead of being
    freed record by record (0.15 s for 100k contacts).
    """
    report = progress or (lambda stage, done, total: None)
    source = Path(source).expanduser().resolve() if Path(source).exists() else Path(source)
    target = Path(target).expanduser()
    report("reading", 0, 3)
    read = read_source(source)
    # The parsed directory is freed (by _load's return) before the collector runs again;
    # or, left for the exit, it is frozen: left out of every collection (one of its
    # millions of objects would take 0.2 s).
    with _cyclic_gc_paused(freeze=exiting):
        return _load(read, target, report, _LEFT_FOR_EXIT if exiting else None)


_LEFT_FOR_EXIT: list[Any] = []
"""Parsed directories of loads made with `exiting` (never freed: the process ends)."""


def _load(read: SourceFile, target: Path, report: Progress,
          keep: list[Any] | None = None) -> dict[str, int]:
    report("parsing", 1, 3)
    source = read.path
    importing = _in_background(_import_all, "sqlite_utils", "ctypes.util")
    # (hashlib lets the parse run meanwhile; `read` is bound now: it is deleted below)
    hashing = _in_background(lambda read=read: read.digest)
    try:
        data = parse(read)
    finally:  # before the fork, a process is forked with no other thread running; and
        # after a bad file, no import is left running: a program that ends then would
        # end under it (at times a crash: tests/test_safety.py)
        importing.join()
        hashing.join()
    # The index helper starts on the parsed data at once: it indexes it while this
    # process validates it and writes the tables (its work is thrown away if
    # validation fails: it only ever reads the data).
    indexing = _start_indexing(data)
    try:
        report("checking", 2, 3)
        items = validate(data, read)
        if keep is not None:
            keep += (data, items)  # (dropped by the exit: see `load`)
        digest = read.digest
        del data, read
        _check_target(target, source)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DirectoryError(f"cannot create the folder for the database: {exc.strerror}",
                                 path=target.parent, hint="choose another place with --db") from None
        with _exclusive(target, report):
            _check_target(target, source)  # again: another load may have run while we waited
            temporary = target.parent / f".{target.name}.{os.getpid()}.tmp"
            _remove_stale_temporaries(target)
            try:
                _build(temporary, items, source, digest, report, indexing)
                _sync(temporary)  # the data is on disk before the name points at it
                os.replace(temporary, target)
                _sync(target.parent)
            except sqlite3.Error as exc:
                raise _storage_error(exc, target) from None
            except OSError as exc:
                raise _storage_error(exc, target) from None
            except MemoryError:
                raise DirectoryError(
                    "not enough memory to build the database (the existing database is unchanged)",
                    path=target, hint="close other programs and load again") from None
            finally:
                with contextlib.suppress(OSError):
                    temporary.unlink()
    finally:
        if indexing is not None:
            indexing.cancel()  # on an error: stop it; after a build: it is done already
    return {kind.name: len(items[kind.plural]) for kind in schema.KINDS}


def _import_all(*names: str) -> None:
    for name in names:
        importlib.import_module(name)


def _in_background(work: Callable[..., Any], *args: Any) -> threading.Thread:
    """Run `work` in a thread while the file is parsed.

    yaml-rs lets other threads run for much of a parse, so importing sqlite-utils
    (and the numpy it imports, ~0.2 s) and ctypes (for the index helper, see
    `forked`), or hashing the file, costs the load nothing there, instead of being
    done before or after the parse, on the path the load waits for.  A failure is
    left for the same work, done again later, to report.
    """
    def run() -> None:
        with contextlib.suppress(Exception):
            work(*args)

    thread = threading.Thread(target=run, name=f"load: {getattr(work, '__name__', 'work')}",
                              daemon=True)
    thread.start()
    return thread


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_target(target: Path, source: Path) -> None:
    """Refuse to replace anything that is not a database: a folder, the YAML itself, a text file."""
    if target.is_dir():
        raise DirectoryError("the database path is a folder", path=target,
                             hint="give a file name for the database, e.g. --db ~/directory.db")
    with contextlib.suppress(OSError):
        if target.exists() and source.exists() and target.samefile(source):
            raise DirectoryError(
                "the database path is the directory file itself; loading would overwrite it",
                path=target, hint="give another file name with --db, e.g. --db directory.db")
    try:
        with open(target, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return  # missing (the usual case) or unreadable: the build reports what matters
    if head and not head.startswith(_SQLITE_HEADER) and b"\x00" not in head:
        raise DirectoryError(
            "this file is not a database (it holds text); loading would overwrite it",
            path=target,
            hint="give another file name with --db, or delete the file first if it is not needed")
    if head.startswith(_SQLITE_HEADER) and _foreign_tables(target):
        raise DirectoryError(
            "this is another program's database (it has no urbact-tui tables); "
            "loading would overwrite it", path=target,
            hint="give another file name with --db, or delete the file first if it is not needed")


def _foreign_tables(target: Path) -> bool:
    """A readable SQLite file with tables, none of them ours.  (A damaged database of
    ours cannot be read: it may be rebuilt.)"""
    try:
        with contextlib.closing(sqlite3.connect(read_only_uri(target), uri=True, timeout=1)) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    return bool(tables) and "meta" not in tables and listing.TABLE not in tables


def _sync(path: Path) -> None:
    """fsync a file or folder, so a crash right after the swap cannot leave an empty file."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is still atomic
    finally:
        os.close(descriptor)


# --- building -------------------------------------------------------------------


def _build(path: Path, items: dict[str, list[dict]], source: Path, digest: str,
           report: Progress, indexing: Forked | None = None) -> None:
    """Write every table, the entries and the search index into a fresh database file.

    sqlite-utils creates the tables (types, foreign keys from the schema); the
    rows go in with plain `executemany` inside one transaction (sqlite-utils'
    per-row dict handling was most of a 100k-record load), and every index is
    created after the rows, the unique ones on the ids too: a declared primary
    key would be an index kept up to date row by row, in random order, which was
    almost half the time of inserting 100k contacts.  Phone numbers are stored
    as written: they are checked when a record is read (see `store._phone`).
    """
    import sqlite_utils  # (imported while the file was parsed: see _in_background)

    total = sum(len(v) for v in items.values())
    conn = _open_new(path, total)
    try:
        db = sqlite_utils.Database(conn)
        _store(conn, db, items, indexing, source, digest, report, total)
    finally:
        conn.close()
    report("done", total, total)


def _open_new(path: Path, total: int) -> sqlite3.Connection:
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


@contextlib.contextmanager
def _cyclic_gc_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector for a parse or a build.

    Both allocate millions of objects and free none of them in cycles, so the
    collector only re-walks the directory again and again (a third of a 100k
    build, half of its parse).  Reference counting still frees everything.
    `freeze`: what is still alive at the end is left out of later collections.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()


def _create_schema(db: Any) -> tuple[list[_Index], dict[str, list[str]]]:
    """Create every table; return the indexes to create once the rows are in, and
    each table's columns."""
    indexes: list[_Index] = []
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


def _store(conn: sqlite3.Connection, db: Any, items: dict[str, list[dict]],
           indexing: Forked | None, source: Path, digest: str, report: Progress,
           total: int) -> None:
    """Create the tables and write every row, the entries' rows and the index, in one
    transaction.  The index comes from the index helper when there is one (it built
    it while this process wrote the rest)."""
    conn.execute("BEGIN")
    indexes, columns = _create_schema(db)
    _write_kind_tables(conn, items, columns, report, total)
    _insert(conn, "warnings", columns["warnings"], [
        (kind.name, item["id"], NULL, message, "source")
        for kind in schema.KINDS for item in items[kind.plural]
        for message in item.get("warnings") or ()])
    for index in indexes:  # after the rows: cheaper than row by row
        index.create(conn)
    _insert(conn, listing.TABLE, ["block", "text", "starts"], listing.blocks(display_rows(items)))
    report("indexing", total, total)
    _insert(conn, "search_index", ["name", "value"], list(_index(indexing, items).items()))
    _insert(conn, "meta", ["key", "value"], [(k, str(v)) for k, v in {
        "schema_version": schema.SCHEMA_VERSION,
        "source_path": str(source),
        "source_sha256": digest,
        "source_size": source.stat().st_size,
        "source_mtime_ns": source.stat().st_mtime_ns,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "kind_codes": json.dumps(KIND_CODES),
        "entry_offsets": json.dumps(entry_offsets(items)),
        "entry_count": total,
    }.items()])
    conn.execute("COMMIT")


def _write_kind_tables(conn: sqlite3.Connection, items: dict[str, list[dict]],
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
                _insert(conn, table, columns[table], table_rows)
            del rows, chunk


CHUNK = 50_000
"""Rows are built and inserted this many items at a time (each table's in item order)."""


def _index_job(items: dict[str, list[dict]]) -> Iterator[dict[str, bytes]]:
    """Yields the search index blobs for `items` (a generator: what `Forked` runs)."""
    yield build_index(build_entries(items), KIND_CODES)


# --- helper processes -------------------------------------------------------------

HELPER_FROM = 5_000
"""Directories with at least this many items are indexed by a helper process.

(Measured on the 2-core benchmark machine: a helper that parsed the file itself,
or one that also wrote the kinds' tables, made loads slower there -- more work
in all, little of it in parallel.  So this process parses once and writes every
table, and the helper only computes; what it sends crosses a pipe.  Tried again
with the parse from bytes, the helper forked before it and parsing on its own:
median of 6 interleaved 100k loads 5.24 -> 6.08 s; two parses at once ran at
less than half speed each.)"""


def _start_indexing(data: Any) -> Forked | None:
    """Fork the index helper for a large directory, or None.

    Small directories are not worth it.  `data` is not validated yet: whatever the
    helper makes of a bad file is never used (validation fails first, and the
    helper is stopped).
    """
    items = ({kind.plural: data.get(kind.plural) or [] for kind in schema.KINDS}
             if isinstance(data, dict) else {})
    if not items or not can_fork() or not all(isinstance(v, list) for v in items.values()) \
            or sum(len(v) for v in items.values()) < HELPER_FROM:
        return None
    try:
        return Forked(_index_job, items)
    except OSError:  # cannot fork (out of processes or memory): index here instead
        return None


def _index(indexing: Forked | None, items: dict[str, list[dict]]) -> dict[str, bytes]:
    """The search index blobs: from the index helper, or built here if there is no
    helper or it died (e.g. out of memory) before sending them."""
    if indexing is not None:
        with contextlib.suppress(ChildFailed):
            return indexing.receive()
    return next(_index_job(items))


NULL = float("nan")
"""What the rows hold for SQL NULL: SQLite stores a NaN bound as a double as NULL
(`sqlite3VdbeMemSetDouble`), and Python's sqlite3 binds a float at once, whereas
None goes through its adapter look-ups first: binding None was most of the time of
inserting 100k contacts (their many empty columns), 1.3 s of 1.6 s."""


def _insert(conn: sqlite3.Connection, table: str, columns: list[str],
            rows: Iterable[tuple]) -> None:
    """Insert rows (tuples in `columns` order; NULL, not None, for SQL NULL)."""
    if rows:  # (a list may be empty; any other iterable is inserted)
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", rows)


class _Index(NamedTuple):
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
                   ) -> tuple[list[tuple[str, str, str, str]], list[_Index]]:
    """Create the kind's main table; return its foreign keys to add once all tables exist
    and the indexes to create once the rows are in."""
    foreign_keys = [(kind.plural, field.name, schema.KIND_BY_NAME[field.type.kind].plural, "id")
                    for field in kind.fields if isinstance(field.type, schema.Ref)]
    db[kind.plural].create(records.column_types(kind), not_null={"id"})  # id index: after the rows
    indexes = [_Index(kind.plural, ("id",), unique=True)]
    indexes += [_Index(kind.plural, (column,), sparse=True) for _, column, _, _ in foreign_keys]
    if "warnings" not in db.table_names():
        db["warnings"].create({"kind": str, "item_id": str, "field": str, "message": str,
                               "origin": str})
        indexes.append(_Index("warnings", ("kind", "item_id")))
    return foreign_keys, indexes


def _create_list_tables(db: Any, kind: schema.Kind) -> list[_Index]:
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
            indexes.append(_Index(table, ("target_id",)))
        elif stored.how == records.RECORD_LIST:
            db[table].create({"item_id": str, "position": int,
                              **dict.fromkeys(stored.table_columns, str)},
                             not_null={"item_id", "position"},
                             foreign_keys=[("item_id", kind.plural, "id")])
        else:
            continue
        indexes.append(_Index(table, ("item_id", "position"), unique=True))
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


_encode_json = _json_encoder()


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
    namespace = {"_json": _encode_json, "_EMPTY": {}, "NULL": NULL}
    exec(compile("\n".join(lines), name, "exec"), namespace)  # noqa: S102
    return namespace["row_of"]


# --- locking and clean-up ----------------------------------------------------------


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _exclusive(target: Path, report: Progress | None = None) -> Iterator[None]:
    """Hold the target's lock; a second load waits, then gives up clearly.

    Loads in other processes are kept out by a POSIX record lock (fcntl.lockf) on
    a lock file beside the database, loads in other threads of this process by a
    thread lock.  A record lock belongs to the process: the kernel drops it when
    the load dies, even if forked helpers of that load live on with the file open
    (an flock would stay held by them, and block every later load).
    The wait is LOCK_TIMEOUT_SECONDS, or $URBACT_TUI_LOCK_TIMEOUT seconds when set.
    """
    try:
        timeout = float(os.environ.get("URBACT_TUI_LOCK_TIMEOUT", LOCK_TIMEOUT_SECONDS))
    except ValueError:
        timeout = LOCK_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    lock_path = target.parent / f".{target.name}.lock"
    busy = DirectoryError("another load of this database is still running", path=target,
                          hint="wait for it to finish, then run the load again")
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(str(lock_path.absolute()), threading.Lock())
    if not thread_lock.acquire(blocking=False):
        if report is not None:
            report("waiting", 0, 1)
        if not thread_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise busy
    try:
        try:
            handle = open(lock_path, "a")
        except OSError as exc:
            raise DirectoryError(
                f"cannot write in the database folder: {exc.strerror}", path=target.parent,
                hint="check the folder is writable, or choose another place with --db") from None
        with handle:
            waiting = False
            while True:
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EACCES, errno.EAGAIN):  # e.g. no locks on NFS
                        raise DirectoryError(
                            f"cannot lock the database: {exc.strerror}", path=target,
                            hint="choose a place on a local disk with --db") from None
                    if time.monotonic() > deadline:
                        raise busy from None
                    if not waiting and report is not None:
                        report("waiting", 0, 1)  # for another load of the same database
                        waiting = True
                    time.sleep(0.1)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        thread_lock.release()


def _remove_stale_temporaries(target: Path) -> None:
    """Delete temporary files left by a load that was killed (we hold the lock)."""
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _storage_error(exc: sqlite3.Error | OSError, target: Path) -> DirectoryError:
    """Why the database could not be written, in words; the old database is untouched."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    kept = " (the existing database, if any, is unchanged)"
    if "full" in text or "No space" in text or "too large" in text.lower() \
            or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return DirectoryError("the disk is full: the new database could not be written" + kept,
                              path=target,
                              hint="free some space or choose another place with --db")
    if "readonly" in text or "read-only" in text.lower() or "unable to open" in text \
            or getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DirectoryError(f"cannot write in the database folder ({text})" + kept,
                              path=target.parent,
                              hint="check the folder is writable, or choose another place with --db")
    if "disk I/O error" in text or getattr(exc, "errno", None) == errno.EIO:
        return DirectoryError("the disk could not be written (disk I/O error): it may be full, "
                              "removed or failing" + kept, path=target,
                              hint="free some space and check the disk, or choose another "
                                   "place with --db")
    return DirectoryError(f"cannot build the database: {text}" + kept, path=target,
                          hint="check the disk has space and the folder is writable, "
                               "or choose another place with --db")
