"""Nuvem next to moto's server and a canned asyncio server: startup, memory, server CPU per call,
throughput. Prints a Markdown report and writes it to docs/benchmarks.md.

    make bench                                   # full run, with moto (installed on first use)
    make bench ARGS="--quick --no-moto"          # smoke run, well under 30 s; writes no file
    make bench ARGS="--s3"                       # also the S3 section (benchmarks/s3.py)
    make bench ARGS="--sqs"                      # also the SQS and SNS section (benchmarks/sqs.py)
    make bench ARGS="--dynamodb"                 # also the DynamoDB section (dynamodb.py)
    .venv/bin/python benchmarks/run.py --help

All servers are child processes of this one, measured the same way from /proc; the clients are
boto3 clients in this process. See "How it is measured" in the report for the details.
"""
from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import auth_setup  # noqa: E402  (benchmarks/auth_setup.py)
import targets  # noqa: E402  (benchmarks/targets.py)

for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_var, None)
os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

TARGETS = {"startup_s": 0.4, "rss_mib": 50.0, "cpu_ms": 0.5,
           "sigv4_ms": 0.1, "authz_ms": 0.1}         # issue 3: per call, server CPU
AUTH_OPS = ("sts", "regions")
THREADS = 4
REGION = "us-east-1"
_names = itertools.count()


# ---------------------------------------------------------------------------------------------
# the operations

def _key_pair(client) -> None:
    name = f"bench-{next(_names)}"
    client.create_key_pair(KeyName=name, KeyType="ed25519")
    client.delete_key_pair(KeyName=name)


@dataclass(frozen=True)
class Op:
    label: str
    service: str
    call: Callable
    calls: int = 1          # API calls per iteration


OPS = {
    "sts": Op("sts get-caller-identity", "sts", lambda c: c.get_caller_identity()),
    "regions": Op("ec2 describe-regions", "ec2", lambda c: c.describe_regions()),
    "zones": Op("ec2 describe-availability-zones", "ec2",
                lambda c: c.describe_availability_zones()),
    "keypairs": Op("ec2 create-key-pair + delete-key-pair (ed25519)", "ec2", _key_pair, calls=2),
}


def client(service: str, endpoint: str, key: str = "test", secret: str = "test"):
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def _loop(c, op: Op, iterations: int, latencies: list[float] | None = None) -> int:
    errors = 0
    perf = time.perf_counter
    for _ in range(iterations):
        started = perf()
        try:
            op.call(c)
        except (ClientError, BotoCoreError):
            errors += 1
        if latencies is not None:
            latencies.append(perf() - started)
    return errors


# ---------------------------------------------------------------------------------------------
# measurements

@dataclass
class OpResult:
    cpu_ms: list[float] = field(default_factory=list)          # server CPU per API call
    client_ms: list[float] = field(default_factory=list)       # this process's CPU per API call
    ops: list[float] = field(default_factory=list)             # API calls per second
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    ops_threads: list[float] = field(default_factory=list)
    cpu_ms_threads: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class TargetResult:
    name: str
    version: str
    startup_s: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    rss_ec2_mib: list[float] = field(default_factory=list)
    first_ec2_s: list[float] = field(default_factory=list)
    idle_cpu_ms_per_s: float = 0.0
    idle_wakeups_per_s: float = 0.0
    rss_after_mib: float = 0.0
    ops: dict[str, OpResult] = field(default_factory=dict)
    auth: dict[str, "AuthResult"] = field(default_factory=dict)
    auth_profile: dict = field(default_factory=dict)
    failure: str = ""


@dataclass
class AuthResult:
    """One operation called as the account's root (a 12-digit key: no signature check, no
    policies) and as an IAM user with 10 policies, in paired runs."""
    root_ms: list[float] = field(default_factory=list)      # server CPU per call (schedstat)
    user_ms: list[float] = field(default_factory=list)
    delta_ms: list[float] = field(default_factory=list)     # user − root, per pair of runs
    root_p50: list[float] = field(default_factory=list)
    user_p50: list[float] = field(default_factory=list)
    errors: int = 0


def start_once(target: targets.Target, settle: float):
    """Process start → first successful get-caller-identity; then the RSS once it is idle."""
    port = targets.free_port()
    sts = client("sts", f"http://127.0.0.1:{port}")       # built before the clock starts
    ec2 = client("ec2", f"http://127.0.0.1:{port}")
    started = time.perf_counter()
    running = target.spawn(port)
    try:
        running.wait_listening()
        deadline = time.monotonic() + 60
        while True:
            try:
                sts.get_caller_identity()
                break
            except (BotoCoreError, ClientError):
                if running.proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)
        elapsed = time.perf_counter() - started
        time.sleep(settle)
        rss = targets.rss_mib(running.pid)
        first = time.perf_counter()
        ec2.describe_regions()          # a second service loaded: what an EC2 user sees
        first_ec2 = time.perf_counter() - first
        time.sleep(settle)
        return running, elapsed, rss, first_ec2, targets.rss_mib(running.pid)
    except BaseException:
        running.stop()
        raise


def sequential(running, op: Op, c, iterations: int, result: OpResult) -> None:
    latencies: list[float] = []
    cpu0, client0, t0 = targets.cpu_seconds(running.pid), time.process_time(), time.perf_counter()
    result.errors += _loop(c, op, iterations, latencies)
    wall = time.perf_counter() - t0
    cpu1, client1 = targets.cpu_seconds(running.pid), time.process_time()
    calls = iterations * op.calls
    result.cpu_ms.append((cpu1 - cpu0) * 1000 / calls)
    result.client_ms.append((client1 - client0) * 1000 / calls)
    result.ops.append(calls / wall)
    latencies.sort()
    per_call = [x * 1000 / op.calls for x in latencies]
    result.p50_ms.append(per_call[len(per_call) // 2])
    result.p99_ms.append(per_call[min(len(per_call) - 1, int(len(per_call) * 0.99))])


def threaded(running, op: Op, clients: list, iterations: int, result: OpResult) -> None:
    """THREADS threads, each with its own client, share `iterations` between them."""
    share = max(1, iterations // len(clients))
    gate = threading.Barrier(len(clients) + 1)
    errors = [0] * len(clients)

    def work(i: int) -> None:
        gate.wait()
        errors[i] = _loop(clients[i], op, share)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    gate.wait()
    cpu0, t0 = targets.cpu_seconds(running.pid), time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu1 = targets.cpu_seconds(running.pid)
    calls = share * len(clients) * op.calls
    result.ops_threads.append(calls / wall)
    result.cpu_ms_threads.append((cpu1 - cpu0) * 1000 / calls)
    result.errors += sum(errors)


def _sched_run(running, op: Op, c, iterations: int) -> tuple[float, float, int]:
    """(server CPU ms per call from schedstat (ns resolution), p50 ms, errors)."""
    latencies: list[float] = []
    cpu0 = targets.sched(running.pid)[0]
    errors = _loop(c, op, iterations, latencies)
    cpu1 = targets.sched(running.pid)[0]
    latencies.sort()
    return ((cpu1 - cpu0) * 1000 / (iterations * op.calls),
            latencies[len(latencies) // 2] * 1000 / op.calls, errors)


def bench_auth(running, args, result: TargetResult) -> None:
    """Nuvem only: the same operations as root (no SigV4 check, no policy evaluation) and as an
    IAM user with 10 attached policies; the difference is the cost of authentication +
    authorization. Runs are paired (root, user / user, root alternately) and the delta is taken
    per pair, then the median."""
    endpoint = running.endpoint
    key = auth_setup.create_user(lambda service, k, secret: client(service, endpoint, k, secret))
    runs = args.auth_runs
    for name in AUTH_OPS:
        op = OPS[name]
        say(f"{op.label}, root key vs IAM user with 10 policies:")
        root = client(op.service, endpoint, auth_setup.ACCOUNT, "test")
        user = client(op.service, endpoint, key["AccessKeyId"], key["SecretAccessKey"])
        op.call(user)                                 # fails loudly if the user is refused
        _loop(root, op, args.warmup)
        _loop(user, op, args.warmup)
        r = result.auth[name] = AuthResult()
        iterations = args.calls // op.calls
        for n in range(runs):
            pair = {}
            for label, c in ((("root", root), ("user", user)) if n % 2 == 0
                             else (("user", user), ("root", root))):
                pair[label] = _sched_run(running, op, c, iterations)
            r.root_ms.append(pair["root"][0])
            r.user_ms.append(pair["user"][0])
            r.delta_ms.append(pair["user"][0] - pair["root"][0])
            r.root_p50.append(pair["root"][1])
            r.user_p50.append(pair["user"][1])
            r.errors += pair["root"][2] + pair["user"][2]
        say(f"  root {med(r.root_ms):.3f}, user {med(r.user_ms):.3f}, delta "
            f"{med(r.delta_ms):.3f} ms server CPU/call" + (f", {r.errors} ERRORS" if r.errors else ""))


def profile_auth(args) -> dict:
    """benchmarks/profile_auth.py's in-process split (µs per piece), or {} if it fails."""
    say("in-process split of the auth path (benchmarks/profile_auth.py) ...")
    try:
        done = subprocess.run([sys.executable, os.path.join(targets.HERE, "profile_auth.py"),
                               "--json", "--n", str(2000 if args.quick else 20000)],
                              cwd=targets.REPO, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            say("  failed:\n" + done.stderr[-2000:])
            return {}
        import json
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        say(f"  failed: {error}")
        return {}


def bench_all(chosen: list[targets.Target], args) -> list[TargetResult]:
    """All servers measured side by side, interleaved, so that a change in the machine's load
    during the run (other jobs, CPU frequency) touches all of them alike."""
    results = {t.name: TargetResult(t.name, t.version) for t in chosen}
    running: dict[str, targets.Running] = {}
    settle = 0.1 if args.quick else 0.5

    def fail(target: targets.Target, error: Exception) -> None:
        results[target.name].failure = f"{type(error).__name__}: {error}"
        say(f"  {target.name} FAILED: {results[target.name].failure}")
        if target.name in running:
            running.pop(target.name).stop()

    def alive() -> list[targets.Target]:
        return [t for t in chosen if not results[t.name].failure]

    try:
        say(f"startup, {args.starts} starts each:")
        for i in range(args.starts):
            for target in alive():
                try:
                    if target.name in running:
                        running.pop(target.name).stop()
                    run, elapsed, rss, first_ec2, rss_ec2 = start_once(target, settle)
                    running[target.name] = run
                    r = results[target.name]
                    r.startup_s.append(elapsed)
                    r.rss_mib.append(rss)
                    r.rss_ec2_mib.append(rss_ec2)
                    r.first_ec2_s.append(first_ec2)
                    say(f"  {target.name}: {elapsed * 1000:.0f} ms to first call, "
                        f"RSS {rss:.1f} MiB")
                except Exception as error:
                    fail(target, error)

        idle = 0.5 if args.quick else 3.0
        before = {name: targets.sched(run.pid) for name, run in running.items()}
        time.sleep(idle)
        for name, run in running.items():
            cpu, wakeups = targets.sched(run.pid)
            results[name].idle_cpu_ms_per_s = (cpu - before[name][0]) * 1000 / idle
            results[name].idle_wakeups_per_s = (wakeups - before[name][1]) / idle

        for key in args.ops:
            op = OPS[key]
            say(f"{op.label}:")
            clients = {}
            for target in alive():
                if key not in target.ops:
                    continue
                endpoint = running[target.name].endpoint
                try:
                    one = client(op.service, endpoint)
                    many = [client(op.service, endpoint) for _ in range(THREADS)]
                    _loop(one, op, args.warmup)
                    for c in many:
                        _loop(c, op, max(1, args.warmup // THREADS))
                    clients[target.name] = one, many
                    results[target.name].ops[key] = OpResult()
                except Exception as error:
                    fail(target, error)
            order = [t for t in alive() if t.name in clients]
            for n in range(args.runs if order else 0):
                for target in order[n % len(order):] + order[:n % len(order)]:
                    if results[target.name].failure:
                        continue
                    one, many = clients[target.name]
                    r, run = results[target.name].ops[key], running[target.name]
                    try:
                        sequential(run, op, one, args.calls // op.calls, r)
                        threaded(run, op, many, args.calls // op.calls, r)
                    except Exception as error:
                        fail(target, error)
            for target in order:
                r = results[target.name].ops.get(key)
                if r and r.ops and not results[target.name].failure:
                    say(f"  {target.name}: {med(r.cpu_ms):.3f} ms server CPU/call, "
                        f"{med(r.ops):.0f} calls/s, {med(r.ops_threads):.0f} calls/s with "
                        f"{THREADS} threads" + (f", {r.errors} ERRORS" if r.errors else ""))
        for name, run in running.items():
            results[name].rss_after_mib = targets.rss_mib(run.pid)
        nuvem = next((t for t in alive() if t.name == "Nuvem"), None)
        if nuvem is not None and not args.no_auth:
            try:
                bench_auth(running["Nuvem"], args, results["Nuvem"])
            except Exception as error:
                results["Nuvem"].auth.clear()
                say(f"  auth benchmark FAILED: {type(error).__name__}: {error}")
                results["Nuvem"].auth_profile = {"error": f"{type(error).__name__}: {error}"}
    finally:
        for run in running.values():
            run.stop()
    return [results[t.name] for t in chosen]


# ---------------------------------------------------------------------------------------------
# the report

def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _num(value: float, digits: int = 0) -> str:
    if value != value:    # nan
        return "—"
    return f"{value:,.{digits}f}"


def _verdict(value: float, limit: float) -> str:
    if value != value:
        return "—"
    return "met" if value <= limit else "**missed**"


def _ratio(a: float, b: float) -> str:
    if a != a or b != b or b == 0:
        return "—"
    return f"{a / b:.1f}×"


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=targets.REPO,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "nuvem"],
                               cwd=targets.REPO, capture_output=True, text=True).stdout.strip()
        commit = (commit + (" + uncommitted changes in nuvem/" if dirty else "")) or "unknown"
    except OSError:
        commit = "unknown"
    return {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "nproc": str(os.cpu_count()) if not hasattr(os, "sched_getaffinity")
            else str(len(os.sched_getaffinity(0))),
            "cpu": model, "kernel": platform.release(),
            "python": platform.python_version(), "commit": commit}


def report(results: list[TargetResult], args, notes: list[str]) -> str:
    m = machine()
    by = {r.name: r for r in results}
    names = [r.name for r in results]
    nv, mo, ca = by.get("Nuvem"), by.get("moto"), by.get("canned asyncio")
    out = ["# Benchmarks", ""]
    out += [f"Measured by `make bench` (`benchmarks/run.py{' ' + ' '.join(args.argv) if args.argv else ''}`) "
            f"on {m['date']}.", "",
            f"- **Machine**: {m['nproc']} CPUs (`nproc`), {m['cpu']}, Linux {m['kernel']}",
            f"- **Load average** (1, 5, 15 min) before the run: {args.load[0]}; after: "
            f"{args.load[1]}. Other work on the machine slows the client and the servers alike "
            "(the servers are measured interleaved), but it shows in calls/s and latency.",
            f"- **Python** {m['python']}, boto3 {boto3.__version__}, botocore {botocore.__version__}",
            "- **Servers**: " + ", ".join(
                f"{r.name} {r.version}" + (f" (commit {m['commit']})" if r.name == "Nuvem" else "")
                for r in results),
            f"- **Settings**: {args.calls} API calls per run after {args.warmup} warm-up calls, "
            f"median of {args.runs} run(s); startup and idle RSS: median of {args.starts} start(s)",
            ""]
    if args.quick:
        out += ["> Quick run (`--quick`): few calls, numbers are rough.", ""]
    for note in notes:
        out += [f"> {note}", ""]
    for r in results:
        if r.failure:
            out += [f"> {r.name} failed: `{r.failure}`", ""]

    out += ["## Startup and memory", "",
            "| | " + " | ".join(names) + " | Nuvem target |",
            "|---|" + "---:|" * len(names) + "---|"]
    rows = [
        ("start → first `sts get-caller-identity` (s)", lambda r: _num(med(r.startup_s), 3),
         _verdict(med(nv.startup_s), TARGETS["startup_s"]) + f" (≤ {TARGETS['startup_s']} s)"
         if nv else ""),
        ("… fastest / slowest start (s)",
         lambda r: f"{min(r.startup_s):.3f} / {max(r.startup_s):.3f}" if r.startup_s else "—", ""),
        ("then the first `ec2 describe-regions` call (s)", lambda r: _num(med(r.first_ec2_s), 3),
         ""),
        ("idle RSS after startup + 1 call (MiB)", lambda r: _num(med(r.rss_mib), 1),
         _verdict(med(nv.rss_mib), TARGETS["rss_mib"]) + f" (≤ {TARGETS['rss_mib']:.0f} MiB)"
         if nv else ""),
        ("… and after the `ec2 describe-regions` call (MiB)",
         lambda r: _num(med(r.rss_ec2_mib), 1), ""),
        ("RSS after all the runs below (MiB)",
         lambda r: _num(r.rss_after_mib, 1) if r.rss_after_mib else "—", ""),
        ("idle CPU (ms per s) / thread wake-ups per s",
         lambda r: f"{_num(r.idle_cpu_ms_per_s, 2)} / {_num(r.idle_wakeups_per_s)}", ""),
    ]
    for label, cell, target in rows:
        out.append(f"| {label} | " + " | ".join(cell(r) for r in results) + f" | {target} |")

    out += ["", "## Per call", "",
            f"One boto3 client calling sequentially, then {THREADS} threads with a client each. "
            "Server CPU is the server process's utime + stime over the run divided by the calls; "
            "client CPU is this benchmark process's.", "",
            "| operation | server | server CPU ms/call | client CPU ms/call | calls/s | p50 ms | "
            f"p99 ms | calls/s, {THREADS} threads | server CPU ms/call, {THREADS} threads |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key in args.ops:
        for r in results:
            o = r.ops.get(key)
            if o is None or not o.ops:
                continue
            cpu = _num(med(o.cpu_ms), 3)
            if r.name == "Nuvem":
                cpu += " (" + _verdict(med(o.cpu_ms), TARGETS["cpu_ms"]) + ")"
            err = f" ({o.errors} errors)" if o.errors else ""
            out.append(f"| {OPS[key].label} | {r.name}{err} | {cpu} | {_num(med(o.client_ms), 3)} | "
                       f"{_num(med(o.ops))} | {_num(med(o.p50_ms), 2)} | {_num(med(o.p99_ms), 2)} | "
                       f"{_num(med(o.ops_threads))} | {_num(med(o.cpu_ms_threads), 3)} |")

    if nv and (nv.auth or nv.auth_profile):
        out += auth_report(nv, args)
    out += ["", "## Ratios", ""]
    if nv and mo and not mo.failure:
        out += ["Nuvem against moto (> 1× means Nuvem is better):", "",
                "| | moto / Nuvem |", "|---|---:|",
                f"| startup time | {_ratio(med(mo.startup_s), med(nv.startup_s))} |",
                f"| idle RSS | {_ratio(med(mo.rss_mib), med(nv.rss_mib))} |"]
        for key in args.ops:
            a, b = nv.ops.get(key), mo.ops.get(key)
            if a and b and a.ops and b.ops:
                label = OPS[key].label
                out += [f"| {label}: server CPU per call | {_ratio(med(b.cpu_ms), med(a.cpu_ms))} |",
                        f"| {label}: calls/s, 1 client (Nuvem / moto) | "
                        f"{_ratio(med(a.ops), med(b.ops))} |",
                        f"| {label}: calls/s, {THREADS} threads (Nuvem / moto) | "
                        f"{_ratio(med(a.ops_threads), med(b.ops_threads))} |"]
        out.append("")
    elif nv:
        out += ["moto was not measured in this run.", ""]
    if nv and ca and not ca.failure:
        out += ["Nuvem's throughput as a share of the canned server's (what boto3 can drive at most "
                "on this machine):", "", "| operation | 1 client | " f"{THREADS} threads |",
                "|---|---:|---:|"]
        for key in args.ops:
            a, c = nv.ops.get(key), ca.ops.get(key)
            if a and c and a.ops and c.ops:
                out.append(f"| {OPS[key].label} | {med(a.ops) / med(c.ops):.0%} | "
                           f"{med(a.ops_threads) / med(c.ops_threads):.0%} |")
        out.append("")

    out += ["## Profiling", "",
            "`.venv/bin/python benchmarks/profile_gateway.py` shows where Nuvem's server CPU per "
            "call goes: uvicorn serving a trivial app (`benchmarks/floor_app.py`) next to Nuvem "
            "over sockets, then Nuvem's `App` run in-process (same `Runtime` and `App` as "
            "`nuvem serve`) with the thread-pool hop, the ASGI adapter and each gateway stage "
            "timed, and a cProfile of the server side (the ASGI path: small calls now take the "
            "protocol's direct path instead).", "",
            "`.venv/bin/python benchmarks/profile_live.py sqs` (or sts, s3put, s3get, ddbput, "
            "ddbget) times the same stages on the real server, uvicorn with the direct path, "
            "driven by boto3 from a child process: the gateway's stages and the HTTP layer's own "
            "(the parser's callbacks, building the request, the one socket write).", "",
            "## How it is measured", "",
            "- Every server is a child process of `benchmarks/run.py` on a free port of 127.0.0.1: "
            "Nuvem as `python -m nuvem serve --ephemeral` at its default log level (a line per call); moto as "
            f"`moto_server -H 127.0.0.1 -p PORT` from `moto[server]=={targets.MOTO_VERSION}` in a "
            "scratch venv (`.cache/bench-moto-venv`, created on first use); the canned server is "
            "`benchmarks/canned_server.py`, plain `asyncio.start_server` with HTTP/1.1 keep-alive "
            "that answers GetCallerIdentity and DescribeRegions (17 Regions, as Nuvem) with fixed "
            "bytes. Its throughput is the ceiling of the client side.",
            "- The servers run side by side and are measured **interleaved**: start 1 of each, "
            "start 2 of each, …; then for each operation, run 1 of each (in a rotating order), "
            "run 2 of each, …, so slow phases of the machine hit all of them.",
            "- **Startup**: the boto3 client is built first; then the clock starts, the process is "
            "spawned, the port is polled every 5 ms with a TCP connect, and `get_caller_identity` "
            "is retried every 5 ms until it succeeds. That includes interpreter start, imports, and "
            "everything the first call loads lazily. Then one `ec2 describe-regions` call is "
            "timed: the cost of loading a second, large service on first use.",
            "- **RSS**: `VmRSS` from `/proc/<pid>/status` of the server and any children, read "
            "after the first call and a short idle pause (median over the starts), then after one "
            "`ec2 describe-regions` call (loading a second service), and after all the runs. "
            "Idle CPU and wake-ups: `/proc/<pid>/task/*/schedstat` (ns) and "
            "`voluntary_ctxt_switches` over a few idle seconds after the starts.",
            "- **Server CPU per call**: utime + stime from `/proc/<pid>/stat` (all threads, and "
            "children) divided by `SC_CLK_TCK`, over the run, divided by the calls. The tick is "
            "10 ms, so short runs are coarse. Background threads count too: that is what a call "
            "costs the machine.",
            "- **Clients**: boto3 clients built once, `retries={'max_attempts': 1}` (no retries), "
            "test credentials, us-east-1. A run is N calls in a loop after a warm-up; then the "
            f"same N split over {THREADS} threads with a client each (one Python process, so they "
            "share a GIL: on a small machine the client side is the limit, which the canned row "
            "shows). Key pairs are ed25519 and each create is followed by its delete; both count "
            "as calls.",
            "- Client and servers share the machine's CPUs; with 2 CPUs, the client's and the "
            "server's work overlap only partly, so calls/s depend on both sides. Server CPU per "
            "call is the number to compare servers by; calls/s says what a boto3 user sees.",
            "- **p99 latency** is mostly scheduling: the client and the server wait for a CPU. "
            "With other jobs on this 2-CPU machine it rose to 5–10 ms for every server, the canned "
            "one included; compare p99 only between runs on a quiet machine (see the load "
            "average above).", ""]
    return "\n".join(out)


def auth_report(nv: TargetResult, args) -> list[str]:
    sig, authz = TARGETS["sigv4_ms"], TARGETS["authz_ms"]
    out = ["", "## Authentication and authorization (Nuvem)", "",
           f"The same operations called as the account's root (access key `{auth_setup.ACCOUNT}`: "
           "a 12-digit key Nuvem did not issue acts as that account's root, so no signature "
           "check and no policy evaluation) and as an IAM user with its own access key and "
           "**10 attached customer-managed policies** (`benchmarks/auth_setup.py`: 20 "
           "statements with Action lists, ARNs with `${aws:username}`, conditions on "
           "aws:SourceIp, aws:username, aws:RequestedRegion, aws:ResourceTag; two Deny "
           "statements whose conditions are evaluated on every call; the last policy allows the "
           "benchmarked actions). The difference in server CPU per call is SigV4 verification + "
           "access-key lookup + policy lookup + evaluation. Issue 3's targets: SigV4 ≤ "
           f"{sig} ms and authorization ≤ {authz} ms per call, ≤ {sig + authz:.1f} ms for both. "
           f"Server CPU from `/proc/<pid>/task/*/schedstat` (ns), {args.calls} calls per run, "
           f"{args.auth_runs} paired runs (root then user, user then root, …), delta taken per "
           "pair, median shown.", "",
           "| operation | root key: server CPU ms/call | IAM user, 10 policies: server CPU ms/call "
           "| delta ms/call | target | p50 ms root / user |",
           "|---|---:|---:|---:|---|---:|"]
    for key in AUTH_OPS:
        r = nv.auth.get(key)
        if r is None or not r.delta_ms:
            continue
        delta = med(r.delta_ms)
        if key == "sts":
            limit, target = sig, (f"≤ {sig} ms (SigV4 + key lookup only: GetCallerIdentity needs "
                                  "no permission, so no policy is evaluated)")
        else:
            limit, target = sig + authz, f"≤ {sig + authz:.1f} ms ({sig} SigV4 + {authz} authorization)"
        err = f" ({r.errors} errors)" if r.errors else ""
        out.append(f"| {OPS[key].label}{err} | {_num(med(r.root_ms), 3)} | {_num(med(r.user_ms), 3)} "
                   f"| **{_num(delta, 3)}** ({_verdict(delta, limit)}) | {target} | "
                   f"{_num(med(r.root_p50), 2)} / {_num(med(r.user_p50), 2)} |")
    prof = nv.auth_profile
    if prof.get("error"):
        out += ["", f"> The auth benchmark failed: `{prof['error']}`"]
    elif prof.get("ops"):
        out += ["", "Where the delta goes: `benchmarks/profile_auth.py` runs Nuvem's `Runtime` and "
                "`App` in process, makes one call as the user to capture the real request, call "
                "and operation, then times each piece in a loop (CPU time of one thread, best of "
                f"5 loops of {prof.get('n')}; µs per call; nested rows are parts of the row above "
                "them, not additional). Warm tight loops on one object are the best case: the "
                "in-process delta is lower than the delta over sockets above, which also carries "
                "the extra garbage collection and cache misses of the user's path on a shared "
                "machine.", "",
                "| piece | " + " | ".join(prof["ops"]) + " |",
                "|---|" + "---:|" * len(prof["ops"])]
        names: list[str] = []
        for r in sorted(prof["ops"].values(), key=lambda r: -len(r["us"])):
            names += [n for n in r["us"] if n not in names]
        for name in names:
            label = name.strip()
            indent = (len(name) - len(label)) // 2
            label = "&nbsp;" * (4 * indent) + ("└ " if indent else "") + f"`{label}`" \
                if "(" not in label else "&nbsp;" * (4 * indent) + ("└ " if indent else "") + label
            cells = [_num(r["us"][name], 1) if name in r["us"] else "—"
                     for r in prof["ops"].values()]
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("")
        out.append("`authorize` returns at once for GetCallerIdentity because it needs no "
                   "permission (`actions.needs_no_permission`).")
        for label, r in prof["ops"].items():
            if not r.get("hot"):
                continue
            out += ["", f"Hot spots of `Authorizer.authorize` for {label} (cProfile, µs per "
                    "authorize call; the profiler inflates every figure, so compare rows with "
                    "each other; cumulative includes callees):", "",
                    "| function | calls per authorize | cumulative µs | own µs |",
                    "|---|---:|---:|---:|"]
            for h in r["hot"]:
                out.append(f"| `{h['function']}` | {h['calls']:g} | {h['cumtime_us']:.1f} | "
                           f"{h['tottime_us']:.1f} |")
    return out


# ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="few calls and starts (a smoke run); writes no file unless --out")
    parser.add_argument("--no-moto", action="store_true", help="skip moto")
    parser.add_argument("--no-canned", action="store_true", help="skip the canned asyncio server")
    parser.add_argument("--calls", type=int, help="API calls per run (default 2000, quick 300)")
    parser.add_argument("--warmup", type=int, help="warm-up calls (default 200, quick 50)")
    parser.add_argument("--runs", type=int, help="runs per operation, median taken (default 3, quick 1)")
    parser.add_argument("--starts", type=int, help="process starts (default 5, quick 2)")
    parser.add_argument("--no-auth", action="store_true",
                        help="skip the authentication + authorization rows (Nuvem only)")
    parser.add_argument("--auth-runs", type=int,
                        help="paired root/user runs per operation for the auth rows "
                             "(default 6, quick 2)")
    parser.add_argument("--ops", default=",".join(OPS),
                        help=f"comma-separated operations among {','.join(OPS)}")
    parser.add_argument("--s3", action="store_true",
                        help="also run benchmarks/s3.py and (re)write the report's S3 section; "
                             "without it the S3 section already in the file is kept")
    parser.add_argument("--sqs", action="store_true",
                        help="also run benchmarks/sqs.py and (re)write the report's SQS and SNS "
                             "section; without it the section already in the file is kept")
    parser.add_argument("--dynamodb", action="store_true",
                        help="also run benchmarks/dynamodb.py and (re)write the report's DynamoDB "
                             "section; without it the section already in the file is kept")
    parser.add_argument("--out", help="where to write the report (default docs/benchmarks.md; "
                                      "none with --quick); '-' writes no file")
    args = parser.parse_args(argv)
    args.argv = argv
    args.calls = args.calls or (300 if args.quick else 2000)
    args.warmup = args.warmup if args.warmup is not None else (50 if args.quick else 200)
    args.runs = args.runs or (1 if args.quick else 3)
    args.starts = args.starts or (2 if args.quick else 5)
    args.auth_runs = args.auth_runs or (2 if args.quick else 6)
    args.ops = [k.strip() for k in args.ops.split(",") if k.strip()]
    unknown = [k for k in args.ops if k not in OPS]
    if unknown:
        parser.error(f"unknown operations {unknown}; choose among {list(OPS)}")
    out = args.out or (None if args.quick else os.path.join(targets.REPO, "docs", "benchmarks.md"))

    notes: list[str] = []
    chosen = [targets.nuvem()]
    chosen += targets.comparisons(args.no_moto, args.no_canned, notes)

    load_before = _loadavg()
    results = bench_all(chosen, args)
    args.load = (load_before, _loadavg())
    nv = next((r for r in results if r.name == "Nuvem"), None)
    if nv is not None and nv.auth and not args.no_auth:
        nv.auth_profile = profile_auth(args)
    text = report(results, args, notes)
    import s3  # noqa: E402  (benchmarks/s3.py)
    import sqs  # noqa: E402  (benchmarks/sqs.py)
    import dynamodb  # noqa: E402  (benchmarks/dynamodb.py)
    previous = ""
    if out and out != "-" and os.path.exists(out):
        with open(out) as f:
            previous = f.read()
    section = None
    if args.s3:
        s3_args = argparse.Namespace(calls=None, pages=None, rss=False, keys=0, runs=args.runs,
                                     no_ephemeral=False, no_moto=args.no_moto,
                                     no_canned=args.no_canned, quick=args.quick,
                                     argv=["--no-moto"] if args.no_moto else [])
        s3.defaults(s3_args, args.quick)
        section = s3.measure(s3_args)
    elif previous:
        section = s3.section_of(previous)          # keep the last S3 measurement
    text = s3.splice(text, section)
    if args.sqs:
        sqs_args = argparse.Namespace(no_moto=args.no_moto, no_canned=args.no_canned,
                                      runs=args.runs, argv=["--no-moto"] if args.no_moto else [])
        sqs.defaults(sqs_args, args.quick)
        section = sqs.measure(sqs_args)
    else:
        section = s3.section_of(previous, sqs.BEGIN, sqs.END)   # keep the last SQS measurement
    text = s3.splice(text, section, sqs.BEGIN, sqs.END)
    if args.dynamodb:
        ddb_args = argparse.Namespace(no_moto=args.no_moto, no_canned=args.no_canned,
                                      runs=args.runs, argv=["--no-moto"] if args.no_moto else [])
        dynamodb.defaults(ddb_args, args.quick)
        section = dynamodb.measure(ddb_args)
    else:
        section = s3.section_of(previous, dynamodb.BEGIN, dynamodb.END)  # keep the last one
    text = s3.splice(text, section, dynamodb.BEGIN, dynamodb.END)
    print(text)
    if out and out != "-":
        with open(out, "w") as f:
            f.write(text)
        say(f"written to {os.path.relpath(out, targets.REPO)}")
    return 1 if any(r.failure for r in results if r.name == "Nuvem") else 0


if __name__ == "__main__":
    sys.exit(main())
