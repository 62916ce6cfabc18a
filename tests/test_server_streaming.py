"""Streamed response bodies (file-like or chunk iterables) reach the client whole, in order."""
import asyncio
import io

from nuvem.protocol.wire import HttpResponse
from nuvem.server import STREAM_CHUNK, _send


def sent_body(body, head=False):
    messages = []

    async def send(message):
        messages.append(message)

    asyncio.run(_send(send, HttpResponse(200, [("Content-Type", "x/y")], body), head=head))
    assert messages[0]["type"] == "http.response.start"
    assert messages[-1] == {"type": "http.response.body", "body": b""}
    return b"".join(m.get("body", b"") for m in messages[1:])


def test_file_like_body_is_streamed_and_closed():
    data = bytes(range(256)) * (STREAM_CHUNK // 64)      # several chunks
    body = io.BytesIO(data)
    assert sent_body(body) == data
    assert body.closed


def test_chunk_iterable_and_head():
    assert sent_body([b"ab", b"", b"cd"]) == b"abcd"
    assert sent_body(iter([b"ab"]), head=True) == b""
