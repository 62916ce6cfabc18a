"""The audit's one line per call, written in batches.

Through `logging` each line cost a LogRecord, a look up the stack for its caller, a formatted time
and a write and flush of its own: about a tenth of a small call's server CPU. Here a call formats
its line and appends it; a thread writes what has gathered with one write, INTERVAL after the
first line of a batch, and sleeps without waking while no call comes. Lines look like the rest of
Nuvem's log (`nuvem serve`'s logging format: time, level, message). Lines not yet written when the
process is killed are lost: they are a log, not state; a clean stop writes them.
"""
from __future__ import annotations

import threading
import time
from typing import TextIO

INTERVAL = 0.1       # seconds a batch gathers before it is written


class AccessLog:
    def __init__(self, stream: TextIO):
        self._stream = stream
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._closed = False
        self._stamp = (-1, "")        # (second, its text): one strftime a second
        self._thread = threading.Thread(target=self._run, name="nuvem-access-log", daemon=True)
        self._thread.start()

    def write(self, message: str) -> None:
        now = time.time()
        second, text = self._stamp
        if int(now) != second:
            second = int(now)
            text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            self._stamp = (second, text)
        line = f"{text},{int((now - second) * 1000):03d} INFO {message}\n"
        with self._cond:
            self._lines.append(line)
            if len(self._lines) == 1:
                self._cond.notify()
            closed = self._closed
        if closed:
            self._flush()

    def close(self) -> None:
        """Writes what is left; later lines are written at once."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        self._flush()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._lines or self._closed)
                if self._closed:
                    return
                self._cond.wait_for(lambda: self._closed, timeout=INTERVAL)
            self._flush()

    def _flush(self) -> None:
        with self._cond:
            lines, self._lines = self._lines, []
        if lines:
            try:
                self._stream.write("".join(lines))
                self._stream.flush()
            except (OSError, ValueError):    # stderr closed or gone: nobody to read the log
                pass
