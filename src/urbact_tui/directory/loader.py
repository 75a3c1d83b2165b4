"""YAML → SQLite: validate a directory file and build the database atomically.

The YAML is the source of truth and the database a cache of it.  A load reads
and validates the whole file first; only then is a new database built, in a
temporary file beside the target, and swapped in with one rename.  Any error
leaves the existing database byte-for-byte as it was, and a lock file makes
two loads at once wait for each other instead of mixing.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import listing, schema, tables
from .entries import build_entries, display_rows, entry_offsets
from .errors import DirectoryError
from .forked import ChildFailed, Forked, can_fork
from .search import build_index
from .target import (
    check_target,
    exclusive,
    remove_stale_temporaries,
    storage_error,
    sync,
)
from .validate import validate
from .yamlfile import SourceFile, parse, read_source

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
        check_target(target, source)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DirectoryError(f"cannot create the folder for the database: {exc.strerror}",
                                 path=target.parent, hint="choose another place with --db") from None
        with exclusive(target, report):
            check_target(target, source)  # again: another load may have run while we waited
            temporary = target.parent / f".{target.name}.{os.getpid()}.tmp"
            remove_stale_temporaries(target)
            try:
                _build(temporary, items, source, digest, report, indexing)
                sync(temporary)  # the data is on disk before the name points at it
                os.replace(temporary, target)
                sync(target.parent)
            except sqlite3.Error as exc:
                raise storage_error(exc, target) from None
            except OSError as exc:
                raise storage_error(exc, target) from None
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
    conn = tables.open_new(path, total)
    try:
        db = sqlite_utils.Database(conn)
        _store(conn, db, items, indexing, source, digest, report, total)
    finally:
        conn.close()
    report("done", total, total)


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


def _store(conn: sqlite3.Connection, db: Any, items: dict[str, list[dict]],
           indexing: Forked | None, source: Path, digest: str, report: Progress,
           total: int) -> None:
    """Create the tables and write every row, the entries' rows and the index, in one
    transaction.  The index comes from the index helper when there is one (it built
    it while this process wrote the rest)."""
    conn.execute("BEGIN")
    indexes, columns = tables.create_schema(db)
    tables.write_kind_tables(conn, items, columns, report, total)
    tables.insert(conn, "warnings", columns["warnings"], [
        (kind.name, item["id"], tables.NULL, message, "source")
        for kind in schema.KINDS for item in items[kind.plural]
        for message in item.get("warnings") or ()])
    for index in indexes:  # after the rows: cheaper than row by row
        index.create(conn)
    report("indexing", total, total)  # (before the wait for the helper's index)
    search_index, blocks = _index_and_blocks(indexing, items)
    tables.insert(conn, listing.TABLE, ["block", "text", "starts"], blocks)
    tables.insert(conn, "search_index", ["name", "value"], list(search_index.items()))
    tables.insert(conn, "meta", ["key", "value"], [(k, str(v)) for k, v in {
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


def _index_job(items: dict[str, list[dict]]) -> Iterator[Any]:
    """Yields the search index blobs for `items`, then the result list's blocks (a
    generator: what `Forked` runs; see `_index_and_blocks`)."""
    yield build_index(build_entries(items), KIND_CODES)
    yield listing.blocks(display_rows(items))


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


def _index_and_blocks(indexing: Forked | None, items: dict[str, list[dict]]
                      ) -> tuple[dict[str, bytes], list[tuple]]:
    """The search index blobs and the result list's blocks (`listing.blocks`).

    Whichever process is free first makes the blocks.  The helper makes them once
    it has sent the index: if it has by the time this process comes to them (when
    this process's tables took longer than the index: 5 of 15 traced 100k loads),
    it has a head start and this process takes both from it (~0.25 s off the
    load).  Otherwise this process makes them itself while the helper indexes, as
    with no helper, and stops the helper once it has the index.
    """
    if indexing is not None and indexing.has_sent():
        search_index = _index(indexing, items)
        with contextlib.suppress(ChildFailed):  # (it died: made here instead)
            return search_index, indexing.receive()
        return search_index, listing.blocks(display_rows(items))
    blocks = listing.blocks(display_rows(items))
    search_index = _index(indexing, items)
    if indexing is not None:
        indexing.cancel()  # (its blocks are not needed)
    return search_index, blocks


def _index(indexing: Forked | None, items: dict[str, list[dict]]) -> dict[str, bytes]:
    """The search index blobs: from the index helper, or built here if there is no
    helper or it died (e.g. out of memory) before sending them."""
    if indexing is not None:
        with contextlib.suppress(ChildFailed):
            return indexing.receive()
    return next(_index_job(items))
