"""Hostile YAML: object tags never run, alias bombs and deep nesting never hurt the process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from urbact_tui.directory import yamlfile, yamlplaces
from urbact_tui.directory.errors import DirectoryError
from urbact_tui.directory.loader import load
from urbact_tui.directory.yamlfile import parse_text

CLEAN_ENV = {**{k: v for k, v in os.environ.items() if k != "URBACT_TUI_DB"},
             "PYTHONIOENCODING": "utf-8"}

# Each payload would create MARKER if a loader constructed the object.
TAGGED = {
    "apply": 'cities:\n  - id: x\n    name: !!python/object/apply:os.system ["touch MARKER"]\n',
    "new": 'cities: !!python/object/new:os.system ["touch MARKER"]\n',
    "name": "cities: !!python/name:os.system\n",
    "module": "cities: !!python/module:os\n",
    "verbatim": 'cities: !<tag:yaml.org,2002:python/object/apply:os.system> ["touch MARKER"]\n',
    "tag-directive": '%TAG !py! tag:yaml.org,2002:python/\n---\n'
                     'cities: !py!object/apply:os.system ["touch MARKER"]\n',
    "as-key": '? !!python/object/apply:os.system ["touch MARKER"]\n: cities\n',
    "in-flow": 'cities: [!!python/object/apply:os.system ["touch MARKER"]]\n',
    "behind-alias": 'x: &a !!python/object/apply:os.system ["touch MARKER"]\ncities: *a\n',
    "local-include": "cities: !include /etc/passwd\n",
    "local-env": "cities:\n  - id: x\n    name: !env HOME\n",
}


def payload(name: str, marker: Path) -> str:
    return TAGGED[name].replace("MARKER", str(marker))


def test_the_payload_is_live(tmp_path):
    """Proof the test payload would run with an unsafe loader (so refusing it matters)."""
    marker = tmp_path / "ran"
    yaml.unsafe_load(payload("apply", marker))
    assert marker.exists()


@pytest.mark.parametrize("name", sorted(TAGGED))
def test_object_and_custom_tags_are_refused_and_nothing_runs(name, tmp_path):
    marker = tmp_path / "ran"
    source = tmp_path / "tagged.yaml"
    source.write_text(payload(name, marker), encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load(source, tmp_path / "new.db")
    assert "is not allowed" in caught.value.message
    assert caught.value.line is not None and caught.value.hint
    assert not marker.exists()
    assert not (tmp_path / "new.db").exists()


def test_tags_are_refused_even_when_pyyaml_cannot_read_the_file(tmp_path, monkeypatch):
    """The composer is only a locator; if it fails, a textual check still refuses the tag."""
    monkeypatch.setattr(yamlplaces, "_compose", lambda text: None)
    marker = tmp_path / "ran"
    for name in ("apply", "verbatim", "tag-directive"):
        with pytest.raises(DirectoryError, match="is not allowed"):
            parse_text(payload(name, marker), tmp_path / "x.yaml")
    assert not marker.exists()


def test_plain_exclamation_marks_and_safe_tags_are_fine(tmp_path):
    text = textwrap.dedent("""\
        cities:
          - id: lisboa
            name: Lisboa!
            country_code: !!str PT
            notes: "Tag-like text in quotes is text: !!python/object/apply:os.system"
        """)
    data = parse_text(text, tmp_path / "x.yaml")
    assert data["cities"][0]["country_code"] == "PT"


def test_cli_refuses_an_os_system_tag_and_the_command_never_runs(seed_db, tmp_path):
    marker = tmp_path / "ran"
    result = load_refused(payload("apply", marker), tmp_path, seed_db)
    assert "!!python/object/apply:os.system' is not allowed" in result.stderr
    assert not marker.exists()


def load_refused(text: str, tmp_path: Path, seed_db: Path) -> subprocess.CompletedProcess:
    """`urbact-tui load` of `text` over a copy of the seed database: refused with exit 2,
    no traceback, and the database byte-for-byte unchanged."""
    source = tmp_path / "refused.yaml"
    source.write_text(text, encoding="utf-8")
    db = tmp_path / "directory.db"
    db.write_bytes(seed_db.read_bytes())
    before = db.read_bytes()
    result = subprocess.run([sys.executable, "-m", "urbact_tui", "load", str(source),
                             "--db", str(db)], capture_output=True, text=True, env=CLEAN_ENV,
                            timeout=60)
    assert result.returncode == 2, (result.returncode, result.stderr[-500:])
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before
    return result


# --- alias bombs ---------------------------------------------------------------------


def laughs(levels: int, width: int = 9, tagged: bool = False) -> str:
    lines = [f'l0: &l0 [{", ".join(["lol"] * width)}]']
    for level in range(1, levels + 1):
        tag = "!!seq " if tagged else ""
        lines.append(f"l{level}: &l{level} {tag}[{', '.join([f'*l{level - 1}'] * width)}]")
    lines.append(f"cities: *l{levels}")
    return "\n".join(lines) + "\n"


BOMBS = {
    "billion-laughs": laughs(9),
    "deeper": laughs(30),
    "tagged (composer runs too)": laughs(12, tagged=True),
    "wide": "a: &a [" + ", ".join(["x"] * 1000) + "]\ncities: [" + ", ".join(["*a"] * 5000) + "]\n",
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_alias_bombs_are_refused_quickly_with_little_memory(name, tmp_path):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DirectoryError, match="anchors and aliases"):
            parse_text(BOMBS[name], tmp_path / "bomb.yaml")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 30 * 1024**2


BOMB_SCRIPT = """
import resource, sys
from pathlib import Path
from urbact_tui.directory.errors import DirectoryError
from urbact_tui.directory.yamlfile import parse_text
try:
    parse_text(sys.stdin.read(), Path("bomb.yaml"))
    print("parsed")
except DirectoryError as error:
    print("refused:", error.message)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_alias_bomb_in_a_process_with_a_memory_limit():
    """Under a 1 GiB address-space limit the parser refuses the bomb; it never runs out."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    result = subprocess.run([sys.executable, "-c", BOMB_SCRIPT], input=laughs(30),
                            capture_output=True, text=True, preexec_fn=limit, timeout=30,
                            env=CLEAN_ENV)
    assert result.returncode == 0, result.stderr
    verdict, max_rss_kb = result.stdout.splitlines()
    assert verdict.startswith("refused: anchors and aliases")
    assert int(max_rss_kb) < 200 * 1024  # about 30 MB in practice


# --- deep nesting ---------------------------------------------------------------------

DEEP = {
    "100k [": "cities: " + "[" * 100_000 + "\n",
    "100k {": "cities: " + "{a: " * 100_000 + "\n",
    "100k [ closed": "cities: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "100k block lists on one line": "cities:\n  " + "- " * 100_000 + "x\n",
    "block mappings by indentation": "cities:\n" + "".join(
        " " * level + "a:\n" for level in range(1, 1500)) + " " * 1500 + "x\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused_without_crashing_the_cli(name, tmp_path, seed_db):
    """yaml-rs overflows its stack (SIGSEGV) on deep block nesting: a pre-check refuses it."""
    result = load_refused(DEEP[name], tmp_path, seed_db)
    assert "nested far too deeply" in result.stderr


def test_the_deepest_accepted_nesting_parses_in_a_small_thread_stack(tmp_path):
    """Just under the limit (block and flow nesting together) is safe even in a
    512 KiB thread stack, e.g. a worker thread of the app."""
    block = "cities:\n" + "".join(" " * level + "a:\n" for level in range(1, yamlfile.MAX_INDENT - 1))
    block += " " * (yamlfile.MAX_INDENT - 1) + "[" * 250 + "]" * 250 + "\n"
    compact = "cities:\n  " + "- " * (yamlfile.MAX_INDENT // 2 - 2) + "[" * 250 + "]" * 250 + "\n"
    outcomes: list[object] = []

    def run() -> None:
        for text in (block, compact):
            try:
                outcomes.append(type(parse_text(text, tmp_path / "x.yaml")))
            except DirectoryError as error:
                outcomes.append(error.message)

    old = threading.stack_size(512 * 1024)
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old)
    assert outcomes == [dict, dict]


def test_a_load_refused_while_parsing_leaves_no_thread_running(tmp_path):
    """The load imports and hashes in threads while it parses.  A file refused by the
    parse must not leave them running: a CLI exiting with its error under a thread
    still importing C extensions crashed at times (exit status -11 here)."""
    import threading

    from urbact_tui.directory.errors import DirectoryError
    from urbact_tui.directory.loader import load

    source = tmp_path / "deep.yaml"
    source.write_text(DEEP["100k block lists on one line"], encoding="utf-8")
    before = set(threading.enumerate())
    with pytest.raises(DirectoryError, match="nested far too deeply"):
        load(source, tmp_path / "directory.db")
    assert [t.name for t in set(threading.enumerate()) - before] == []
