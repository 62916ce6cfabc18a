"""The ASGI adapter: turns uvicorn's HTTP into HttpRequest/HttpResponse and back.

The gateway is synchronous. A call with a body of up to 64 KiB is read whole first, in memory,
and runs on the event loop's thread while it can go without blocking (Gateway.handle_inline),
since a thread hop costs as much as a third of a typical call; a long poll that must wait, an
operation a service marks blocking, or a call that finds the store busy moves to the thread pool,
so the event loop never waits for them. A larger body (or one of unknown length) starts its call
on the thread pool at once and streams to it through a BodyPipe (nuvem/body_pipe.py): the handler
hashes and stores each piece while the rest arrives, and never more than a few MiB of it sit in
memory.

Bad HTTP gets AWS-shaped errors, in the protocol the request points to, never a hang:
- a request head (request line and headers) over MAX_HEAD is refused with S3's
  `RequestHeaderSectionTooLarge` (400) and the connection closes: httptools has no limit of its
  own, so without this a client could make the server buffer an endless header;
- a body that stops arriving for BODY_IDLE_TIMEOUT seconds is answered with S3's
  `RequestTimeout` (400) and the connection closes;
- a client that hangs up mid-body gets nothing: there is nobody left to answer.
"""
from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from nuvem.body_pipe import BodyPipe
from nuvem.errors import AwsError
from nuvem.gateway import Gateway
from nuvem.protocol.wire import Headers, HttpRequest, HttpResponse

log = logging.getLogger("nuvem")
INLINE_BODY_LIMIT = 64 << 10  # larger bodies are hashed and written on a worker thread
STREAM_CHUNK = 1 << 16
MAX_HEAD = 64 * 1024          # request line + headers, in bytes (S3 itself allows 8 KiB)
BODY_IDLE_TIMEOUT = 20.0      # seconds without a byte of a started body (S3: about 20 s)
LINGER = 2.0                  # seconds a refused connection drains before it is closed


def head_too_large() -> AwsError:
    return AwsError("Your request header section exceeds the maximum allowed size.",
                    code="RequestHeaderSectionTooLarge", status=400, MaxSizeAllowed=str(MAX_HEAD))


def body_timeout() -> AwsError:
    return AwsError("Your socket connection to the server was not read from or written to within "
                    "the timeout period. Idle connections will be closed.",
                    code="RequestTimeout", status=400)


class App:
    def __init__(self, runtime, workers: int = 64, body_idle_timeout: float = BODY_IDLE_TIMEOUT):
        self.runtime = runtime
        self.gateway = Gateway(runtime)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nuvem")
        self.body_idle_timeout = body_idle_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.runtime.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.runtime.stop()
                self.executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send):
        if _streams(scope):
            await self._http_streamed(scope, receive, send)
            return
        body = io.BytesIO()     # at most INLINE_BODY_LIMIT: larger ones stream (above)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.body_idle_timeout):   # cheaper than wait_for
                        message = await receive()
                except TimeoutError:
                    body.seek(0)
                    response = self.gateway.reject(_request(scope, body), body_timeout())
                    response.headers.append(("Connection", "close"))
                    await _send(send, response, head=scope["method"] == "HEAD")
                    return
                if message["type"] == "http.disconnect":
                    return
                body.write(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body.seek(0)
            response = self.gateway.handle_inline(_request(scope, body))
            if not isinstance(response, HttpResponse):     # the rest must run on a thread
                response = await asyncio.get_running_loop().run_in_executor(self.executor,
                                                                            response)
            await _send(send, response, head=scope["method"] == "HEAD")
        finally:
            body.close()

    async def _http_streamed(self, scope, receive, send):
        """A large (or chunked) body: the call starts on a worker thread at once and reads the
        body through a BodyPipe while it arrives (nuvem/body_pipe.py)."""
        loop = asyncio.get_running_loop()
        pipe = BodyPipe(loop)
        request = _request(scope, pipe)
        call = loop.run_in_executor(self.executor, self.gateway.handle, request)
        timed_out = False
        try:
            while True:
                if call.done():
                    pipe.discard()         # answered without the rest: drain it unread
                try:
                    async with asyncio.timeout(self.body_idle_timeout):
                        message = await receive()
                except TimeoutError:
                    timed_out = True
                    pipe.finish(body_timeout())
                    break
                if message["type"] == "http.disconnect":
                    pipe.finish(incomplete_body())
                    await call               # the call fails and writes nothing; nobody to answer
                    return
                chunk = message.get("body", b"")
                if chunk:
                    pipe.feed(chunk)
                if not message.get("more_body", False):
                    pipe.finish()
                    break
                if not pipe.room.is_set():
                    await pipe.room.wait()
            response = await call
            if timed_out:
                response = self.gateway.reject(_request(scope, io.BytesIO()), body_timeout())
                response.headers.append(("Connection", "close"))
            await _send(send, response, head=scope["method"] == "HEAD")
        finally:
            pipe.discard()


def _streams(scope) -> bool:
    """Whether the body goes through a BodyPipe: over INLINE_BODY_LIMIT, or of unknown length."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.isdigit() and int(value) > INLINE_BODY_LIMIT
        if name == b"transfer-encoding":
            return b"chunked" in value.lower()
    return False


def incomplete_body() -> AwsError:
    return AwsError("The request body terminated unexpectedly", code="IncompleteBody", status=400)


def _request(scope, body) -> HttpRequest:
    client = scope.get("client") or ("127.0.0.1", 0)
    return HttpRequest(
        method=scope["method"],
        path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
        body=body,
        scheme=scope.get("scheme", "http"),
        client_ip=client[0],
    )


async def _send(send, response: HttpResponse, head: bool) -> None:
    headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.headers]
    body = response.body
    if isinstance(body, (bytes, bytearray)):
        if response.header("content-length") is None:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else bytes(body)})
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if not head:
        # The next chunk is read on the thread pool: a file or a generator over the store may
        # block, and the event loop must not wait for disk.
        loop, chunks = asyncio.get_running_loop(), iter(_chunks(body))
        while (chunk := await loop.run_in_executor(None, next, chunks, None)) is not None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _chunks(body) -> Iterable[bytes]:
    if hasattr(body, "read"):
        try:
            while chunk := body.read(STREAM_CHUNK):
                yield chunk
        finally:
            getattr(body, "close", lambda: None)()
    else:
        yield from body


class HeadLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the request head (see the module docstring).

    Bytes are counted as they arrive while a head is being read, so an endless header is cut
    off after about one read past MAX_HEAD; a head that arrives whole is measured exactly when
    it completes. The refusal goes through `gateway.reject`, in the protocol the headers read
    so far point to, and the connection is closed.
    """
    gateway: Gateway   # set on the subclass `serve` makes

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (self._in_head and self._head_bytes > MAX_HEAD and not self._refused
                and not self.transport.is_closing()):
            self._refuse()

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        method = self.parser.get_method()
        size = len(method) + len(self.url) + 13 + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if size > MAX_HEAD:
            self._refuse()
            return
        self._in_head = False
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def _refuse(self) -> None:
        self._refused = True
        try:
            url = (self.url or b"").decode("latin-1")
            path, _, query = url.partition("?")
            request = HttpRequest(
                method=(self.parser.get_method() or b"GET").decode("latin-1"),
                path=path or "/", query=query,
                headers=Headers((k.decode("latin-1"), v.decode("latin-1"))
                                for k, v in self.headers or ()))
            response = self.gateway.reject(request, head_too_large())
            body = response.body if isinstance(response.body, bytes) else b""
            headers = response.headers
        except Exception:   # the parser may not even know the method yet
            log.exception("cannot build the refusal of an oversized request head")
            body, headers = b"", []
            response = HttpResponse(400)
        content = [STATUS_LINE[response.status]]
        content += [f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers]
        content.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(content) + body)
        # Lingering close: closing with unread request bytes would reset the connection, and a
        # reset can destroy the answer before the client reads it. So end our side, ignore what
        # still comes (data_received drops it), and close when the client does or after a while.
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER, self.transport.close)
        else:
            self.transport.close()


def serve(runtime) -> None:
    import uvicorn
    config = runtime.config
    app = App(runtime)
    protocol = type("NuvemHttpProtocol", (HeadLimitedProtocol,), {"gateway": app.gateway})
    server = uvicorn.Server(uvicorn.Config(
        app, host=config.host, port=config.port, http=protocol, loop="asyncio",
        lifespan="on", access_log=False, log_level="warning", server_header=False,
        date_header=True))
    server.run()
