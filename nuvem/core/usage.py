"""Last-used data (IAM's AccessKeyLastUsed, RoleLastUsed), kept in memory and written lazily.

Every signed call uses a key; writing a record on every call would make each call a write
transaction. `UsageTracker.record(key, use)` keeps the newest use of each key in memory and
writes it through the injected `write(tx, key, use)` at most once per key per `interval` seconds
(on the clock's monotonic time): the first use is written at once, later uses within the
interval are written by a timer when it ends, and whatever is still unwritten by `flush()`
(on shutdown). AWS documents its own last-used data as approximate and lagging; readers who
want the newest value prefer `latest(key)` to the record.

Writes run in their own store transaction, outside any call, so they never count as a change of
identities (the identity cache is invalidated only by the calls of identity services).
A use is any tuple (IAM's: its time first); the last one recorded for a key wins, in memory and
on the record.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable, Hashable

log = logging.getLogger("nuvem.usage")


class _Entry:
    __slots__ = ("latest", "dirty", "written_at", "timer")

    def __init__(self) -> None:
        self.latest: tuple | None = None
        self.dirty = False
        self.written_at: float | None = None     # monotonic time of the last write
        self.timer = None


class UsageTracker:
    # Clean entries older than an interval are dropped once there are more than this many.
    SWEEP_ABOVE = 10_000

    def __init__(self, store, clock, scheduler, write: Callable[[object, Hashable, tuple], None],
                 interval: float = 60.0):
        self.store = store
        self.clock = clock
        self.scheduler = scheduler
        self.write = write
        self.interval = interval
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()
        self.writes = 0                          # transactions written (for tests and stats)

    def record(self, key: Hashable, use: tuple) -> None:
        now = self.clock.monotonic()
        write_now = False
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                if len(self._entries) >= self.SWEEP_ABOVE:
                    self._sweep(now)
                entry = self._entries[key] = _Entry()
            entry.latest = use
            if entry.written_at is None or now - entry.written_at >= self.interval:
                entry.written_at, entry.dirty, write_now = now, False, True
                if entry.timer is not None:
                    entry.timer.cancel()
                    entry.timer = None
            else:
                entry.dirty = True
                if entry.timer is None:
                    delay = entry.written_at + self.interval - now
                    entry.timer = self.scheduler.after(delay, lambda: self._due(key))
        if write_now:
            self._write([(key, use)])

    def latest(self, key: Hashable) -> tuple | None:
        """The newest use recorded since this Nuvem started (written or not), or None."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.latest if entry is not None else None

    def flush(self) -> None:
        """Write every use not yet written (on shutdown)."""
        now = self.clock.monotonic()
        with self._lock:
            due = []
            for key, entry in self._entries.items():
                if entry.dirty:
                    entry.dirty, entry.written_at = False, now
                    due.append((key, entry.latest))
                if entry.timer is not None:
                    entry.timer.cancel()
                    entry.timer = None
        self._write(due)

    def clear(self) -> None:
        """Forget everything (the store was reset)."""
        with self._lock:
            for entry in self._entries.values():
                if entry.timer is not None:
                    entry.timer.cancel()
            self._entries.clear()

    def _due(self, key: Hashable) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return
            entry.timer = None
            if not entry.dirty:
                return
            entry.dirty, entry.written_at = False, self.clock.monotonic()
            use = entry.latest
        self._write([(key, use)])

    def _write(self, uses: list) -> None:
        if not uses:
            return
        try:
            with self.store.tx() as tx:
                for key, use in uses:
                    self.write(tx, key, use)
            self.writes += 1
        except Exception:   # last-used data must never fail a call
            log.exception("cannot write last-used data for %d keys", len(uses))

    def _sweep(self, now: float) -> None:
        for key in [k for k, e in self._entries.items()
                    if not e.dirty and e.timer is None
                    and (e.written_at is None or now - e.written_at >= self.interval)]:
            del self._entries[key]
