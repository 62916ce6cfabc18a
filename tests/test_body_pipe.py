"""BodyPipe: a body read on a worker thread while the event loop feeds it, with bounded memory;
and over the wire, the server feeding a large request body into its call's pipe."""
import asyncio
import hashlib
import io
import threading
import time

import pytest

from nuvem import body_pipe
from nuvem.body_pipe import BodyPipe
from nuvem.errors import AwsError
from tests.test_bad_input import _head, error_code, signed
from tests.test_server_direct import (_closed, _connect, _read_responses, _sts_request,  # noqa: F401
                                      quick_timeout_server)


def test_reader_gets_whole_pieces_and_the_feeder_pauses_at_the_high_water_mark(monkeypatch):
    monkeypatch.setattr(body_pipe, "HIGH_WATER", 1000)
    monkeypatch.setattr(body_pipe, "LOW_WATER", 300)

    async def scenario():
        room = asyncio.Event()
        pipe = BodyPipe(asyncio.get_running_loop(), on_room=room.set)
        got, release = [], threading.Event()

        def reader():
            release.wait()
            while piece := pipe.read(256):
                got.append(piece)

        worker = asyncio.get_running_loop().run_in_executor(None, reader)
        pauses = 0
        for i in range(40):
            if not pipe.feed(bytes([i]) * 100):
                pauses += 1
                assert pipe._buffered <= 1000 + 100      # memory stays bounded
                room.clear()
                release.set()
                await room.wait()
        pipe.finish()
        assert pipe.ended.is_set()
        release.set()
        await worker
        return pauses, got

    pauses, got = asyncio.run(scenario())
    assert pauses >= 3
    assert b"".join(got) == b"".join(bytes([i]) * 100 for i in range(40))
    assert all(len(p) == 256 for p in got[:-1])


def test_reading_more_than_the_high_water_mark_at_once_takes_the_pieces_as_they_come(monkeypatch):
    # a reader that only waited for the whole body held a paused feeder for ever: a DynamoDB
    # request over 8 MiB (a BatchWriteItem of 25 items near 400 KB) never got an answer
    monkeypatch.setattr(body_pipe, "HIGH_WATER", 1000)
    monkeypatch.setattr(body_pipe, "LOW_WATER", 300)

    async def scenario(size):
        room = asyncio.Event()
        pipe = BodyPipe(asyncio.get_running_loop(), on_room=room.set)
        worker = asyncio.get_running_loop().run_in_executor(None, pipe.read, size)
        for i in range(40):
            if not pipe.feed(bytes([i]) * 100):
                room.clear()
                await asyncio.wait_for(room.wait(), 5)
        pipe.finish()
        return await worker

    body = b"".join(bytes([i]) * 100 for i in range(40))
    assert asyncio.run(scenario(-1)) == body
    assert asyncio.run(scenario(3500)) == body[:3500]


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


# --- over the wire: the protocol feeds a large body straight into the call's pipe -------------

LARGE = bytes(range(256)) * 1024                   # 256 KiB: over the 64 KiB the server holds


def _put(path: str, body: bytes, **headers: str) -> bytes:
    return _head("PUT", path, signed("s3", **{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
                                              **headers}), body)


def test_a_streamed_put_asks_for_its_body_with_100_continue_and_is_stored(nuvem):
    nuvem.client("s3").create_bucket(Bucket="pipe-continue")
    head, body = _put("/pipe-continue/k", LARGE, Expect="100-continue").split(b"\r\n\r\n", 1)
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(head + b"\r\n\r\n")
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        [(status, headers, _)] = _read_responses(sock, 1)
    assert status == 200 and headers["etag"] == f'"{hashlib.md5(LARGE).hexdigest()}"'
    got = nuvem.client("s3").get_object(Bucket="pipe-continue", Key="k")["Body"].read()
    assert got == LARGE


def _no_such_bucket_then_the_connection_goes_on(sock) -> None:
    [(status, _, answer)] = _read_responses(sock, 1)
    assert status == 404 and b"<Code>NoSuchBucket</Code>" in answer
    sock.sendall(_sts_request())
    [(status, _, answer)] = _read_responses(sock, 1)
    assert status == 200 and b"<Account>" in answer


def test_a_refused_streamed_put_still_gets_its_100_continue_and_its_body_is_drained(nuvem):
    # The body is asked for when the call reads it; a call that answers without it asks for it
    # then, so that it can be drained and the connection goes on.
    head, body = _put("/pipe-continue-refused/k", LARGE, Expect="100-continue").split(
        b"\r\n\r\n", 1)
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(head + b"\r\n\r\n")
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        _no_such_bucket_then_the_connection_goes_on(sock)


def test_a_streamed_put_pipelined_between_calls_is_answered_in_order(nuvem):
    nuvem.client("s3").create_bucket(Bucket="pipe-order")
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(_sts_request() + _put("/pipe-order/k", LARGE) + _sts_request())
        first, (status, headers, _), last = _read_responses(sock, 3)
    assert first[0] == last[0] == 200 and b"<Account>" in first[2] + last[2]
    assert status == 200 and headers["etag"] == f'"{hashlib.md5(LARGE).hexdigest()}"'


def test_a_body_read_past_the_parser_hands_what_follows_it_to_a_fresh_one(nuvem):
    # The bytes after those that came with the head go straight into the pipe; a request sent
    # in the same segment as the body's end is parsed anew.
    nuvem.client("s3").create_bucket(Bucket="pipe-past-parser")
    head, body = _put("/pipe-past-parser/k", LARGE).split(b"\r\n\r\n", 1)
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(head + b"\r\n\r\n" + body[:1000])
        time.sleep(0.2)
        sock.sendall(body[1000:-1000])
        time.sleep(0.2)
        sock.sendall(body[-1000:] + _sts_request())
        (status, headers, _), (sts_status, _, answer) = _read_responses(sock, 2)
    assert status == 200 and headers["etag"] == f'"{hashlib.md5(LARGE).hexdigest()}"'
    assert sts_status == 200 and b"<Account>" in answer
    assert nuvem.client("s3").get_object(Bucket="pipe-past-parser", Key="k")["Body"].read() == LARGE


def test_a_call_that_answers_before_the_body_ends_drains_it_and_the_connection_goes_on(nuvem):
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(_put("/pipe-no-such-bucket/k", LARGE * 40))       # 10 MiB
        _no_such_bucket_then_the_connection_goes_on(sock)


def test_a_stalled_streamed_body_times_out_with_requesttimeout(quick_timeout_server):
    data = _put("/pipe-stalled/k", LARGE)
    with _connect(quick_timeout_server) as sock:
        sock.sendall(data[:len(data) - len(LARGE) // 2])      # half the body, then nothing
        started = time.monotonic()
        [(status, headers, body)] = _read_responses(sock, 1)
        assert time.monotonic() - started < 3
        assert status == 400 and error_code(headers, body) == "RequestTimeout"
        assert headers["connection"] == "close" and _closed(sock)


def test_a_body_the_server_is_slow_to_read_is_not_timed_out(quick_timeout_server):
    """The idle timeout (0.3 s here) is the client's: while the pipe is full and reading is
    paused, the clock stops. Here the upload's call waits for the store, which the test holds
    for longer than the timeout, before it may read its body."""
    import boto3
    from botocore.config import Config
    boto3.client("s3", endpoint_url=quick_timeout_server, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=Config(retries={"max_attempts": 1})).create_bucket(Bucket="pipe-slow")
    big = LARGE * 40                                          # 10 MiB: past the pipe's high water
    answers = []

    def upload() -> None:
        with _connect(quick_timeout_server) as sock:
            sock.sendall(_put("/pipe-slow/b", big))
            answers.append(_read_responses(sock, 1)[0][0])

    with quick_timeout_server.runtime.store.tx():
        worker = threading.Thread(target=upload)
        worker.start()
        time.sleep(1.0)
    worker.join(10)
    assert answers == [200]


def _stalled_put(endpoint: str, path: str, **headers: str) -> tuple:
    """A PUT of LARGE whose first half is sent: (socket, the rest to send)."""
    data = _put(path, LARGE, **headers)
    sock = _connect(endpoint)
    cut = len(data) - len(LARGE) // 2
    sock.sendall(data[:cut])
    return sock, data[cut:]


def test_an_upload_whose_body_is_still_arriving_holds_up_no_other_call(nuvem):
    """The body is read outside the call's store transaction: while it trickles in, other calls
    (a second upload too) go on, and the upload is stored once its last byte is in."""
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket="pipe-stalled-free")
    sock, rest = _stalled_put(nuvem.endpoint, "/pipe-stalled-free/slow")
    with sock:
        time.sleep(0.2)                       # the upload's call is waiting for its body
        started = time.monotonic()
        s3.list_buckets()
        s3.put_object(Bucket="pipe-stalled-free", Key="small", Body=b"x")
        other, other_rest = _stalled_put(nuvem.endpoint, "/pipe-stalled-free/other")
        with other:
            other.sendall(other_rest)
            [(status, _, _)] = _read_responses(other, 1)
        assert status == 200 and time.monotonic() - started < 5
        sock.sendall(rest)
        [(status, headers, _)] = _read_responses(sock, 1)
    assert status == 200 and headers["etag"] == f'"{hashlib.md5(LARGE).hexdigest()}"'
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="pipe-stalled-free")["Contents"]]
    assert keys == ["other", "slow", "small"]
    assert s3.get_object(Bucket="pipe-stalled-free", Key="slow")["Body"].read() == LARGE


def test_an_upload_checks_again_after_its_body_arrived(nuvem):
    """What changed while the body arrived counts: a bucket deleted meanwhile gets NoSuchBucket
    and no object; an object created meanwhile fails a conditional write (If-None-Match: *)."""
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket="pipe-gone")
    sock, rest = _stalled_put(nuvem.endpoint, "/pipe-gone/k")
    with sock:
        time.sleep(0.2)
        s3.delete_bucket(Bucket="pipe-gone")
        sock.sendall(rest)
        [(status, _, body)] = _read_responses(sock, 1)
    assert status == 404 and b"<Code>NoSuchBucket</Code>" in body
    assert "pipe-gone" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    s3.create_bucket(Bucket="pipe-raced")
    sock, rest = _stalled_put(nuvem.endpoint, "/pipe-raced/k", **{"If-None-Match": "*"})
    with sock:
        time.sleep(0.2)
        s3.put_object(Bucket="pipe-raced", Key="k", Body=b"first")
        sock.sendall(rest)
        [(status, _, body)] = _read_responses(sock, 1)
    assert status == 412 and b"<Code>PreconditionFailed</Code>" in body
    assert s3.get_object(Bucket="pipe-raced", Key="k")["Body"].read() == b"first"


def test_an_upload_whose_client_hangs_up_stores_nothing_and_holds_nothing(nuvem):
    """A client gone halfway through its body: no object, no call left waiting for the rest,
    and the same key uploads at once on a new connection."""
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket="pipe-hangup")
    sock, _ = _stalled_put(nuvem.endpoint, "/pipe-hangup/k")
    time.sleep(0.2)                           # the call is reading the body
    sock.close()
    data = _put("/pipe-hangup/k", LARGE)
    with _connect(nuvem.endpoint) as again:
        again.sendall(data)
        [(status, _, _)] = _read_responses(again, 1)
    assert status == 200
    versions = s3.list_object_versions(Bucket="pipe-hangup").get("Versions", [])
    assert [(v["Key"], v["Size"]) for v in versions] == [("k", len(LARGE))]
