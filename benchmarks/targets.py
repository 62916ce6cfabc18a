"""The servers under test, how to start and stop them, and what /proc says about them.

Every server runs as a child process of the benchmark, so its CPU time and memory can be read
from /proc the same way for all of them. Only processes started here are ever stopped, by the
Popen objects kept here.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MOTO_VERSION = "5.2.5"          # what `pip install 'moto[server]'` gave when this was written
MOTO_VENV = os.path.join(REPO, ".cache", "bench-moto-venv")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# /proc

def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return kids


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants that are alive now."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo += _children(p)
    return tree


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process tree (all threads), in seconds."""
    ticks = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(rest[11]) + int(rest[12])   # fields 14 and 15: utime, stime
    return ticks / CLK_TCK


def sched(pid: int) -> tuple[float, int]:
    """(CPU seconds from /proc/<pid>/task/*/schedstat, nanosecond resolution; voluntary context
    switches) summed over the process tree's threads: how often and how long an idle server wakes."""
    cpu_ns, wakeups = 0, 0
    for p in process_tree(pid):
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/schedstat") as f:
                    cpu_ns += int(f.read().split()[0])
                with open(f"/proc/{p}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches:"):
                            wakeups += int(line.split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return cpu_ns / 1e9, wakeups


def rss_mib(pid: int) -> float:
    """VmRSS of the process tree, in MiB."""
    kib = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kib += int(line.split()[1])
        except OSError:
            continue
    return kib / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.05)
        return s.connect_ex(("127.0.0.1", port)) == 0


# ---------------------------------------------------------------------------------------------
# servers

@dataclass
class Target:
    name: str
    argv: list[str]                  # "{port}" is replaced by the port
    env: dict[str, str] = field(default_factory=dict)
    ops: tuple[str, ...] = ()        # the benchmark operations it can answer
    version: str = ""

    def spawn(self, port: int) -> "Running":
        log = tempfile.TemporaryFile()
        argv = [a.replace("{port}", str(port)) for a in self.argv]
        proc = subprocess.Popen(argv, cwd=REPO, env={**os.environ, **self.env},
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        return Running(self, proc, port, log)


@dataclass
class Running:
    target: Target
    proc: subprocess.Popen
    port: int
    log: object

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_listening(self, timeout: float = 60.0, poll: float = 0.005) -> None:
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.target.name} exited with {self.proc.returncode}:\n"
                                   + self.output())
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.target.name} did not listen within {timeout}s:\n"
                                   + self.output())
            time.sleep(poll)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def nuvem(state_dir: str | None = None, name: str = "Nuvem") -> Target:
    """`nuvem serve --ephemeral`, or with its durable store in `state_dir` if one is given; at
    the default log level, so its line per call is measured too."""
    from importlib.metadata import version
    store = ["--state-dir", state_dir] if state_dir else ["--ephemeral"]
    return Target(name, [sys.executable, "-m", "nuvem", "serve", *store, "--port", "{port}"],
                  ops=("sts", "regions", "zones", "keypairs"), version=version("nuvem"))


def canned() -> Target:
    return Target("canned asyncio", [sys.executable, os.path.join(HERE, "canned_server.py"),
                                     "--port", "{port}"],
                  ops=("sts", "regions"), version="(benchmarks/canned_server.py)")


def moto(quiet: bool = False) -> Target | None:
    """moto's server from a scratch venv, installed on first use; None (with a note) if that fails."""
    server = os.path.join(MOTO_VENV, "bin", "moto_server")
    python = os.path.join(MOTO_VENV, "bin", "python")
    if not _moto_ready(python):
        print(f"setting up moto[server]=={MOTO_VERSION} in {os.path.relpath(MOTO_VENV, REPO)} "
              "(once; about 30 s) ...", flush=True)
        try:
            if not os.path.exists(python):
                subprocess.run([sys.executable, "-m", "venv", MOTO_VENV], check=True,
                               capture_output=True, timeout=300)
            subprocess.run([python, "-m", "pip", "install", "-q", f"moto[server]=={MOTO_VERSION}"],
                           check=True, capture_output=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as error:
            detail = getattr(error, "stderr", b"") or b""
            print(f"NOTE: could not install moto[server]=={MOTO_VERSION} ({error}); "
                  "continuing without moto.", flush=True)
            tail = detail.decode(errors="replace").strip().splitlines()[-3:]
            print("\n".join("    " + line[-300:] for line in tail), flush=True)
            return None
        if not _moto_ready(python):
            print("NOTE: moto installed but its version does not match; continuing without moto.")
            return None
    return Target("moto", [server, "-H", "127.0.0.1", "-p", "{port}"],
                  ops=("sts", "regions", "zones", "keypairs"), version=MOTO_VERSION)


def _moto_ready(python: str) -> bool:
    if not os.path.exists(python):
        return False
    probe = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('moto'))"],
                           capture_output=True, text=True)
    return probe.returncode == 0 and probe.stdout.strip() == MOTO_VERSION \
        and os.path.exists(os.path.join(MOTO_VENV, "bin", "moto_server"))


def comparisons(no_moto: bool, no_canned: bool, notes: list[str]) -> list:
    """The servers Nuvem is measured beside: moto's server (a note when it cannot be installed)
    and the canned asyncio server, unless left out."""
    chosen = []
    if not no_moto:
        found = moto()
        if found is None:
            notes.append(f"moto[server]=={MOTO_VERSION} could not be installed; it is missing "
                         "from this run.")
        else:
            chosen.append(found)
    if not no_canned:
        chosen.append(canned())
    return chosen
