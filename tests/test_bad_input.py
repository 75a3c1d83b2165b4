"""The corpus of bad directories: every case prints its exact error and changes nothing.

Each `tests/data/bad/<case>.expected` holds the exact stderr of
`urbact-tui load <case-file> --db <db>`, with the file's path written as
`{path}`.  The input is `<case>.yaml` beside it, except for three cases made at
test time: `missing-file` (a path that does not exist), `folder` (a folder)
and `too-large` (a sparse file over the size limit).

To rewrite the .expected files after changing a message on purpose, run
`UPDATE_BAD_EXPECTED=1 pytest tests/test_bad_input.py` and review the diff.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from urbact_tui.directory import yamlfile, yamlplaces
from urbact_tui.directory.errors import DirectoryError
from urbact_tui.directory.loader import load

BAD = Path(__file__).parent / "data" / "bad"
CASES = sorted(p.stem for p in BAD.glob("*.expected"))
MADE_AT_TEST_TIME = {"missing-file", "folder", "too-large"}
UPDATE = bool(os.environ.get("UPDATE_BAD_EXPECTED"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_input(case: str, tmp_path: Path) -> Path:
    if case == "missing-file":
        return tmp_path / "no-such-directory.yaml"
    if case == "folder":
        folder = tmp_path / "a-folder"
        folder.mkdir()
        return folder
    if case == "too-large":
        huge = tmp_path / "huge.yaml"
        with open(huge, "wb") as handle:  # sparse: takes no disk space
            handle.truncate(yamlfile.MAX_FILE_BYTES + 1024**2)
        return huge
    return (BAD / f"{case}.yaml").resolve()


@pytest.fixture
def good_db(seed_db, tmp_path) -> Path:
    """A copy of the database built from data/seed.yaml, alone in its folder."""
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copyfile(seed_db, folder / "directory.db")
    return folder / "directory.db"


def test_corpus_covers_the_issue():
    required = {
        "empty", "unclosed-bracket", "tab-indentation", "bad-indentation", "non-utf8",
        "binary-garbage", "top-level-list", "kind-not-a-list", "unknown-kind", "unknown-field",
        "name-is-mapping", "phone-is-number", "missing-required", "duplicate-id",
        "duplicate-key", "missing-reference", "missing-file", "folder", "too-large",
        "python-tag", "billion-laughs",
    }
    assert required <= set(CASES)
    for case in set(CASES) - MADE_AT_TEST_TIME:
        assert (BAD / f"{case}.yaml").exists(), case
    for source in BAD.glob("*.yaml"):
        assert (BAD / f"{source.stem}.expected").exists(), f"{source.name} has no .expected"


@pytest.mark.parametrize("case", CASES)
def test_cli_prints_the_exact_error_and_leaves_the_database_alone(case, good_db, tmp_path):
    source = case_input(case, tmp_path)
    before = sha256(good_db)
    env = {k: v for k, v in os.environ.items() if k != "URBACT_TUI_DB"}
    env["PYTHONIOENCODING"] = "utf-8"
    result = subprocess.run(
        [sys.executable, "-m", "urbact_tui", "load", str(source), "--db", str(good_db)],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=60)
    stderr = result.stderr.replace(str(source), "{path}")
    expected_file = BAD / f"{case}.expected"
    if UPDATE:
        expected_file.write_text(stderr, encoding="utf-8")
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert stderr == expected_file.read_text(encoding="utf-8")
    assert sha256(good_db) == before
    assert sorted(p.name for p in good_db.parent.iterdir()) == ["directory.db"]


@pytest.mark.parametrize("locating", ["whole-file", "per-item"])
@pytest.mark.parametrize("case", sorted(set(CASES) - {"too-large"}))
def test_loader_raises_the_same_error_in_process(case, locating, tmp_path, monkeypatch):
    """The app shows `DirectoryError.render()`: the same text as the CLI.  Large files
    are located item by item (per-item); the messages must be the same."""
    if locating == "per-item":
        monkeypatch.setattr(yamlplaces, "FULL_COMPOSE_LIMIT", 0)
    source = case_input(case, tmp_path)
    target = tmp_path / "new.db"
    with pytest.raises(DirectoryError) as caught:
        load(source, target)
    rendered = caught.value.render().replace(str(source), "{path}") + "\n"
    assert rendered == (BAD / f"{case}.expected").read_text(encoding="utf-8")
    assert not target.exists()


def test_too_large_limit_in_process(tmp_path, monkeypatch):
    """The size limit, checked without a big file: lower it and load a small one."""
    source = tmp_path / "small.yaml"
    source.write_text("cities: []\n" + "# padding\n" * 200)
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", 1024)
    with pytest.raises(DirectoryError, match="too large to be a directory"):
        load(source, tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()


def test_too_large_pipe_is_read_with_a_bound(tmp_path, monkeypatch):
    """A pipe reports no size; the read itself stops at the limit (no endless read)."""
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", 4096)
    read_fd, write_fd = os.pipe()
    writer = os.fork()
    if writer == 0:  # child: write far more than the limit, then exit
        os.close(read_fd)
        try:
            for _ in range(64):
                os.write(write_fd, b"# " + b"x" * 1021 + b"\n")
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        with pytest.raises(DirectoryError, match="too large"):
            yamlfile.read_source(Path(f"/proc/self/fd/{read_fd}") if Path("/proc/self/fd").exists()
                                 else Path(f"/dev/fd/{read_fd}"))
    finally:
        os.close(read_fd)
        os.waitpid(writer, 0)


def test_a_device_is_refused_without_reading_it(tmp_path):
    with pytest.raises(DirectoryError, match="device"):
        load(Path("/dev/zero"), tmp_path / "new.db")


@pytest.mark.parametrize("db_name", ["data/seed.yaml", "notes.txt", "folder", "photos.db"])
def test_load_never_overwrites_something_that_is_not_a_database(db_name, tmp_path):
    """`--db my.yaml` by mistake must not replace the user's file with a database."""
    source = tmp_path / "data" / "seed.yaml"
    source.parent.mkdir()
    source.write_text("cities:\n  - id: lisboa\n    name: Lisboa\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("phone numbers I must not lose\n")
    (tmp_path / "folder").mkdir()
    with contextlib.closing(sqlite3.connect(tmp_path / "photos.db")) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
        conn.commit()
    target = tmp_path / db_name
    before = sha256(target) if target.is_file() else None
    with pytest.raises(DirectoryError) as caught:
        load(source, target)
    assert any(words in caught.value.message for words in (
        "not a database", "folder", "directory file itself", "another program's database"))
    if before is not None:
        assert sha256(target) == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_every_message_names_the_file_and_says_how_to_fix_it():
    """Read as a user: a location, a subject where the item is known, and a fix."""
    for case in CASES:
        text = (BAD / f"{case}.expected").read_text(encoding="utf-8")
        first, *rest = text.splitlines()
        assert first.startswith("error in {path}"), case
        assert rest[-1].startswith("  fix: "), case
        if "line" in first and "column" in first:
            assert any(line.strip().endswith("^") for line in rest), f"{case}: no caret"


def test_the_error_type_behaves_like_an_exception():
    """Hashable (exception handlers keep sets of errors), picklable (worker processes)."""
    import pickle

    error = DirectoryError("broken", path="x.yaml", line=3, column=2, kind="city",
                           item_id="lisboa", field="name", hint="fix it", excerpt=["    3 | a"])
    assert error in {error}
    copy = pickle.loads(pickle.dumps(error))
    assert copy.render() == error.render() == str(error)
    assert copy.render().splitlines()[0] == "error in x.yaml, line 3, column 2:"


def big_directory_text(contacts: int) -> str:
    lines = ["cities:", "  - id: lisboa", "    name: Lisboa", "contacts:"]
    for n in range(contacts):
        lines += [f"  - id: person-{n}", f"    name: \"Person {n}\"", "    city: lisboa",
                  f"    role: Officer {n}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("mistake, expected", [
    ("    contry: Portugal\n", "contact 'person-13999', field 'contry': unknown field"),
    ("    name: Twice\n", "the field 'name' appears twice in this contact"),
    ("    aliases: [a, b\n", "this '[' is never closed"),
    ('    notes: "open\n', "this '\"' is never closed"),
    ("    parent: persn-3\n", "there is no contact with the id 'persn-3'"),
])
def test_errors_in_a_large_file_are_located_without_composing_the_whole_file(
        mistake, expected, tmp_path, monkeypatch):
    """PyYAML needs about a minute to compose 40 MB: only the item at fault is composed."""
    text = big_directory_text(14_000)
    assert len(text) > yamlplaces.FULL_COMPOSE_LIMIT
    last = text.rindex("    role: Officer 13999\n")
    text = text[:last] + mistake + text[last:]
    source = tmp_path / "big.yaml"
    source.write_text(text, encoding="utf-8")
    composed: list[int] = []
    real_compose = yaml.compose

    def measured(stream, *args, **kwargs):
        composed.append(len(stream))
        return real_compose(stream, *args, **kwargs)

    monkeypatch.setattr(yamlplaces.yaml, "compose", measured)
    with pytest.raises(DirectoryError) as caught:
        load(source, tmp_path / "new.db")
    error = caught.value
    assert expected in error.render()
    assert error.line == text.count("\n", 0, last) + 1  # the line of the mistake
    assert max(composed, default=0) < 10_000
