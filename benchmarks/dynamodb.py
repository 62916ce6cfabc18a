"""DynamoDB next to moto's server and the canned asyncio server: PutItem, GetItem,
BatchWriteItem of 25, Query of a 1,000-item partition, and the Query cost in a table that also
holds many other partitions (issue 6's performance targets).

    .venv/bin/python benchmarks/dynamodb.py                    # writes its section of the report
    .venv/bin/python benchmarks/dynamodb.py --quick --no-moto  # smoke run, writes no file
    .venv/bin/python benchmarks/dynamodb.py --items 1000000 --partitions 10000  # issue 6, in full
    make bench ARGS="--dynamodb"                               # the whole report, this section too

The servers are child processes started and stopped by benchmarks/targets.py and measured from
/proc the same way as in benchmarks/run.py (whose boto3 client, `sequential` loop and report
helpers are reused); the section is spliced into docs/benchmarks.md with benchmarks/s3.py's
helpers, between its own markers. Nuvem runs with its durable store (`--state-dir` in a temporary
directory), as users run it. Server CPU includes the whole pipeline (HTTP, SigV4, authorization,
codec, store) and every thread.
"""
from __future__ import annotations

import argparse
import itertools
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

TARGETS = {"cpu_ms": 0.5, "share_of_canned": 0.70, "batch_ms": 3.0, "query_ms": 10.0}
BEGIN, END = "<!-- dynamodb:begin -->", "<!-- dynamodb:end -->"
NUVEM, MOTO, CANNED = "Nuvem", "moto", "canned asyncio"
TABLE = "bench"
GET_KEYS = 100                  # GetItem cycles over this many keys
PARTITION = 1000                # items in the queried partition (one page)
BATCH = 25                      # items per BatchWriteItem, DynamoDB's maximum


# ---------------------------------------------------------------------------------------------
# items

def item(pk: str, sk: str = "0") -> dict:
    """A small item of 10 attributes (~200 bytes) mixing the attribute types."""
    return {
        "pk": {"S": pk}, "sk": {"S": sk}, "name": {"S": "Ada Lovelace"},
        "email": {"S": "ada@example.com"}, "age": {"N": "36"}, "score": {"N": "1234.5"},
        "active": {"BOOL": True}, "tags": {"SS": ["a", "b", "c"]},
        "address": {"M": {"city": {"S": "London"}, "zip": {"S": "W1"}}},
        "history": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
    }


def small(pk: str, n: int) -> dict:
    """The small items of the queried partition and of the scale fill (4 attributes)."""
    return {"pk": {"S": pk}, "sk": {"S": f"{n:05d}"}, "n": {"N": str(n)}, "v": {"S": "v" * 20}}


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


def create_table(c, name: str, timeout: float = 60.0) -> None:
    """CreateTable (on demand, hash `pk` S + range `sk` S), then DescribeTable until ACTIVE."""
    _retry(lambda: c.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}]))
    deadline = time.monotonic() + timeout
    while c.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise RuntimeError(f"table {name} not ACTIVE after {timeout:.0f} s")
        time.sleep(0.05)


def write_batch(c, table: str, items: list[dict], tries: int = 50) -> None:
    """One BatchWriteItem, then again with whatever came back unprocessed."""
    requests = {table: [{"PutRequest": {"Item": i}} for i in items]}
    for n in range(tries):
        requests = c.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        if not requests:
            return
        time.sleep(min(0.5, 0.01 * 2 ** n))
    raise RuntimeError(f"items still unprocessed after {tries} BatchWriteItem calls")


def fill(endpoint: str, table: str, items, threads: int = 4) -> float:
    """Write `items` (an iterable of items, taken in batches of 25) with `threads` clients;
    returns items/s."""
    source = iter(items)
    lock = threading.Lock()
    failures: list[BaseException] = []
    written = [0] * threads

    def work(k: int) -> None:
        c = run.client("dynamodb", endpoint)
        while not failures:
            with lock:
                batch = list(itertools.islice(source, BATCH))
            if not batch:
                return
            try:
                write_batch(c, table, batch)
                written[k] += len(batch)
            except Exception as error:
                failures.append(error)
                return

    t0 = time.perf_counter()
    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise failures[0]
    return sum(written) / (time.perf_counter() - t0)


def query_op(table: str, pk: str = "q") -> run.Op:
    def query(c):
        got = c.query(TableName=table, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": pk}})
        if got["Count"] != PARTITION or "LastEvaluatedKey" in got:
            raise RuntimeError(f"Query returned {got['Count']} items"
                               + (" and a LastEvaluatedKey" if "LastEvaluatedKey" in got else "")
                               + f", not one page of {PARTITION}")
    return run.Op(f"dynamodb query ({PARTITION} items)", "dynamodb", query)


def get_op(table: str, pk=lambda i: f"get-{i}", sk=lambda i: "0") -> run.Op:
    n = itertools.count()

    def get(c):
        i = next(n) % GET_KEYS
        if "Item" not in c.get_item(TableName=table, Key={"pk": {"S": pk(i)}, "sk": {"S": sk(i)}}):
            raise RuntimeError(f"GetItem found no item {pk(i)}/{sk(i)}")
    return run.Op("dynamodb get-item", "dynamodb", get)


# ---------------------------------------------------------------------------------------------
# results

@dataclass
class Result:
    name: str
    version: str
    calls: int = 0
    queries: int = 0
    put: run.OpResult = field(default_factory=run.OpResult)
    get: run.OpResult = field(default_factory=run.OpResult)
    batch: run.OpResult = field(default_factory=run.OpResult)
    query: run.OpResult = field(default_factory=run.OpResult)
    failure: str = ""


def _ops(name: str) -> tuple[run.Op, run.Op, run.Op, run.Op]:
    puts, batches = itertools.count(), itertools.count()
    put = run.Op("dynamodb put-item", "dynamodb",
                 lambda c: c.put_item(TableName=TABLE, Item=item(f"put-{next(puts)}")))

    def batch(c):
        n = next(batches)
        got = c.batch_write_item(RequestItems={TABLE: [
            {"PutRequest": {"Item": item(f"batch-{n}-{j}")}} for j in range(BATCH)]})
        if got.get("UnprocessedItems"):
            raise RuntimeError(f"{name}: BatchWriteItem left items unprocessed")
    return (put, get_op(TABLE), run.Op(f"dynamodb batch-write-item ({BATCH})", "dynamodb", batch),
            query_op(TABLE))


def bench(args) -> tuple[list[Result], list[str]]:
    """Every target set up, then run 1 of each (rotating order), run 2, ..."""
    notes: list[str] = []
    state = tempfile.mkdtemp(prefix="nuvem-dynamodb-bench-")
    chosen = [targets.nuvem(os.path.join(state, "durable"), NUVEM)]
    chosen += targets.comparisons(args.no_moto, args.no_canned, notes)
    results = {t.name: Result(t.name, t.version) for t in chosen}
    running: dict[str, targets.Running] = {}
    clients, ops = {}, {}

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
            res.queries = args.moto_queries if t.name == MOTO else args.queries
            run.say(f"{t.name}: starting, creating the table, writing {GET_KEYS} items to get "
                    f"and a partition of {PARTITION} to query")
            try:
                r = running[t.name] = t.spawn(targets.free_port())
                r.wait_listening()
                c = clients[t.name] = run.client("dynamodb", r.endpoint)
                create_table(c, TABLE)
                if t.name != CANNED:
                    fill(r.endpoint, TABLE, (item(f"get-{i}") for i in range(GET_KEYS)))
                    fill(r.endpoint, TABLE, (small("q", n) for n in range(PARTITION)))
                ops[t.name] = _ops(t.name)
                for op in ops[t.name]:
                    op.call(c)                  # once outside the loop: wrong answers raise
                warm = args.warmup if t.name != MOTO else args.warmup // 10
                for op in ops[t.name][:3]:
                    run._loop(c, op, warm)
                run._loop(c, ops[t.name][3], max(2, warm // 20))
            except Exception as error:
                fail(t.name, error)

        def alive():
            return [t for t in chosen if not results[t.name].failure]

        for n in range(args.runs):
            order = alive()
            order = order[n % len(order):] + order[:n % len(order)] if order else []
            run.say(f"run {n + 1} of {args.runs}:")
            for t in order:
                r, c, res = running[t.name], clients[t.name], results[t.name]
                try:
                    put, get, batch, query = ops[t.name]
                    run.sequential(r, put, c, res.calls, res.put)
                    run.sequential(r, get, c, res.calls, res.get)
                    run.sequential(r, batch, c, max(1, res.calls // 10), res.batch)
                    run.sequential(r, query, c, res.queries, res.query)
                    errors = res.put.errors + res.get.errors + res.batch.errors + res.query.errors
                    run.say(f"  {t.name}: put {res.put.cpu_ms[-1]:.3f} ms CPU, "
                            f"{res.put.ops[-1]:.0f}/s; get {res.get.cpu_ms[-1]:.3f} ms, "
                            f"{res.get.ops[-1]:.0f}/s; batch {res.batch.cpu_ms[-1]:.3f} ms, "
                            f"{res.batch.ops[-1]:.0f}/s; query {res.query.cpu_ms[-1]:.3f} ms, "
                            f"{res.query.ops[-1]:.0f}/s"
                            + (f" ({errors} ERRORS)" if errors else ""))
                except Exception as error:
                    fail(t.name, error)
    finally:
        for r in running.values():
            r.stop()
        shutil.rmtree(state, ignore_errors=True)
    return [results[t.name] for t in chosen], notes


def scale(args) -> dict:
    """One Nuvem server with two tables holding the same 1,000-item partition: `small` holds only
    it, `big` also `args.items` items over `args.partitions` other partitions. Query (and GetItem
    in that partition) measured on both, alternating which goes first, after the big one is
    filled; the big table is also measured once before its fill."""
    state = tempfile.mkdtemp(prefix="nuvem-dynamodb-scale-")
    r = targets.nuvem(state, NUVEM).spawn(targets.free_port())
    out: dict = {"items": args.items, "partitions": args.partitions}
    try:
        r.wait_listening()
        c = run.client("dynamodb", r.endpoint)
        tables = {"small": "bench-small", "big": "bench-big"}
        ops = {}
        for label, name in tables.items():
            create_table(c, name)
            fill(r.endpoint, name, (small("q", n) for n in range(PARTITION)))
            ops[label] = (query_op(name), get_op(name, pk=lambda i: "q",
                                                 sk=lambda i: f"{i * (PARTITION // GET_KEYS):05d}"))
            for op in ops[label]:
                op.call(c)
                run._loop(c, op, 5)
        rows = {k: {"query_ms": [], "query_p50": [], "get_ms": []}
                for k in ("small", "big", "before")}

        def measure(label: str, key: str) -> None:
            query, get = ops[label]
            got = run.OpResult()
            run.sequential(r, query, c, args.scale_queries, got)
            rows[key]["query_ms"].append(got.cpu_ms[-1])
            rows[key]["query_p50"].append(got.p50_ms[-1])
            got = run.OpResult()
            run.sequential(r, get, c, args.scale_queries * 10, got)
            rows[key]["get_ms"].append(got.cpu_ms[-1])
            if got.errors:
                raise RuntimeError(f"{got.errors} GetItem errors")

        measure("big", "before")
        per = -(-args.items // args.partitions)
        run.say(f"Nuvem: filling a table with {args.items:,} items over {args.partitions:,} "
                f"partitions (BatchWriteItem of {BATCH}, 4 client threads) ...")
        cpu0 = targets.cpu_seconds(r.pid)
        out["fill_items_s"] = fill(r.endpoint, tables["big"], (
            small(f"p{i % args.partitions:06d}", i // args.partitions) for i in range(args.items)))
        out["fill_cpu_ms"] = (targets.cpu_seconds(r.pid) - cpu0) * 1000 / (args.items / BATCH)
        out["per_partition"] = per
        run.say(f"  filled at {out['fill_items_s']:,.0f} items/s "
                f"({out['fill_cpu_ms']:.2f} ms server CPU per batch of {BATCH})")
        for n in range(args.runs):
            for label in (("small", "big") if n % 2 == 0 else ("big", "small")):
                measure(label, label)
            run.say(f"  run {n + 1}: query {rows['small']['query_ms'][-1]:.2f} ms CPU in the "
                    f"partition-only table, {rows['big']['query_ms'][-1]:.2f} ms in the big one; "
                    f"get {rows['small']['get_ms'][-1]:.3f} / {rows['big']['get_ms'][-1]:.3f} ms")
        out["rows"] = rows
        some = f"p{(args.partitions - 1):06d}"
        count, more = 0, {}
        while True:
            got = c.query(TableName=tables["big"], KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": some}}, Select="COUNT", **more)
            count += got["Count"]
            if "LastEvaluatedKey" not in got:
                break
            more = {"ExclusiveStartKey": got["LastEvaluatedKey"]}
        out["check"] = (some, count, len(range(args.partitions - 1, args.items, args.partitions)))
        out["db_mib"] = s3._du(state) / (1 << 20)
    finally:
        r.stop()
        shutil.rmtree(state, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------------------
# the report

def _cell(values: list[float], digits: int = 0) -> str:
    return run._num(run.med(values), digits)


def _duration(seconds: float) -> str:
    if seconds >= 5400:
        return f"about {seconds / 3600:.1f} h"
    return f"about {seconds / 60:.0f} min" if seconds >= 90 else f"about {seconds:.0f} s"


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _rows(results: list[Result], attrs, ca, mo, verdicts) -> list[str]:
    med = run.med
    out = []
    for attr, label, per in attrs:
        for r in results:
            o = getattr(r, attr)
            if not o.ops:
                continue
            share = ratio = verdict = ""
            if ca and r is not ca and getattr(ca, attr).ops:
                share = f"{med(o.ops) / med(getattr(ca, attr).ops):.0%}"
            if mo and r.name == NUVEM and getattr(mo, attr).ops:
                ratio = run._ratio(med(getattr(mo, attr).cpu_ms), med(o.cpu_ms))
            if r.name == NUVEM:
                verdict = verdicts(attr, o, share)
            err = f" ({o.errors} errors)" if o.errors else ""
            out.append(f"| {label} | {r.name}{err} | {_cell(o.cpu_ms, 3)} | {_cell(o.ops)} | "
                       f"{run._num(med(o.ops) * per)} | {_cell(o.p50_ms, 2)} | "
                       f"{_cell(o.p99_ms, 2)} | {_cell(o.client_ms, 3)} | {share} | {ratio} | "
                       f"{verdict} |")
    return out


def report(results: list[Result], big: dict, args, notes: list[str]) -> str:
    m = run.machine()
    by = {r.name: r for r in results if not r.failure}
    nv, mo, ca = by.get(NUVEM), by.get(MOTO), by.get(CANNED)
    med = run.med
    out = [BEGIN, "## DynamoDB", "",
           f"Measured by `benchmarks/dynamodb.py{' ' + ' '.join(args.argv) if args.argv else ''}` "
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
    moto_calls = f" (moto: {mo.calls}, it is slower)" if mo and mo.calls != args.calls else ""
    moto_queries = (f" (moto: {mo.queries})" if mo and mo.queries != args.queries else "")
    header = ["| operation | server | server CPU ms/call | calls/s | items/s | p50 ms | p99 ms | "
              "client CPU ms/call | share of canned calls/s | moto / Nuvem CPU | target |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]

    def verdicts(attr: str, o: run.OpResult, share: str) -> str:
        limit = {"put": TARGETS["cpu_ms"], "get": TARGETS["cpu_ms"], "batch": TARGETS["batch_ms"],
                 "query": TARGETS["query_ms"]}[attr]
        verdict = f"CPU {run._verdict(med(o.cpu_ms), limit)} (≤ {limit:g} ms)"
        if attr in ("put", "get") and share:
            verdict += ", rate " + _met(med(o.ops) / med(getattr(ca, attr).ops)
                                        >= TARGETS["share_of_canned"])
        return verdict

    out += [
        "What is measured: one boto3 client (DynamoDB's JSON 1.0 protocol, low-level typed "
        "attribute values) against each server on 127.0.0.1, servers measured interleaved, "
        f"median of {args.runs} run(s). **Nuvem** is `nuvem serve --state-dir <tmp>` (the durable "
        "SQLite store users get). Each server gets one on-demand table (`CreateTable` with "
        "`PAY_PER_REQUEST`, hash key `pk` and range key `sk`, both strings; `DescribeTable` until "
        "ACTIVE). Items are small: 10 attributes of ~200 bytes (S, N, BOOL, SS, M and L). The "
        "canned server answers each call with fixed bytes of the same shape (with the "
        "`x-amz-crc32` header real DynamoDB sends and botocore checks): its rate is what this "
        "client can drive at most. Server CPU is utime + stime of the server process from "
        "`/proc/<pid>/stat` over the measured window (all threads), in 10 ms ticks. "
        "\"moto / Nuvem\" > 1× means Nuvem is better.", "",
        f"### PutItem and GetItem ({args.calls} calls of each per run{moto_calls}, after "
        f"{args.warmup} warm-up calls)", "",
        "PutItem writes a new key each call; GetItem cycles over 100 keys written before the runs "
        f"(strongly consistent reads are not asked for). Targets: ≤ {TARGETS['cpu_ms']:g} ms "
        f"server CPU per call and ≥ {TARGETS['share_of_canned']:.0%} of the canned server's "
        "calls/s.", "", *header]
    out += _rows(results, (("put", "PutItem", 1), ("get", "GetItem", 1)), ca, mo, verdicts)
    out += ["", f"### BatchWriteItem of {BATCH} and Query of {PARTITION:,} items", "",
            f"BatchWriteItem: {BATCH} new 10-attribute items per call, a tenth as many calls as "
            f"PutItem per run; target ≤ {TARGETS['batch_ms']:g} ms server CPU per call. Query: "
            f"`pk = :p` on one partition holding {PARTITION:,} small items (4 attributes, ~50 "
            f"bytes), all returned in one page, {args.queries} queries per run{moto_queries}; "
            f"target ≤ {TARGETS['query_ms']:g} ms server CPU per query. The table also holds "
            "the PutItem and BatchWriteItem items of the runs before.", "", *header]
    out += _rows(results, (("batch", f"BatchWriteItem ({BATCH})", BATCH),
                           ("query", f"Query ({PARTITION:,} items)", PARTITION)),
                 ca, mo, verdicts)

    if big.get("rows"):
        rows = big["rows"]
        n, p = big["items"], big["partitions"]
        check = big.get("check")
        out += ["", f"### Table size: Query of one partition, alone vs. beside {n:,} items in "
                f"{p:,} partitions (Nuvem, durable store)", "",
                f"One Nuvem server, two tables holding the same partition of {PARTITION:,} small "
                f"items: one holds only it, the other also {n:,} small items over {p:,} other "
                f"partitions (~{big['per_partition']:,} each), written with BatchWriteItem of "
                f"{BATCH} by 4 client threads at **{big['fill_items_s']:,.0f} items/s** "
                f"({big['fill_cpu_ms']:.2f} ms server CPU per batch; state dir "
                f"{big['db_mib']:.0f} MiB at the end). Per run, alternating which table goes "
                f"first: {args.scale_queries} Queries of the partition, then "
                f"{args.scale_queries * 10} GetItems of keys in it. Median of {args.runs} "
                "run(s). Target: the cost does not depend on the size of the table.", "",
                f"| | only that partition | beside {n:,} items | big / alone | big table before "
                "its fill |", "|---|---:|---:|---:|---:|"]
        for key, label, digits in (("query_ms", "Query: server CPU ms/query", 2),
                                   ("query_p50", "Query: p50 ms", 2),
                                   ("get_ms", "GetItem: server CPU ms/call", 3)):
            a, b, c = med(rows["small"][key]), med(rows["big"][key]), med(rows["before"][key])
            out.append(f"| {label} | {run._num(a, digits)} | {run._num(b, digits)} | "
                       f"{f'{b / a:.2f}×' if a else '—'} | {run._num(c, digits)} |")
        if check:
            out += ["", f"Check: a Query with `Select=COUNT` of partition `{check[0]}` found "
                    f"{check[1]:,} items (expected {check[2]:,})."]
        if mo and mo.batch.ops:
            rate = med(mo.batch.ops) * BATCH
            out += ["", "moto was not filled: this test is Nuvem's alone. At moto's BatchWriteItem "
                    f"rate above ({rate:,.0f} items/s of 10 attributes, one client) its fill alone would take "
                    f"{_duration(n / rate)}" + (f", and {_duration(1_000_000 / rate)} for "
                    "issue 6's 1,000,000 items." if n < 1_000_000 else ".")]
        else:
            out += ["", "Only Nuvem takes part in this test (moto's fill time is estimated here "
                    "from its BatchWriteItem rate when moto is measured)."]
    out += [""] + [line for line in args.extra_notes] + [END]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    p = prefix
    parser.add_argument(f"--{p}calls", type=int,
                        help="PutItem and GetItem calls per run, a tenth as many BatchWriteItems "
                             "(default 2000, quick 200)")
    parser.add_argument(f"--{p}moto-calls", type=int,
                        help="the same for moto, which is slower (default 500, quick 40)")
    parser.add_argument(f"--{p}queries", type=int,
                        help=f"Queries of the {PARTITION}-item partition per run "
                             "(default 100, quick 10)")
    parser.add_argument(f"--{p}moto-queries", type=int,
                        help="the same for moto (default 30, quick 3)")
    parser.add_argument(f"--{p}items", type=int,
                        help="items of the big table in the scale test, 0 to skip (default "
                             "300000, about a minute on Nuvem; quick 5000; issue 6's full "
                             "check: 1000000)")
    parser.add_argument(f"--{p}partitions", type=int,
                        help="partitions those items are spread over (default 3000, quick 50; "
                             "issue 6's full check: 10000)")
    parser.add_argument(f"--{p}scale-queries", type=int,
                        help="Queries per table and run in the scale test, ten times as many "
                             "GetItems (default 50, quick 10)")


def defaults(args, quick: bool) -> None:
    def pick(name, full, short):
        value = getattr(args, name, None)
        setattr(args, name, value if value is not None else (short if quick else full))
    pick("calls", 2000, 200)
    pick("moto_calls", 500, 40)
    pick("queries", 100, 10)
    pick("moto_queries", 30, 3)
    pick("items", 300_000, 5000)
    pick("partitions", 3000, 50)
    pick("scale_queries", 50, 10)
    args.partitions = max(1, args.partitions)
    s3.common_defaults(args, quick)


def measure(args) -> str:
    """Run what args ask for and return the Markdown section."""
    before = run._loadavg()
    results, notes = bench(args)
    big: dict = {}
    if args.items:
        try:
            big = scale(args)
        except Exception as error:
            notes.append(f"The table-size test failed: {type(error).__name__}: {error}")
            run.say(notes[-1])
    args.load = (before, run._loadavg())
    return report(results, big, args, notes)


def main(argv: list[str] | None = None) -> int:
    return s3.section_main(argv, __doc__.splitlines()[0], add_arguments, defaults, measure,
                           BEGIN, END)


if __name__ == "__main__":
    sys.exit(main())
