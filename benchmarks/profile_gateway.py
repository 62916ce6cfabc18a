"""Where Nuvem's server CPU per call goes: a stage breakdown and a cProfile of the pipeline.

Runs Nuvem in this process (the same `Runtime` and `App` that `nuvem serve` runs), with boto3
clients whose requests are handed straight to the app instead of a socket, so everything
measured is server-side work except uvicorn's HTTP parsing and socket writes:

    .venv/bin/python benchmarks/profile_gateway.py                 # all operations
    .venv/bin/python benchmarks/profile_gateway.py --ops sts --calls 5000 --top 40

Stages are timed by wrapping the functions the gateway calls (nothing in nuvem/ is changed);
"ASGI adapter" is App.__call__ (body spooling, Headers, the thread-pool hop, response
messages) minus the gateway.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
from concurrent.futures import Executor, Future
from collections import defaultdict
from contextlib import contextmanager
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_var, None)
os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import boto3  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.config import Config  # noqa: E402

from nuvem import gateway as gateway_module, services  # noqa: E402
from nuvem.config import Config as NuvemConfig  # noqa: E402
from nuvem.runtime import Runtime  # noqa: E402
from nuvem import server as server_module  # noqa: E402
from nuvem.server import App  # noqa: E402

import run  # noqa: E402  (benchmarks/run.py: the same operations)
import targets  # noqa: E402

clock = time.thread_time      # CPU of the calling thread: the gateway runs in one worker thread


class Stages:
    """CPU time per stage, summed over the calls, on the gateway's worker thread."""

    def __init__(self):
        self.total: dict[str, float] = defaultdict(float)
        self.enabled = False

    @contextmanager
    def time(self, name: str):
        if not self.enabled:
            yield
            return
        started = clock()
        try:
            yield
        finally:
            self.total[name] += clock() - started

    def wrap(self, name: str, fn, always: bool = False):
        def timed(*args, **kwargs):
            if not (self.enabled or always):
                return fn(*args, **kwargs)
            started = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total[name] += clock() - started
        return timed

    def overhead_us(self) -> float:
        """What one stage timer costs (two clock reads and the wrapper call)."""
        probe = self.wrap("_probe", lambda: None, always=True)
        n = 20000
        started = clock()
        for _ in range(n):
            probe()
        spent = clock() - started
        self.total.pop("_probe", None)
        return spent * 1e6 / n


def instrument(app: App, stages: Stages) -> None:
    gw = app.gateway
    for name in ("decode_request_body", "parse_request", "validate", "serialize_response"):
        setattr(gateway_module, name, stages.wrap(name, getattr(gateway_module, name)))
    auth = app.runtime.authenticator
    auth.authenticate = stages.wrap("authenticate", auth.authenticate)
    app.runtime.note_use = stages.wrap("note_use", app.runtime.note_use)
    services.authorize = stages.wrap("authorize", services.authorize)
    gw.router.route = stages.wrap("route", gw.router.route)
    gw.handle = stages.wrap("gateway total", gw.handle, always=True)
    gw.handle_inline = stages.wrap("gateway total", gw.handle_inline, always=True)
    gw._audit = stages.wrap("audit", gw._audit)
    admin_serve = gateway_module.admin.serve
    gateway_module.admin = SimpleNamespace(serve=stages.wrap("admin.serve", admin_serve),
                                           is_admin=gateway_module.admin.is_admin)

    store = app.runtime.store
    tx = store.tx

    class TimedTx:
        def __init__(self, wait: bool = True):
            self.inner = tx(wait)

        def __enter__(self):
            with stages.time("store: BEGIN"):
                inner = self.inner.__enter__()
            begin = inner._conn       # SQLite's BEGIN runs at the transaction's first statement

            def first_statement():
                del inner._conn
                with stages.time("store: BEGIN"):
                    return begin()
            inner._conn = first_statement
            return inner

        def __exit__(self, *exc):
            with stages.time("store: COMMIT"):
                return self.inner.__exit__(*exc)

    store.tx = TimedTx
    real_load = services.load

    def load(name):
        with stages.time("services.load"):
            service = real_load(name)
        for op, fn in list(service.operations.items()):
            if not getattr(fn, "_timed", False):
                timed = stages.wrap("handler", fn)
                timed._timed = True
                service.operations[op] = timed
        return service
    services.load = load
    gateway_module.Call = _timed_class(gateway_module.Call, stages, "Call()")
    ids = app.runtime.ids
    ids.request_id = stages.wrap("ids.request_id", ids.request_id)
    now = app.runtime.clock.now
    app.runtime.clock.now = stages.wrap("clock.now", now)


def _timed_class(cls, stages: Stages, name: str):
    def make(*args, **kwargs):
        with stages.time(name):
            return cls(*args, **kwargs)
    return make


class InProcess:
    """Runs the ASGI app for requests that botocore hands over in its `before-send` event."""

    def __init__(self, app: App):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.asgi_cpu = 0.0          # process CPU (all threads) spent in App.__call__
        self.measure = False
        self.profiler: cProfile.Profile | None = None

    def __call__(self, request, **_):
        url = request.url.split("://", 1)[1]
        raw_path = "/" + url.split("/", 1)[1] if "/" in url else "/"
        path, _, query = raw_path.partition("?")
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        headers = [(k.lower().encode("latin-1"), (v.decode() if isinstance(v, bytes) else v)
                    .encode("latin-1")) for k, v in request.headers.items()]
        headers.append((b"host", url.split("/", 1)[0].encode()))
        scope = {"type": "http", "method": request.method, "path": path,
                 "raw_path": path.encode(), "query_string": query.encode(), "headers": headers,
                 "scheme": "http", "client": ("127.0.0.1", 1)}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        out: list[dict] = []

        async def receive():
            return messages.pop(0)

        async def send(message):
            out.append(message)

        if self.profiler is not None:
            self.profiler.enable()
        started = time.process_time()
        self.loop.run_until_complete(self.app(scope, receive, send))
        spent = time.process_time() - started
        if self.profiler is not None:
            self.profiler.disable()
        if self.measure:
            self.asgi_cpu += spent
        self.last = out
        start = out[0]
        return AWSResponse(request.url, start["status"],
                           {k.decode(): v.decode() for k, v in start["headers"]},
                           _Raw(b"".join(m.get("body", b"") for m in out[1:])))


class InlineExecutor(Executor):
    """Runs the gateway on the calling thread, so cProfile sees it (profiling pass only)."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


class _Raw:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


def client(service: str, hook: InProcess):
    c = boto3.session.Session().client(
        service, endpoint_url="http://127.0.0.1:4566", region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    c.meta.events.register("before-send", hook)
    return c


def _replay_app(messages: list[dict]):
    """The harness's own cost: an ASGI app that replays a response the real app sent."""
    async def app(scope, receive, send):
        await receive()
        for message in messages:
            await send(message)
    return app


def uvicorn_floor(calls: int) -> None:
    """Server CPU per call of uvicorn serving a trivial app, next to Nuvem, over real sockets."""
    here = os.path.dirname(os.path.abspath(__file__))
    floor = targets.Target("uvicorn + trivial app", [
        sys.executable, "-m", "uvicorn", "--app-dir", here, "floor_app:app", "--host", "127.0.0.1",
        "--port", "{port}", "--http", "httptools", "--loop", "asyncio", "--lifespan", "off",
        "--log-level", "warning", "--no-access-log", "--no-server-header"])
    op = run.OPS["sts"]
    print(f"sts get-caller-identity over sockets, server CPU per call (median of 3 × {calls}):")
    for target in (floor, targets.nuvem(), targets.canned()):
        running = target.spawn(targets.free_port())
        try:
            running.wait_listening()
            c = run.client("sts", running.endpoint)
            run._loop(c, op, 200)
            result = run.OpResult()
            for _ in range(3):
                run.sequential(running, op, c, calls, result)
            print(f"  {target.name:<24} {run.med(result.cpu_ms) * 1000:6.0f} µs/call")
        finally:
            running.stop()


def _us(seconds: float, calls: int) -> str:
    return f"{seconds * 1e6 / calls:7.1f} µs/call"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", default="sts,regions,zones,keypairs")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the uvicorn-with-a-trivial-app comparison over sockets")
    args = parser.parse_args()
    if not args.no_floor:
        uvicorn_floor(args.calls)

    runtime = Runtime(NuvemConfig(ephemeral=True, log_level="warning"))
    app = App(runtime)
    runtime.start()
    stages = Stages()
    instrument(app, stages)
    hook = InProcess(app)
    inline_limit = server_module.INLINE_BODY_LIMIT
    threaded = app.executor
    width = 58
    try:
        overhead = stages.overhead_us()
        print(f"each stage timer costs {overhead:.2f} µs; the stage rows include that")
        for key in [k.strip() for k in args.ops.split(",")]:
            op = run.OPS[key]
            c = client(op.service, hook)
            run._loop(c, op, 200)                                   # warm-up
            iterations = args.calls // op.calls
            calls = iterations * op.calls

            # 1. the harness alone, with a trivial app
            hook.app = _replay_app(list(hook.last))
            hook.measure, hook.asgi_cpu = True, 0.0
            run._loop(c, op, iterations)
            harness = hook.asgi_cpu
            hook.app = app
            # 2. the app as served (inline on the event loop), and with every call on the pool
            cpu = {}
            for label, limit in (("pool", -1), ("inline", inline_limit)):
                server_module.INLINE_BODY_LIMIT = limit
                stages.total.clear()
                hook.asgi_cpu = 0.0
                errors = run._loop(c, op, iterations)
                cpu[label] = hook.asgi_cpu, stages.total["gateway total"]
            # 3. the gateway's stages (as served)
            stages.total.clear()
            stages.enabled = True
            run._loop(c, op, iterations)
            stages.enabled, hook.measure = False, False
            total = stages.total.pop("gateway total")

            pool_cpu, _ = cpu["pool"]
            inline_cpu, gateway = cpu["inline"]
            print(f"\n== {op.label}: {calls} calls{f', {errors} ERRORS' if errors else ''}")
            rows = [
                ("App.__call__ as served (all threads)", inline_cpu - harness),
                ("  (a thread-pool hop would add: pool − inline)", pool_cpu - inline_cpu),
                ("  ASGI adapter: spooling, Headers, messages", inline_cpu - harness - gateway),
                ("  Gateway.handle (uninstrumented)", gateway),
                ("(harness: a trivial ASGI app, not counted)", harness),
            ]
            for label, spent in rows:
                print(f"  {label:<{width}} {_us(spent, calls)}")
            print(f"  Gateway.handle by stage ({_us(total, calls).strip()} with the timers):")
            inner = 0.0
            for name, spent in sorted(stages.total.items(), key=lambda kv: -kv[1]):
                inner += spent
                print(f"  {'    ' + name:<{width}} {_us(spent, calls)}")
            print(f"  {'    rest of Gateway.handle':<{width}} {_us(total - inner, calls)}")

            if not args.no_profile:
                app.executor = InlineExecutor()
                hook.profiler = cProfile.Profile()
                run._loop(c, op, max(1, iterations // 2))
                profiler, hook.profiler = hook.profiler, None
                app.executor = threaded
                text = io.StringIO()
                stats = pstats.Stats(profiler, stream=text)
                stats.sort_stats("tottime").print_stats(args.top)
                print(f"  cProfile of App.__call__ only (gateway inline; the profiler inflates "
                      f"times), {max(1, iterations // 2)} requests:")
                lines = text.getvalue().splitlines()
                first = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
                print("\n".join("    " + line for line in lines[first:first + args.top + 1]))
    finally:
        runtime.stop()
        threaded.shutdown(wait=True)


if __name__ == "__main__":
    main()
