"""Run the Textual app headless (pilot) and report timings as JSON lines on stdout.

Started by `benchmarks/run.py` in a fresh process, so the app-start figure
includes interpreter start-up and every import:

    python benchmarks/app_probe.py start DB      → {"first_screen": s, "interactive": s, "idle_noticed": s}
    python benchmarks/app_probe.py keys DB Q...  → {"keystrokes_ms": [...]} (one per letter typed)

"first_screen" is when the app's first screen is mounted, "interactive" when
the directory is open, the first results are on screen and the app has nothing
left to do: the end of the last screen update before it went idle (the search
field answers).  Idleness is noticed by `pilot.pause`, in 20 ms steps, so the
moment it was noticed ("idle_noticed", when the report is written) comes up to
tens of milliseconds later; it is reported too.  Times are seconds since T0 (the
parent adds the interpreter start-up before T0, which it measures itself).

For keystrokes, each letter is pressed into the focused search field and the
clock stops when the results for the new text are shown and the next screen
update (compositor refresh) after them has run.  The key is posted as the
terminal driver posts it, not with `pilot.press`, whose idle-waiting sleeps
(20 ms steps) would be counted otherwise.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

T0 = time.perf_counter()


def emit(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


async def _wait(condition, timeout: float = 60.0, step: float = 0.0005) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def probe(mode: str, db: Path, queries: list[str]) -> None:
    import urbact_tui.app as app_module

    app_class = getattr(app_module, "UrbactApp", None)
    if app_class is None:
        emit({"error": "urbact_tui.app has no UrbactApp class yet"})
        return
    from urbact_tui.screens.main import MainScreen

    app = app_class(db)
    from textual.screen import Screen

    updates: list[float] = []   # the end of every screen update (compositor refresh)
    screen_update = Screen._compositor_refresh

    def record_update(self) -> None:
        screen_update(self)
        updates.append(time.perf_counter())

    Screen._compositor_refresh = record_update
    shown: list[tuple[str, float]] = []
    # wrap MainScreen._show_hits on the class, before the app starts: the first results
    # may be shown before the probe gets control back after the first screen
    original = getattr(MainScreen, "_show_hits", None)
    if original is not None:
        def record(self, text, *args, **kwargs):
            result = original(self, text, *args, **kwargs)
            shown.append((text, time.perf_counter()))
            return result
        MainScreen._show_hits = record

    async with app.run_test(size=(120, 40)) as pilot:
        first_screen = time.perf_counter() - T0
        screen = app.screen
        ready = await _wait(lambda: getattr(app, "directory", None) is not None)
        if not ready:
            emit({"error": "the directory did not open within 60 s"})
            return
        await _wait(lambda: bool(shown), timeout=10)
        await _wait(lambda: updates and updates[-1] >= shown[0][1], timeout=10)
        await pilot.pause()
        idle_noticed = time.perf_counter() - T0
        if mode == "start":
            emit({"first_screen": first_screen, "interactive": updates[-1] - T0,
                  "idle_noticed": idle_noticed})
            return
        if original is None:
            emit({"error": "the main screen has no _show_hits to observe"})
            return
        from textual import events

        refreshed: list[float] = []
        compositor_refresh = screen._compositor_refresh

        def record_refresh() -> None:  # wraps Screen._compositor_refresh (a screen update)
            compositor_refresh()
            refreshed.append(time.perf_counter())

        screen._compositor_refresh = record_refresh
        latencies: list[float] = []
        for query in queries:
            search = app.screen.query_one("#search")
            search.value = ""
            await _wait(lambda: shown and shown[-1][0] == "", timeout=10)
            await pilot.pause()
            search.focus()
            await pilot.pause()
            typed = ""
            for char in query:
                typed += char
                key = "space" if char == " " else char
                start = time.perf_counter()
                # the key event as the terminal driver would post it (pilot.press would
                # add its own idle-waiting sleeps to the measurement)
                app._driver.send_message(events.Key(key, char))
                ok = await _wait(lambda: shown and shown[-1][0] == typed, timeout=10,
                                 step=0.0002)
                if ok:
                    results_at = shown[-1][1]
                    drawn = await _wait(lambda: refreshed and refreshed[-1] >= results_at,
                                        timeout=5, step=0.0002)
                    if drawn:
                        latencies.append((refreshed[-1] - start) * 1000)
                await pilot.pause()   # settle before the next key (not timed)
        emit({"keystrokes_ms": latencies})


def main() -> int:
    mode, db, *queries = sys.argv[1:]
    asyncio.run(probe(mode, Path(db), queries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
