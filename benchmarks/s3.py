"""S3 next to moto's server and the canned asyncio server: small-object calls, listing, large
transfers, multipart, server memory while streaming 2 GiB, and listing in a big bucket.

    .venv/bin/python benchmarks/s3.py                      # writes the S3 section of docs/benchmarks.md
    .venv/bin/python benchmarks/s3.py --quick --no-moto    # smoke run, writes no file
    .venv/bin/python benchmarks/s3.py --rss --keys 200000  # + 2 GiB memory test, big bucket
    make bench ARGS="--s3"                                 # the whole report, this section included

The servers are child processes started and stopped by benchmarks/targets.py and measured from
/proc the same way as in benchmarks/run.py (whose boto3 client, `sequential` loop and report
helpers are reused). Nuvem runs with its durable store (`--state-dir` in a temporary
directory), as users run it, and again with `--ephemeral`.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (benchmarks/run.py: clients, loops, /proc helpers, report helpers)
import targets  # noqa: E402

from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

MiB = 1 << 20
TARGETS = {"cpu_ms": 0.5, "share_of_canned": 0.70, "page_ms": 5.0, "put_mibs": 400.0,
           "get_mibs": 600.0, "multipart_mibs": 300.0, "rss_growth_mib": 64.0}
BEGIN, END = "<!-- s3:begin -->", "<!-- s3:end -->"
SMALL = b"s3-bench" * 128                    # 1 KiB
LIST_KEYS = 5000
PAGE = 1000
BIG = 64 * MiB
PART, PARTS = 16 * MiB, 8                    # multipart: 128 MiB
READ = 1 * MiB                               # streaming GET chunk
HUGE = 2 << 30                               # 2 GiB for the memory test
NUVEM, EPHEMERAL, MOTO, CANNED = "Nuvem", "Nuvem (ephemeral)", "moto", "canned asyncio"


# ---------------------------------------------------------------------------------------------
# bodies and one-shot operations

class Pattern(io.RawIOBase):
    """`size` bytes of a repeated random MiB, readable and seekable, never held whole: what boto3
    streams from for the 2 GiB upload."""

    def __init__(self, size: int, block: bytes):
        self.size, self.block, self.pos = size, block, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def __len__(self) -> int:
        return self.size

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.pos
        n = left if n is None or n < 0 else min(n, left)
        n = min(n, len(self.block))          # short reads are allowed; callers loop
        if n <= 0:
            return b""
        start = self.pos % len(self.block)
        piece = self.block[start:start + n]
        if len(piece) < n:
            piece += self.block[:n - len(piece)]
        self.pos += n
        return piece

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def drain(c, bucket: str, key: str) -> int:
    body = c.get_object(Bucket=bucket, Key=key)["Body"]
    size = 0
    for chunk in body.iter_chunks(READ):
        size += len(chunk)
    return size


def multipart(c, bucket: str, key: str, bodies: list[bytes]) -> None:
    """`bodies` are the parts, cut before the clock starts (as the 64 MiB PUT's body is made
    before): cutting 16 MiB out of a bytes is a copy into fresh memory, 3-5 ms of the client's."""
    upload = c.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for n, body in enumerate(bodies):
        got = c.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n + 1,
                            Body=body)
        part = {"ETag": got["ETag"], "PartNumber": n + 1}
        parts.append(part)
    c.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload,
                                MultipartUpload={"Parts": parts})


def managed(c, bucket: str, key: str, data: bytes) -> None:
    """What `upload_file`/`upload_fileobj` (and `aws s3 cp`) do with a big body: boto3's transfer
    manager in its default configuration, 8 MiB parts sent by 10 threads at once."""
    c.upload_fileobj(io.BytesIO(data), bucket, key)


def fill(endpoint: str, bucket: str, start: int, stop: int, threads: int = 4,
         key=lambda i: f"list/{i:07d}") -> None:
    """PUT keys start..stop-1 (1-byte bodies) with `threads` clients taking the next number."""
    counter = iter(range(start, stop))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work() -> None:
        c = run.client("s3", endpoint)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            for attempt in range(5):
                try:
                    c.put_object(Bucket=bucket, Key=key(i), Body=b"x")
                    break
                except (BotoCoreError, ClientError) as error:
                    if attempt == 4:
                        failures.append(error)
                        return
                    time.sleep(0.2)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise failures[0]


def pages(running, c, bucket: str, total: int, count: int, seed: int) -> tuple[float, float]:
    """(server CPU ms per page, pages/s) for `count` ListObjectsV2 pages of 1,000 keys, each
    starting after a random one of the first `total` - 1,000 keys."""
    rng = random.Random(seed)
    starts = [f"list/{rng.randrange(0, max(1, total - PAGE)):07d}" for _ in range(count)]
    cpu0, t0 = targets.cpu_seconds(running.pid), time.perf_counter()
    for start in starts:
        got = c.list_objects_v2(Bucket=bucket, MaxKeys=PAGE, StartAfter=start)
        if got["KeyCount"] != PAGE:
            raise RuntimeError(f"a page after {start} had {got['KeyCount']} keys, not {PAGE}")
    wall = time.perf_counter() - t0
    return (targets.cpu_seconds(running.pid) - cpu0) * 1000 / count, count / wall


class BeforeFirstByte:
    """Seconds a client spends in its uploads before it sends a byte of them (botocore computes
    the body's CRC32 and, over plain HTTP, its SHA-256 for the signature first): from the start
    of each PutObject/UploadPart call to its `before-send` event, summed over an operation."""

    def __init__(self, client):
        self.total, self._started = 0.0, 0.0
        for name in ("PutObject", "UploadPart"):
            client.meta.events.register(f"before-parameter-build.s3.{name}", self._start)
            client.meta.events.register(f"before-send.s3.{name}", self._send)

    def _start(self, **_) -> None:
        self._started = time.perf_counter()

    def _send(self, **_) -> None:
        self.total += time.perf_counter() - self._started


def md5_seconds(body: bytes) -> float:
    """What the server's MD5 (S3's ETag) of `body` takes at least here, best of three: a hash
    that cannot start before the client's first byte nor be split."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        hashlib.md5(body).digest()
        best = min(best, time.perf_counter() - t0)
    return best


def timed(running, fn) -> tuple[float, float]:
    """(wall seconds, server CPU seconds) of fn()."""
    cpu0, t0 = targets.cpu_seconds(running.pid), time.perf_counter()
    fn()
    return time.perf_counter() - t0, targets.cpu_seconds(running.pid) - cpu0


# ---------------------------------------------------------------------------------------------
# results

@dataclass
class Result:
    name: str
    version: str
    put: run.OpResult = field(default_factory=run.OpResult)
    get: run.OpResult = field(default_factory=run.OpResult)
    page_ms: list[float] = field(default_factory=list)
    pages_s: list[float] = field(default_factory=list)
    big: dict[str, list[float]] = field(default_factory=dict)      # name -> MiB/s per run
    presend: dict[str, list[float]] = field(default_factory=dict)  # name -> BeforeFirstByte s
    big_cpu: dict[str, list[float]] = field(default_factory=dict)  # name -> server CPU ms per MiB
    rss: dict[str, float] = field(default_factory=dict)
    failure: str = ""


def _small_ops(c, keys):
    put_keys = (f"small/{n}" for n in itertools.count())
    get_cycle = itertools.cycle(keys)
    put = run.Op("s3 put-object 1 KiB", "s3",
                 lambda c: c.put_object(Bucket="bench-small", Key=next(put_keys), Body=SMALL))
    get = run.Op("s3 get-object 1 KiB", "s3",
                 lambda c: c.get_object(Bucket="bench-small", Key=next(get_cycle))["Body"].read())
    return put, get


def bench(args) -> tuple[list[Result], list[str]]:
    """The interleaved runs: every target set up, then run 1 of each (rotating order), run 2, ..."""
    notes: list[str] = []
    state = tempfile.mkdtemp(prefix="nuvem-s3-bench-")
    chosen = [targets.nuvem(os.path.join(state, "durable"), NUVEM)]
    if not args.no_ephemeral:
        chosen.append(targets.nuvem(None, EPHEMERAL))
    chosen += targets.comparisons(args.no_moto, args.no_canned, notes)
    results = {t.name: Result(t.name, t.version) for t in chosen}
    running: dict[str, targets.Running] = {}
    clients, ops, presend = {}, {}, {}
    data = os.urandom(BIG)
    mp_data = data * (PART * PARTS // BIG)
    mp_parts = [mp_data[n * PART:(n + 1) * PART] for n in range(PARTS)]
    args.md5_s = {"put64": md5_seconds(data), "mp128": sum(md5_seconds(p) for p in mp_parts)}

    def fail(name: str, error: BaseException) -> None:
        results[name].failure = f"{type(error).__name__}: {error}"
        run.say(f"  {name} FAILED: {results[name].failure}")
        if name in running:
            run.say(running[name].output()[-1500:])
            running.pop(name).stop()

    try:
        for t in chosen:
            run.say(f"{t.name}: starting, creating buckets" +
                    ("" if t.name == CANNED else f", filling {LIST_KEYS:,} keys"))
            try:
                r = running[t.name] = t.spawn(targets.free_port())
                r.wait_listening()
                c = clients[t.name] = run.client("s3", r.endpoint)
                presend[t.name] = BeforeFirstByte(c)
                deadline = time.monotonic() + 30
                while True:
                    try:
                        c.create_bucket(Bucket="bench-small")
                        break
                    except (BotoCoreError, ClientError):
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)
                keys = [f"get/{n}" for n in range(100)]
                for k in keys:
                    c.put_object(Bucket="bench-small", Key=k, Body=SMALL)
                ops[t.name] = _small_ops(c, keys)
                if t.name != CANNED:
                    c.create_bucket(Bucket="bench-list")
                    c.create_bucket(Bucket="bench-big")
                    fill(r.endpoint, "bench-list", 0, LIST_KEYS)
                for op in ops[t.name]:
                    run._loop(c, op, args.warmup)
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
                    put, get = ops[t.name]
                    run.sequential(r, put, c, args.calls, res.put)
                    run.sequential(r, get, c, args.calls, res.get)
                    line = (f"  {t.name}: put {res.put.cpu_ms[-1]:.3f} ms CPU, "
                            f"{res.put.ops[-1]:.0f}/s; get {res.get.cpu_ms[-1]:.3f} ms CPU, "
                            f"{res.get.ops[-1]:.0f}/s")
                    if t.name != CANNED:
                        ms, per_s = pages(r, c, "bench-list", LIST_KEYS, args.pages, seed=n)
                        res.page_ms.append(ms)
                        res.pages_s.append(per_s)
                        line += f"; list {ms:.2f} ms CPU/page"
                    for label, fn in (
                            ("put64", lambda: c.put_object(Bucket="bench-big", Key="big",
                                                           Body=data)),
                            ("get64", lambda: drain(c, "bench-big", "big")),
                            ("mp128", lambda: multipart(c, "bench-big", "mp", mp_parts)),
                            ("managed128", lambda: managed(c, "bench-big", "mpm", mp_data))):
                        if label == "get64" and t.name == CANNED:
                            continue      # its GET answers 1 KiB
                        size = (BIG if label in ("put64", "get64") else PART * PARTS) / MiB
                        presend[t.name].total = 0.0
                        wall, cpu = timed(r, fn)
                        res.presend.setdefault(label, []).append(presend[t.name].total)
                        res.big.setdefault(label, []).append(size / wall)
                        res.big_cpu.setdefault(label, []).append(cpu * 1000 / size)
                        line += f"; {label} {size / wall:.0f} MiB/s"
                    run.say(line + (f" ({res.put.errors + res.get.errors} ERRORS)"
                                    if res.put.errors + res.get.errors else ""))
                except Exception as error:
                    fail(t.name, error)
    finally:
        for r in running.values():
            r.stop()
        shutil.rmtree(state, ignore_errors=True)

    if args.rss:
        for t in chosen:
            if t.name == CANNED or results[t.name].failure:
                continue
            try:
                results[t.name].rss = memory(t if t.name != NUVEM else
                                             targets.nuvem(tempfile.mkdtemp(
                                                 prefix="nuvem-s3-rss-"), NUVEM))
            except Exception as error:
                run.say(f"  {t.name}: memory test FAILED: {type(error).__name__}: {error}")
                results[t.name].rss = {"error": f"{type(error).__name__}: {error}"}
    return [results[t.name] for t in chosen], notes


def _hwm_kib(pid: int) -> int:
    total = 0
    for p in targets.process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def memory(target: targets.Target) -> dict[str, float]:
    """A fresh server: one warm-up PUT/GET, then a 2 GiB object uploaded from a generator-backed
    file and downloaded in 1 MiB chunks; VmRSS sampled every 10 ms, VmHWM before and after."""
    run.say(f"{target.name}: 2 GiB up and down, sampling the server's RSS ...")
    state_dir = target.argv[target.argv.index("--state-dir") + 1] \
        if "--state-dir" in target.argv else None
    r = target.spawn(targets.free_port())
    try:
        r.wait_listening()
        c = run.client("s3", r.endpoint)
        c.create_bucket(Bucket="bench-rss")
        c.put_object(Bucket="bench-rss", Key="warm", Body=os.urandom(2 * MiB))
        drain(c, "bench-rss", "warm")
        time.sleep(0.3)
        base, hwm0 = targets.rss_mib(r.pid), _hwm_kib(r.pid) / 1024
        peak = {"up": base, "down": base}
        phase = ["up"]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss = targets.rss_mib(r.pid)
                if rss > peak[phase[0]]:
                    peak[phase[0]] = rss
                stop.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            up, _ = timed(r, lambda: c.put_object(Bucket="bench-rss", Key="huge",
                                                   Body=Pattern(HUGE, os.urandom(MiB))))
            hwm_up = _hwm_kib(r.pid) / 1024
            phase[0] = "down"
            got = [0]
            down, _ = timed(r, lambda: got.__setitem__(0, drain(c, "bench-rss", "huge")))
        finally:
            stop.set()
            sampler.join()
        if got[0] != HUGE:
            raise RuntimeError(f"downloaded {got[0]} bytes, not {HUGE}")
        result = {"base": base, "peak_up": peak["up"], "peak_down": peak["down"],
                  "hwm_before": hwm0, "hwm_after_up": hwm_up, "hwm_after": _hwm_kib(r.pid) / 1024,
                  "up_mibs": HUGE / MiB / up, "down_mibs": HUGE / MiB / down}
        result["growth"] = max(result["peak_up"], result["peak_down"], result["hwm_after"]) - base
        run.say(f"  base {base:.1f} MiB, peak up {peak['up']:.1f}, down {peak['down']:.1f}, "
                f"VmHWM {hwm0:.1f} -> {result['hwm_after']:.1f}; {result['up_mibs']:.0f} / "
                f"{result['down_mibs']:.0f} MiB/s")
        return result
    finally:
        r.stop()
        if state_dir:
            shutil.rmtree(state_dir, ignore_errors=True)


def scale(args) -> list[dict]:
    """Nuvem (durable) only: fill one bucket through the API and measure the per-page CPU at
    checkpoints on the way to args.keys keys."""
    state = tempfile.mkdtemp(prefix="nuvem-s3-scale-")
    r = targets.nuvem(state, NUVEM).spawn(targets.free_port())
    rows = []
    try:
        r.wait_listening()
        c = run.client("s3", r.endpoint)
        c.create_bucket(Bucket="bench-scale")
        checkpoints = sorted({k for k in (LIST_KEYS, 50_000, args.keys) if k <= args.keys})
        have = 0
        for point in checkpoints:
            t0 = time.perf_counter()
            fill(r.endpoint, "bench-scale", have, point)
            rate = (point - have) / (time.perf_counter() - t0)
            have = point
            pages(r, c, "bench-scale", have, 5, seed=-1)               # warm-up
            ms = [pages(r, c, "bench-scale", have, args.pages, seed=s)[0] for s in range(3)]
            rows.append({"keys": have, "page_ms": run.med(ms), "fill_per_s": rate,
                         "db_mib": _du(state) / MiB})
            run.say(f"  {have:,} keys (filled at {rate:.0f} PUT/s): {run.med(ms):.2f} ms "
                    "server CPU per page")
    finally:
        r.stop()
        shutil.rmtree(state, ignore_errors=True)
    return rows


def _du(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


# ---------------------------------------------------------------------------------------------
# the report

def _cell(values: list[float], digits: int = 0) -> str:
    return run._num(run.med(values), digits)


def report(results: list[Result], scale_rows: list[dict], args, notes: list[str]) -> str:
    m = run.machine()
    by = {r.name: r for r in results if not r.failure}
    nv, mo, ca = by.get(NUVEM), by.get(MOTO), by.get(CANNED)
    servers = [r for r in results if r.name != CANNED]
    out = [BEGIN, "## S3", "",
           f"Measured by `benchmarks/s3.py{' ' + ' '.join(args.argv) if args.argv else ''}` "
           f"on {m['date']}: {m['nproc']} CPUs, {m['cpu']}, Linux {m['kernel']}, Python "
           f"{m['python']}, boto3 {run.boto3.__version__}; load average before / after: "
           f"{args.load[0]} / {args.load[1]}. Servers: " + ", ".join(
               f"{r.name} {r.version}" + (f" (commit {m['commit']})" if r.name.startswith(NUVEM)
                                          else "") for r in results) + ".", ""]
    if args.quick:
        out += ["> Quick run (`--quick`): few calls, numbers are rough.", ""]
    for note in notes:
        out += [f"> {note}", ""]
    for r in results:
        if r.failure:
            out += [f"> {r.name} failed: `{r.failure}`", ""]
    out += [
        "What is measured: one boto3 client (default configuration: it sends a CRC32 of every "
        "body and validates the CRC32 Nuvem and the canned server return) against each server "
        "on 127.0.0.1, servers measured interleaved, "
        f"median of {args.runs} run(s). **Nuvem** is `nuvem serve --state-dir <tmp>` (the durable "
        "SQLite + blob store users get); **Nuvem (ephemeral)** is `--ephemeral`. Server CPU is "
        "utime + stime of the server process (all threads) from `/proc/<pid>/stat` over the "
        "run, divided by the calls or pages or MiB (10 ms ticks, so each figure spans at least "
        "~1 s of work). \"moto / Nuvem\" > 1× means Nuvem is better.", "",
        f"### 1 KiB objects ({args.calls} calls per run after {args.warmup} warm-up)", "",
        "PutObject to a new key each call (`bench-small/small/N`); GetObject cycling over 100 "
        "keys, body read. Targets: ≤ 0.5 ms server CPU per call and ≥ 70% of the canned "
        "server's calls/s (what this client can drive at most).", "",
        "| operation | server | server CPU ms/call | calls/s | p50 ms | p99 ms | client CPU ms/call "
        "| share of canned calls/s | moto / Nuvem CPU | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for attr, label in (("put", "PutObject 1 KiB"), ("get", "GetObject 1 KiB")):
        for r in results:
            o = getattr(r, attr)
            if not o.ops:
                continue
            share = ""
            if ca and r is not ca:
                share = f"{run.med(o.ops) / run.med(getattr(ca, attr).ops):.0%}"
            ratio = run._ratio(run.med(getattr(mo, attr).cpu_ms), run.med(o.cpu_ms)) \
                if mo and r.name.startswith(NUVEM) else ""
            verdict = ""
            if r.name.startswith(NUVEM):
                verdict = "CPU " + run._verdict(run.med(o.cpu_ms), TARGETS["cpu_ms"])
                if share:
                    verdict += ", rate " + ("met" if run.med(o.ops) / run.med(getattr(ca, attr).ops)
                                            >= TARGETS["share_of_canned"] else "**missed**")
            err = f" ({o.errors} errors)" if o.errors else ""
            out.append(f"| {label} | {r.name}{err} | {_cell(o.cpu_ms, 3)} | {_cell(o.ops)} | "
                       f"{_cell(o.p50_ms, 2)} | {_cell(o.p99_ms, 2)} | {_cell(o.client_ms, 3)} | "
                       f"{share} | {ratio} | {verdict} |")

    out += ["", f"### ListObjectsV2, one page of {PAGE:,} keys", "",
            f"Bucket pre-filled with {LIST_KEYS:,} keys (`list/0000000` …); {args.pages} pages "
            f"per run, each `MaxKeys={PAGE}` after a random key. Target: ≤ "
            f"{TARGETS['page_ms']:g} ms server CPU per page.", "",
            "| | " + " | ".join(r.name for r in servers) + " | moto / Nuvem | target |",
            "|---|" + "---:|" * len(servers) + "---:|---|"]
    ratio = run._ratio(run.med(mo.page_ms), run.med(nv.page_ms)) if mo and nv else ""
    verdict = run._verdict(run.med(nv.page_ms), TARGETS["page_ms"]) if nv else ""
    out.append("| server CPU ms/page | " + " | ".join(_cell(r.page_ms, 2) for r in servers)
               + f" | {ratio} | {verdict} (≤ {TARGETS['page_ms']:g} ms) |")
    out.append("| pages/s (1 client) | " + " | ".join(_cell(r.pages_s, 1) for r in servers)
               + " | | |")

    big = servers + ([ca] if ca else [])
    out += ["", "### Large objects", "",
            "PutObject of 64 MiB from one `bytes` body (one request); GetObject of it streamed "
            f"with `iter_chunks({READ // MiB} MiB)`; multipart upload of 128 MiB: "
            f"create + {PARTS} × upload_part of {PART // MiB} MiB one after the other (the "
            "parts cut from one `bytes` beforehand) + complete; and the same 128 MiB through "
            "boto3's transfer manager (`upload_fileobj`, default configuration: 8 MiB parts, "
            "10 threads; what `upload_file` and "
            "`aws s3 cp` do with a big file). MiB/s is the object size over the wall time of "
            "the boto3 call(s), client work included: before it sends a byte of a body, boto3 "
            "computes its CRC32 and, over plain HTTP, its SHA-256 for the signature. Server CPU "
            "per MiB is what the server process burned. The canned server reads each body and "
            "drops it: its figures are what this client can reach at most (its GET answers "
            "1 KiB, so it has no download figure).", "",
            "| | " + " | ".join(r.name for r in big) + " | Nuvem / moto | target |",
            "|---|" + "---:|" * len(big) + "---:|---|"]
    for key, label, target in (("put64", "PutObject 64 MiB", "put_mibs"),
                               ("get64", "GetObject 64 MiB (streamed)", "get_mibs"),
                               ("mp128", "multipart upload 128 MiB (8 parts in turn)",
                                "multipart_mibs"),
                               ("managed128", "upload_fileobj 128 MiB (16 parts, 10 threads)",
                                "multipart_mibs")):
        cells = [_cell(r.big.get(key, [])) for r in big]
        ratio = run._ratio(run.med(nv.big.get(key, [])), run.med(mo.big.get(key, []))) \
            if nv and mo else ""
        verdict = (run._verdict(-run.med(nv.big.get(key, [])), -TARGETS[target])
                   + f" (≥ {TARGETS[target]:g} MiB/s)") if nv else ""
        out.append(f"| {label}: MiB/s | " + " | ".join(cells) + f" | {ratio} | {verdict} |")
        cpu = [_cell(r.big_cpu.get(key, []), 2) for r in big]
        out.append(f"| … server CPU ms/MiB | " + " | ".join(cpu) + " | | |")
        if key in ("put64", "mp128"):       # the transfer manager's threads overlap theirs
            before = [_cell([s * 1000 for s in r.presend.get(key, [])]) for r in big]
            out.append("| … client ms before its first byte | " + " | ".join(before) + " | | |")
    if nv and getattr(args, "md5_s", None):
        bounds = []
        for key, what in (("put64", "the 64 MiB PUT"), ("mp128", "the 8 parts in turn")):
            size = (BIG if key == "put64" else PART * PARTS) / MiB
            # per run: what the client spent before its first byte in that run, and the MD5
            per_run = [size / (before + args.md5_s[key]) for before in nv.presend.get(key, [])]
            shares = [got / bound for got, bound in zip(nv.big.get(key, []), per_run)]
            md5_ms = args.md5_s[key] * 1000
            bounds.append(f"{what}: at most {run.med(per_run):.0f} MiB/s ({md5_ms:.0f} ms of "
                          f"MD5 after the client's time), of which Nuvem reached "
                          f"{run.med(shares):.0%}")
        out += ["", "A server that computes S3's ETag (the MD5 of the body, or of each part) "
                "cannot start it before the client's first byte nor split it, so the client's "
                "time before its first byte and the MD5 (hashlib, here) add up whatever else the "
                "server does. In Nuvem's runs: " + "; ".join(bounds) + "."]

    mem = [r for r in servers if r.rss]
    if mem:
        out += ["", "### Server memory while streaming a 2 GiB object", "",
                "A fresh server process; after one 2 MiB PUT + GET as warm-up, a 2 GiB object is "
                "uploaded with `put_object` from a seekable file-like object that generates the "
                "bytes (the client never holds it) and downloaded with `iter_chunks(1 MiB)`. "
                "`VmRSS` of the server is sampled every 10 ms; growth = highest sample (or "
                f"`VmHWM` at the end) − RSS before. Target: < {TARGETS['rss_growth_mib']:g} MiB "
                "growth.", "",
                "| | " + " | ".join(r.name for r in mem) + " | target |",
                "|---|" + "---:|" * len(mem) + "---|"]

        def row(label, key, digits=1, target=""):
            out.append(f"| {label} | " + " | ".join(
                run._num(r.rss[key], digits) if key in r.rss else "—" for r in mem)
                + f" | {target} |")
        nvm = by.get(NUVEM)
        verdict = ""
        if nvm and "growth" in nvm.rss:
            verdict = (f"Nuvem: {'met' if nvm.rss['growth'] < TARGETS['rss_growth_mib'] else '**missed**'}"
                       f" (< {TARGETS['rss_growth_mib']:g} MiB)")
        row("RSS before (MiB)", "base")
        row("peak RSS during the upload (MiB)", "peak_up")
        row("peak RSS during the download (MiB)", "peak_down")
        out.append("| VmHWM before → after (MiB) | " + " | ".join(
            f"{r.rss['hwm_before']:.1f} → {r.rss['hwm_after']:.1f}" if "hwm_after" in r.rss
            else "—" for r in mem) + " | |")
        row("**growth (MiB)**", "growth", 1, verdict)
        row("upload MiB/s", "up_mibs", 0)
        row("download MiB/s", "down_mibs", 0)
        for r in mem:
            if "error" in r.rss:
                out += ["", f"> {r.name}: the memory test failed: `{r.rss['error']}`"]

    if scale_rows:
        out += ["", "### Listing in a big bucket (Nuvem, durable store)", "",
                f"One bucket filled through the API (4 client threads, 1-byte objects) up to "
                f"{scale_rows[-1]['keys']:,} keys, with per-page server CPU measured at each "
                f"checkpoint ({args.pages} pages after random keys, median of 3 runs). "
                "1,000,000 keys through the API would take ~10+ minutes on this machine at the "
                "fill rate shown; the checkpoints show how the per-page cost scales.", "",
                "| keys in the bucket | server CPU ms/page | fill rate (PUT/s, 4 threads) | "
                "state dir size (MiB) | target |",
                "|---:|---:|---:|---:|---|"]
        for row_ in scale_rows:
            out.append(f"| {row_['keys']:,} | {row_['page_ms']:.2f} | {row_['fill_per_s']:.0f} | "
                       f"{row_['db_mib']:.0f} | "
                       f"{run._verdict(row_['page_ms'], TARGETS['page_ms'])} |")
    out += [""] + [line for line in args.extra_notes] + [END]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# docs/benchmarks.md: the S3 section lives between BEGIN and END and survives `make bench`

def section_of(doc: str, begin: str = BEGIN, end: str = END) -> str | None:
    if begin in doc and end in doc:
        return doc[doc.index(begin):doc.index(end) + len(end)]
    return None


def splice(doc: str, section: str | None, begin: str = BEGIN, end: str = END) -> str:
    """`doc` with its section between `begin` and `end` (S3's by default; benchmarks/sqs.py
    passes its own markers) replaced by `section`, or inserted before "## Profiling"."""
    if not section:
        return doc
    old = section_of(doc, begin, end)
    if old is not None:
        return doc.replace(old, section)
    marker = "\n## Profiling"
    if marker in doc:
        i = doc.index(marker) + 1
        return doc[:i] + section + "\n\n" + doc[i:]
    return doc.rstrip("\n") + "\n\n" + section + "\n"


def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    p = prefix
    parser.add_argument(f"--{p}calls", type=int, help="1 KiB calls per run (default 2000, quick 200)")
    parser.add_argument(f"--{p}pages", type=int, help="list pages per run (default 60, quick 10)")
    parser.add_argument(f"--{p}rss", action="store_true",
                        help="also stream a 2 GiB object through each server and sample its RSS "
                             "(about a minute per server)")
    parser.add_argument(f"--{p}keys", type=int, default=0,
                        help="also fill one Nuvem bucket to this many keys and measure per-page "
                             "CPU on the way (200000 takes a few minutes)")
    parser.add_argument(f"--{p}no-ephemeral", action="store_true",
                        help="skip the ephemeral Nuvem")


def defaults(args, quick: bool) -> None:
    args.calls = args.calls or (200 if quick else 2000)
    args.pages = args.pages or (10 if quick else 60)
    common_defaults(args, quick)


def common_defaults(args, quick: bool) -> None:
    """What every section script sets the same way (sqs.py and dynamodb.py use it too)."""
    args.warmup = 20 if quick else 200
    args.runs = getattr(args, "runs", None) or (1 if quick else 3)
    args.extra_notes = getattr(args, "extra_notes", None) or []
    for name in ("no_moto", "no_canned"):
        setattr(args, name, getattr(args, name, False))
    args.quick = getattr(args, "quick", False) or quick


def measure(args) -> str:
    """Run what args ask for and return the Markdown section."""
    before = run._loadavg()
    results, notes = bench(args)
    rows = []
    if args.keys:
        run.say(f"Nuvem: filling one bucket to {args.keys:,} keys ...")
        try:
            rows = scale(args)
        except Exception as error:
            notes.append(f"The big-bucket test failed: {type(error).__name__}: {error}")
    args.load = (before, run._loadavg())
    return report(results, rows, args, notes)


def section_main(argv: list[str] | None, description: str, add_arguments, defaults, measure,
                 begin: str = BEGIN, end: str = END) -> int:
    """The command line every benchmark section shares (S3 here, SQS/SNS in sqs.py): options,
    measuring, printing, and writing the section between its markers in docs/benchmarks.md."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a smoke run; writes no file")
    parser.add_argument("--no-moto", action="store_true")
    parser.add_argument("--no-canned", action="store_true")
    parser.add_argument("--runs", type=int, help="runs, median taken (default 3, quick 1)")
    add_arguments(parser)
    parser.add_argument("--notes", help="a file whose text is added at the end of the section")
    parser.add_argument("--out", help="the report to put the section in (default "
                                      "docs/benchmarks.md; none with --quick); '-' writes none")
    args = parser.parse_args(argv)
    args.argv = argv
    defaults(args, args.quick)
    if args.notes:
        with open(args.notes) as f:
            args.extra_notes = f.read().rstrip("\n").splitlines() + [""]
    text = measure(args)
    print(text)
    out = args.out or (None if args.quick else os.path.join(targets.REPO, "docs", "benchmarks.md"))
    if out and out != "-":
        doc = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
        with open(out, "w") as f:
            f.write(splice(doc, text, begin, end))
        run.say(f"written to {os.path.relpath(out, targets.REPO)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return section_main(argv, __doc__.splitlines()[0], add_arguments, defaults, measure)


if __name__ == "__main__":
    sys.exit(main())
