"""Where the server CPU of one call goes on the real server: uvicorn with Nuvem's direct path.

Runs `build_server` (what `nuvem serve` runs) in this process with the stage timers of
`profile_gateway.py`, plus the HTTP layer's own pieces, and drives it with boto3 from a child
process, so the client's CPU is not in the figures:

    .venv/bin/python benchmarks/profile_live.py sqs --calls 3000
    .venv/bin/python benchmarks/profile_live.py ddbput

Operations: sts, sqs (SendMessage), s3put, s3get (1 KiB), s3list (a page of 1,000 keys), ddbput,
ddbget (a 10-attribute item).
Each timer adds about 1 µs to the stage it wraps and to the process total.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ITEM = {"name": {"S": "Ada Lovelace"}, "email": {"S": "ada@example.com"}, "age": {"N": "36"},
        "score": {"N": "1234.5"}, "active": {"BOOL": True}, "tags": {"SS": ["a", "b", "c"]},
        "address": {"M": {"city": {"S": "London"}, "zip": {"S": "W1"}}},
        "history": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}
OPS = ("sts", "sqs", "s3put", "s3get", "s3list", "ddbput", "ddbget")


def client(op: str, calls: int, endpoint: str) -> None:
    """The child: sets up, warms up, says "warm", makes the calls, says "done"."""
    import run     # benchmarks/run.py: its boto3 clients, as the benchmarks make them

    def make(service):
        return run.client(service, endpoint)
    n = itertools.count()
    if op == "sts":
        call = make("sts").get_caller_identity
    elif op == "sqs":
        sqs = make("sqs")
        url = sqs.create_queue(QueueName="profile")["QueueUrl"]
        call = lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * 100)  # noqa: E731
    elif op in ("s3put", "s3get", "s3list"):
        s3 = make("s3")
        s3.create_bucket(Bucket="profile")
        s3.put_object(Bucket="profile", Key="k", Body=b"x" * 1024)
        if op == "s3list":
            for i in range(1000):
                s3.put_object(Bucket="profile", Key=f"list/{i:07d}", Body=b"x")
        call = {"s3put": lambda: s3.put_object(Bucket="profile", Key=f"k/{next(n)}",
                                               Body=b"x" * 1024),
                "s3get": lambda: s3.get_object(Bucket="profile", Key="k")["Body"].read(),
                "s3list": lambda: s3.list_objects_v2(Bucket="profile", Prefix="list/")}[op]
    else:
        ddb = make("dynamodb")
        ddb.create_table(TableName="profile", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        ddb.put_item(TableName="profile", Item={"pk": {"S": "k"}, **ITEM})
        call = ((lambda: ddb.put_item(TableName="profile",
                                      Item={"pk": {"S": f"k{next(n)}"}, **ITEM}))
                if op == "ddbput" else
                (lambda: ddb.get_item(TableName="profile", Key={"pk": {"S": "k"}})))
    for _ in range(300 if op != "s3list" else 10):
        call()
    print("warm", flush=True)
    for _ in range(calls):
        call()
    print("done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("op", choices=OPS)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--client", help=argparse.SUPPRESS)     # the child's endpoint
    args = parser.parse_args()
    if args.client:
        client(args.op, args.calls, args.client)
        return

    import profile_gateway as pg
    from nuvem.config import Config
    from nuvem.runtime import Runtime
    from nuvem.server import App, NuvemHttpProtocol, build_server
    from targets import free_port

    runtime = Runtime(Config(state_dir=tempfile.mkdtemp(prefix="nuvem-profile-"),
                             port=free_port(), log_level="warning"))
    app = App(runtime)
    stages = pg.Stages()
    pg.instrument(app, stages)
    protocol = NuvemHttpProtocol
    protocol.data_received = stages.wrap("http: data_received (all of it)", protocol.data_received)
    protocol._write = stages.wrap("http: _write (one socket write)", protocol._write)
    protocol._request = stages.wrap("http: _request (HttpRequest)", protocol._request)
    server = build_server(runtime, app)
    gc_spent = [0.0, 0.0]       # wall time in the garbage collector, the start of a collection

    def on_gc(phase, info):
        if not stages.enabled:
            return
        if phase == "start":
            gc_spent[1] = time.perf_counter()
        else:
            gc_spent[0] += time.perf_counter() - gc_spent[1]
    gc.callbacks.append(on_gc)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), args.op, "--calls", str(args.calls),
         "--client", f"http://127.0.0.1:{runtime.config.port}"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "warm", "the client failed to set up"
        stages.total.clear()
        stages.enabled = True
        started = time.process_time()
        assert child.stdout.readline().strip() == "done", "the client failed"
        spent = time.process_time() - started
        stages.enabled = False
    finally:
        child.wait()
        server.should_exit = True
    print(f"{args.op}: server process CPU {spent / args.calls * 1e6:.1f} µs/call "
          f"(each timer adds about {stages.overhead_us():.1f} µs)")
    print(f"   {'garbage collector (wall)':<34} {gc_spent[0] / args.calls * 1e6:7.1f} µs/call")
    for name, total in sorted(stages.total.items(), key=lambda kv: -kv[1]):
        print(f"   {name:<34} {total / args.calls * 1e6:7.1f} µs/call")


if __name__ == "__main__":
    main()
