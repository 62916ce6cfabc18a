"""The ASGI adapter: turns uvicorn's HTTP into HttpRequest/HttpResponse and back.

Request bodies are spooled (in memory up to 1 MiB, then to a temporary file), so a large upload
never sits whole in memory. The gateway is synchronous and runs on a thread pool, so a slow call
(a long poll, a big upload) never blocks the event loop.
"""
from __future__ import annotations

import asyncio
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from nuvem.gateway import Gateway
from nuvem.protocol.wire import Headers, HttpRequest, HttpResponse

log = logging.getLogger("nuvem")
SPOOL_LIMIT = 1 << 20
STREAM_CHUNK = 1 << 16


class App:
    def __init__(self, runtime, workers: int = 64):
        self.runtime = runtime
        self.gateway = Gateway(runtime)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nuvem")

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
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                return
            chunk = message.get("body", b"")
            if chunk:
                body.write(chunk)
            if not message.get("more_body", False):
                break
        body.seek(0)
        client = scope.get("client") or ("127.0.0.1", 0)
        request = HttpRequest(
            method=scope["method"],
            path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
            body=body,
            scheme=scope.get("scheme", "http"),
            client_ip=client[0],
        )
        loop = asyncio.get_running_loop()
        try:
            response = await loop.run_in_executor(self.executor, self.gateway.handle, request)
            await _send(send, response, head=scope["method"] == "HEAD")
        finally:
            body.close()


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
        for chunk in _chunks(body):
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


def serve(runtime) -> None:
    import uvicorn
    config = runtime.config
    server = uvicorn.Server(uvicorn.Config(
        App(runtime), host=config.host, port=config.port, http="httptools", loop="asyncio",
        lifespan="on", access_log=False, log_level="warning", server_header=False,
        date_header=True, h11_max_incomplete_event_size=64 * 1024))
    server.run()
