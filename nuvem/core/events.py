"""Events between services: a transactional outbox and the dispatcher that delivers it.

    @event("s3.ObjectCreated")
    class ObjectCreated:                 # becomes a dataclass; payload stored as JSON
        bucket: str
        key: str

    ctx.emit(ObjectCreated(bucket, key))          # = tx.emit: an outbox row in the call's tx

    dispatcher = Dispatcher(store, clock=clock)
    dispatcher.subscribe(ObjectCreated, notify_targets)       # explicit, at startup
    dispatcher.start()  ...  dispatcher.stop()

Delivery is at least once, in commit order, after the commit. A handler that raises is retried
with exponential backoff (on the injected clock) for that handler only; after `max_attempts`
rounds the event is moved to the dead-letter table with the last error and logged. An event
being retried does not hold back later events, so order holds among first deliveries, not across
retries. Undelivered events survive a restart: the outbox is a table. Handlers must therefore be
idempotent, and they run on the dispatcher thread: one that writes opens its own `store.tx()`.

A handler with its own retry schedule (SNS's delivery policies) raises `RetryAfter(delay)`: it
is run again after that delay, whatever its attempts so far, until it raises `GiveUp`, which
dead-letters the event at once.

Tests drive delivery without the thread or sleeping: `run_once()` / `drain()` after advancing a
fake clock.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple

from nuvem.store.api import Clock, DeadLetter, OutboxEntry, OutboxRetry, Store, SystemClock
from nuvem.store.records import from_json

log = logging.getLogger("nuvem.events")

Handler = Callable[[Any], None]
MAX_ERROR = 8000            # characters of traceback kept with a retry or a dead letter


def event(name: str):
    """Declare an event type: makes the class a dataclass and gives it its stable wire name."""
    def wrap(cls: type) -> type:
        if not dataclasses.is_dataclass(cls):
            cls = dataclasses.dataclass(cls)
        cls.event_type = name
        return cls
    return wrap


class RetryAfter(Exception):
    """Raised by a handler that keeps its own retry schedule: run it again after `delay`; the
    dispatcher's attempt limit and backoff do not apply."""

    def __init__(self, delay: timedelta, reason: str = ""):
        super().__init__(reason or f"retry after {delay}")
        self.delay = delay


class GiveUp(Exception):
    """Raised by a handler whose retries are over: dead-letter the event now."""


class Subscription(NamedTuple):
    name: str                   # stable across restarts: pending deliveries are kept by name
    event_cls: type
    handler: Handler


class Subscribers:
    """Who receives which event type. Registered explicitly, usually once at startup."""

    def __init__(self) -> None:
        self._by_type: dict[str, tuple[Subscription, ...]] = {}
        self._lock = threading.Lock()

    def subscribe(self, event_cls: type, handler: Handler, *, name: str | None = None) -> None:
        type_name = getattr(event_cls, "event_type", None)
        if not isinstance(type_name, str):
            raise TypeError(f"{event_cls!r} is not an @event class")
        name = name or f"{handler.__module__}.{handler.__qualname__}"
        with self._lock:
            current = self._by_type.get(type_name, ())
            if any(s.name == name for s in current):
                raise ValueError(f"{name} already subscribes to {type_name}")
            if current and current[0].event_cls is not event_cls:
                raise TypeError(f"event type {type_name!r} is declared by two classes")
            # copy-on-write: the dispatcher reads without locking
            self._by_type = {**self._by_type, type_name: current + (Subscription(
                name, event_cls, handler),)}

    def of(self, type_name: str) -> tuple[Subscription, ...]:
        return self._by_type.get(type_name, ())


class Dispatcher:
    def __init__(self, store: Store, subscribers: Subscribers | None = None, *,
                 clock: Clock | None = None, max_attempts: int = 6,
                 base_delay: timedelta = timedelta(seconds=1),
                 max_delay: timedelta = timedelta(minutes=5),
                 batch_size: int = 100, poll_interval: float = 1.0):
        """`max_attempts` delivery rounds per event (the first one included); the n-th retry
        waits `base_delay * 2**(n-1)`, at most `max_delay`. `poll_interval` (real seconds)
        bounds how long the thread sleeps without a wake-up, so a fake clock moved forward is
        noticed."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.store = store
        self.subscribers = subscribers if subscribers is not None else Subscribers()
        self.clock = clock or SystemClock()
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._round_lock = threading.Lock()     # one delivery round at a time
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._unlisten: Callable[[], None] | None = None

    def subscribe(self, event_cls: type, handler: Handler, *, name: str | None = None) -> None:
        self.subscribers.subscribe(event_cls, handler, name=name)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed round."""
        return min(self.max_delay, self.base_delay * (2 ** (attempts - 1)))

    # -- one round -------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Deliver the events due now (at most `batch_size`); returns how many were handled."""
        with self._round_lock:
            now = self.clock.now()
            entries = self.store.outbox_due(now, self.batch_size)
            if not entries:
                return 0
            done: list[int] = []
            retry: list[OutboxRetry] = []
            dead: list[DeadLetter] = []
            for entry in entries:
                failed, error, poison, own = self._deliver(entry)
                if not failed:
                    done.append(entry.seq)
                    continue
                attempts = entry.attempts + 1
                if own is not None:         # every failed handler keeps its own schedule
                    retry.append(OutboxRetry(seq=entry.seq, attempts=attempts,
                                             next_attempt=now + own, pending=failed,
                                             error=error))
                elif attempts >= self.max_attempts or poison:
                    log.error("event %s #%d dead-lettered after %d attempts (subscribers %s): %s",
                              entry.type, entry.seq, attempts, ", ".join(failed),
                              error.strip().splitlines()[-1])
                    dead.append(DeadLetter(seq=entry.seq, type=entry.type, payload=entry.payload,
                                           created=entry.created, failed=self.clock.now(),
                                           attempts=attempts, subscribers=failed, error=error))
                else:
                    retry.append(OutboxRetry(seq=entry.seq, attempts=attempts,
                                             next_attempt=now + self.backoff(attempts),
                                             pending=failed, error=error))
            self.store.outbox_settle(done=done, retry=retry, dead=dead)
            return len(entries)

    def _deliver(self, entry: OutboxEntry) -> tuple[tuple[str, ...], str, bool,
                                                     timedelta | None]:
        """Runs the handlers still owed this event. Returns those that failed, the last error,
        whether retrying is pointless (the payload does not decode or a handler gave up), and
        the delay the failed handlers asked for when each raised RetryAfter (else None)."""
        subs = self.subscribers.of(entry.type)
        if entry.pending is not None:
            gone = set(entry.pending) - {s.name for s in subs}
            if gone:
                log.warning("event %s #%d: subscribers %s no longer exist; skipped", entry.type,
                            entry.seq, ", ".join(sorted(gone)))
            subs = tuple(s for s in subs if s.name in entry.pending)
        if not subs:
            return (), "", False, None
        try:
            evt = from_json(subs[0].event_cls, entry.payload)
        except Exception:
            log.exception("event %s #%d cannot be decoded", entry.type, entry.seq)
            return tuple(s.name for s in subs), _trace(), True, None
        failed: list[str] = []
        error = ""
        gave_up = False
        delays: list[timedelta | None] = []
        for sub in subs:
            try:
                sub.handler(evt)
            except RetryAfter as wait:
                failed.append(sub.name)
                delays.append(wait.delay)
                error = f"{sub.name}: {wait}"
                log.info("event %s #%d: %s failed; %s", entry.type, entry.seq, sub.name, wait)
            except Exception as e:
                failed.append(sub.name)
                delays.append(None)
                gave_up = gave_up or isinstance(e, GiveUp)
                error = _trace()
                log.warning("event %s #%d: %s failed (attempt %d)", entry.type, entry.seq,
                            sub.name, entry.attempts + 1, exc_info=True)
        own = min(delays) if delays and None not in delays else None
        return tuple(failed), error, gave_up, own

    def drain(self, max_rounds: int = 1000) -> int:
        """Run rounds until nothing is due (events waiting on backoff stay); returns the number
        of deliveries attempted. For tests and shutdown."""
        total = 0
        for _ in range(max_rounds):
            n = self.run_once()
            if n == 0:
                break
            total += n
        return total

    # -- the thread ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("dispatcher already started")
        self._stopping.clear()
        self._unlisten = self.store.add_emit_listener(self._wake.set)
        self._thread = threading.Thread(target=self._run, name="nuvem-events", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the handler running now, then stop. Undelivered events stay in the outbox."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("event dispatcher did not stop within %.0fs", timeout)
        self._thread = None
        if self._unlisten:
            self._unlisten()
            self._unlisten = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()          # before the round: a commit during it wakes us again
            try:
                if self.run_once():
                    continue
                wait = self._seconds_until_due()
            except Exception:
                log.exception("event dispatcher round failed; retrying")
                wait = self.poll_interval
            self._wake.wait(wait)

    def _seconds_until_due(self) -> float:
        due = self.store.outbox_next_due()
        if due is None:
            return self.poll_interval
        seconds = (due - _aware(self.clock.now())).total_seconds()
        return min(self.poll_interval, max(seconds, 0.0))


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _trace() -> str:
    text = traceback.format_exc()
    return text if len(text) <= MAX_ERROR else "..." + text[-MAX_ERROR:]
