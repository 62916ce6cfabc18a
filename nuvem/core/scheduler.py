"""Timers on an injected clock.

`Scheduler(clock)` fires callbacks at a time (`at`), after a delay (`after`) or periodically
(`every`), in deadline order (ties in the order they were scheduled). On a `RealClock` its
background thread fires them. On a `ManualClock` the clock drives it: `advance()` steps through
the due times and fires each timer at its own instant before returning, so tests observe every
effect synchronously; the background thread only picks up timers that are due without time
moving (`after(0, ...)`). `run_due()` fires whatever is due in the calling thread.

A failing callback is logged with its traceback and changes nothing else; a periodic timer keeps
its schedule.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
from datetime import datetime
from typing import Callable

from nuvem.core.clock import Clock

log = logging.getLogger("nuvem.scheduler")


class Timer:
    """A handle on a scheduled callback."""

    __slots__ = ("fn", "when", "interval", "_seq", "_cancelled", "fired", "coalesce")

    def __init__(self, fn: Callable[[], object], when: float, interval: float | None, seq: int,
                 coalesce: bool = False):
        self.fn = fn
        self.when = when                  # monotonic deadline on the scheduler's clock
        self.interval = interval          # seconds between runs for `every`, else None
        self.coalesce = coalesce          # across a clock jump: run once more at its end only
        self._seq = seq
        self._cancelled = False
        self.fired = 0                    # how many times it ran

    def cancel(self) -> bool:
        """Stop the timer; True if it was still going to fire."""
        was_pending = not self._cancelled and (self.interval is not None or self.fired == 0)
        self._cancelled = True
        return was_pending

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def __lt__(self, other: "Timer") -> bool:
        return (self.when, self._seq) < (other.when, other._seq)

    def __repr__(self) -> str:
        kind = f"every {self.interval}s" if self.interval is not None else "once"
        return f"<Timer {getattr(self.fn, '__qualname__', self.fn)!s} {kind} at {self.when:.6f}>"


def _quantize(mono: float) -> float:
    # Whole microseconds, the manual clock's resolution: a deadline the clock can land on exactly.
    return round(mono, 6)


class Scheduler:
    def __init__(self, clock: Clock, *, name: str = "nuvem-scheduler"):
        self.clock = clock
        self.name = name
        self._heap: list[Timer] = []
        self._lock = threading.Lock()         # guards the heap
        self._firing = threading.RLock()      # one firing pass at a time; a callback may nest one
        self._seq = itertools.count()
        self._version = 0                     # bumped when the earliest deadline may have moved
        self._thread: threading.Thread | None = None
        self._stopping = False
        clock.attach(self)

    # -- scheduling --

    def at(self, when: datetime, fn: Callable[[], object]) -> Timer:
        """Run `fn` once at wall time `when` (now if it is past)."""
        return self.after((when - self.clock.now()).total_seconds(), fn)

    def after(self, seconds: float, fn: Callable[[], object]) -> Timer:
        """Run `fn` once, `seconds` from now."""
        return self._schedule(fn, max(seconds, 0.0), None)

    def every(self, seconds: float, fn: Callable[[], object], *,
              first: float | None = None, coalesce: bool = False) -> Timer:
        """Run `fn` every `seconds`, the first time after `first` seconds (default `seconds`).

        `coalesce=True` is for sweeps that catch up by themselves: when a manual clock jumps
        over many intervals, the timer fires at its first due time and once at the end of the
        jump, not at every interval in between (five years of an hourly sweep would be 43,800
        runs)."""
        if seconds <= 0:
            raise ValueError("a periodic timer needs a positive interval")
        return self._schedule(fn, seconds if first is None else max(first, 0.0), seconds,
                              coalesce)

    def _schedule(self, fn, delay: float, interval: float | None, coalesce: bool = False) -> Timer:
        timer = Timer(fn, _quantize(self.clock.monotonic() + delay), interval, next(self._seq),
                      coalesce)
        self._push(timer)
        return timer

    def _push(self, timer: Timer) -> None:
        with self._lock:
            heapq.heappush(self._heap, timer)
            earliest = self._heap[0] is timer
            if earliest:
                self._version += 1
        if earliest:
            self.clock.notify()   # the background thread may be waiting for a later deadline

    # -- firing --

    def next_due(self) -> float | None:
        """The monotonic deadline of the earliest live timer, or None."""
        with self._lock:
            self._drop_cancelled()
            return self._heap[0].when if self._heap else None

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(1 for timer in self._heap if not timer.cancelled)

    def run_due(self) -> int:
        """Fire every timer due by now, in order, in this thread; returns how many ran."""
        fired = 0
        with self._firing:
            while (timer := self._pop_due()) is not None:
                try:
                    timer.fn()
                except Exception:
                    log.exception("timer %r failed", timer)
                timer.fired += 1
                fired += 1
                if timer.interval is not None and not timer.cancelled:
                    # Fixed rate from the deadline, skipping runs missed while far behind.
                    now = self.clock.monotonic()
                    timer.when = _quantize(timer.when + timer.interval)
                    if timer.when <= now:
                        timer.when = _quantize(now + timer.interval)
                    if timer.coalesce:
                        timer.when = max(timer.when, _quantize(self.clock.horizon()))
                    self._push(timer)
        return fired

    def _pop_due(self) -> Timer | None:
        now = self.clock.monotonic()
        with self._lock:
            self._drop_cancelled()
            if self._heap and self._heap[0].when <= now:
                return heapq.heappop(self._heap)
        return None

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)

    # -- background thread --

    def start(self) -> "Scheduler":
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.clock.attach(self)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the background thread (a callback already running finishes first)."""
        with self._lock:
            self._stopping = True
            thread, self._thread = self._thread, None
        self.clock.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self.clock.detach(self)

    def __enter__(self) -> "Scheduler":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stopping:
            try:
                self.run_due()
                with self._lock:
                    version = self._version
                due = self.next_due()
                timeout = None if due is None else max(due - self.clock.monotonic(), 0.0)
                self.clock.wait(lambda: self._stopping or self._version != version
                                or (due is not None and self.clock.monotonic() >= due), timeout)
            except Exception:  # pragma: no cover - run_due already contains callback errors
                log.exception("scheduler loop failed; continuing")
