"""BodyPipe: a body read on a worker thread while the event loop feeds it, with bounded memory."""
import asyncio
import io
import threading

import pytest

from nuvem import body_pipe
from nuvem.body_pipe import BodyPipe
from nuvem.errors import AwsError


def test_reader_gets_whole_pieces_and_the_feeder_pauses_at_the_high_water_mark(monkeypatch):
    monkeypatch.setattr(body_pipe, "HIGH_WATER", 1000)
    monkeypatch.setattr(body_pipe, "LOW_WATER", 300)

    async def scenario():
        pipe = BodyPipe(asyncio.get_running_loop())
        got, release = [], threading.Event()

        def reader():
            release.wait()
            while piece := pipe.read(256):
                got.append(piece)

        worker = asyncio.get_running_loop().run_in_executor(None, reader)
        pauses = 0
        for i in range(40):
            pipe.feed(bytes([i]) * 100)
            if not pipe.room.is_set():
                pauses += 1
                assert pipe._buffered <= 1000 + 100      # memory stays bounded
                release.set()
                await pipe.room.wait()
        pipe.finish()
        release.set()
        await worker
        return pauses, got

    pauses, got = asyncio.run(scenario())
    assert pauses >= 3
    assert b"".join(got) == b"".join(bytes([i]) * 100 for i in range(40))
    assert all(len(p) == 256 for p in got[:-1])


def test_an_error_reaches_the_reader_and_discarding_drops_the_rest():
    async def scenario():
        pipe = BodyPipe(asyncio.get_running_loop())
        pipe.feed(b"abc")
        assert pipe.seek(0) == 0                       # "from the start" before reading
        assert pipe.read(2) == b"ab"
        with pytest.raises(io.UnsupportedOperation):
            pipe.seek(0)
        pipe.finish(AwsError("gone", code="IncompleteBody"))
        with pytest.raises(AwsError):
            pipe.read(10)
        other = BodyPipe(asyncio.get_running_loop())
        other.discard()
        other.feed(b"x" * 10)
        other.finish()
        assert other.read() == b""

    asyncio.run(scenario())


def test_read1_hands_out_the_pieces_as_fed_without_joining_them():
    async def scenario():
        pipe = BodyPipe(asyncio.get_running_loop())
        first, second = b"a" * 300, b"b" * 100
        pipe.feed(first)
        pipe.feed(second)
        assert pipe.read1(1000) is first                  # the very object fed: no copy
        assert pipe.read1(60) == b"b" * 60                 # split at the size asked
        pipe.finish()
        assert pipe.read1(1000) == b"b" * 40
        assert pipe.read1(1000) == b""

    asyncio.run(scenario())
