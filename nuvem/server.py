"""uvicorn's HTTP to HttpRequest/HttpResponse and back: a direct path in the protocol for the
common call (NuvemHttpProtocol), and an ASGI app (App) for the rest.

The gateway is synchronous. A call with a body of up to 64 KiB is read whole first, in memory,
and runs on the event loop's thread while it can go without blocking (Gateway.handle_inline),
since a thread hop costs as much as a third of a typical call; a long poll that must wait, an
operation a service marks blocking, or a call that finds the store busy moves to the thread pool,
so the event loop never waits for them. A larger body (or one of unknown length) starts its call
on the thread pool at once and streams to it through a BodyPipe (nuvem/body_pipe.py), which the
protocol feeds straight from the parser: the handler hashes and stores each piece while the rest
arrives, and never more than a few MiB of it sit in memory.

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
import functools
import gc
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable

import httptools
from uvicorn.protocols.http.httptools_impl import (STATUS_LINE, HttpToolsProtocol,
                                                    RequestResponseCycle)

from nuvem.body_pipe import BodyPipe
from nuvem.errors import AwsError
from nuvem.gateway import Gateway
from nuvem.protocol import specs
from nuvem.protocol.wire import Headers, HttpRequest, HttpResponse

log = logging.getLogger("nuvem")
INLINE_BODY_LIMIT = 64 << 10  # larger bodies are hashed and written on a worker thread
BODY_PIPE = "nuvem.body_pipe"  # the scope key of a streamed request's BodyPipe
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
        self._allocator_tuned = False

    def streaming(self) -> None:
        """A large body starts to stream: the first one tunes the allocator for it (a server
        that never streams one keeps glibc's defaults, and its idle memory)."""
        if not self._allocator_tuned:
            self._allocator_tuned = True
            _tune_allocator()

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
                _tune_collector()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.runtime.stop()
                self.executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send):
        pipe = scope.get(BODY_PIPE)
        if pipe is not None:
            await self._http_streamed(scope, pipe, send)
            return
        body = io.BytesIO()     # at most INLINE_BODY_LIMIT: NuvemHttpProtocol streams larger ones
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

    async def respond(self, response: HttpResponse | Callable[[], HttpResponse],
                      scope, receive, send):
        """The rest of a call the direct path started (NuvemHttpProtocol): run what is left of it
        on the thread pool, and send its response, streaming if it is not bytes."""
        if not isinstance(response, HttpResponse):
            response = await asyncio.get_running_loop().run_in_executor(self.executor, response)
        await _send(send, response, head=scope["method"] == "HEAD")

    async def _http_streamed(self, scope, pipe: BodyPipe, send):
        """A large (or chunked) body: the call starts on a worker thread at once and reads the
        body through the BodyPipe that NuvemHttpProtocol feeds while it arrives."""
        try:
            response = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.gateway.handle, _request(scope, pipe))
            pipe.discard()           # answered without the rest: drain it unread
            await pipe.ended.wait()
        finally:
            pipe.discard()
        if pipe.error is not None:   # timed out (or the client is gone, and nothing is sent)
            response = self.gateway.reject(_request(scope, io.BytesIO()), pipe.error)
            response.headers.append(("Connection", "close"))
        await _send(send, response, head=scope["method"] == "HEAD")


def _streamed_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """Whether the body goes through a BodyPipe: its length if over INLINE_BODY_LIMIT, 0 if of
    unknown length (chunked); None if it does not."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() and int(value) > INLINE_BODY_LIMIT else None
        if name == b"transfer-encoding":
            return 0 if b"chunked" in value.lower() else None
    return None


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
        streamed=isinstance(body, BodyPipe),
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


class NuvemHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the request head and a direct path for the
    common call.

    The bound (see the module docstring): bytes are counted as they arrive while a head is being
    read, so an endless header is cut off after about one read past MAX_HEAD; a head that arrives
    whole is measured exactly when it completes. The refusal goes through `gateway.reject`, in
    the protocol the headers read so far point to, and the connection is closed.

    The direct path: a request with a body of known length up to INLINE_BODY_LIMIT, on a
    connection with nothing else in flight, is collected here and handed to
    `Gateway.handle_inline` from the parser's callback; a response of bytes is written with one
    socket write. That skips uvicorn's per-request task, the ASGI messages and the header
    re-encoding: about a fifth of a typical call's server CPU. A call that must continue on a
    worker thread, or streams its response, goes on as uvicorn's request cycle (`App.respond`);
    a pipelined request behind it queues there as usual. Anything else (large or chunked
    bodies, upgrades, requests behind one in flight) takes the ASGI path, `App.__call__`.

    A large or chunked body goes from `on_body` into the BodyPipe its call reads (the scope's
    BODY_PIPE), not through ASGI messages; reading the socket pauses while the pipe is full, and
    the body's idle timeout is kept here as for the direct path. The bytes of a large body of
    known length after those that came with its head do not go through the parser at all
    (`_pass_body`): the parser hands out each piece as a copy, and the pipe takes the socket's.
    """
    app_: App   # set on the subclass `build_server` makes

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._refused = False
        self._direct: _Direct | None = None
        self._pipe: BodyPipe | None = None      # the streamed body being received
        self._body_left = 0     # bytes of its body still to come, if of known length
        # The body's idle clock, and the direct path's keep-alive one (uvicorn's request cycle
        # keeps its own)
        self._body_idle = _Deadline(self.loop, self.app_.body_idle_timeout, self._body_timed_out)
        self._keep_alive = _Deadline(self.loop, self.timeout_keep_alive, self._keep_alive_expired)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._body_left:       # past the head of a body of known length (_pass_body)
            self._pass_body(data)
            return
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (self._in_head and self._head_bytes > MAX_HEAD and not self._refused
                and not self.transport.is_closing()):
            self._refuse()
        else:
            self._watch_body()

    def _watch_body(self) -> None:
        """(Re)start the idle clock of a body still to come, while it is the client we wait for:
        not while reading is paused (a full pipe, or a pipelined request waiting its turn), nor
        before a streamed body the client holds back for its 100-continue was asked for."""
        if (self._direct is not None or (self._pipe is not None and
                                          not self.cycle.waiting_for_100_continue)) \
                and not self.flow.read_paused:
            self._body_idle.restart()
        else:
            self._body_idle.stop()

    def on_message_begin(self) -> None:
        # uvicorn's ASGI scope (a dict of ten entries) is made only for a request that takes the
        # ASGI path (_asgi_scope): the direct path never reads it
        self.url, self.headers, self.expect_100_continue = b"", [], False

    def _asgi_scope(self) -> None:
        """uvicorn's scope for this request, made by its on_message_begin (which starts the
        url and headers afresh: those read so far are kept)."""
        url, headers, expect = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.headers, self.expect_100_continue = url, headers, expect
        self.scope["headers"] = headers

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        method = self.parser.get_method()
        size = len(method) + len(self.url) + 13 + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if size > MAX_HEAD:
            self._refuse()
            return
        self._in_head = False
        if self._start_direct(method):
            return
        self._asgi_scope()
        length = _streamed_length(self.headers)
        if length is not None and not self.parser.should_upgrade():
            self.app_.streaming()
            self._pipe = self.scope[BODY_PIPE] = BodyPipe(self.loop, self._pipe_has_room)
            self._body_left = length
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._direct is not None:
            self._direct.body += body
        elif self._pipe is not None:
            if self._body_left:
                self._body_left -= len(body)
            if not self._pipe.feed(body):
                self.flow.pause_reading()     # until the reader catches up (on_room)
        elif not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._in_head, self._head_bytes = True, 0
        if self._direct is not None:
            self._finish_direct()
            return
        if self._pipe is not None:
            self._end_pipe()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._direct = None
        if self._pipe is not None:
            self._end_pipe(incomplete_body())
        self._body_idle.close()
        self._keep_alive.close()
        super().connection_lost(exc)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app) -> None:
        # A streamed request's app never calls `receive` (where uvicorn would answer
        # 100-continue): ask for the body when its call first reads it (body_pipe.py).
        if BODY_PIPE in cycle.scope and cycle.waiting_for_100_continue:
            cycle.scope[BODY_PIPE].when_wanted(functools.partial(self._ask_for_body, cycle))
        super()._start_asgi_task(cycle, app)

    def _ask_for_body(self, cycle: RequestResponseCycle) -> None:
        if cycle.waiting_for_100_continue and not self.transport.is_closing():
            cycle.waiting_for_100_continue = False
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self._watch_body()

    def _pass_body(self, data: bytes) -> None:
        """The next bytes of a streamed body of known length, past the parser. At its end the
        parser, still waiting for the body it never saw, is replaced by a fresh one for what
        follows on the connection."""
        if len(data) > self._body_left:
            data, rest = data[:self._body_left], data[self._body_left:]
        else:
            rest = b""
        self.on_body(data)
        if self._body_left:
            self._watch_body()
            return
        self.parser = httptools.HttpRequestParser(self)
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)   # as uvicorn's
        self.on_message_complete()
        if rest:
            self.data_received(rest)

    def _pipe_has_room(self) -> None:
        self.flow.resume_reading()
        self._watch_body()

    def on_response_complete(self) -> None:
        super().on_response_complete()    # reading goes on: a pipelined body's turn may have come
        self._watch_body()

    def _end_pipe(self, error: BaseException | None = None) -> None:
        pipe, self._pipe = self._pipe, None
        self._body_left = 0
        self._body_idle.stop()
        pipe.finish(error)

    def shutdown(self) -> None:
        if self._direct is not None:       # answer the request being read, then close
            self._direct.keep_alive = False
        else:
            super().shutdown()

    # The direct path
    def _start_direct(self, method: bytes) -> bool:
        if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline:
            return False
        if self.parser.should_upgrade():
            return False
        for name, value in self.headers:
            if name == b"content-length":
                if not value.isdigit() or int(value) > INLINE_BODY_LIMIT:
                    return False
            elif name == b"transfer-encoding":
                return False
        try:
            url = httptools.parse_url(self.url)
        except httptools.HttpParserError:
            return False
        self._direct = _Direct(
            method=method.decode("ascii"), path=url.path.decode("latin-1"),
            query=(url.query or b"").decode("latin-1"),
            keep_alive=self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive())
        if self.expect_100_continue:     # the body is always read, so ask for it at once
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _request(self, direct: _Direct, body: bytes) -> HttpRequest:
        return HttpRequest(
            method=direct.method, path=direct.path, query=direct.query,
            headers=Headers.lowered([(k.decode("latin-1"), v.decode("latin-1"))
                                     for k, v in self.headers]),
            body=io.BytesIO(body), client_ip=self.client[0] if self.client else "127.0.0.1")

    def _finish_direct(self) -> None:
        direct, self._direct = self._direct, None
        self._body_idle.stop()
        try:
            response = self.app_.gateway.handle_inline(self._request(direct, bytes(direct.body)))
        except Exception:       # the gateway answers errors itself; this is a bug in Nuvem
            log.exception("the gateway failed to answer")
            return self._internal_error()
        if isinstance(response, HttpResponse) and isinstance(response.body, (bytes, bytearray)):
            self._write(response, direct)
            return
        # Continue as uvicorn's request cycle: the call goes on on a worker thread, or its
        # response streams. Requests pipelined behind it queue in uvicorn's pipeline.
        self.cycle = RequestResponseCycle(
            scope={"type": "http", "method": direct.method, "path": direct.path,
                   "http_version": "1.1", "client": self.client},
            transport=self.transport, flow=self.flow, logger=self.logger,
            access_logger=self.access_logger, access_log=False,
            default_headers=self.server_state.default_headers, message_event=asyncio.Event(),
            expect_100_continue=False, keep_alive=direct.keep_alive,
            on_response=self.on_response_complete)
        self.cycle.more_body = False
        self._start_asgi_task(self.cycle, functools.partial(self.app_.respond, response))

    def _write(self, response: HttpResponse, direct: _Direct) -> None:
        has_length, has_close, keep_alive = False, False, direct.keep_alive
        lines = []
        for name, value in response.headers:
            if _BAD_NAME.search(name):
                return self._internal_error("the invalid response header %r: %r", name, value)
            lname = name.lower()
            if lname == "content-length":
                has_length = True
            elif lname == "connection" and "close" in str(value).lower():
                has_close, keep_alive = True, False
            lines.append(f"{name}: {value}\r\n")
        text = "".join(lines)
        # One look at all the values: a line break or control character inside one would split
        # the response (each line must end in the one CRLF we wrote).
        if _BAD_IN_HEAD.search(text) or text.count("\n") != len(lines) or \
                text.count("\r") != len(lines):
            return self._internal_error("invalid response headers: %r", response.headers)
        body = response.body
        if not has_length:
            text += f"content-length: {len(body)}\r\n"
        if not keep_alive and not has_close:
            text += "connection: close\r\n"
        try:
            head = text.encode("latin-1")
        except UnicodeEncodeError:
            return self._internal_error("response headers not in latin-1: %r", response.headers)
        default = b"".join(n + b": " + v + b"\r\n" for n, v in self.server_state.default_headers)
        self.transport.write(b"".join((STATUS_LINE[response.status], default, head, b"\r\n",
                                       b"" if direct.method == "HEAD" else body)))
        self.server_state.total_requests += 1
        if not keep_alive:
            self.transport.close()
        elif not self.transport.is_closing():
            # As uvicorn does after a response: read again, and close the connection once it
            # has been idle for the keep-alive timeout.
            self.flow.resume_reading()
            self._keep_alive.restart()

    def _keep_alive_expired(self) -> None:
        """Idle since the direct path's last answer for the keep-alive timeout: close, unless a
        call pipelined behind that answer goes on in uvicorn's request cycle (which restarts
        uvicorn's own clock when it answers)."""
        if self.cycle is None or self.cycle.response_complete:
            self.timeout_keep_alive_handler()

    def _internal_error(self, *problem) -> None:
        """A bug in Nuvem (the gateway failed, or made a header HTTP cannot carry): a bare 500,
        as uvicorn answers an app that fails, and the connection closes."""
        if problem:
            log.error("refusing to send " + problem[0], *problem[1:])
        self.transport.write(STATUS_LINE[500] + b"content-type: text/plain; charset=utf-8\r\n"
                             b"content-length: 21\r\nconnection: close\r\n\r\n"
                             b"Internal Server Error")
        self.transport.close()

    def _body_timed_out(self) -> None:
        if self._pipe is not None:    # its app answers RequestTimeout and closes
            self._refused = True      # what still arrives of the body is dropped
            self._end_pipe(body_timeout())
            return
        direct, self._direct = self._direct, None
        if direct is None or self.transport.is_closing():
            return
        response = self.app_.gateway.reject(self._request(direct, b""), body_timeout())
        direct.keep_alive = False
        self._refused = True              # what still arrives of the body is dropped
        self._write(response, direct)

    def _refuse(self) -> None:
        self._refused = True
        self._direct = None
        try:
            url = (self.url or b"").decode("latin-1")
            path, _, query = url.partition("?")
            request = HttpRequest(
                method=(self.parser.get_method() or b"GET").decode("latin-1"),
                path=path or "/", query=query,
                headers=Headers.lowered([(k.decode("latin-1"), v.decode("latin-1"))
                                         for k, v in self.headers or ()]))
            response = self.app_.gateway.reject(request, head_too_large())
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


class _Deadline:
    """Calls `expire` once `seconds` have passed since the last `restart` with no `stop` after
    it. One timer, which looks again when it fires, instead of a timer made and cancelled per
    restart: the direct path restarts a connection's clocks on each call, and a timer each cost
    about as much as writing the response."""

    __slots__ = ("_loop", "_seconds", "_expire", "_since", "_timer")

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float,
                 expire: Callable[[], None]):
        self._loop, self._seconds, self._expire = loop, seconds, expire
        self._since: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def restart(self) -> None:
        self._since = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_later(self._seconds, self._check)

    def stop(self) -> None:
        self._since = None

    def close(self) -> None:
        self._since = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        self._timer = None
        if self._since is None:
            return
        left = self._since + self._seconds - self._loop.time()
        if left > 0:
            self._timer = self._loop.call_later(left, self._check)
        else:
            self._since = None
            self._expire()


@dataclass(slots=True)
class _Direct:
    """A request on the direct path while its body arrives."""
    method: str
    path: str
    query: str
    keep_alive: bool
    body: bytearray = field(default_factory=bytearray)


# What may not appear in a response header (uvicorn's own checks, on str): no response splitting.
_BAD_NAME = re.compile('[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
_BAD_IN_HEAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")   # besides CR and LF, counted


# Allocations (net of frees) between two young collections of the garbage collector. Python's
# default, 700, has a listing page of 1,000 entries trigger a dozen collections, each promoting
# what the page still holds towards the old generation (0.3 ms a page); a call's objects are
# mostly freed before this many accumulate, and what does stay is collected as before.
YOUNG_COLLECTION_THRESHOLD = 50_000


def _tune_collector() -> None:
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD)
    specs.settle_heap()


# glibc malloc's M_TRIM_THRESHOLD and M_MMAP_THRESHOLD (mallopt). A streamed body arrives as
# 256 KiB socket reads, each a new bytes object, and up to 8 MiB of them wait in its BodyPipe.
# By default glibc hands the top of its heap back to the system once 512 KiB of it is free, so
# the next reads fault the same pages in again: 3% of the server's CPU in a large upload. Free
# memory is now kept up to what one upload holds, and blocks of up to 4 MiB come from the heap.
_MALLOPT = {-1: 16 << 20, -3: 4 << 20}


def _tune_allocator() -> None:
    import ctypes      # here: a server that never streams a body does without it (1.4 ms)
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except AttributeError:      # not glibc
        return
    for option, value in _MALLOPT.items():
        mallopt(option, value)


def build_server(runtime, app: App | None = None):
    """The uvicorn server `nuvem serve` runs (tests build one around an App of their own), on
    uvloop's event loop where it is installed (pinned; not on Windows): about 15 us less per
    call than asyncio's, a tenth of the HTTP layer's cost."""
    import uvicorn
    config = runtime.config
    app = app or App(runtime)
    protocol = type("NuvemHttpProtocol", (NuvemHttpProtocol,), {"app_": app})
    # No proxy headers: the client address is the socket's peer on both paths (aws:SourceIp).
    return uvicorn.Server(uvicorn.Config(
        app, host=config.host, port=config.port, http=protocol, loop="auto",
        lifespan="on", access_log=False, log_level="warning", server_header=False,
        date_header=True, proxy_headers=False))


def serve(runtime) -> None:
    build_server(runtime).run()
