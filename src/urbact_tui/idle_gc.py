"""Full garbage collections while the user pauses, not in the middle of a keystroke.

Python's cyclic collector makes a full (generation 2) collection whenever
enough objects have outlived the young generations: while typing at 100k
records, about one keystroke in fifteen, 15-25 ms each (measured with
gc.callbacks).  Those were the slowest keystrokes: keystroke -> redrawn results
p95 37-48 ms with them, 32-36 ms without (benchmarks/app_probe.py, four runs
each).  So the automatic threshold is raised out of reach of a typing burst
(it stays as a safety net), and the app calls `collect_soon()` when it has
drawn new results: after IDLE_SECONDS without another call, one full
collection runs.  Young objects are still collected as usual.

While the app starts, there are no collections at all (`pause_until_idle`): the
young collections between the app's start and its first results took 7-8 ms
(50-odd of them, measured with gc.callbacks at 100k records) and freed next to
nothing; the first idle collection, a full one, resumes them (one is asked for
after START_UP_PAUSE_LIMIT seconds if nothing has asked for one by then).
"""

from __future__ import annotations

import gc
from typing import Any

IDLE_SECONDS = 0.4
START_UP_PAUSE_LIMIT = 2.0  # seconds: an idle collection is asked for by then in any case
FULL_COLLECTION_THRESHOLD = 1_000  # young collections between automatic full ones (default 10)


def defer_full_collections() -> None:
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)


class IdleCollector:
    """Runs a full collection once the app has been quiet for IDLE_SECONDS."""

    def __init__(self, owner: Any) -> None:
        self._owner = owner  # the app: its timers run on the event loop
        self._timer: Any = None
        self._paused = False

    def pause_until_idle(self) -> None:
        """No collections until the first idle collection (asked for after
        START_UP_PAUSE_LIMIT seconds if nothing else asked for one).  Call it as the app
        starts, and `resume` as it ends, in case it ends sooner."""
        if gc.isenabled():
            gc.disable()
            self._paused = True
            self._owner.set_timer(START_UP_PAUSE_LIMIT, self._pause_limit_reached,
                                  name="gc pause limit")

    def _pause_limit_reached(self) -> None:
        """Still paused: ask for the idle collection that resumes them, unless one is already
        on its way.  Not resumed at once: the first young collection would then walk
        everything made since the start, in the middle of whatever the user is doing."""
        if self._paused and self._timer is None:
            self.collect_soon()

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            gc.enable()

    def collect_soon(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._owner.set_timer(IDLE_SECONDS, self._collect, name="idle gc")

    def _collect(self) -> None:
        self._timer = None
        self.resume()
        if gc.isenabled():
            gc.collect()
