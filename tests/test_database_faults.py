"""Database faults: damaged, old, locked, read-only or full — a clear error, nothing lost.

Every CLI run here is a subprocess and must exit 2 with one clear message and
no traceback.  Loads that race, get killed or run under an open reader must
never leave a broken or mixed database.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from urbact_tui.directory import schema
from urbact_tui.directory.errors import DirectoryError
from urbact_tui.directory.loader import load
from urbact_tui.directory.store import Directory
from urbact_tui.paths import bundled_seed

ENV = {**{k: v for k, v in os.environ.items() if k != "URBACT_TUI_DB"},
       "PYTHONIOENCODING": "utf-8"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str, env: dict | None = None, prefix: tuple[str, ...] = (), **kwargs):
    return subprocess.run([*prefix, sys.executable, "-m", "urbact_tui", *args],
                          capture_output=True, text=True, encoding="utf-8",
                          env={**ENV, **(env or {})}, timeout=120, **kwargs)


def assert_clear_error(result, *phrases: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith("error in "), result.stderr
    assert "  fix: " in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def leftovers(folder: Path) -> list[str]:
    """Anything beside the database but its lock file: temporaries, journals."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name != "directory.db" and not p.name.endswith(".lock"))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> tuple[Path, Path]:
    """(yaml, db): a private copy of the seed and a database built from it, so the
    database stays fresh whatever happens to data/seed.yaml meanwhile."""
    folder = tmp_path_factory.mktemp("fresh")
    source = folder / "directory.yaml"
    shutil.copyfile(bundled_seed(), source)
    db = folder / "directory.db"
    load(source, db)
    return source, db


@pytest.fixture
def db(fresh, tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(fresh[1], folder / "directory.db")
    return folder / "directory.db"


def other_directory(folder: Path, name: str, extra_cities: int) -> Path:
    """A small valid directory, different from the seed."""
    path = folder / f"{name}.yaml"
    lines = ["cities:"]
    for n in range(extra_cities):
        lines += [f"  - id: {name}-city-{n}", f"    name: {name.title()} City {n}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def big_directory(path: Path, contacts: int) -> Path:
    """A large valid directory, so that a load takes long enough to be interrupted."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("cities:\n")
        for n in range(200):
            out.write(f"  - id: city-{n}\n    name: City {n}\n    country_code: \"PT\"\n")
        out.write("contacts:\n")
        for n in range(contacts):
            out.write(f"  - id: contact-{n}\n    name: Person {n}\n    city: city-{n % 200}\n"
                      f"    role: Project coordinator {n}\n"
                      f"    phones:\n      - raw: \"+351 289 {n % 1000:03d} {n % 997:03d}\"\n")
    return path


# --- damaged and foreign database files ---------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated-header", "truncated-half", "empty",
                                    "text", "zeroed-schema"])
def test_a_damaged_database_gives_a_clear_error(damage, db):
    data = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(os.urandom(8192))
    elif damage == "truncated-header":
        db.write_bytes(data[:50])
    elif damage == "truncated-half":
        db.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        db.write_bytes(b"")
    elif damage == "text":
        db.write_text("these are my notes, not a database\n")
    elif damage == "zeroed-schema":  # the table list on page 1, after the file header
        db.write_bytes(data[:100] + b"\x00" * 3996 + data[4096:])
    results = [cli("search", "loule", "--db", str(db))]
    if damage == "truncated-half":  # every command reports it (all of them, in-process, below)
        results += [cli("show", "city", "loule", "--db", str(db)), cli("timeline", "--db", str(db))]
    for result in results:
        assert_clear_error(result, "database")


def test_damage_at_any_size_is_only_ever_a_directory_error(fresh, tmp_path):
    """In-process, every truncation length: open, search, show, timeline."""
    data = fresh[1].read_bytes()
    target = tmp_path / "directory.db"
    for size in [0, 1, 16, 99, 100, 512, 1024, *range(4096, len(data), len(data) // 12)]:
        target.write_bytes(data[:size])
        try:
            directory = Directory(target)
            for query in ("loule", "bilbao laura", ""):
                directory.search(query)
            directory.get("city", "loule")
            directory.get("contact", "loule-city")
            directory.timeline()
        except DirectoryError as error:
            assert error.hint
        else:
            directory.close()


def test_a_damaged_search_index_is_reported(db):
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE search_index SET value = x'ff' WHERE name = 'vocab'")
        conn.commit()
    assert_clear_error(cli("search", "loule", "--db", str(db)), "damaged")


def test_a_database_from_another_version_is_rebuilt_from_its_file(db, fresh):
    """The database is a cache of its YAML: after an upgrade it is rebuilt, not refused."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
        conn.commit()
    result = cli("search", "loule", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    assert "Loulé" in result.stdout
    with contextlib.closing(Directory(db)) as directory:
        assert directory.meta["schema_version"] != "0"
        assert directory.source == fresh[0]


def test_a_database_from_another_version_without_its_file_names_both_formats_and_the_fix(
        db, tmp_path):
    gone = tmp_path / "gone.yaml"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'source_path'", (str(gone),))
        conn.commit()
    before = sha256(db)
    result = cli("search", "loule", "--db", str(db))
    assert_clear_error(result, "built by another version of urbact-tui",
                       f"database format 0, this version reads format {schema.SCHEMA_VERSION}",
                       f"urbact-tui load '{gone}'")
    assert sha256(db) == before
    load(bundled_seed(), db)  # the fix the message gives (with the file the user has)
    with contextlib.closing(Directory(db)) as directory:
        assert directory.search("loule")


def test_a_database_without_its_meta_rows_is_reported(db):
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'source_path'")
        conn.commit()
    assert_clear_error(cli("search", "loule", "--db", str(db)), "damaged")


def test_a_database_path_with_uri_characters_opens_the_right_file(fresh, tmp_path):
    """The read-only URI quotes the path: '?' and '#' used to cut it short."""
    odd = tmp_path / "my ?odd# 100% folder" / "dir?.db"
    odd.parent.mkdir()
    shutil.copyfile(fresh[1], odd)
    result = cli("search", "loule", "--json", "--db", str(odd))
    assert result.returncode == 0, result.stderr
    assert '"id": "loule"' in result.stdout


# --- locks ----------------------------------------------------------------------------------

HOLD_WRITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(30)
"""


def test_a_database_locked_by_another_program_gives_a_clear_error(db):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = cli("search", "loule", "--db", str(db))
        assert_clear_error(result, "locked by another program")
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()
    assert cli("search", "loule", "--db", str(db)).returncode == 0


def test_a_load_waits_for_another_load_then_gives_up_clearly(db, fresh):
    lock = db.parent / ".directory.db.lock"
    before = sha256(db)
    with open(lock, "a") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)  # what another load's process holds
        started = time.monotonic()
        result = cli("load", str(fresh[0]), "--db", str(db),
                     env={"URBACT_TUI_LOCK_TIMEOUT": "1"})
        waited = time.monotonic() - started
    assert_clear_error(result, "another load of this database is still running")
    assert waited >= 1
    assert sha256(db) == before
    assert leftovers(db.parent) == []


def test_two_loads_at_once_leave_one_complete_database(db, fresh, tmp_path):
    """Three loads of different files race; each one completes in turn (the lock makes
    the others wait) and the database is exactly one of them, never a mix."""
    sources = [fresh[0], other_directory(tmp_path, "alpha", 3), other_directory(tmp_path, "beta", 5)]
    runs = [subprocess.Popen([sys.executable, "-m", "urbact_tui", "load", str(source),
                              "--db", str(db)], env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for source in sources]
    outcomes = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        cities = {row[0] for row in conn.execute("SELECT id FROM cities")}
    winner = next(s for s in sources if sha256(s) == meta["source_sha256"])
    assert meta["source_path"] == str(winner)
    expected = {"alpha": {f"alpha-city-{n}" for n in range(3)},
                "beta": {f"beta-city-{n}" for n in range(5)}}.get(winner.stem)
    if expected is not None:
        assert cities == expected
    else:
        assert "loule" in cities and not any(c.startswith(("alpha", "beta")) for c in cities)
    assert leftovers(db.parent) == []


# --- interrupted loads ------------------------------------------------------------------------


def test_a_load_killed_midway_leaves_the_old_database_and_no_stray_files(db, tmp_path):
    source = big_directory(tmp_path / "big.yaml", contacts=2000)
    before = sha256(db)
    for _ in range(3):  # in case the kill lands too early or too late
        run = subprocess.Popen([sys.executable, "-m", "urbact_tui", "load", str(source),
                                "--db", str(db)], env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not list(db.parent.glob(".directory.db.*.tmp")) and run.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        mid_build = run.poll() is None and bool(list(db.parent.glob(".directory.db.*.tmp")))
        run.send_signal(signal.SIGKILL)
        run.wait()
        if mid_build:
            break
    assert mid_build, "the load finished before it could be killed"
    assert sha256(db) == before  # the old database, untouched
    assert Directory(db).search("loule")
    assert list(db.parent.glob(".directory.db.*.tmp"))  # the killed load's temporary file
    # The next load is not blocked (the kernel dropped the lock) and clears the debris.
    small = other_directory(tmp_path, "alpha", 2)
    result = cli("load", str(small), "--db", str(db), env={"URBACT_TUI_LOCK_TIMEOUT": "5"})
    assert result.returncode == 0, result.stderr
    assert leftovers(db.parent) == []
    with contextlib.closing(Directory(db)) as directory:
        assert directory.counts() == {"city": 2}


def test_a_load_under_an_open_reader_does_not_break_the_reader(db, tmp_path):
    reader = Directory(db)
    assert reader.search("loule")[0].id == "loule"
    load(other_directory(tmp_path, "alpha", 2), db)
    # The open reader keeps the database it opened: searches and records still work.
    assert reader.search("loule")[0].id == "loule"
    assert reader.get("city", "loule")["title"] == "Loulé"
    assert reader.timeline()
    reader.close()
    # A reader opened now sees the new directory (the app's reload).
    with contextlib.closing(Directory(db)) as fresh_reader:
        assert [h.id for h in fresh_reader.search("alpha city")] == ["alpha-city-0", "alpha-city-1"]
        assert fresh_reader.search("loule") == []


def test_a_failed_load_under_an_open_reader_changes_nothing(db, tmp_path):
    reader = Directory(db)
    bad = tmp_path / "bad.yaml"
    bad.write_text("cities: [\n")
    with pytest.raises(DirectoryError):
        load(bad, db)
    assert reader.search("loule")[0].id == "loule"
    reader.close()


# --- read-only and full data folders ---------------------------------------------------------


def without_root_powers() -> tuple[str, ...]:
    """A command prefix under which a read-only folder is read-only even for root."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search", "--")


def test_a_read_only_data_folder_gives_a_clear_error_and_keeps_the_database(db, fresh):
    prefix = without_root_powers()
    before = sha256(db)
    db.parent.chmod(0o555)
    try:
        assert_clear_error(cli("load", str(fresh[0]), "--db", str(db), prefix=prefix),
                           "cannot write in the database folder")
        # Reading a fresh database from a read-only folder still works.
        result = cli("search", "loule", "--db", str(db), prefix=prefix)
        assert result.returncode == 0, result.stderr
        # First use in a read-only folder: the database cannot be built there.
        missing = db.parent / "new.db"
        assert_clear_error(cli("search", "loule", "--db", str(missing), prefix=prefix),
                           "cannot write in the database folder")
        assert_clear_error(cli("load", str(fresh[0]), "--db", str(db.parent / "sub" / "x.db"),
                               prefix=prefix), "cannot create the folder")
    finally:
        db.parent.chmod(0o755)
    assert sha256(db) == before
    assert leftovers(db.parent) == []


def test_a_full_disk_gives_a_clear_error_and_keeps_the_database(db, fresh):
    """The file-size limit makes every write past 64 KiB fail, as on a full disk."""
    before = sha256(db)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    result = cli("load", str(fresh[0]), "--db", str(db), preexec_fn=small_files)
    assert_clear_error(result, "the disk", "the existing database, if any, is unchanged")
    assert sha256(db) == before
    assert leftovers(db.parent) == []


@pytest.fixture
def tiny_disk():
    """A 600 KiB tmpfs (root only): room for the old database, not for a new one."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="urbact-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if not mounted:
        folder.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


def test_a_really_full_disk_gives_a_clear_error_and_keeps_the_database(tiny_disk, fresh):
    db = tiny_disk / "directory.db"
    shutil.copyfile(fresh[1], db)
    before = sha256(db)
    result = cli("load", str(fresh[0]), "--db", str(db))
    assert_clear_error(result, "the disk is full", "the existing database, if any, is unchanged")
    assert sha256(db) == before
    assert leftovers(tiny_disk) == []
    assert cli("search", "loule", "--db", str(db)).returncode == 0


def test_a_damaged_record_is_reported_not_crashed_on(db):
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE cities SET aliases = '[\"Lou' WHERE id = 'loule'")
        conn.execute("UPDATE meetings SET added = '[1, 2]'")  # (a mapping is stored there)
        conn.commit()
    with contextlib.closing(Directory(db)) as directory:
        with pytest.raises(DirectoryError, match="damaged"):
            directory.get("city", "loule")
        with pytest.raises(DirectoryError, match="damaged"):
            directory.timeline()
        assert directory.get("city", "bilbao")["title"] == "Bilbao"


@pytest.mark.parametrize("offsets", [
    "{}", "[1]", "not json", '{"city": "0"}',
    '{"city": 5, "network": 0, "contact": 0, "meeting": 0, "document": 0}',  # out of order
])
def test_damaged_entry_offsets_are_reported_not_crashed_on(db, offsets):
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'entry_offsets'", (offsets,))
        conn.commit()
    with contextlib.closing(Directory(db)) as directory:
        with pytest.raises(DirectoryError, match="damaged"):
            directory.search("loule")  # (a result's kind is told by the offsets)
        with pytest.raises(DirectoryError, match="damaged"):
            directory.get("city", "loule")


@pytest.mark.parametrize("damage", [
    "UPDATE entry_rows SET starts = substr(starts, 1, 20)",
    "UPDATE entry_rows SET text = x'ff' || substr(text, 2)",
    "UPDATE entry_rows SET text = 'text, not bytes'",
    "UPDATE entry_rows SET starts = zeroblob(length(starts))",
    "DELETE FROM entry_rows",
    "DROP TABLE entry_rows",
])
def test_damaged_entry_rows_are_reported_not_crashed_on(db, damage):
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(damage)
        conn.commit()
    with contextlib.closing(Directory(db)) as directory:
        for read in (lambda: directory.search("loule"), lambda: directory.search(""),
                     lambda: directory.get("city", "loule")):
            with pytest.raises(DirectoryError, match="damaged|not an urbact-tui database"):
                read()


def test_a_build_that_runs_out_of_memory_is_reported(db, fresh, monkeypatch):
    """(A helper that dies is replaced by this process: see test_load_helpers.)"""
    from urbact_tui.directory import loader

    def broken(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(loader, "_build", broken)
    before = sha256(db)
    with pytest.raises(DirectoryError, match="not enough memory"):
        load(fresh[0], db)
    assert sha256(db) == before
    assert leftovers(db.parent) == []


HOLD_AND_FORK = """
import os, signal, sys, time
from pathlib import Path
from urbact_tui.directory.target import exclusive
with exclusive(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:  # like a build helper: it inherits the open lock file
        quiet = os.open(os.devnull, os.O_RDWR)
        os.dup2(quiet, 1)  # but not the pipes the test reads to the end
        os.dup2(quiet, 2)
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_load_whose_helpers_live_on_does_not_block_the_next_load(db, fresh):
    """Large loads fork helpers; if the load is killed they may outlive it holding the
    lock file open.  The lock is the process's, so the next load still goes ahead."""
    holder = subprocess.run([sys.executable, "-c", HOLD_AND_FORK, str(db)],
                            capture_output=True, text=True, env=ENV, timeout=60)
    assert holder.returncode == -signal.SIGKILL
    helper = int(holder.stdout.split()[0])
    try:
        os.kill(helper, 0)  # the helper is still alive, the file still open in it
        result = cli("load", str(fresh[0]), "--db", str(db), env={"URBACT_TUI_LOCK_TIMEOUT": "3"})
        assert result.returncode == 0, result.stderr
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(helper, signal.SIGKILL)


def test_two_loads_in_one_process_wait_for_each_other(db, fresh, monkeypatch):
    """The app may load from a worker thread: threads of one process are kept apart too."""
    import threading

    from urbact_tui.directory import target

    monkeypatch.setenv("URBACT_TUI_LOCK_TIMEOUT", "0.5")
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with target.exclusive(db):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert inside.wait(10)
        with pytest.raises(DirectoryError, match="another load of this database"):
            load(fresh[0], db)
    finally:
        release.set()
        holder.join()
    load(fresh[0], db)  # and once the first is done, the next one goes ahead
