"""A function run in a forked child process, its result sent back through a pipe.

The loader's helper (it builds the search index) works this way: the child
sees the parent's parsed data through fork, so nothing is pickled on the way
in, and only the result is pickled on the way out.  On Linux a child is also
told to die with its parent, so a load killed half-way leaves no helper
running on for minutes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import os
import pickle
import signal
import sys
import threading
from typing import Any, Callable

_PR_SET_PDEATHSIG = 1  # prctl(2)


class ChildFailed(Exception):
    """The child died, failed or was cancelled: the caller does the work itself."""


def can_fork() -> bool:
    """Forking is only done from a single-threaded process (the CLI): the app loads
    from a worker thread, and forking beside other threads is unsafe."""
    return (os.cpu_count() or 1) >= 2 and threading.active_count() == 1 \
        and hasattr(os, "fork")


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this child when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class Forked:
    """`function(*args)` run in a forked child process; `result()` waits for it.

    The child only ever reads the parent's data."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        parent = os.getpid()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 1  # unless it all works: the parent then redoes the work
            try:
                os.close(read)
                _die_with_parent(parent)
                gc.disable()  # a short life, making many objects and no cycles
                payload = pickle.dumps(function(*args), protocol=pickle.HIGHEST_PROTOCOL)
                with open(write, "wb", closefd=True) as out:
                    out.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self.pid: int | None = pid
        self._read: int | None = read

    def result(self) -> Any:
        """The function's result; ChildFailed if the child died or failed."""
        if self._read is None:
            raise ChildFailed()
        try:
            with open(self._read, "rb", closefd=True) as pipe:
                self._read = None
                payload = pipe.read()
        except OSError:
            payload = b""
        status = self._reap()
        if status != 0 or not payload:
            raise ChildFailed()
        try:
            return pickle.loads(payload)
        except Exception:  # noqa: BLE001 - a truncated result: the child was killed
            raise ChildFailed() from None

    def cancel(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
        if self._read is not None:
            with contextlib.suppress(OSError):
                os.close(self._read)
            self._read = None

    def _reap(self) -> int:
        pid, self.pid = self.pid, None
        if pid is None:
            return -1
        while True:
            try:
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            except InterruptedError:
                continue
            except ChildProcessError:
                return -1
