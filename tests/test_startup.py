"""What app start-up relies on: the first results need no search index, opening a
database that needs no building is separate from building it, and importing the
app leaves the heavy libraries for later."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from urbact_tui.directory.loader import load
from urbact_tui.directory.store import Directory, open_current
from urbact_tui.paths import bundled_seed


def test_the_first_entries_are_listed_without_the_index_and_as_it_lists_them(seed_db):
    directory = Directory(seed_db)
    try:
        for limit in (100, 5, 0, 100_000):
            listed = directory.search("", None, limit)
            assert directory._index is None  # not loaded for an empty query
            assert [(h.kind, h.id, h.title, h.subtitle, h.score) for h in listed] == \
                [(h.kind, h.id, h.title, h.subtitle, h.score)
                 for h in directory.index.search("", None, limit)]
            directory._index = None
        assert len(directory.search(" ,. ", None, 3)) == 3  # no words: the same list
    finally:
        directory.close()


def test_open_current_opens_only_what_needs_no_building(tmp_path):
    source = tmp_path / "mine.yaml"
    shutil.copy(bundled_seed(), source)
    db = tmp_path / "d.db"
    assert open_current(db) is None  # missing: to be built
    load(source, db)
    directory = open_current(db)
    assert directory is not None and directory.counts()["city"] > 10
    directory.close()
    text = source.read_text(encoding="utf-8").replace("name: Loulé", "name: Loulé Town", 1)
    source.write_text(text, encoding="utf-8")
    assert open_current(db) is None  # its YAML changed: to be rebuilt


def test_importing_the_app_leaves_heavy_libraries_for_later():
    heavy = ["numpy", "yaml", "yaml_rs", "phonenumbers", "vobject", "pyperclip", "sqlite_utils",
             "urbact_tui.directory.store", "urbact_tui.directory.loader",
             "urbact_tui.screens.error", "urbact_tui.screens.help",
             "urbact_tui.screens.timeline", "urbact_tui.screens.palette"]
    code = ("import sys, urbact_tui.app\n"
            f"print([m for m in {heavy!r} if m in sys.modules])")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=True)
    assert result.stdout.strip() == "[]"


def test_a_touched_but_unchanged_yaml_is_hashed_once(tmp_path, monkeypatch):
    import hashlib

    from urbact_tui.directory import store

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "mine.yaml"
    shutil.copy(bundled_seed(), source)
    db = tmp_path / "d.db"
    load(source, db)
    os.utime(source, ns=(1_000_000_000, 1_000_000_000))  # touched: another mtime, same text
    hashed = []
    file_digest = hashlib.file_digest

    def counting(*args, **kwargs):
        hashed.append(1)
        return file_digest(*args, **kwargs)

    monkeypatch.setattr(hashlib, "file_digest", counting)
    for _ in range(3):
        directory = open_current(db)
        assert directory is not None  # unchanged: no rebuild
        directory.close()
    assert len(hashed) == 1  # then remembered in the cache folder
    assert (tmp_path / "cache" / "urbact-tui" / store.CHECKED_SOURCES).is_file()
    text = source.read_text(encoding="utf-8").replace("name: Loulé", "name: Loulé Town", 1)
    source.write_text(text, encoding="utf-8")
    assert open_current(db) is None  # a real change is still found
