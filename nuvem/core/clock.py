"""Time, injected: every service reads the time and waits through a Clock.

`RealClock` is the wall clock. `ManualClock` moves only when told (`advance`, `set`), so tests
never sleep to wait for a timeout. Both offer the same waiting primitive, `wait(predicate,
timeout)`, measured on the clock's own time: code that waits through it (scheduler, SQS long
polls) wakes as soon as a manual clock is advanced past its deadline, or when `notify()` says the
state behind its predicate changed.

A manual clock also drives timers synchronously: a timer source (the Scheduler) attached with
`attach()` gets `run_due()` called at each due time while `advance` steps forward, so every timer
that became due has fired, in order and at its own time, when `advance` returns.
"""
from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


_MICROSECOND = timedelta(microseconds=1)
# No step wider than this keeps a datetime in range (year 1 to year 9999), in microseconds.
_WIDEST_STEP = (datetime.max - datetime.min) // _MICROSECOND


class TimerSource(Protocol):
    """What a manual clock drives while it advances (the Scheduler is one)."""

    def next_due(self) -> float | None: ...   # monotonic time of the earliest timer
    def run_due(self) -> int: ...             # fire what is due now; returns how many fired


class Clock(Protocol):
    def now(self) -> datetime: ...            # tz-aware UTC
    def monotonic(self) -> float: ...         # seconds; only differences mean anything
    def wait(self, predicate: Callable[[], bool], timeout: float | None = None, *,
             poll: float | None = None) -> bool: ...
    def sleep(self, seconds: float) -> None: ...
    def sleep_until(self, when: datetime) -> None: ...
    def notify(self) -> None: ...
    def horizon(self) -> float: ...           # monotonic time a jump under way ends at
    def attach(self, source: TimerSource) -> None: ...
    def detach(self, source: TimerSource) -> None: ...


class _WaitingClock:
    """`wait`/`sleep`/`notify` on one Condition, measured in the subclass's monotonic time."""

    def __init__(self) -> None:
        self._cv = threading.Condition(threading.RLock())
        self._generation = 0   # bumped by every notify and every move of a manual clock

    def monotonic(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def now(self) -> datetime:  # pragma: no cover - overridden
        raise NotImplementedError

    def _real_wait(self, remaining: float | None) -> float | None:
        """How long to block for in real seconds, given the clock seconds left (None: forever)."""
        raise NotImplementedError  # pragma: no cover

    def wait(self, predicate: Callable[[], bool], timeout: float | None = None, *,
             poll: float | None = None) -> bool:
        """Block until `predicate()` is true (-> True) or `timeout` clock seconds pass (-> False).

        The predicate is re-checked whenever `notify()` is called, when a manual clock moves,
        and every `poll` real seconds if given (for state changed by other processes, which
        cannot notify). Whoever changes the state must do so before calling `notify()`.
        The predicate runs without the clock's lock held, so it may take other locks, and a
        notifier may hold them.
        """
        deadline = None if timeout is None else self.monotonic() + timeout
        while True:
            with self._cv:
                seen = self._generation
            if predicate():
                return True
            remaining = None if deadline is None else deadline - self.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            block = self._real_wait(remaining)
            if poll is not None:
                block = poll if block is None else min(block, poll)
            with self._cv:
                if self._generation == seen:   # else something changed since the check
                    self._cv.wait(block)

    def sleep(self, seconds: float) -> None:
        self.wait(lambda: False, max(seconds, 0.0))

    def sleep_until(self, when: datetime) -> None:
        self.sleep((when - self.now()).total_seconds())

    def notify(self) -> None:
        """Wake every waiter to re-check its predicate."""
        with self._cv:
            self._wake()

    def _wake(self) -> None:
        self._generation += 1
        self._cv.notify_all()


class RealClock(_WaitingClock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def horizon(self) -> float:
        return time.monotonic()

    def _real_wait(self, remaining: float | None) -> float | None:
        return remaining

    def attach(self, source: TimerSource) -> None:
        """Nothing to do: on real time the scheduler's own thread fires timers."""

    def detach(self, source: TimerSource) -> None:
        pass


class ManualClock(_WaitingClock):
    """A clock that moves only when told. Thread-safe.

    `start` is a tz-aware datetime (default: the real current time, whole seconds, so SigV4
    clock-skew checks still pass). Monotonic time starts at 0 and moves with `advance`; `set`
    moving back changes only the wall time, as a real clock adjustment would. Time is kept in
    whole microseconds so that ten `advance(0.1)` make exactly one second.
    """

    # A timer source that reports a timer due yet fires nothing would make `advance` spin.
    MAX_STEPS_PER_INSTANT = 10_000

    def __init__(self, start: datetime | None = None):
        super().__init__()
        if start is None:
            start = datetime.now(timezone.utc).replace(microsecond=0)
        self._base_now = _utc(start)   # wall time at _base_micros
        self._base_micros = 0
        self._micros = 0               # monotonic time
        self._target = 0               # where the advance under way stops (see horizon)
        self._sources: list[TimerSource] = []
        self._advancing = threading.RLock()   # one advance at a time; a timer may nest one

    def now(self) -> datetime:
        with self._cv:
            return self._wall_time(self._micros)

    def _wall_time(self, micros: int) -> datetime:
        """The wall time at monotonic time `micros`; ValueError past datetime's range."""
        try:
            return self._base_now + timedelta(microseconds=micros - self._base_micros)
        except OverflowError:
            raise ValueError(f"the clock cannot move past the year {datetime.max.year} "
                             f"(the end of Python's datetime range)") from None

    def monotonic(self) -> float:
        with self._cv:
            return self._micros / 1_000_000

    def horizon(self) -> float:
        """Where the `advance` under way will stop (now when none is)."""
        with self._cv:
            return max(self._micros, self._target) / 1_000_000

    def _real_wait(self, remaining: float | None) -> float | None:
        return None   # only advance/set/notify can end a wait on manual time

    def attach(self, source: TimerSource) -> None:
        with self._cv:
            if source not in self._sources:
                self._sources.append(source)

    def detach(self, source: TimerSource) -> None:
        with self._cv:
            if source in self._sources:
                self._sources.remove(source)

    def advance(self, seconds: float | timedelta = 0.0, *, minutes: float = 0, hours: float = 0,
                days: float = 0) -> None:
        """Move time forward, firing each attached timer at its own due time, in order.

        Returns once every timer that became due has run (in this thread). Raises ValueError,
        with the clock unmoved, for a step that is negative, not a number, or that would take
        the wall time past datetime's range (year 9999).
        """
        total = _step_micros(seconds, minutes, hours, days)
        if total < 0:
            raise ValueError("a clock cannot advance backwards; use set() to move wall time back")
        with self._advancing:
            with self._cv:
                target = self._micros + total
                self._wall_time(target)   # in range, or ValueError before any timer fires
                self._target = target
            steps_here, here = 0, None
            while (due := self._earliest_due()) is not None and _micros_at(due) <= target:
                instant = self._move_to(_micros_at(due))
                steps_here = steps_here + 1 if instant == here else 1
                here = instant
                if steps_here > self.MAX_STEPS_PER_INSTANT:
                    raise RuntimeError("a timer source reports timers due that never fire")
                for source in self._attached():
                    source.run_due()
            self._move_to(target)
            # Also waits out a firing pass another thread had under way (run_due serializes).
            for source in self._attached():
                source.run_due()

    def set(self, when: datetime) -> None:
        """Jump to `when`: forward is an `advance` (timers fire); back moves only the wall time."""
        when = _utc(when)
        delta = when - self.now()
        if delta >= timedelta(0):
            self.advance(delta)
        else:
            with self._cv:
                self._base_now, self._base_micros = when, self._micros
                self._wake()

    def _attached(self) -> list[TimerSource]:
        with self._cv:
            return list(self._sources)

    def _earliest_due(self) -> float | None:
        dues = [due for source in self._attached() if (due := source.next_due()) is not None]
        return min(dues, default=None)

    def _move_to(self, micros: int) -> int:
        """Move forward to `micros` (never back); wake waiters. Returns the time now."""
        with self._cv:
            self._micros = max(self._micros, micros)
            self._wake()
            return self._micros


def _step_micros(seconds: float | timedelta, minutes: float, hours: float, days: float) -> int:
    """A step of time in whole microseconds (a timedelta exactly, numbers rounded). ValueError
    for NaN and for a step wider than datetime's whole range (infinities included)."""
    exact = 0
    if isinstance(seconds, timedelta):
        exact, seconds = seconds // _MICROSECOND, 0
    try:
        step = (seconds + 60 * minutes + 3600 * hours + 86400 * days) * 1_000_000
    except OverflowError:   # an int too large to add to a float
        raise ValueError("a clock step must stay within Python's datetime range") from None
    if isinstance(step, float) and math.isnan(step):
        raise ValueError("a clock step must be a number of seconds, not NaN")
    if not -_WIDEST_STEP <= step <= _WIDEST_STEP:
        if step < 0:
            raise ValueError("a clock cannot advance backwards; use set() to move wall time back")
        raise ValueError(f"the clock cannot move past the year {datetime.max.year} "
                         f"(the end of Python's datetime range)")
    return exact + round(step)


def _micros_at(mono: float) -> int:
    """The first whole microsecond at or after monotonic time `mono`, so a timer due at `mono`
    is due there."""
    micros = round(mono * 1_000_000)
    return micros + 1 if micros / 1_000_000 < mono else micros


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("clock times must be timezone-aware (use timezone.utc)")
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:   # 9999-12-31T23:00-14:00 is in year 10000 in UTC
        raise ValueError(f"{when.isoformat()} is outside Python's datetime range in UTC") from None
