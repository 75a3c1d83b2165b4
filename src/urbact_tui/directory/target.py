"""The database file a load replaces: what may be replaced, one load at a time,
and what went wrong in words.

A load never overwrites what is not a database of ours (a folder, the YAML
itself, a text file, another program's database); it holds a lock so two loads
of one database wait for each other instead of mixing; the new file is synced
before its name points at it; and a failure of the disk is told as what the
user can do about it, with the existing database unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import listing
from .errors import DirectoryError
from .store import read_only_uri

if TYPE_CHECKING:
    from .loader import Progress

LOCK_TIMEOUT_SECONDS = 60

_SQLITE_HEADER = b"SQLite format 3\x00"


def check_target(target: Path, source: Path) -> None:
    """Refuse to replace anything that is not a database: a folder, the YAML itself, a text file."""
    if target.is_dir():
        raise DirectoryError("the database path is a folder", path=target,
                             hint="give a file name for the database, e.g. --db ~/directory.db")
    with contextlib.suppress(OSError):
        if target.exists() and source.exists() and target.samefile(source):
            raise DirectoryError(
                "the database path is the directory file itself; loading would overwrite it",
                path=target, hint="give another file name with --db, e.g. --db directory.db")
    try:
        with open(target, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return  # missing (the usual case) or unreadable: the build reports what matters
    if head and not head.startswith(_SQLITE_HEADER) and b"\x00" not in head:
        raise DirectoryError(
            "this file is not a database (it holds text); loading would overwrite it",
            path=target,
            hint="give another file name with --db, or delete the file first if it is not needed")
    if head.startswith(_SQLITE_HEADER) and _foreign_tables(target):
        raise DirectoryError(
            "this is another program's database (it has no urbact-tui tables); "
            "loading would overwrite it", path=target,
            hint="give another file name with --db, or delete the file first if it is not needed")


def _foreign_tables(target: Path) -> bool:
    """A readable SQLite file with tables, none of them ours.  (A damaged database of
    ours cannot be read: it may be rebuilt.)"""
    try:
        with contextlib.closing(sqlite3.connect(read_only_uri(target), uri=True, timeout=1)) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    return bool(tables) and "meta" not in tables and listing.TABLE not in tables


def sync(path: Path) -> None:
    """fsync a file or folder, so a crash right after the swap cannot leave an empty file."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename is still atomic
    finally:
        os.close(descriptor)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def exclusive(target: Path, report: Progress | None = None) -> Iterator[None]:
    """Hold the target's lock; a second load waits, then gives up clearly.

    Loads in other processes are kept out by a POSIX record lock (fcntl.lockf) on
    a lock file beside the database, loads in other threads of this process by a
    thread lock.  A record lock belongs to the process: the kernel drops it when
    the load dies, even if forked helpers of that load live on with the file open
    (an flock would stay held by them, and block every later load).
    The wait is LOCK_TIMEOUT_SECONDS, or $URBACT_TUI_LOCK_TIMEOUT seconds when set.
    """
    try:
        timeout = float(os.environ.get("URBACT_TUI_LOCK_TIMEOUT", LOCK_TIMEOUT_SECONDS))
    except ValueError:
        timeout = LOCK_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    lock_path = target.parent / f".{target.name}.lock"
    busy = DirectoryError("another load of this database is still running", path=target,
                          hint="wait for it to finish, then run the load again")
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(str(lock_path.absolute()), threading.Lock())
    if not thread_lock.acquire(blocking=False):
        if report is not None:
            report("waiting", 0, 1)
        if not thread_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise busy
    try:
        try:
            handle = open(lock_path, "a")
        except OSError as exc:
            raise DirectoryError(
                f"cannot write in the database folder: {exc.strerror}", path=target.parent,
                hint="check the folder is writable, or choose another place with --db") from None
        with handle:
            waiting = False
            while True:
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EACCES, errno.EAGAIN):  # e.g. no locks on NFS
                        raise DirectoryError(
                            f"cannot lock the database: {exc.strerror}", path=target,
                            hint="choose a place on a local disk with --db") from None
                    if time.monotonic() > deadline:
                        raise busy from None
                    if not waiting and report is not None:
                        report("waiting", 0, 1)  # for another load of the same database
                        waiting = True
                    time.sleep(0.1)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        thread_lock.release()


def remove_stale_temporaries(target: Path) -> None:
    """Delete temporary files left by a load that was killed (we hold the lock)."""
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def storage_error(exc: sqlite3.Error | OSError, target: Path) -> DirectoryError:
    """Why the database could not be written, in words; the old database is untouched."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    kept = " (the existing database, if any, is unchanged)"
    if "full" in text or "No space" in text or "too large" in text.lower() \
            or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return DirectoryError("the disk is full: the new database could not be written" + kept,
                              path=target,
                              hint="free some space or choose another place with --db")
    if "readonly" in text or "read-only" in text.lower() or "unable to open" in text \
            or getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DirectoryError(f"cannot write in the database folder ({text})" + kept,
                              path=target.parent,
                              hint="check the folder is writable, or choose another place with --db")
    if "disk I/O error" in text or getattr(exc, "errno", None) == errno.EIO:
        return DirectoryError("the disk could not be written (disk I/O error): it may be full, "
                              "removed or failing" + kept, path=target,
                              hint="free some space and check the disk, or choose another "
                                   "place with --db")
    return DirectoryError(f"cannot build the database: {text}" + kept, path=target,
                          hint="check the disk has space and the folder is writable, "
                               "or choose another place with --db")
