"""cProfile of Nuvem's server side for SQS SendMessage, receive + delete-batch of 10, and SNS
Publish to 10 SQS subscriptions including the deliveries (durable store).

Uses benchmarks/profile_gateway.py's harness: Nuvem's `Runtime` and `App` in this process, boto3
requests handed to the app without sockets, the gateway run inline so cProfile sees it. For SNS
the dispatcher thread is stopped and its rounds are run on this thread (`Dispatcher.drain`) under
the same profiler, so the profile covers the publishes and their deliveries.

    .venv/bin/python benchmarks/profile_sqs.py                 # all three
    .venv/bin/python benchmarks/profile_sqs.py send,drain --top 40
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_gateway as pg  # noqa: E402

from nuvem.config import Config as NuvemConfig  # noqa: E402
from nuvem.runtime import Runtime  # noqa: E402
from nuvem.server import App  # noqa: E402

BODY = "m" * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="?", default="send,drain,publish")
    parser.add_argument("--n", type=int, default=1000, help="calls (publishes: a fifth)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    only = args.only.split(",")
    state = tempfile.mkdtemp(prefix="nuvem-sqs-profile-")
    runtime = Runtime(NuvemConfig(state_dir=state, log_level="warning"))
    app = App(runtime)
    runtime.start()
    hook = pg.InProcess(app)
    sqs, sns = pg.client("sqs", hook), pg.client("sns", hook)
    url = sqs.create_queue(QueueName="bench")["QueueUrl"]
    entries = [{"Id": str(j), "MessageBody": BODY} for j in range(10)]

    def drain_step():
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(msgs)])

    topic = sns.create_topic(Name="bench")["TopicArn"]
    for i in range(10):
        q = sqs.create_queue(QueueName=f"fan-{i}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=q, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    def publish():
        sns.publish(TopicArn=topic, Message=BODY)

    work = {"send": (lambda: sqs.send_message(QueueUrl=url, MessageBody=BODY), args.n, 1),
            "drain": (drain_step, args.n // 10, 10),
            "publish": (publish, max(10, args.n // 5), 1)}
    try:
        for name in only:
            fn, count, per = work[name]
            if name == "drain":                     # messages to drain: warm-up + 2 passes
                for _ in range(count * 3 + 20):
                    sqs.send_message_batch(QueueUrl=url, Entries=entries)
            if name == "publish":
                runtime.dispatcher.stop()           # deliveries run below, on this thread
            for _ in range(20):
                fn()
            if name == "publish":
                runtime.dispatcher.drain()
            # un-profiled, gateway on the pool as served (process CPU, all threads)
            cpu0 = time.process_time()
            for _ in range(count):
                fn()
            if name == "publish":
                runtime.dispatcher.drain()
            spent = time.process_time() - cpu0
            print(f"== {name}: {spent * 1e6 / count:.0f} µs process CPU per call"
                  + (f" ({spent * 1e6 / count / per:.0f} per message)" if per > 1 else "")
                  + (", deliveries included" if name == "publish" else "")
                  + " (in process, no sockets)")
            app.executor, pool = pg.InlineExecutor(), app.executor
            prof = cProfile.Profile()
            hook.profiler = prof
            for _ in range(count):
                fn()
            hook.profiler = None
            if name == "publish":
                prof.enable()
                t0 = time.process_time()
                delivered = runtime.dispatcher.drain()
                prof.disable()
                print(f"   dispatcher rounds on this thread: {delivered} outbox entries")
            app.executor = pool
            for sort in ("tottime", "cumulative"):
                s = io.StringIO()
                pstats.Stats(prof, stream=s).sort_stats(sort).print_stats(args.top)
                lines = s.getvalue().splitlines()
                first = next(i for i, line in enumerate(lines) if "ncalls" in line)
                print(f"-- by {sort} ({count} calls, profiled)")
                print("\n".join(lines[first:first + args.top + 1]))
            if name == "publish":
                runtime.dispatcher.start()
    finally:
        runtime.stop()
        pool = app.executor
        pool.shutdown(wait=True)


if __name__ == "__main__":
    main()
