"""Shared fixtures: one database built from the bundled seed per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from urbact_tui.directory.loader import load
from urbact_tui.directory.store import Directory
from urbact_tui.paths import bundled_seed

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def private_cache_folder(tmp_path_factory):
    """The app remembers checked YAML files in the user's cache folder: tests use their
    own, so they neither read nor write the real one (subprocesses inherit it too)."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> Path:
    """A database built once from data/seed.yaml (treat as read-only)."""
    path = tmp_path_factory.mktemp("seed") / "directory.db"
    load(bundled_seed(), path)
    return path


@pytest.fixture(scope="session")
def directory(seed_db) -> Directory:
    return Directory(seed_db)


@pytest.fixture
def run_cli(seed_db):
    """Run `urbact-tui ARGS` as a subprocess against the seed database."""

    def run(*args: str, db: Path | None = seed_db, stdin: str | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "urbact_tui", *args]
        if db is not None:
            command += ["--db", str(db)]
        full_env = {k: v for k, v in os.environ.items() if k != "URBACT_TUI_DB"}
        full_env.update({"PYTHONIOENCODING": "utf-8", **(env or {})})
        return subprocess.run(command, capture_output=True, text=True, input=stdin,
                              env=full_env, timeout=60, encoding="utf-8")

    return run
