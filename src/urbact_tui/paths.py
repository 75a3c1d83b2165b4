"""Where things live: the bundled directory, the user's database and cache.

The database defaults to the platform's user data folder (platformdirs) so it
survives upgrades and works from any working directory; `--db` and the
URBACT_TUI_DB environment variable override it for scripts and tests.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "urbact-tui"
DB_ENV = "URBACT_TUI_DB"


def bundled_seed() -> Path:
    """The directory shipped with the app, in a wheel or in a checkout."""
    packaged = Path(__file__).parent / "data" / "seed.yaml"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "seed.yaml"


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db, else $URBACT_TUI_DB, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "directory.db"


def cache_folder() -> Path:
    """The user's cache folder for urbact-tui (what can be lost without harm)."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)
