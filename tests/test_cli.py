import os
import subprocess
import sys

from tests.conftest import REPO, NuvemServer


def nuvem_cmd(*args, env=None):
    return subprocess.run([sys.executable, "-m", "nuvem", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def test_status_of_a_running_server(nuvem):
    out = nuvem_cmd("status", "--port", str(nuvem.port))
    assert out.returncode == 0, out.stderr
    assert "sts" in out.stdout and "ec2" in out.stdout


def test_status_when_nothing_runs():
    from tests.conftest import free_port
    out = nuvem_cmd("status", "--port", str(free_port()))
    assert out.returncode == 1 and "not running" in out.stdout


def test_coverage_lists_served_services():
    out = nuvem_cmd("coverage")
    assert out.returncode == 0
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line and line[0] != "("}
    assert {"sts", "ec2"} <= set(lines)


def test_reset_of_a_state_dir_that_is_not_served(tmp_path):
    from tests.conftest import free_port
    state = tmp_path / "state"
    state.mkdir()
    (state / "nuvem.db").write_bytes(b"")
    out = nuvem_cmd("reset", "--state-dir", str(state), "--port", str(free_port()))
    assert out.returncode == 0 and not state.exists()


def test_a_state_dir_is_served_by_one_nuvem_at_a_time(tmp_path):
    from tests.conftest import free_port
    state = str(tmp_path / "state")
    first = NuvemServer(state_dir=state).start()
    try:
        first.client("s3").create_bucket(Bucket="mine")
        out = nuvem_cmd("serve", "--state-dir", state, "--port", str(free_port()))
        assert out.returncode == 1
        assert "is in use by another process" in out.stderr and "Traceback" not in out.stderr
        assert [b["Name"] for b in first.client("s3").list_buckets()["Buckets"]] == ["mine"]
    finally:
        first.kill()
    second = NuvemServer(state_dir=state).start()      # a crashed server's hold is gone
    try:
        assert [b["Name"] for b in second.client("s3").list_buckets()["Buckets"]] == ["mine"]
    finally:
        second.stop()


def test_served_without_awscrt_until_a_checksum_needs_it():
    # cli.cmd_serve keeps botocore from loading awscrt (4 MiB of an idle server) just to learn
    # it could sign with it; S3's CRC32C and CRC64NVME still use its C code once needed
    server = NuvemServer().start()
    try:
        def mapped() -> bool:
            return "_awscrt" in open(f"/proc/{server.proc.pid}/maps").read()

        server.client("sts").get_caller_identity()
        assert not mapped()
        s3 = server.client("s3")
        s3.create_bucket(Bucket="crc32c")
        put = s3.put_object(Bucket="crc32c", Key="k", Body=b"x" * 100_000,
                            ChecksumAlgorithm="CRC32C")
        assert put["ChecksumCRC32C"] == "a1uQAw=="      # as awscrt computes it
        assert mapped()
    finally:
        server.stop()
