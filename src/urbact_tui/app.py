"""Placeholder until the Textual app lands (issue 4)."""

from pathlib import Path


def run_app(db_path: Path) -> int:
    from textual.app import App

    App().run()
    return 0
