"""Large loads parse the file in two parts at once (two threads) and run a helper
process (forked after parsing) that builds the search index and sends it to the
load.  Whatever they do, the database must be
the one a load without them builds, and a bad file must fail with the same message.

The helpers only start in a single-threaded process with a large directory, so
each load here runs in a fresh interpreter with the size threshold lowered.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from urbact_tui.paths import bundled_seed

ENV = {**{k: v for k, v in os.environ.items() if k != "URBACT_TUI_DB"},
       "PYTHONIOENCODING": "utf-8"}

LOAD = """
import os, sys, time
from pathlib import Path
from urbact_tui.directory import loader, tables, yamlfile
from urbact_tui.directory.forked import Forked
from urbact_tui.directory.errors import DirectoryError
mode, source, db = sys.argv[1:4]
loader.HELPER_FROM = 10**9 if mode == "alone" else 1
yamlfile.SPLIT_FROM = 10**12 if mode == "alone" else 1  # parse in two parts at once
if mode == "dying":  # every helper dies before it answers: the load does their work
    parent = os.getpid()
    def dies(real):
        def job(*args):
            if os.getpid() != parent:
                os._exit(3)
            return real(*args)
        return job
    loader._index_job = dies(loader._index_job)
if mode == "chunks":  # rows go in in small chunks
    tables.CHUNK = 7
if mode in ("head start", "dying after the index"):  # the helper sends the index before
    real_has_sent = Forked.has_sent                  # the load needs the result blocks
    def has_sent(self):
        deadline = time.monotonic() + 60
        while not real_has_sent(self) and time.monotonic() < deadline:
            time.sleep(0.01)
        return real_has_sent(self)
    Forked.has_sent = has_sent
if mode == "no head start":  # the load comes to the result blocks first
    Forked.has_sent = lambda self: False
if mode == "dying after the index":
    parent = os.getpid()
    real_job = loader._index_job
    def job(*args):
        for number, value in enumerate(real_job(*args)):
            if number == 1 and os.getpid() != parent:
                time.sleep(0.5)  # (the index is sent meanwhile)
                os._exit(3)
            yield value
    loader._index_job = job
made_by = {"build_index": [], "display_rows": []}  # the processes that called each
def counted(name):
    real = getattr(loader, name)
    def call(*args):
        made_by[name].append(os.getpid())
        return real(*args)
    setattr(loader, name, call)
for name in made_by:
    counted(name)
def children_left():
    try:
        return os.waitpid(-1, os.WNOHANG) is not None
    except ChildProcessError:
        return False
try:
    loader.load(Path(source), Path(db))
except DirectoryError as exc:
    print(exc)
    print("children left:", children_left(), file=sys.stderr)
    sys.exit(2)
print("children left:", children_left())
print("indexed by the load itself:", made_by["build_index"].count(os.getpid()))
print("result blocks made by the load itself:", made_by["display_rows"].count(os.getpid()))
print("files left:", sorted(p.name for p in Path(db).parent.iterdir() if p.name != Path(db).name))
"""


def run_load(mode: str, source: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LOAD, mode, str(source), str(db)],
                          capture_output=True, text=True, encoding="utf-8", env=ENV, timeout=120, check=False)


def contents(db: Path) -> dict[str, list]:
    """Every table's rows in rowid order (meta without the build's time and place)."""
    with sqlite3.connect(db) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {"schema": conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()}
        for table in tables:
            rows = conn.execute(f"SELECT * FROM [{table}] ORDER BY rowid").fetchall()
            if table == "meta":
                rows = [r for r in rows if r[0] not in ("built_at", "source_path",
                                                        "source_mtime_ns")]
            out[table] = rows
    conn.close()
    return out


@pytest.fixture(scope="module")
def alone(tmp_path_factory) -> dict[str, list]:
    db = tmp_path_factory.mktemp("alone") / "directory.db"
    result = run_load("alone", bundled_seed(), db)
    assert result.returncode == 0, result.stderr
    return contents(db)


@pytest.mark.parametrize(("mode", "indexed_here", "listed_here"), [
    ("helpers", 0, None), ("chunks", 0, None),  # (blocks: whichever process is free first)
    ("dying", 1, 1),  # when the helper fails, the load indexes by itself
    ("head start", 0, 0),  # the helper, done with the index, makes the result blocks
    ("no head start", 0, 1),  # the load makes them while the helper indexes
    ("dying after the index", 0, 1),  # the load makes the blocks the helper never sent
])
def test_helpers_build_the_same_database_first_and_on_reload(mode, indexed_here, listed_here,
                                                              alone, tmp_path):
    db = tmp_path / "directory.db"
    for _ in ("first load", "reload"):
        result = run_load(mode, bundled_seed(), db)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert "children left: False" in result.stdout
        assert f"indexed by the load itself: {indexed_here}\n" in result.stdout
        if listed_here is not None:
            assert f"result blocks made by the load itself: {listed_here}\n" in result.stdout
        assert contents(db) == alone
        assert "files left: ['.directory.db.lock']" in result.stdout  # no temporary files


@pytest.mark.parametrize("damage", [
    ("  - id: loule\n", "  - id: Loule\n"),          # caught by validation
    ("cities:\n", "cities:\n  - 7\n"),                # an item that is not a mapping
    ("contacts:\n", "contacts:\n  - id: x\n    phones: [1]\n"),  # phones the helper cannot read
    ("cities:\n", "cities: 3\nextra:\n"),             # no lists at all
])
def test_a_bad_file_fails_the_same_with_helpers_and_leaves_none_running(damage, tmp_path):
    source = tmp_path / "bad.yaml"
    text = bundled_seed().read_text(encoding="utf-8")
    assert damage[0] in text
    source.write_text(text.replace(damage[0], damage[1], 1), encoding="utf-8")
    alone_db, helped_db = tmp_path / "alone.db", tmp_path / "helped.db"
    expected = run_load("alone", source, alone_db)
    result = run_load("helpers", source, helped_db)
    assert expected.returncode == 2, expected.stderr
    assert (result.returncode, result.stdout, result.stderr) == \
        (expected.returncode, expected.stdout, expected.stderr)
    assert not helped_db.exists()
    assert "children left: False" in result.stderr  # the helpers were stopped and reaped


def test_a_helper_dies_with_its_parent(tmp_path):
    """A load killed half-way leaves no helper running on (Linux: PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("parent-death signals are Linux's")
    pid_file = tmp_path / "helper.pid"
    script = f"""
import os, time
from pathlib import Path
from urbact_tui.directory.forked import Forked

def linger():
    Path({str(pid_file)!r}).write_text(str(os.getpid()))
    time.sleep(60)

Forked(linger)
time.sleep(60)
"""
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the helper never started"
            time.sleep(0.05)
        helper = int(pid_file.read_text())
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _running(helper):
        assert time.monotonic() < deadline, "the helper outlived its parent"
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


SENDS = """
import sys, time
from pathlib import Path
from urbact_tui.directory.forked import ChildFailed, Forked

marker = Path(sys.argv[1])

def values():
    yield "entries"
    yield b"x" * 5_000_000   # far more than a pipe holds: sent while the parent is busy
    marker.write_text("the child went on")
    yield {"index": [1, 2]}

forked = Forked(values)
deadline = time.monotonic() + 30
while not marker.exists():  # not reading: the child must not wait for us
    assert time.monotonic() < deadline, "the child waited for the parent to read"
    time.sleep(0.05)
print(forked.receive(), len(forked.receive()), forked.receive())
try:
    forked.receive()
except ChildFailed:
    print("then: nothing more")
print("child reaped:", forked.pid is None)
"""


def test_a_helper_sends_each_value_as_it_is_made_without_waiting_for_the_parent(tmp_path):
    result = subprocess.run([sys.executable, "-c", SENDS, str(tmp_path / "marker")],
                            capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "entries 5000000 {'index': [1, 2]}", "then: nothing more", "child reaped: True"]


HAS_SENT = """
import sys, time
from pathlib import Path
from urbact_tui.directory.forked import Forked

go = Path(sys.argv[1])

def values():
    while not go.exists():  # the value is not made until the parent says so
        time.sleep(0.01)
    yield "index"

forked = Forked(values)
time.sleep(0.3)
print("before it is made:", forked.has_sent())
go.write_text("go")
deadline = time.monotonic() + 30
while not forked.has_sent():
    assert time.monotonic() < deadline, "has_sent never turned true"
    time.sleep(0.01)
print("once it is sent:", forked.has_sent(), forked.receive())
forked.cancel()
print("once stopped:", forked.has_sent())
"""


def test_has_sent_tells_whether_the_next_value_is_ready_without_waiting(tmp_path):
    """The load takes the result blocks from its helper only if the helper has sent the
    index by then (see loader._index_and_blocks): `has_sent` must not block."""
    result = subprocess.run([sys.executable, "-c", HAS_SENT, str(tmp_path / "go")],
                            capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "before it is made: False", "once it is sent: True index", "once stopped: False"]


def test_the_indexing_stage_is_reported_before_the_load_waits_for_the_index(tmp_path,
                                                                            monkeypatch):
    """A progress bar shows "indexing" while the load waits for its helper's index,
    not the stage before it."""
    from urbact_tui.directory import loader

    events: list[str] = []
    real = loader._index_and_blocks

    def waits_for_the_index(*args):
        events.append("waiting for the index")
        return real(*args)

    monkeypatch.setattr(loader, "_index_and_blocks", waits_for_the_index)
    loader.load(bundled_seed(), tmp_path / "d.db",
                progress=lambda stage, done, total: events.append(stage))
    assert events.index("indexing") < events.index("waiting for the index") < events.index("done")
