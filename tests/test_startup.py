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
