"""The server's direct path (nuvem/server.py, NuvemHttpProtocol) over real sockets: a small
request is answered from the parser's callback with one write. These check the HTTP it must keep
right without uvicorn's request cycle: pipelining (in order, also behind a call that went on to
a worker thread), keep-alive and closing, 100-continue, HEAD framing, and a stalled body."""
from __future__ import annotations

import json
import re
import socket
import threading
import time

import pytest

from nuvem.config import Config
from nuvem.runtime import Runtime
from nuvem.server import App, build_server
from tests.conftest import free_port
from tests.test_bad_input import FORM, JSON10, _head, error_code, signed

STS = b"Action=GetCallerIdentity&Version=2011-06-15"


def _sts_request(extra: dict[str, str] | None = None) -> bytes:
    return _head("POST", "/", signed("sts", **{"Content-Type": FORM, **(extra or {})}), STS)


def _connect(endpoint: str) -> socket.socket:
    host, port = endpoint.rpartition("/")[2].split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def _read_responses(sock: socket.socket, count: int, head_only: tuple[int, ...] = ()) -> list:
    """`count` responses as (status, headers, body), framed by Content-Length; the indexes in
    `head_only` answer HEAD requests, so they have no body whatever their Content-Length says."""
    data, responses = b"", []
    while len(responses) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
            length = 0 if len(responses) in head_only else int(headers.get("content-length", 0))
            if len(rest) >= length:
                responses.append((int(lines[0].split()[1]), headers, rest[:length]))
                data = rest[length:]
                continue
        piece = sock.recv(1 << 16)
        assert piece, f"the server closed after {len(responses)} responses"
        data += piece
    assert data == b"", f"bytes after the last response: {data[:200]!r}"
    return responses


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_pipelined_requests_are_answered_in_order(nuvem):
    # /_nuvem/health goes on to a worker thread; the STS calls are answered directly. Sent in
    # one write, the four answers must still come back in order and framed.
    health = _head("GET", "/_nuvem/health", {})
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(health + _sts_request() + health + _sts_request())
        answers = _read_responses(sock, 4)
    assert [status for status, _, _ in answers] == [200] * 4
    assert b'"services"' in answers[0][2] and b'"services"' in answers[2][2]
    assert b"<GetCallerIdentityResult>" in answers[1][2]
    assert b"<GetCallerIdentityResult>" in answers[3][2]


def test_keep_alive_then_connection_close(nuvem):
    with _connect(nuvem.endpoint) as sock:
        for _ in range(3):
            sock.sendall(_sts_request())
            [(status, headers, _)] = _read_responses(sock, 1)
            assert status == 200 and headers.get("connection") != "close"
        sock.sendall(_sts_request({"Connection": "close"}))
        [(status, headers, body)] = _read_responses(sock, 1)
        assert status == 200 and b"<Account>" in body
        assert headers["connection"] == "close" and _closed(sock)


def test_http_1_0_is_answered_and_closed(nuvem):
    data = _sts_request().replace(b" HTTP/1.1\r\n", b" HTTP/1.0\r\n", 1)
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(data)
        [(status, headers, body)] = _read_responses(sock, 1)
        assert status == 200 and b"<Account>" in body
        assert headers["connection"] == "close" and _closed(sock)


def test_expect_100_continue_gets_its_interim_answer_before_the_body(nuvem):
    data = _sts_request({"Expect": "100-continue"})
    head, body = data.split(b"\r\n\r\n", 1)
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(head + b"\r\n\r\n")
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        [(status, _, answer)] = _read_responses(sock, 1)
    assert status == 200 and b"<Account>" in answer


def _signed_put(endpoint: str, path: str, body: bytes, key: str, secret: str) -> bytes:
    """A raw S3 PUT signed by botocore, with Expect: 100-continue as boto3 sends uploads."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    request = AWSRequest(method="PUT", url=endpoint + path, data=body,
                         headers={"Expect": "100-continue"})
    S3SigV4Auth(Credentials(key, secret), "s3", "us-east-1").add_auth(request)
    host = endpoint.rpartition("/")[2]       # as signed
    lines = [f"PUT {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in request.prepare().headers.items() if k.lower() != "host"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def test_an_upload_sent_after_100_continue_is_authenticated_and_answered_after_its_body(nuvem):
    # boto3 sends an upload's head, waits for 100 Continue, then sends the body: a direct call
    # whose body comes apart from its head is authenticated and authorized as ever, answered
    # after its body, and the connection goes on.
    iam = nuvem.client("iam")
    iam.create_user(UserName="direct-early")
    key = iam.create_access_key(UserName="direct-early")["AccessKey"]
    nuvem.client("s3").create_bucket(Bucket="direct-early")
    cases = [(key["SecretAccessKey"] + "x", "SignatureDoesNotMatch"),
             (key["SecretAccessKey"], "AccessDenied")]    # signed right; no policy allows it
    with _connect(nuvem.endpoint) as sock:
        for secret, code in cases:
            head, body = _signed_put(nuvem.endpoint, "/direct-early/k", b"x" * 100,
                                     key["AccessKeyId"], secret).split(b"\r\n\r\n", 1)
            sock.sendall(head + b"\r\n\r\n")
            assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
            time.sleep(0.05)
            sock.sendall(body)
            [(status, headers, answer)] = _read_responses(sock, 1)
            assert (status, error_code(headers, answer)) == (403, code)
        sock.sendall(_sts_request())
        [(status, _, answer)] = _read_responses(sock, 1)
        assert status == 200 and b"<Account>" in answer
    root = _signed_put(nuvem.endpoint, "/direct-early/k", b"y" * 100, "test", "test")
    head, body = root.split(b"\r\n\r\n", 1)
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(head + b"\r\n\r\n")
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        time.sleep(0.05)
        sock.sendall(body)
        [(status, _, _)] = _read_responses(sock, 1)
    assert status == 200
    got = nuvem.client("s3").get_object(Bucket="direct-early", Key="k")["Body"].read()
    assert got == b"y" * 100


def test_head_has_length_but_no_body_and_the_connection_goes_on(nuvem):
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket="direct-head")
    s3.put_object(Bucket="direct-head", Key="k", Body=b"x" * 1234)
    head = _head("HEAD", "/direct-head/k", signed("s3", **{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}))
    with _connect(nuvem.endpoint) as sock:
        sock.sendall(head + _sts_request())
        (status, headers, body), (after, _, answer) = _read_responses(sock, 2, head_only=(0,))
    assert status == 200 and headers["content-length"] == "1234" and body == b""
    assert after == 200 and b"<Account>" in answer


class Endpoint(str):
    """A server's URL, and the runtime behind it (`runtime`) for a test to reach into."""


@pytest.fixture
def quick_timeout_server():
    """An in-process server whose body idle timeout is 0.3 s instead of 20, and whose idle
    keep-alive connections close after 1 s instead of 5."""
    runtime = Runtime(Config(ephemeral=True, port=free_port()))
    server = build_server(runtime, App(runtime, workers=2, body_idle_timeout=0.3))
    server.config.timeout_keep_alive = 1
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    endpoint = Endpoint(f"http://127.0.0.1:{runtime.config.port}")
    endpoint.runtime = runtime
    yield endpoint
    server.should_exit = True
    thread.join(10)


def test_a_stalled_small_body_times_out_with_requesttimeout(quick_timeout_server):
    data = _sts_request()
    with _connect(quick_timeout_server) as sock:
        sock.sendall(data[:-10])          # the last 10 bytes of the body never come
        started = time.monotonic()
        [(status, headers, body)] = _read_responses(sock, 1)
        assert time.monotonic() - started < 3
        assert status == 400 and error_code(headers, body) == "RequestTimeout"
        assert headers["connection"] == "close" and _closed(sock)
    # ... and a body that keeps coming, slowly, is not cut off
    with _connect(quick_timeout_server) as sock:
        head, body = data.split(b"\r\n\r\n", 1)
        sock.sendall(head + b"\r\n\r\n")
        for piece in re.findall(b".{1,10}", body, re.S):
            time.sleep(0.1)
            sock.sendall(piece)
        [(status, _, answer)] = _read_responses(sock, 1)
        assert status == 200 and b"<Account>" in answer


class _Transport:
    def __init__(self):
        self.written, self.closed = b"", False

    def write(self, data):
        self.written += data

    def close(self):
        self.closed = True

    def is_closing(self):
        return self.closed


def _protocol():
    """The direct path's writer alone, on stand-ins for uvicorn's connection state."""
    from types import SimpleNamespace
    from nuvem.server import NuvemHttpProtocol, _Deadline, _Direct
    proto = NuvemHttpProtocol.__new__(NuvemHttpProtocol)
    proto.transport = _Transport()
    proto.server_state = SimpleNamespace(default_headers=[(b"date", b"Sat, 28 Nov 2026")],
                                         total_requests=0)
    proto.flow = SimpleNamespace(resume_reading=lambda: None)
    proto.loop = SimpleNamespace(call_later=lambda *a: None, time=lambda: 0.0)
    proto._keep_alive = _Deadline(proto.loop, 5, lambda: None)
    return proto, _Direct(method="GET", path="/", query="", keep_alive=True)


def test_the_direct_writer_frames_a_response():
    from nuvem.protocol.wire import HttpResponse
    proto, direct = _protocol()
    proto._write(HttpResponse(200, [("ETag", '"x"'), ("x-amz-meta-a", "b\tc")], b"hello"), direct)
    assert proto.transport.written == (
        b'HTTP/1.1 200 OK\r\ndate: Sat, 28 Nov 2026\r\nETag: "x"\r\nx-amz-meta-a: b\tc\r\n'
        b"content-length: 5\r\n\r\nhello")
    assert not proto.transport.closed


@pytest.mark.parametrize("header", [("X-Bad", "a\r\nSet-Cookie: x"), ("X-Bad", "a\nb"),
                                    ("X-Bad", "a\rb"), ("X-Bad", "a\x00b"), ("Bad Name", "v"),
                                    ("X-Bad:", "v"), ("X-Bad", "€ not latin-1")])
def test_the_direct_writer_never_splits_a_response(header):
    from nuvem.protocol.wire import HttpResponse
    proto, direct = _protocol()
    proto._write(HttpResponse(200, [("ETag", '"x"'), header], b"hello"), direct)
    assert proto.transport.written.startswith(b"HTTP/1.1 500 ")
    assert proto.transport.written.endswith(b"\r\n\r\nInternal Server Error")
    assert b"ETag" not in proto.transport.written and proto.transport.closed


def test_a_pipelined_burst_leaves_one_keep_alive_timer(quick_timeout_server):
    """Each answer re-arms the idle timer; answers of one read must not leave an earlier timer
    behind to close a connection that is in use."""
    with _connect(quick_timeout_server) as sock:
        sock.sendall(_sts_request() * 3)
        assert [status for status, _, _ in _read_responses(sock, 3)] == [200] * 3
        for _ in range(5):            # busy for 2 s, never idle for 1 s
            time.sleep(0.4)
            sock.sendall(_sts_request())
            [(status, _, _)] = _read_responses(sock, 1)
            assert status == 200
        time.sleep(1.5)               # idle now: closed
        assert _closed(sock)


def test_a_call_behind_a_direct_answer_is_not_cut_off_by_the_keep_alive_timeout(
        quick_timeout_server):
    """A long poll pipelined behind a direct answer goes on on a worker thread for longer than
    the keep-alive timeout (1 s): the connection is busy, not idle, and stays open."""
    import boto3
    sqs = boto3.client("sqs", endpoint_url=quick_timeout_server, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    url = sqs.create_queue(QueueName="keep-alive-poll")["QueueUrl"]
    poll = _head("POST", "/", signed("sqs", **{"Content-Type": JSON10,
                                               "X-Amz-Target": "AmazonSQS.ReceiveMessage"}),
                 json.dumps({"QueueUrl": url, "WaitTimeSeconds": 2}).encode())
    with _connect(quick_timeout_server) as sock:
        sock.sendall(_sts_request() + poll)
        (first, _, _), (polled, _, body) = _read_responses(sock, 2)
        assert (first, polled) == (200, 200) and json.loads(body).get("Messages") is None
        sock.sendall(_sts_request())
        [(status, _, _)] = _read_responses(sock, 1)
        assert status == 200


def test_a_gateway_that_fails_gets_a_bare_500_not_a_parser_error():
    from types import SimpleNamespace
    from nuvem.server import _Deadline, _Direct

    def fail(request):
        raise RuntimeError("a bug")
    proto, _ = _protocol()
    proto.app_ = SimpleNamespace(gateway=SimpleNamespace(handle_inline=fail))
    proto.headers, proto.client = [(b"host", b"x")], ("127.0.0.1", 1)
    proto._body_idle = _Deadline(proto.loop, 20, lambda: None)
    proto._direct = _Direct(method="GET", path="/", query="", keep_alive=True)
    proto._finish_direct()
    assert proto.transport.written.startswith(b"HTTP/1.1 500 ") and proto.transport.closed
