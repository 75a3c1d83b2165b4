"""A generator run in a forked child process, each value it yields sent back
through a pipe as soon as it is made.

The loader's helper (it builds the search index) works this way: the child
sees the parent's parsed data through fork, so nothing is pickled on the way
in, and only the results are pickled on the way out.  A thread of the child
sends them, so the child goes on working while the parent is still busy and
has not read the pipe yet.  On Linux a child is also told to die with its
parent, so a load killed half-way leaves no helper running on for minutes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

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
    import ctypes.util  # (~15 ms: the loader imports it while the file is parsed)

    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


_LENGTH = struct.Struct("<Q")  # each message: its length, then the pickled value


class Forked:
    """`function(*args)`, a generator, run in a forked child process; `receive()`
    waits for the next value it yields.

    The child only ever reads the parent's data."""

    def __init__(self, function: Callable[..., Iterator[Any]], *args: Any) -> None:
        parent = os.getpid()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 1
            try:
                os.close(read)
                _die_with_parent(parent)
                gc.disable()  # a short life, making many objects and no cycles
                _send_all(function(*args), write)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self.pid: int | None = pid
        self._pipe: Any = open(read, "rb", closefd=True)  # noqa: SIM115 - closed by cancel()

    def has_sent(self) -> bool:
        """Whether the child has begun sending a value that has not been received yet:
        its work for that value is done.  (Exact before the first `receive`: the
        pipe is read through a buffer, which a `receive` may fill beyond its value.)"""
        if self._pipe is None:
            return False
        try:
            return bool(select.select([self._pipe], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def receive(self) -> Any:
        """The next value the child yielded; ChildFailed if the child died or failed
        before sending it all (or has sent everything already).  On a failure the
        child is stopped."""
        try:
            if self._pipe is None:
                raise ChildFailed()
            head = self._pipe.read(_LENGTH.size)
            if len(head) != _LENGTH.size:  # the child ended or died
                raise ChildFailed()
            (size,) = _LENGTH.unpack(head)
            payload = self._pipe.read(size)
            if len(payload) != size:  # killed while sending
                raise ChildFailed()
            return pickle.loads(payload)
        except Exception:  # noqa: BLE001 - whatever went wrong, the caller does the work
            self.cancel()
            raise ChildFailed() from None

    def cancel(self) -> None:
        """Stop the child (if it still runs) and wait for it to end."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                self._pipe.close()
            self._pipe = None

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


def _send_all(values: Iterator[Any], write: int) -> None:
    """In the child: pickle each value as it comes and hand it to a thread that writes
    it to the pipe (a write blocks until the parent reads, which may be seconds)."""
    messages: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    failed: list[BaseException] = []

    def writer() -> None:
        with open(write, "wb", closefd=True) as out:
            while (message := messages.get()) is not None:
                try:
                    out.write(message)
                    out.flush()
                except BaseException as exc:  # noqa: BLE001 - the parent stopped reading
                    failed.append(exc)
                    return

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        for value in values:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            messages.put(_LENGTH.pack(len(payload)))  # (apart: joined, the payload is
            messages.put(payload)                     # copied once more, ~20 MB at 100k)
            if failed:
                break
    finally:
        messages.put(None)
        thread.join()
    if failed:
        raise failed[0]
