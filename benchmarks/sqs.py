"""SQS and SNS next to moto's server and the canned asyncio server: SendMessage, SendMessageBatch,
receive + delete-batch drain, FIFO sends, per-message cost at a shallow and a deep queue, and SNS
Publish fanned out to 10 SQS subscriptions (issue 5's performance targets).

    .venv/bin/python benchmarks/sqs.py                     # writes the SQS section of docs/benchmarks.md
    .venv/bin/python benchmarks/sqs.py --quick --no-moto   # smoke run, writes no file
    .venv/bin/python benchmarks/sqs.py --depth 1000000     # deeper queue (slower to fill)
    make bench ARGS="--sqs"                                # the whole report, this section included

The servers are child processes started and stopped by benchmarks/targets.py and measured from
/proc the same way as in benchmarks/run.py (whose boto3 client, `sequential` loop and report
helpers are reused); the section is spliced into docs/benchmarks.md with benchmarks/s3.py's
helpers, between its own markers. Nuvem runs with its durable store (`--state-dir` in a temporary
directory), as users run it. Server CPU includes the whole pipeline (HTTP, SigV4, authorization,
codec, store) and every thread, so for SNS it includes the fan-out deliveries (made in the
Publish call, or for a topic of over 100 subscriptions by the dispatcher after its response).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (benchmarks/run.py: clients, loops, /proc helpers, report helpers)
import s3  # noqa: E402  (benchmarks/s3.py: splicing a section into docs/benchmarks.md)
import targets  # noqa: E402

from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

TARGETS = {"cpu_ms": 0.5, "share_of_canned": 0.70, "drain_msgs_s": 3000.0, "publish_ms": 2.0}
BEGIN, END = "<!-- sqs:begin -->", "<!-- sqs:end -->"
NUVEM, MOTO, CANNED = "Nuvem", "moto", "canned asyncio"
BODY = "m" * 100                             # every message body: 100 bytes
SUBSCRIPTIONS = 10


# ---------------------------------------------------------------------------------------------
# setup helpers

def _retry(fn, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except (BotoCoreError, ClientError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def fill(endpoint: str, url: str, count: int, threads: int = 4) -> float:
    """Send `count` messages (batches of 10) to `url` with `threads` clients; returns msgs/s."""
    batches = iter(range(count // 10))
    lock = threading.Lock()
    failures: list[BaseException] = []
    entries = [{"Id": str(j), "MessageBody": BODY} for j in range(10)]

    def work() -> None:
        c = run.client("sqs", endpoint)
        while True:
            with lock:
                i = next(batches, None)
            if i is None:
                return
            try:
                got = c.send_message_batch(QueueUrl=url, Entries=entries)
                if got.get("Failed"):
                    raise RuntimeError(f"batch entries failed: {got['Failed'][:2]}")
            except Exception as error:
                failures.append(error)
                return

    t0 = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise failures[0]
    return count / (time.perf_counter() - t0)


def receive_delete(c, url: str) -> int:
    """One ReceiveMessage of up to 10 + one DeleteMessageBatch of what came; returns how many."""
    msgs = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                             WaitTimeSeconds=0).get("Messages", [])
    if msgs:
        got = c.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(msgs)])
        if got.get("Failed"):
            raise RuntimeError(f"delete entries failed: {got['Failed'][:2]}")
    return len(msgs)


def drain(running, c, url: str, messages: int) -> tuple[float, float, int]:
    """(server CPU ms per message, msgs/s, receive calls) for receive + delete-batch of 10 until
    `messages` were received (or 3 receives in a row came back empty)."""
    got, receives, empty = 0, 0, 0
    cpu0, t0 = targets.cpu_seconds(running.pid), time.perf_counter()
    while got < messages and empty < 3:
        n = receive_delete(c, url)
        receives += 1
        got += n
        empty = 0 if n else empty + 1
    wall = time.perf_counter() - t0
    cpu = targets.cpu_seconds(running.pid) - cpu0
    if not got:
        raise RuntimeError("the drain received no message")
    return cpu * 1000 / got, got / wall, receives


POLL_ROUNDS = 5          # rounds of one count per queue that measure a poll's cost


def queue_count(c, url: str) -> int:
    return int(c.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


@dataclass
class FanOut:
    """One topic with SUBSCRIPTIONS SQS queues subscribed (with a queue policy that lets the
    topic send), on one server."""
    topic: str
    queues: list[str]

    @classmethod
    def create(cls, running, sqs, sns, name: str) -> "FanOut":
        topic = sns.create_topic(Name=name)["TopicArn"]
        queues = []
        for i in range(SUBSCRIPTIONS):
            url = sqs.create_queue(QueueName=f"{name}-{i}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"]["QueueArn"]
            policy = {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]}
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            queues.append(url)
        return cls(topic, queues)

    def publish(self, running, sqs, sns, count: int,
                timeout: float = 600.0) -> tuple[float, float, float, int]:
        """Publish `count` messages, then wait until all count × SUBSCRIPTIONS deliveries are in
        the queues. Returns (server CPU ms per publish over that whole window, less the polling
        calls; Publish calls/s; publishes/s end to end, i.e. until delivered; polls)."""
        before = [queue_count(sqs, u) for u in self.queues]
        polls = 0
        cpu0, t0 = targets.cpu_seconds(running.pid), time.perf_counter()
        for i in range(count):
            sns.publish(TopicArn=self.topic, Message=f"{BODY}{i}")
        published = time.perf_counter()
        deadline = time.monotonic() + timeout
        pending = list(range(len(self.queues)))[::-1]    # the last subscribed is likely last
        while pending:
            i = pending[0]
            polls += 1
            if queue_count(sqs, self.queues[i]) >= before[i] + count:
                pending.pop(0)
                continue
            if time.monotonic() > deadline:
                raise RuntimeError(f"only part of {count * SUBSCRIPTIONS} deliveries arrived "
                                   f"within {timeout:.0f} s")
            time.sleep(0.02)
        delivered = time.perf_counter()
        cpu = targets.cpu_seconds(running.pid) - cpu0
        # The polls' own cost, measured at the depth they ran at (a count reads every message
        # of its queue), from enough polls to be seen in 10 ms ticks.
        cpu1 = targets.cpu_seconds(running.pid)
        for _ in range(POLL_ROUNDS):
            for url in self.queues:
                queue_count(sqs, url)
        poll_ms = (targets.cpu_seconds(running.pid) - cpu1) * 1000 / (
            POLL_ROUNDS * len(self.queues))
        cpu -= polls * poll_ms / 1000
        return (cpu * 1000 / count, count / (published - t0), count / (delivered - t0), polls)


# ---------------------------------------------------------------------------------------------
# results

@dataclass
class Result:
    name: str
    version: str
    calls: int = 0
    send: run.OpResult = field(default_factory=run.OpResult)
    batch: run.OpResult = field(default_factory=run.OpResult)
    fifo: run.OpResult = field(default_factory=run.OpResult)
    publish_op: run.OpResult = field(default_factory=run.OpResult)   # canned: Publish alone
    drain_ms: list[float] = field(default_factory=list)              # server CPU per message
    drain_rate: list[float] = field(default_factory=list)            # msgs/s
    pub_ms: list[float] = field(default_factory=list)                # per publish, deliveries incl.
    pub_rate: list[float] = field(default_factory=list)              # Publish calls/s
    pub_e2e: list[float] = field(default_factory=list)               # publishes/s until delivered
    publishes: int = 0
    failure: str = ""


def _ops(c, url: str, fifo: str):
    entries = [{"Id": str(j), "MessageBody": BODY} for j in range(10)]
    n = itertools.count()
    send = run.Op("sqs send-message", "sqs", lambda c: c.send_message(QueueUrl=url, MessageBody=BODY))
    batch = run.Op("sqs send-message-batch (10)", "sqs",
                   lambda c: c.send_message_batch(QueueUrl=url, Entries=entries))

    def fifo_send(c):
        i = next(n)
        c.send_message(QueueUrl=fifo, MessageBody=f"{BODY}{i}", MessageGroupId=f"g{i % 10}")
    return send, batch, run.Op("sqs send-message (FIFO)", "sqs", fifo_send)


def bench(args) -> tuple[list[Result], list[str]]:
    """Every target set up, then run 1 of each (rotating order), run 2, ..."""
    notes: list[str] = []
    state = tempfile.mkdtemp(prefix="nuvem-sqs-bench-")
    chosen = [targets.nuvem(os.path.join(state, "durable"), NUVEM)]
    chosen += targets.comparisons(args.no_moto, args.no_canned, notes)
    results = {t.name: Result(t.name, t.version) for t in chosen}
    running: dict[str, targets.Running] = {}
    clients, ops, urls, fans = {}, {}, {}, {}

    def fail(name: str, error: BaseException) -> None:
        results[name].failure = f"{type(error).__name__}: {error}"
        run.say(f"  {name} FAILED: {results[name].failure}")
        if name in running:
            run.say(running[name].output()[-1500:])
            running.pop(name).stop()

    try:
        for t in chosen:
            res = results[t.name]
            res.calls = args.moto_calls if t.name == MOTO else args.calls
            res.publishes = args.moto_publishes if t.name == MOTO else args.publishes
            run.say(f"{t.name}: starting, creating queues" + ("" if t.name == CANNED else
                    f" and a topic with {SUBSCRIPTIONS} SQS subscriptions"))
            try:
                r = running[t.name] = t.spawn(targets.free_port())
                r.wait_listening()
                sqs, sns = run.client("sqs", r.endpoint), run.client("sns", r.endpoint)
                clients[t.name] = sqs, sns
                url = _retry(lambda: sqs.create_queue(QueueName="bench-send")["QueueUrl"])
                fifo = sqs.create_queue(QueueName="bench-fifo.fifo", Attributes={
                    "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
                urls[t.name] = url
                ops[t.name] = _ops(sqs, url, fifo)
                for op in ops[t.name]:
                    run._loop(sqs, op, args.warmup if t.name != MOTO else args.warmup // 10)
                if t.name == CANNED:
                    arn = "arn:aws:sns:us-east-1:000000000000:canned"
                    ops[t.name] += (run.Op("sns publish", "sns", lambda c, arn=arn: c.publish(
                        TopicArn=arn, Message=BODY)),)
                    run._loop(sns, ops[t.name][-1], args.warmup)
                else:
                    fans[t.name] = FanOut.create(r, sqs, sns, "bench-fanout")
                    fans[t.name].publish(r, sqs, sns, max(2, res.publishes // 10))   # warm-up
                    n = max(10, res.calls // 10)          # warm-up of the drain
                    probe = sqs.create_queue(QueueName="bench-drain-warm")["QueueUrl"]
                    fill(r.endpoint, probe, n)
                    drain(r, sqs, probe, n)
            except Exception as error:
                fail(t.name, error)

        def alive():
            return [t for t in chosen if not results[t.name].failure]

        for n in range(args.runs):
            order = alive()
            order = order[n % len(order):] + order[:n % len(order)] if order else []
            run.say(f"run {n + 1} of {args.runs}:")
            for t in order:
                r, (sqs, sns), res = running[t.name], clients[t.name], results[t.name]
                try:
                    send, batch, fifo = ops[t.name][:3]
                    run.sequential(r, send, sqs, res.calls, res.send)
                    run.sequential(r, batch, sqs, max(1, res.calls // 10), res.batch)
                    run.sequential(r, fifo, sqs, max(1, res.calls // 2), res.fifo)
                    line = (f"  {t.name}: send {res.send.cpu_ms[-1]:.3f} ms CPU, "
                            f"{res.send.ops[-1]:.0f}/s; batch {res.batch.cpu_ms[-1]:.3f} ms, "
                            f"{res.batch.ops[-1]:.0f}/s; fifo {res.fifo.ops[-1]:.0f}/s")
                    if t.name == CANNED:
                        url = urls[t.name]
                    else:
                        url = sqs.create_queue(QueueName=f"bench-drain-{n}")["QueueUrl"]
                        fill(r.endpoint, url, res.calls)
                    ms, rate, _ = drain(r, sqs, url, res.calls)
                    res.drain_ms.append(ms)
                    res.drain_rate.append(rate)
                    line += f"; drain {rate:.0f} msgs/s at {ms:.3f} ms/msg"
                    if t.name == CANNED:
                        run.sequential(r, ops[t.name][3], sns, res.calls, res.publish_op)
                        line += f"; publish {res.publish_op.ops[-1]:.0f}/s"
                    else:
                        ms, rate, e2e, polls = fans[t.name].publish(r, sqs, sns, res.publishes)
                        res.pub_ms.append(ms)
                        res.pub_rate.append(rate)
                        res.pub_e2e.append(e2e)
                        line += (f"; publish×{SUBSCRIPTIONS} {ms:.3f} ms CPU, {rate:.0f}/s, "
                                 f"{e2e:.0f}/s delivered ({polls} polls)")
                    errors = res.send.errors + res.batch.errors + res.fifo.errors
                    run.say(line + (f" ({errors} ERRORS)" if errors else ""))
                except Exception as error:
                    fail(t.name, error)
    finally:
        for r in running.values():
            r.stop()
        shutil.rmtree(state, ignore_errors=True)
    return [results[t.name] for t in chosen], notes


def depth(args) -> dict:
    """Nuvem (durable) only: per-message server CPU of SendMessage and of receive + delete-batch
    at a queue of ~10 messages and at one filled to args.depth, in alternating blocks (sends
    then as many messages drained) so each queue stays near its depth."""
    state = tempfile.mkdtemp(prefix="nuvem-sqs-depth-")
    r = targets.nuvem(state, NUVEM).spawn(targets.free_port())
    out: dict = {"depth": args.depth}
    try:
        r.wait_listening()
        sqs = run.client("sqs", r.endpoint)
        shallow = _retry(lambda: sqs.create_queue(QueueName="bench-shallow")["QueueUrl"])
        deep = sqs.create_queue(QueueName="bench-deep")["QueueUrl"]
        fill(r.endpoint, shallow, 10)
        run.say(f"Nuvem: filling a queue to {args.depth:,} messages ...")
        out["fill_msgs_s"] = fill(r.endpoint, deep, args.depth)
        out["count"] = queue_count(sqs, deep)
        block = args.depth_block
        for label, url in (("shallow", shallow), ("deep", deep)):
            for _ in range(block // 10):                                   # warm-up
                sqs.send_message(QueueUrl=url, MessageBody=BODY)
            drain(r, sqs, url, block // 10)
        rows = {k: {"send_ms": [], "send_s": [], "drain_ms": [], "drain_s": []}
                for k in ("shallow", "deep")}
        for n in range(args.runs):
            for label, url in ((("shallow", shallow), ("deep", deep)) if n % 2 == 0
                               else (("deep", deep), ("shallow", shallow))):
                send = run.Op("sqs send-message", "sqs",
                              lambda c, url=url: c.send_message(QueueUrl=url, MessageBody=BODY))
                cpu0, t0 = targets.cpu_seconds(r.pid), time.perf_counter()
                run._loop(sqs, send, block)
                wall = time.perf_counter() - t0
                rows[label]["send_ms"].append((targets.cpu_seconds(r.pid) - cpu0) * 1000 / block)
                rows[label]["send_s"].append(block / wall)
                ms, rate, _ = drain(r, sqs, url, block)
                rows[label]["drain_ms"].append(ms)
                rows[label]["drain_s"].append(rate)
            run.say(f"  run {n + 1}: shallow send {rows['shallow']['send_ms'][-1]:.3f} / drain "
                    f"{rows['shallow']['drain_ms'][-1]:.3f} ms per msg; deep send "
                    f"{rows['deep']['send_ms'][-1]:.3f} / drain {rows['deep']['drain_ms'][-1]:.3f}")
        out["rows"] = rows
        out["count_after"] = queue_count(sqs, deep)
        out["db_mib"] = s3._du(state) / (1 << 20)
    finally:
        r.stop()
        shutil.rmtree(state, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------------------
# the report

def _cell(values: list[float], digits: int = 0) -> str:
    return run._num(run.med(values), digits)


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: list[Result], deep: dict, args, notes: list[str]) -> str:
    m = run.machine()
    by = {r.name: r for r in results if not r.failure}
    nv, mo, ca = by.get(NUVEM), by.get(MOTO), by.get(CANNED)
    med = run.med
    out = [BEGIN, "## SQS and SNS", "",
           f"Measured by `benchmarks/sqs.py{' ' + ' '.join(args.argv) if args.argv else ''}` "
           f"on {m['date']}: {m['nproc']} CPUs, {m['cpu']}, Linux {m['kernel']}, Python "
           f"{m['python']}, boto3 {run.boto3.__version__}; load average before / after: "
           f"{args.load[0]} / {args.load[1]}. Servers: " + ", ".join(
               f"{r.name} {r.version}" + (f" (commit {m['commit']})" if r.name == NUVEM else "")
               for r in results) + ".", ""]
    if args.quick:
        out += ["> Quick run (`--quick`): few calls, numbers are rough.", ""]
    for note in notes:
        out += [f"> {note}", ""]
    for r in results:
        if r.failure:
            out += [f"> {r.name} failed: `{r.failure}`", ""]
    moto_calls = f" (moto: {mo.calls}, it is slow)" if mo and mo.calls != args.calls else ""
    out += [
        "What is measured: one boto3 client (SQS over the JSON protocol, SNS over the query "
        "protocol) against each server on 127.0.0.1, servers measured interleaved, median of "
        f"{args.runs} run(s). **Nuvem** is `nuvem serve --state-dir <tmp>` (the durable SQLite "
        "store users get). Message bodies are 100 bytes. The canned server answers SendMessage "
        "and SendMessageBatch with the MD5 of each body it was sent (boto3 checks it), "
        "ReceiveMessage with 10 fixed messages and DeleteMessageBatch with every entry "
        "successful: its rate is what this client can drive at most. Server CPU is utime + "
        "stime of the server process from `/proc/<pid>/stat` over the measured window (all "
        "threads, including threads that ended during it, which moto's server starts one per "
        "request: per-thread schedstat would miss them), in 10 ms ticks. "
        "\"moto / Nuvem\" > 1× means Nuvem is better.", "",
        f"### Sends ({args.calls} SendMessage{moto_calls}, a tenth as many batches and half as "
        f"many FIFO sends per run, after {args.warmup} warm-up calls)", "",
        "SendMessage to a standard queue; SendMessageBatch of 10 entries (one call); SendMessage "
        "to a FIFO queue with content-based deduplication, 10 message groups, a new body each "
        "call. Targets (SendMessage): ≤ 0.5 ms server CPU per call and ≥ 70% of the canned "
        "server's calls/s.", "",
        "| operation | server | server CPU ms/call | calls/s | msgs/s | p50 ms | p99 ms | client CPU "
        "ms/call | share of canned calls/s | moto / Nuvem CPU | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for attr, label, per in (("send", "SendMessage", 1), ("batch", "SendMessageBatch (10)", 10),
                             ("fifo", "SendMessage (FIFO)", 1)):
        for r in results:
            o = getattr(r, attr)
            if not o.ops:
                continue
            share = ratio = verdict = ""
            if ca and r is not ca and getattr(ca, attr).ops:
                share = f"{med(o.ops) / med(getattr(ca, attr).ops):.0%}"
            if mo and r.name == NUVEM and getattr(mo, attr).ops:
                ratio = run._ratio(med(getattr(mo, attr).cpu_ms), med(o.cpu_ms))
            if r.name == NUVEM and attr == "send":
                verdict = "CPU " + run._verdict(med(o.cpu_ms), TARGETS["cpu_ms"])
                if share:
                    verdict += ", rate " + _met(med(o.ops) / med(ca.send.ops)
                                                >= TARGETS["share_of_canned"])
            err = f" ({o.errors} errors)" if o.errors else ""
            out.append(f"| {label} | {r.name}{err} | {_cell(o.cpu_ms, 3)} | {_cell(o.ops)} | "
                       f"{run._num(med(o.ops) * per)} | {_cell(o.p50_ms, 2)} | "
                       f"{_cell(o.p99_ms, 2)} | {_cell(o.client_ms, 3)} | {share} | {ratio} | "
                       f"{verdict} |")

    servers = [r for r in results if r.drain_rate]
    out += ["", "### Drain: ReceiveMessage (10) + DeleteMessageBatch", "",
            "A fresh queue per run, filled with as many messages as SendMessage calls above "
            "(batches of 10, 4 threads, not timed), then received 10 at a time "
            "(`WaitTimeSeconds=0`), each receive followed by a DeleteMessageBatch of what it got, "
            f"until all are received. Target: ≥ {TARGETS['drain_msgs_s']:,.0f} msgs/s.", "",
            "| | " + " | ".join(r.name for r in servers) + " | Nuvem / moto | target |",
            "|---|" + "---:|" * len(servers) + "---:|---|"]
    ratio = run._ratio(med(nv.drain_rate), med(mo.drain_rate)) if nv and mo else ""
    verdict = (_met(med(nv.drain_rate) >= TARGETS["drain_msgs_s"]) +
               f" (≥ {TARGETS['drain_msgs_s']:,.0f} msgs/s)") if nv else ""
    out.append("| msgs/s | " + " | ".join(_cell(r.drain_rate) for r in servers)
               + f" | {ratio} | {verdict} |")
    out.append("| server CPU ms per message | " + " | ".join(_cell(r.drain_ms, 3) for r in servers)
               + " | | |")
    if ca and nv and ca.drain_rate:
        out.append(f"| share of canned msgs/s | " + " | ".join(
            f"{med(r.drain_rate) / med(ca.drain_rate):.0%}" if r is not ca else ""
            for r in servers) + " | | |")

    fan = [r for r in results if r.pub_ms or r.publish_op.ops]
    if fan:
        pubs = ", ".join(f"{r.name} {r.publishes}" for r in fan if r.pub_ms)
        out += ["", f"### SNS Publish to a topic with {SUBSCRIPTIONS} SQS subscriptions", "",
                f"One topic, {SUBSCRIPTIONS} standard queues subscribed (each with a queue policy "
                "allowing the topic), default (not raw) delivery. Each run publishes N messages "
                f"({pubs}) one after the other, then polls `GetQueueAttributes` until all N × "
                f"{SUBSCRIPTIONS} deliveries are in the queues; server CPU per publish is the "
                "process CPU over that whole window (publishes **and** the deliveries, which "
                "Nuvem makes in the Publish call's transaction) divided by N, less "
                "the polling calls at their cost measured right after, at the same queue "
                "depth. \"Delivered publishes/s\" is N over "
                "the time from the first publish until the last delivery landed. The canned "
                "server answers Publish alone (no delivery): its row is the client ceiling for "
                f"the Publish call. Target: ≤ {TARGETS['publish_ms']:g} ms server CPU per "
                "publish.", "",
                "| | " + " | ".join(r.name for r in fan) + " | moto / Nuvem | target |",
                "|---|" + "---:|" * len(fan) + "---:|---|"]
        ratio = run._ratio(med(mo.pub_ms), med(nv.pub_ms)) if nv and mo else ""
        verdict = (run._verdict(med(nv.pub_ms), TARGETS["publish_ms"]) +
                   f" (≤ {TARGETS['publish_ms']:g} ms)") if nv else ""
        out.append(f"| server CPU ms per publish, {SUBSCRIPTIONS} deliveries included | " +
                   " | ".join(_cell(r.pub_ms, 3) if r.pub_ms else "—" for r in fan)
                   + f" | {ratio} | {verdict} |")
        out.append("| Publish calls/s | " + " | ".join(
            _cell(r.pub_rate) if r.pub_rate else _cell(r.publish_op.ops) for r in fan) + " | | |")
        out.append("| delivered publishes/s (end to end) | " + " | ".join(
            _cell(r.pub_e2e) if r.pub_e2e else "—" for r in fan) + " | | |")
        if ca and ca.publish_op.ops:
            out.append("| server CPU ms per Publish call alone | " + " | ".join(
                _cell(r.publish_op.cpu_ms, 3) if r.publish_op.ops else "—" for r in fan)
                + " | | |")

    if deep.get("rows"):
        rows = deep["rows"]
        d = deep["depth"]
        out += ["", f"### Queue depth: ~10 vs {d:,} messages (Nuvem, durable store)", "",
                f"One Nuvem server; one queue holding ~10 messages and one filled to {d:,} "
                f"(batches of 10, 4 client threads, at {deep['fill_msgs_s']:,.0f} msgs/s; "
                f"`ApproximateNumberOfMessages` {deep['count']:,}; state dir "
                f"{deep['db_mib']:.0f} MiB at the end). Per run and queue, alternating which "
                f"goes first: {args.depth_block} SendMessage calls, then receive + delete-batch "
                f"of 10 until {args.depth_block} messages are drained, so each queue stays near "
                "its depth. Median of "
                f"{args.runs} run(s). Target: the per-message cost does not depend on the depth.",
                "", f"| | depth ~10 | depth {d:,} | deep / shallow |", "|---|---:|---:|---:|"]
        for key, label, digits in (("send_ms", "SendMessage: server CPU ms/call", 3),
                                   ("send_s", "SendMessage: calls/s", 0),
                                   ("drain_ms", "receive + delete-batch: server CPU ms/msg", 3),
                                   ("drain_s", "receive + delete-batch: msgs/s", 0)):
            a, b = med(rows["shallow"][key]), med(rows["deep"][key])
            out.append(f"| {label} | {run._num(a, digits)} | {run._num(b, digits)} | "
                       f"{b / a:.2f}× |")
        if mo:
            out += ["", "moto was not filled to this depth: its receive scans the whole queue "
                    "(issue 5 measured 676 ms server CPU per receive), so the fill and drain would "
                    "take hours."]
    out += [""] + [line for line in args.extra_notes] + [END]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    p = prefix
    parser.add_argument(f"--{p}calls", type=int,
                        help="SendMessage calls per run (default 2000, quick 200)")
    parser.add_argument(f"--{p}moto-calls", type=int,
                        help="the same for moto, which is slower (default 500, quick 40)")
    parser.add_argument(f"--{p}publishes", type=int,
                        help="SNS publishes per run (default 300, quick 30)")
    parser.add_argument(f"--{p}moto-publishes", type=int,
                        help="the same for moto (default 50, quick 5)")
    parser.add_argument(f"--{p}depth", type=int,
                        help="the deep queue of the depth test, 0 to skip "
                             "(default 100000, quick 2000)")
    parser.add_argument(f"--{p}depth-block", type=int,
                        help="SendMessage calls (and messages drained) per depth run "
                             "(default 1000, quick 200)")


def defaults(args, quick: bool) -> None:
    def pick(name, full, short):
        value = getattr(args, name, None)
        setattr(args, name, value if value is not None else (short if quick else full))
    pick("calls", 2000, 200)
    pick("moto_calls", 500, 40)
    pick("publishes", 300, 30)
    pick("moto_publishes", 50, 5)
    pick("depth", 100_000, 2000)
    pick("depth_block", 1000, 200)
    s3.common_defaults(args, quick)


def measure(args) -> str:
    """Run what args ask for and return the Markdown section."""
    before = run._loadavg()
    results, notes = bench(args)
    deep: dict = {}
    if args.depth:
        try:
            deep = depth(args)
        except Exception as error:
            notes.append(f"The queue-depth test failed: {type(error).__name__}: {error}")
            run.say(notes[-1])
    args.load = (before, run._loadavg())
    return report(results, deep, args, notes)


def main(argv: list[str] | None = None) -> int:
    return s3.section_main(argv, __doc__.splitlines()[0], add_arguments, defaults, measure,
                           BEGIN, END)


if __name__ == "__main__":
    sys.exit(main())
