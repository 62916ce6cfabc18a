"""A request body that a worker thread reads while the event loop is still receiving it.

A large upload used to be spooled to a temporary file first and hashed and stored after: two
passes over the bytes, one after the other. Through a BodyPipe the handler hashes and writes
each piece as it arrives, so its work overlaps the transfer. The event loop `feed`s chunks and
stops reading the socket while more than HIGH_WATER bytes wait for the reader (so memory stays
bounded whatever the upload's size), until `on_room` says the reader caught up; the reader
blocks in `read` until its piece is there. A client that sent `Expect: 100-continue` is asked for
the body (`when_wanted`) only once the call reads it, as S3 does: until then the event loop
receives nothing, so the call's first steps do not compete with it for the GIL.
"""
from __future__ import annotations

import asyncio
import collections
import io
import threading
from typing import Callable

HIGH_WATER = 8 << 20      # bytes waiting for the reader before the event loop stops reading
LOW_WATER = 2 << 20       # ... and starts again


class BodyPipe(io.RawIOBase):
    def __init__(self, loop: asyncio.AbstractEventLoop, on_room: Callable[[], None] = lambda: None):
        super().__init__()
        self._loop = loop
        self._on_room = on_room           # run on the loop when feeding may go on after a pause
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._cond = threading.Condition()
        self._finished = False
        self.error: BaseException | None = None   # why the body never completed, if it did not
        self._discarding = False
        self._paused = False
        self._started = False
        self._on_wanted: Callable[[], None] | None = None
        self.ended = asyncio.Event()      # set when the body is complete, or never will be

    def when_wanted(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the loop once the body is wanted: at the reader's first read, or
        when the reader is gone without it (what comes is then drained, see `discard`)."""
        self._on_wanted = callback

    def _wanted(self) -> Callable[[], None] | None:
        """The callback of `when_wanted`, the first time only (under the lock)."""
        callback, self._on_wanted = self._on_wanted, None
        return callback

    # -- the event loop's side ---------------------------------------------------------------
    def feed(self, chunk: bytes) -> bool:
        """Hand over the next piece. False: stop feeding until `on_room` is called."""
        with self._cond:
            if self._discarding:
                return True
            self._chunks.append(chunk)
            self._buffered += len(chunk)
            if self._buffered > HIGH_WATER:
                self._paused = True
            self._cond.notify_all()
            return not self._paused

    def finish(self, error: BaseException | None = None) -> None:
        """The body is complete; or, with `error`, it never will be (the reader raises it)."""
        with self._cond:
            self._finished = True
            self.error = error
            self._cond.notify_all()
        self.ended.set()

    def discard(self) -> None:
        """The reader is gone (its call has answered): drop what comes from now on."""
        with self._cond:
            self._discarding = True
            self._chunks.clear()
            self._buffered = 0
            paused, self._paused = self._paused, False
            wanted = self._wanted()
            self._cond.notify_all()
        if paused:
            self._on_room()
        if wanted is not None:
            wanted()

    # -- the reader's side (a worker thread) ----------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset == 0 and whence == io.SEEK_SET and not self._started:
            return 0          # "from the start" before the first read: where it is
        raise io.UnsupportedOperation("a streamed request body cannot seek")

    def tell(self) -> int:
        raise io.UnsupportedOperation("a streamed request body has no position")

    def read(self, size: int = -1) -> bytes:
        """`size` bytes (fewer only at the end), or all that remains for size < 0. The pieces are
        taken as they come: a reader waiting for more than HIGH_WATER would wait for ever."""
        parts, got = [], 0
        while size < 0 or got < size:
            piece = self.read1(size - got if size >= 0 else -1)
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)

    def read1(self, size: int = -1) -> bytes:
        """What has arrived, up to `size` bytes, as the event loop fed it (never joined into a
        bigger piece, a copy): waits only while nothing is there; b"" at the end."""
        with self._cond:
            self._wait(lambda: self._buffered > 0)
            if not self._chunks:
                return b""
            out = self._chunks.popleft()
            if 0 <= size < len(out):
                self._chunks.appendleft(out[size:])
                out = out[:size]
            self._took(out)
        return out

    def _wait(self, ready) -> None:
        self._started = True
        if (wanted := self._wanted()) is not None:
            self._loop.call_soon_threadsafe(wanted)
        while self.error is None and not self._finished and not ready():
            self._cond.wait()
        if self.error is not None:
            raise self.error

    def _took(self, out: bytes) -> None:
        self._buffered -= len(out)
        if self._paused and self._buffered < LOW_WATER:
            self._paused = False
            self._loop.call_soon_threadsafe(self._on_room)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)
