"""The YAML is the source of truth; the database follows it."""

from __future__ import annotations

import shutil

from urbact_tui.directory.loader import load
from urbact_tui.directory.store import open_directory
from urbact_tui.paths import bundled_seed


def test_editing_the_yaml_rebuilds_on_next_open(tmp_path):
    source = tmp_path / "mine.yaml"
    shutil.copy(bundled_seed(), source)
    db = tmp_path / "d.db"
    load(source, db)
    text = source.read_text(encoding="utf-8").replace("name: Loulé", "name: Loulé Town", 1)
    source.write_text(text, encoding="utf-8")
    directory = open_directory(db, bundled_seed())
    assert directory.get("city", "loule")["record"]["name"] == "Loulé Town"
    assert directory.meta["source_path"] == str(source.resolve())


def test_a_users_database_is_never_replaced_by_the_bundled_seed(tmp_path):
    source = tmp_path / "mine.yaml"
    source.write_text("cities:\n  - id: oslo\n    name: Oslo\n", encoding="utf-8")
    db = tmp_path / "d.db"
    load(source, db)
    directory = open_directory(db, bundled_seed())
    assert directory.counts() == {"city": 1}


def test_a_missing_source_keeps_the_database(tmp_path):
    source = tmp_path / "mine.yaml"
    source.write_text("cities:\n  - id: oslo\n    name: Oslo\n", encoding="utf-8")
    db = tmp_path / "d.db"
    load(source, db)
    source.unlink()
    assert open_directory(db, bundled_seed()).counts() == {"city": 1}


def test_touching_without_changing_does_not_rebuild(tmp_path):
    source = tmp_path / "mine.yaml"
    shutil.copy(bundled_seed(), source)
    db = tmp_path / "d.db"
    load(source, db)
    before = db.stat().st_mtime_ns
    source.touch()
    open_directory(db, bundled_seed())
    assert db.stat().st_mtime_ns == before
