"""Keyed waiters: long polls (SQS ReceiveMessage) sleep here, outside any store transaction,
until a writer notifies their key or their timeout passes. Real time, also under a manual clock
(a long poll is about the client's patience, not about simulated time).

    seen = waiters.mark()                # before the attempt that found nothing
    ... the attempt's transaction rolls back ...
    waiters.wait(key, seen, timeout)     # returns at once if `key` was notified after `seen`

`mark` before the attempt closes the race between "found nothing" and "started waiting": a
notify in between is seen by `wait`. A notifier may call `notify` inside its own transaction:
the woken attempt opens a new write transaction, which starts only after the notifier's has
committed (writes are serialized), so it sees the message, or, if the notifier rolled back,
finds nothing and waits again.
"""
from __future__ import annotations

import threading
import time


class Waiters:
    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._seq = 0
        self._last: dict[str, int] = {}     # key -> seq of its last notify
        self._waiting: dict[str, int] = {}  # key -> how many wait on it

    def mark(self) -> int:
        with self._cv:
            return self._seq

    def notify(self, key: str) -> None:
        with self._cv:
            self._seq += 1
            if self._waiting.get(key):
                self._last[key] = self._seq
                self._cv.notify_all()
            else:                 # nobody waits: remember only for waiters about to start
                self._last[key] = self._seq
                if len(self._last) > 10_000:
                    self._last.clear()
                    self._last[key] = self._seq

    def wait(self, key: str, seen: int, timeout: float) -> bool:
        """Block until `key` is notified after `seen` (-> True) or `timeout` real seconds pass."""
        deadline = time.monotonic() + timeout
        with self._cv:
            self._waiting[key] = self._waiting.get(key, 0) + 1
            try:
                while self._last.get(key, -1) <= seen:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._cv.wait(remaining)
                return True
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
