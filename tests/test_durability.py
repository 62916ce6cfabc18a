"""A success response means the change is durable: kill -9 right after it loses nothing."""
import pytest

from tests.conftest import NuvemServer

pytestmark = pytest.mark.slow


def test_kill_9_after_success_loses_nothing(tmp_path):
    state = str(tmp_path / "state")
    server = NuvemServer(state_dir=state).start()
    try:
        ec2 = server.client("ec2")
        created = [ec2.create_key_pair(KeyName=f"k{i}", KeyType="ed25519")["KeyPairId"]
                   for i in range(20)]
    finally:
        server.kill()          # SIGKILL straight after the last success response
    restarted = NuvemServer(state_dir=state).start()
    try:
        pairs = restarted.client("ec2").describe_key_pairs()["KeyPairs"]
        assert sorted(p["KeyPairId"] for p in pairs) == sorted(created)
    finally:
        restarted.stop()


def test_ephemeral_state_is_gone_after_restart():
    server = NuvemServer().start()
    try:
        server.client("ec2").create_key_pair(KeyName="temp", KeyType="ed25519")
    finally:
        server.stop()
    again = NuvemServer().start()
    try:
        assert again.client("ec2").describe_key_pairs()["KeyPairs"] == []
    finally:
        again.stop()


def test_reset_wipes_a_running_server(tmp_path):
    server = NuvemServer(state_dir=str(tmp_path / "s")).start()
    try:
        server.client("ec2").create_key_pair(KeyName="gone", KeyType="ed25519")
        server.admin("POST", "/_nuvem/reset")
        assert server.client("ec2").describe_key_pairs()["KeyPairs"] == []
    finally:
        server.stop()
