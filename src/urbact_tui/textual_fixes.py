"""Four fixes for Textual 8.2.8 (the pinned release), applied once when the app is imported.

1. `OptionList._move_page` (PageUp/PageDown) looks up the highlighted option's
   line before the list has laid its lines out, and raises KeyError — which
   ends the app.  It happens when PageDown is pressed right after a list is
   refilled, e.g. in the command palette as it opens.  The monkey test in
   tests/app/test_terminal_faults.py finds it.  A page move that cannot be
   laid out yet falls back to moving to the first or last option, which is
   what the key means on a list that is just appearing.

2. `Timer._run`, catching up after a pause (a screen's update timer pauses
   whenever nothing needs drawing), skips to the slot *after* the next one:
   the first screen update after an idle moment waits 17–33 ms instead of at
   most one frame (17 ms at 60 fps).  Search results were drawn a frame late
   after nearly every keystroke (measured with benchmarks/app_probe.py).  The
   replacement below is the same loop with the catch-up landing on the next slot.

3. `Screen._screen_resized` lays the whole screen out again for every Resize
   event, even one for the size it was just laid out at -- and the app sends
   one as it starts, right after the first layout: a second full layout pass
   (12-20 ms of the app's start at 100k records, more in slow phases) that
   changes nothing.  The screen now lays out again only for a new size.

4. A full layout pass (`Screen._refresh_layout`) is followed by another that
   computes the same: 9-21 ms and a frame more as the app starts at 100k.
   - The pass hands each widget its new virtual size as a layout reactive, so
     it asks for a layout again.  The partial pass in the same method hands
     them over without asking; now the full pass does too.
   - Requests made before the pass are still pending after it: the screen's
     own flag (cleared only when the update timer runs the pass), and Layout
     messages posted before it and handled after.  A full pass now answers
     both.
   A request made during or after the pass (a scrollbar that appears or goes,
   say) still gets its layout.
"""

from __future__ import annotations

from textual import _time, messages
from textual.geometry import Size
from textual.screen import Screen
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget
from textual.widgets import OptionList

_original_move_page = OptionList._move_page


def _move_page_safely(self: OptionList, direction: int) -> None:
    try:
        _original_move_page(self, direction)
    except (KeyError, IndexError):
        if direction > 0:
            self.action_last()
        else:
            self.action_first()


def next_slot(start: float, count: int, now: float, interval: float,
              skip: bool = True) -> tuple[int, float]:
    """(ticks so far, time of the next tick) for a timer started at `start`.

    A timer that fell behind (paused, or a slow tick) and may skip missed ticks
    ticks next at the first slot after `now`, not at the one after that.
    """
    next_tick = start + (count + 1) * interval
    if skip and next_tick < now:
        count = int((now - start) / interval)
        next_tick = start + (count + 1) * interval
    return count, next_tick


async def _run_on_the_next_slot(self: Timer) -> None:
    """Tick every interval; after a pause or a slow tick, tick at the next slot due."""
    count = 0
    interval = self._interval
    await self._active.wait()
    start = _time.get_time()
    while self._repeat is None or count <= self._repeat:
        now = _time.get_time()
        count, next_tick = next_slot(start, count, now, interval, self._skip)
        await _time.sleep(max(0.0, next_tick - now))
        count += 1
        await self._active.wait()
        if self._reset:
            start = _time.get_time()
            count = 0
            self._reset = False
            continue
        try:
            await self._tick(next_timer=next_tick, count=count)
        except EventTargetGone:
            break


_original_refresh_layout = Screen._refresh_layout
_original_size_updated = Widget._size_updated
_layout_passes = 0  # full or partial layout passes running (one at a time, in practice)


def _refresh_layout_once(self: Screen, size: Size | None = None, scroll: bool = False) -> None:
    global _layout_passes
    if not (scroll and not self._layout_widgets):  # a full pass (see the method)
        self._layout_required = False             # answers every request made before it
        self._laid_out_at = _time.get_time()
    _layout_passes += 1
    try:
        _original_refresh_layout(self, size, scroll)
    finally:
        _layout_passes -= 1


_original_on_layout = Screen._on_layout


async def _on_layout_unless_laid_out_since(self: Screen, message: messages.Layout) -> None:
    if message.time < getattr(self, "_laid_out_at", float("-inf")):
        message.stop()            # the screen was laid out after the request was made
        message.prevent_default()
        return
    await _original_on_layout(self, message)


def _size_updated_without_asking_again(self: Widget, size: Size, virtual_size: Size,
                                       container_size: Size, layout: bool = True) -> bool:
    return _original_size_updated(self, size, virtual_size, container_size,
                                  layout=layout and not _layout_passes)


_original_screen_resized = Screen._screen_resized


def _screen_resized_to_a_new_size(self: Screen, size: Size) -> None:
    if size != self._size:
        _original_screen_resized(self, size)


def apply() -> None:
    """Install the fixes (idempotent)."""
    OptionList._move_page = _move_page_safely
    Timer._run = _run_on_the_next_slot
    Screen._screen_resized = _screen_resized_to_a_new_size
    Screen._refresh_layout = _refresh_layout_once
    Screen._on_layout = _on_layout_unless_laid_out_since
    Widget._size_updated = _size_updated_without_asking_again
