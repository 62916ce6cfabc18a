"""SQS on Nuvem: server CPU per call and throughput with boto3 on loopback, at a shallow and at a
deep queue, so a cost that grows with queue depth shows (issue 5's targets: SendMessage ≤ 0.5 ms
server CPU, per-message cost independent of depth, drain ≥ 3,000 msgs/s with batches of 10).

    .venv/bin/python benchmarks/sqs.py                  # depth 100,000
    .venv/bin/python benchmarks/sqs.py --depth 1000000  # slower to fill (batches of 10, 8 threads)

Server CPU is the server process's user+system time from /proc over the measured calls, so it
includes the whole pipeline (HTTP, SigV4, authorization, codec, store), not the handler only.
Prints a Markdown table; writes no file.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_var, None)

from tests.conftest import NuvemServer  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server, calls: int, fn) -> tuple[float, float]:
    """(server CPU ms per call, calls per second)."""
    cpu, wall = cpu_seconds(server.proc.pid), time.perf_counter()
    for i in range(calls):
        fn(i)
    wall, cpu = time.perf_counter() - wall, cpu_seconds(server.proc.pid) - cpu
    return cpu / calls * 1000, calls / wall


def fill(server, url: str, depth: int, threads: int = 8) -> None:
    per_thread = depth // 10 // threads

    def work():
        sqs = server.client("sqs")
        entries = [{"Id": str(j), "MessageBody": "f" * 100} for j in range(10)]
        for _ in range(per_thread):
            sqs.send_message_batch(QueueUrl=url, Entries=entries)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def run(server, depth: int, calls: int) -> dict[str, tuple[float, float]]:
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=f"bench-{depth}")["QueueUrl"]
    if depth:
        fill(server, url, depth)
    out = {}
    out["SendMessage"] = measure(server, calls, lambda i: sqs.send_message(QueueUrl=url, MessageBody="m" * 100))
    entries = [{"Id": str(j), "MessageBody": "b" * 100} for j in range(10)]
    out["SendMessageBatch (10)"] = measure(server, calls // 10,
                                           lambda i: sqs.send_message_batch(QueueUrl=url, Entries=entries))

    def drain_step(i):
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(msgs)])

    cpu, rate = measure(server, calls // 10, drain_step)
    out["receive+delete batch of 10 (per message)"] = (cpu / 10, rate * 10)
    fifo = sqs.create_queue(QueueName=f"bench-{depth}.fifo",
                            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    out["SendMessage FIFO"] = measure(server, calls // 2, lambda i: sqs.send_message(
        QueueUrl=fifo, MessageBody=f"m{i}", MessageGroupId=f"g{i % 10}"))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    server = NuvemServer().start()
    try:
        shallow = run(server, 10, args.calls)
        deep = run(server, args.depth, args.calls)
    finally:
        server.stop()
    print(f"| operation | server CPU ms, depth 10 | depth {args.depth:,} | ops/s, depth 10 | depth {args.depth:,} |")
    print("|---|---|---|---|---|")
    for name in shallow:
        (c1, r1), (c2, r2) = shallow[name], deep[name]
        print(f"| {name} | {c1:.3f} | {c2:.3f} | {r1:,.0f} | {r2:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
