"""Shared fixtures: a real Nuvem server on a free loopback port, and boto3 clients for it."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config as BotoConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Servers started by the tests (and stores made in-process) check that no caller changes a
# shared decoded record (nuvem/store/sqlite.py, CHECK_SHARED).
os.environ.setdefault("NUVEM_CHECK_SHARED", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NuvemServer:
    """A `nuvem serve` subprocess. Stopped by PID (ours only)."""

    def __init__(self, state_dir: str | None = None, env: dict | None = None):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.state_dir = state_dir
        self.env = {**os.environ, "NUVEM_LOG_LEVEL": "warning", **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 15) -> "NuvemServer":
        args = [sys.executable, "-m", "nuvem", "serve", "--port", str(self.port)]
        args += ["--state-dir", self.state_dir] if self.state_dir else ["--ephemeral"]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, cwd=REPO, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nuvem exited with {self.proc.returncode}: {self.output()}")
            try:
                self.admin("GET", "/_nuvem/health")
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"nuvem did not start in {timeout}s: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.endpoint + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def kill(self) -> None:
        """SIGKILL: what a crash looks like."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, service: str, region: str = "us-east-1", key: str = "test",
               secret: str = "test", **config):
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=BotoConfig(retries={"max_attempts": 1}, **config))

    def aws_cli(self, *args: str, env: dict | None = None, check: bool = True):
        """The real AWS CLI (awscli from the venv) pointed at this server."""
        full_env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint,
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    **(env or {})}
        return subprocess.run([sys.executable, "-m", "awscli", *args], env=full_env,
                              capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture(scope="session")
def nuvem():
    """One ephemeral server shared by the tests of a session (per xdist worker)."""
    server = NuvemServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _manual_server():
    server = NuvemServer(env={"NUVEM_CLOCK": "manual"}).start()
    yield server
    server.stop()


@pytest.fixture
def manual_nuvem(_manual_server):
    """A server whose clock moves only when a test says so. It is shared by the session, so its
    wall clock goes back to real time after each test: the next test's signatures (stamped with
    real time) must not look skewed."""
    yield _manual_server
    from datetime import datetime, timezone
    _manual_server.admin("POST", "/_nuvem/clock",
                         {"set": datetime.now(timezone.utc).replace(microsecond=0).isoformat()})


# -- the codec's proof, printed at the end of every run (also under xdist) ------------------------
_PROOF = {"test_input_vector": "botocore input vectors", "test_output_vector": "botocore output vectors",
          "test_input_roundtrip": "round trip, client → our parser",
          "test_output_roundtrip": "round trip, our serializer → client"}

_TALLY: dict[str, dict[str, int]] = {name: {"passed": 0, "failed": 0, "skipped": 0} for name in _PROOF}


def pytest_runtest_logreport(report):
    function = report.nodeid.split("::")[-1].split("[")[0]
    tally = _TALLY.get(function)
    if tally is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        tally[report.outcome] += 1


def pytest_terminal_summary(terminalreporter):
    if not any(sum(t.values()) for t in _TALLY.values()):
        return
    terminalreporter.section("codec proof")
    for function, label in _PROOF.items():
        t = _TALLY[function]
        total = sum(t.values())
        if total:
            terminalreporter.write_line(
                f"{label}: {t['passed']}/{total} passed, {t['skipped']} ignored or not applicable "
                f"({100 * t['skipped'] / total:.1f}%), {t['failed']} failed")
