"""Reading the directory database: records with their links, the timeline, search.

Reads use the standard library's sqlite3 (not sqlite-utils) to keep start-up
light.  `open_directory` also keeps the database in step with its YAML file:
missing → built from the bundled seed; the recorded source file changed, or
the database is in another version's format → rebuilt from that same file
(never silently replaced by the seed).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import schema
from .errors import DirectoryError
from .listing import Listing, Row
from .records import DamagedValue, json_value, read_item
from .search import Hit, SearchIndex, query_terms

if TYPE_CHECKING:
    from .loader import Progress

BUSY_TIMEOUT_SECONDS = 2.0
"""How long a read waits for another program's write lock before reporting it."""
REQUIRED_META = ("schema_version", "source_path", "kind_codes", "entry_offsets", "entry_count")

_T = TypeVar("_T")

MEETING_ORDER = 'coalesce(m.year, 0), coalesce(m.project_year, 0), m."order", coalesce(m.month, 0)'


@dataclass(frozen=True)
class Summary:
    """A linked record as a one-line reference."""

    kind: str
    id: str
    title: str
    subtitle: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "subtitle": self.subtitle}


class OtherFormat(DirectoryError):
    """A database of ours in another version's format; `source` is the YAML it was
    built from (if recorded): opening it rebuilds it from there."""

    def __init__(self, *args: Any, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source

    def rebuildable(self) -> bool:
        return bool(self.source) and Path(self.source).is_file()


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens `path` read-only.  A URI, so that mode=ro holds; the path
    is quoted, so a '?', '#' or '%' in it is part of the name, not of the URI."""
    return "file:" + urllib.parse.quote(str(Path(path).absolute())) + "?mode=ro"


class Directory:
    """An open directory database (read-only)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()  # one load; no closing in the middle of one
        self._first_rows: tuple[int, list[Row]] = (0, [])  # (limit, rows)
        if not self.path.is_file():
            raise DirectoryError(
                "this is a folder, not a database file" if self.path.is_dir()
                else "the database file does not exist", path=self.path,
                hint="run `urbact-tui load` to build it" if not self.path.is_dir()
                else "give the path of a database file with --db, e.g. --db ~/directory.db")
        try:
            self._conn = sqlite3.connect(read_only_uri(self.path), uri=True, check_same_thread=False,
                                         timeout=BUSY_TIMEOUT_SECONDS)
            self.meta = {str(k): str(v) for k, v in
                         self._conn.execute("SELECT key, value FROM meta")}
        except sqlite3.Error as exc:
            raise damaged(self.path, exc) from None
        except (ValueError, TypeError) as exc:
            raise damaged(self.path, exc) from None
        version = self.meta.get("schema_version")
        if version != schema.SCHEMA_VERSION:
            self._conn.close()
            raise OtherFormat(
                f"the database was built by another version of urbact-tui "
                f"(database format {version or 'unknown'}, this version reads format "
                f"{schema.SCHEMA_VERSION})", path=self.path,
                hint=_rebuild_hint(self.meta.get("source_path")),
                source=self.meta.get("source_path"))
        if any(key not in self.meta for key in REQUIRED_META):
            self._conn.close()
            raise damaged(self.path, "its description table is incomplete")

    def close(self) -> None:
        with self._index_lock:
            self._conn.close()

    @property
    def source(self) -> Path:
        return Path(self.meta["source_path"])

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise damaged(self.path, exc) from None

    # -- search

    @property
    def index(self) -> SearchIndex:
        """The search index, loaded on first use (numpy and ~25 MB of blobs at 100k records);
        a thread asking while another loads it waits for that load."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    self._index = self._load_index()
        return self._index

    def _load_index(self) -> SearchIndex:
        blobs = dict(self.query("SELECT name, value FROM search_index"))
        try:
            return SearchIndex(blobs, json.loads(self.meta["kind_codes"]), self._entries_by_number)
        except (KeyError, ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise damaged(self.path, f"its search index is damaged: {exc!r}") from None

    def search(self, query: str, kind: str | None = None, limit: int = 50) -> list[Hit]:
        if kind is None and not query_terms(query):
            return self._first_entries(limit)  # what the app shows first: no index needed
        return self.index.search(query, kind=kind, limit=limit)

    def _first_entries(self, limit: int) -> list[Hit]:
        """An empty query lists the entries in their order, as the index would.  The rows
        are kept: the app asks for them first, from a thread that should not have to wait
        for SQLite (and the main thread's grip on the GIL) while the first frame is drawn."""
        if limit <= 0:
            return []
        fetched, rows = self._first_rows
        if limit > fetched:
            rows = self._listed(lambda listing: listing.first(limit))
            self._first_rows = (limit, rows)
        return [Hit(kind, item_id, title, subtitle, 0.0)
                for kind, item_id, title, subtitle in rows[:limit]]

    def _entries_by_number(self, numbers: list[int]) -> list[Row]:
        return self._listed(lambda listing: listing.rows(numbers))

    def _listed(self, read: Callable[[Listing], _T]) -> _T:
        """`read(listing)`, its failures told as a damaged database."""
        try:
            return read(self._listing)
        except sqlite3.Error as exc:
            raise damaged(self.path, exc) from None
        except ValueError as exc:  # (a UnicodeDecodeError too)
            raise damaged(self.path, f"its list of entries is damaged: {exc}") from None

    @cached_property
    def _listing(self) -> Listing:
        try:
            count = int(self.meta["entry_count"])
        except ValueError as exc:
            raise damaged(self.path, f"its description table is damaged: {exc!r}") from None
        return Listing(self._conn, self._entry_offsets, count)

    # -- records

    def summary(self, kind: str, item_id: str) -> Summary | None:
        """An item's entry, found from its place in its kind's table: the rows of a
        kind's table and its entries are both in file order (see `entries.ENTRY_ORDER`),
        so an entry is found by number, not looked up by kind and id."""
        plural = schema.KIND_BY_NAME[kind].plural
        places = self.query(f"SELECT rowid FROM [{plural}] WHERE id = ?", (item_id,))
        if not places:
            return None
        return Summary(*self._entries_by_number([places[0][0] - 1 + self._entry_offsets[kind]])[0])

    def kinds_of(self, item_id: str) -> list[str]:
        """The kinds that have an item with this id (ids are unique within a kind only)."""
        return [kind.name for kind in schema.KINDS if self.query(
            f"SELECT 1 FROM [{kind.plural}] WHERE id = ? LIMIT 1", (item_id,))]

    @cached_property
    def _entry_offsets(self) -> dict[str, int]:
        try:
            offsets = json.loads(self.meta["entry_offsets"])
            if set(offsets) != set(schema.KIND_BY_NAME) or not all(
                    isinstance(offset, int) for offset in offsets.values()):
                raise ValueError("not an offset for each kind")
        except (KeyError, ValueError, TypeError) as exc:
            raise damaged(self.path, f"its description table is damaged: {exc!r}") from None
        return offsets

    def counts(self) -> dict[str, int]:
        """The number of items of each kind that has any."""
        return self._listed(lambda listing: listing.counts())

    def get(self, kind_name: str, item_id: str) -> dict[str, Any] | None:
        """The whole record with its linked records and warnings, or None."""
        kind = schema.KIND_BY_NAME.get(kind_name)
        if kind is None:
            return None
        warnings = [
            {"field": field, "message": message, "origin": origin}
            for field, message, origin in self.query(
                "SELECT field, message, origin FROM warnings WHERE kind = ? AND item_id = ? "
                "ORDER BY rowid", (kind.name, item_id))
        ]
        record = self._item(kind, item_id, [w["message"] for w in warnings
                                            if w["origin"] == "source"])
        if record is None:
            return None
        if kind is schema.CONTACT:
            place = self._places([record.get("city")]).get(record.get("city"), NOWHERE)
            stored_phones, record["phones"] = record.get("phones") or [], []
            for position, stored in enumerate(stored_phones):
                phone, messages = _phone([stored.get(c) for c in PHONE_COLUMNS], place)
                record["phones"].append(phone)
                warnings += [{"field": f"phones[{position}]", "message": message, "origin": "check"}
                             for message in messages]
        summary = self.summary(kind.name, item_id)
        return {
            "kind": kind.name,
            "id": item_id,
            "title": summary.title if summary else item_id,
            "subtitle": summary.subtitle if summary else "",
            "record": record,
            "links": {name: [s.as_json() for s in items]
                      for name, items in self._links(kind, item_id, record).items() if items},
            "warnings": warnings,
        }

    def contact_details(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The phones and e-mails of many contacts, by id, in two queries: what a city's or
        a network's pane shows under each of its contacts, without a `get` for each."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        cities = {}
        found: dict[str, dict[str, Any]] = {}
        for item_id, city, emails in self.query(
                f"SELECT id, city, emails FROM contacts WHERE id IN ({marks})", ids):
            cities[item_id] = city
            found[item_id] = {"phones": [], "emails": self._json(emails, list) or []}
        places = self._places(list(cities.values()))
        for item_id, *row in self.query(
                f"SELECT item_id, {PHONE_SQL} FROM contacts_phones WHERE item_id IN ({marks}) "
                "ORDER BY item_id, position", ids):
            phone, _ = _phone(row, places.get(cities[item_id], NOWHERE))
            found[item_id]["phones"].append(phone)
        return found

    def _item(self, kind: schema.Kind, item_id: str,
              notes: list[str] | None = None) -> dict[str, Any] | None:
        """The stored item (see `records`); damage shows as a DirectoryError, not a crash."""
        try:
            return read_item(self.query, kind, item_id, notes)
        except DamagedValue as exc:
            raise damaged(self.path, exc) from None

    def _json(self, text: str | None, expected: type) -> Any:
        try:
            return json_value(text, expected)
        except DamagedValue as exc:
            raise damaged(self.path, exc) from None

    def _places(self, city_ids: list[str | None]) -> dict[str, tuple[str | None, str | None]]:
        """Each city's (country code, name): what a phone number is read against."""
        wanted = sorted({city_id for city_id in city_ids if isinstance(city_id, str)})
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        return {city_id: (code, name) for city_id, code, name in self.query(
            f"SELECT id, country_code, name FROM cities WHERE id IN ({marks})", wanted)}

    def _links(self, kind: schema.Kind, item_id: str, record: dict) -> dict[str, list[Summary]]:
        """Outgoing references (by field name), then incoming ones (by kind), schema-driven."""
        links: dict[str, list[Summary]] = {}
        for field in kind.fields:
            target = field.target_kind
            if target is None:
                continue
            values = record.get(field.name)
            ids = values if isinstance(values, list) else [values] if values else []
            links[field.name] = [s for s in (self.summary(target, i) for i in ids) if s]
        for other in schema.KINDS:
            for field in other.fields:
                if field.target_kind != kind.name:
                    continue
                ids = self._referencing(other, field, item_id)
                found = links.setdefault(other.plural, [])
                known = {s.id for s in found}
                found.extend(s for s in (self.summary(other.name, i) for i in ids)
                             if s and s.id not in known and not known.add(s.id))
        return links

    def _referencing(self, other: schema.Kind, field: schema.Field, item_id: str) -> list[str]:
        if isinstance(field.type, schema.Ref):
            order = MEETING_ORDER if other is schema.MEETING else "m.rowid"
            sql = f'SELECT m.id FROM {other.plural} m WHERE m."{field.name}" = ? ORDER BY {order}'
        elif other is schema.MEETING:
            sql = (f"SELECT m.id FROM {other.plural}_{field.name} l JOIN meetings m ON m.id = l.item_id "
                   f"WHERE l.target_id = ? ORDER BY {MEETING_ORDER}")
        else:
            sql = f"SELECT item_id FROM {other.plural}_{field.name} WHERE target_id = ? ORDER BY rowid"
        return [row[0] for row in self.query(sql, (item_id,))]

    # -- timeline

    def timeline(self, network: str | None = None) -> list[dict[str, Any]]:
        """Meetings in chronological order, grouped by network."""
        # (with the calendar: not needed to open the directory)
        from .entries import month_label

        where, params = ("WHERE m.network = ?", (network,)) if network else ("", ())
        fields = ("id", "title", "kind", "city", "place", "year", "month", "project_year",
                  "order")
        rows = self.query(
            f"SELECT {', '.join(f'm.[{f}]' for f in fields)}, m.added, m.network, n.name, c.name "
            f"FROM meetings m "
            f"LEFT JOIN networks n ON n.id = m.network LEFT JOIN cities c ON c.id = m.city "
            f"{where} ORDER BY coalesce(n.name, ''), {MEETING_ORDER}", params)
        timeline = []
        for *values, added, network_id, network_name, city_name in rows:
            meeting = dict(zip(fields, values))
            meeting["added"] = self._json(added, dict)
            timeline.append({
                "id": meeting["id"], "title": meeting["title"], "kind": meeting["kind"],
                "network": network_id, "network_name": network_name,
                "city": meeting.get("city"), "city_name": city_name,
                "place": meeting.get("place"), "year": meeting.get("year"),
                "month": meeting.get("month"), "project_year": meeting.get("project_year"),
                "order": meeting["order"], "date": month_label(meeting),
                "inferred": sorted((meeting.get("added") or {}).keys()),
            })
        return timeline


PHONE_COLUMNS = ("raw", "ext", "label")
PHONE_SQL = ", ".join(PHONE_COLUMNS)
NOWHERE = (None, None)


def _phone(row: Any, place: tuple[str | None, str | None]) -> tuple[dict[str, Any], list[str]]:
    """A stored phone as the record's `phones` items are (its non-empty columns, with
    the normalised forms of a valid number), and the warnings of its check.

    Numbers are checked here, when a record is read, not at load: phonenumbers takes
    ~0.08 ms a number (eight seconds of a 100k-contact load), and a record shows a
    few.  The check is a pure function of the number and its city's country and name.
    """
    # (phonenumbers: ~50 ms to import, only to show a contact)
    from .phones import normalise

    phone = {name: value for name, value in zip(PHONE_COLUMNS, row) if value is not None}
    checked = normalise(phone["raw"], *place)
    for name in ("e164", "international", "region"):
        value = getattr(checked, name)
        if value is not None:
            phone[name] = value
    return phone, checked.warnings


def prepare_phone_checks() -> None:
    """Import the phone library now (~50 ms), so that the first contact shown does not
    wait for it; the app calls this in the background once its search index is in."""
    from . import phones  # noqa: F401


def damaged(path: Path, exc: Exception | str) -> DirectoryError:
    """The error for a database that cannot be read: locked, damaged or not ours."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DirectoryError(
            "the database is locked by another program that is writing to it", path=path,
            hint="close the other program (e.g. an sqlite3 shell or a database browser) "
                 "or wait for it to finish, then try again")
    if "no such table" in text or "not a database" in text:
        return DirectoryError(
            f"this file is not an urbact-tui database, or it is damaged ({text})", path=path,
            hint="check the --db path; to rebuild the database there, run `urbact-tui load` "
                 "with the same --db")
    return DirectoryError(
        f"the database is damaged and cannot be read ({text})", path=path,
        hint="rebuild it: run `urbact-tui load` with the same --db "
             "(give the directory .yaml file if it is not the bundled one)")


def _rebuild_hint(source: str | None) -> str:
    if source:
        return (f"rebuild it from its directory file: urbact-tui load '{source}' "
                "(with the same --db)")
    return "rebuild it: run `urbact-tui load` with the same --db"


def open_current(db_path: Path) -> Directory | None:
    """The database at `db_path` if it needs no building: it exists, is in this version's
    format and its YAML is unchanged (see `_changed`).  None when `open_directory`
    would build it."""
    if not db_path.exists():
        return None
    try:
        directory = Directory(db_path)
    except OtherFormat as exc:
        if exc.rebuildable():
            return None
        raise
    if _changed(directory.source, directory.meta):
        directory.close()
        return None
    return directory


def open_directory(db_path: Path, seed: Path, progress: Progress | None = None) -> Directory:
    """Open the database at `db_path`, building or refreshing it from its YAML first."""
    if not db_path.exists():
        return _rebuilt(seed, db_path, progress)
    try:
        directory = Directory(db_path)
    except OtherFormat as exc:  # built by another version: the YAML is the truth
        if exc.rebuildable():
            return _rebuilt(Path(exc.source), db_path, progress)
        raise
    if _changed(directory.source, directory.meta):
        directory.close()
        return _rebuilt(directory.source, db_path, progress)
    return directory


def _rebuilt(source: Path, db_path: Path, progress: Progress | None) -> Directory:
    # (imported only to build: the YAML library and sqlite-utils)
    from .loader import load

    load(source, db_path, progress)
    return Directory(db_path)


def _changed(source: Path, meta: dict[str, str]) -> bool:
    """Has the recorded YAML changed since the build?  Size and mtime first, then hash.

    A file touched but not changed (a checkout, a copy, an editor saving it as it
    was) has another mtime but the same hash.  Hashing 38 MB (100k contacts) costs
    0.1-0.3 s, and would be paid on every start until the next build: so a match is
    remembered in the user's cache folder, keyed by the file's size and mtime.
    """
    try:
        stat = source.stat()
    except OSError:
        return False  # the source is gone: keep what we have
    if str(stat.st_size) == meta.get("source_size") and \
            str(stat.st_mtime_ns) == meta.get("source_mtime_ns"):
        return False
    expected = meta.get("source_sha256")
    if expected and _known_unchanged(source, stat, expected):
        return False
    import hashlib  # only when the file's size or time changed

    try:
        with source.open("rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return False  # unreadable now (permissions, a folder): keep what we have
    if digest != expected:
        return True
    _remember_unchanged(source, stat, digest)
    return False


CHECKED_SOURCES = "checked-sources.json"
"""In the user's cache folder: {source path: [size, mtime_ns, sha256]} of YAML files
found unchanged by their hash although their size or mtime differed from the build's."""
MAX_CHECKED_SOURCES = 20


def _checked_sources() -> dict[str, list]:
    from ..paths import cache_folder

    try:
        checked = json.loads((cache_folder() / CHECKED_SOURCES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return checked if isinstance(checked, dict) else {}


def _known_unchanged(source: Path, stat: os.stat_result, sha256: str) -> bool:
    return _checked_sources().get(str(source)) == [stat.st_size, stat.st_mtime_ns, sha256]


def _remember_unchanged(source: Path, stat: os.stat_result, sha256: str) -> None:
    """Best effort: a cache folder that cannot be written only means hashing again."""
    from ..paths import cache_folder

    checked = _checked_sources()
    checked.pop(str(source), None)
    checked[str(source)] = [stat.st_size, stat.st_mtime_ns, sha256]
    checked = dict(list(checked.items())[-MAX_CHECKED_SOURCES:])
    try:
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{CHECKED_SOURCES}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(checked), encoding="utf-8")
        os.replace(temporary, folder / CHECKED_SOURCES)
    except OSError:
        pass
