"""AccessKeyLastUsed and RoleLastUsed: recorded from authenticated calls, written at most once a
minute per key, durable across restarts, and never a reason to drop cached identities."""
import itertools
import json
from datetime import datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from tests.conftest import NuvemServer

_accounts = itertools.count(1)
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def client(server, service, creds, region="us-east-1"):
    return boto3.client(service, endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"),
                        config=Config(retries={"max_attempts": 1}))


def clock(server) -> datetime:
    return datetime.fromisoformat(server.admin("GET", "/_nuvem/clock")["now"].replace("Z", "+00:00"))


def advance(server, seconds) -> None:
    server.admin("POST", "/_nuvem/clock", {"advance": seconds})


def fresh_account() -> str:
    return f"5{next(_accounts):011d}"


def user_with_key(iam, name):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
    return iam.create_access_key(UserName=name)["AccessKey"]


def role_for(iam, account, name):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole"}]})
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
    return arn


def test_access_key_last_used_names_the_service_and_region_of_the_last_call(manual_nuvem):
    account = fresh_account()
    iam = manual_nuvem.client("iam", key=account)
    key = user_with_key(iam, "worker")
    never = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert never["UserName"] == "worker"
    assert never["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}

    client(manual_nuvem, "ec2", key, region="eu-west-1").describe_regions()
    when = clock(manual_nuvem)
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert used == {"LastUsedDate": when, "ServiceName": "ec2", "Region": "eu-west-1"}

    advance(manual_nuvem, 5)                 # within the minute: answered from memory at once
    client(manual_nuvem, "sts", key, region="ap-south-1").get_caller_identity()
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert used == {"LastUsedDate": when + timedelta(seconds=5), "ServiceName": "sts",
                    "Region": "ap-south-1"}

    # the key's own calls count too, and so does the credential report
    mine = client(manual_nuvem, "iam", key)
    advance(manual_nuvem, 1)
    assert mine.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"][
        "ServiceName"] == "iam"
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode().splitlines()
    header, row = report[0].split(","), [r for r in report if r.startswith("worker,")][0].split(",")
    row = dict(zip(header, row))
    assert row["access_key_1_last_used_service"] == "iam"
    assert row["access_key_1_last_used_region"] == "us-east-1"
    assert row["access_key_1_last_used_date"] == (when + timedelta(seconds=6)).isoformat(
        timespec="seconds")

    other = user_with_key(iam, "idle")        # another key of the account is untouched
    assert iam.get_access_key_last_used(AccessKeyId=other["AccessKeyId"])[
        "AccessKeyLastUsed"]["ServiceName"] == "N/A"


def test_refused_signature_is_not_a_use(nuvem):
    iam = nuvem.client("iam", key=fresh_account())
    key = user_with_key(iam, "forger")
    with pytest.raises(Exception):
        client(nuvem, "sts", {**key, "SecretAccessKey": "wrong" * 8}).get_caller_identity()
    assert iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])[
        "AccessKeyLastUsed"]["ServiceName"] == "N/A"


def test_role_last_used_follows_its_sessions(manual_nuvem):
    account = fresh_account()
    iam = manual_nuvem.client("iam", key=account)
    arn = role_for(iam, account, "deployer")
    assert iam.get_role(RoleName="deployer")["Role"]["RoleLastUsed"] == {}

    root = {"AccessKeyId": account, "SecretAccessKey": "test"}
    creds = client(manual_nuvem, "sts", root).assume_role(
        RoleArn=arn, RoleSessionName="ci")["Credentials"]
    assert iam.get_role(RoleName="deployer")["Role"]["RoleLastUsed"] == {}   # assuming is not using

    client(manual_nuvem, "ec2", creds, region="us-west-2").describe_regions()
    when = clock(manual_nuvem)
    role = iam.get_role(RoleName="deployer")["Role"]
    assert role["RoleLastUsed"] == {"LastUsedDate": when, "Region": "us-west-2"}
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    assert [r["RoleLastUsed"] for r in details if r["RoleName"] == "deployer"] == [
        {"LastUsedDate": when, "Region": "us-west-2"}]
    # ListRoles leaves RoleLastUsed out, as IAM documents for its listing operations
    assert all("RoleLastUsed" not in r for r in iam.list_roles()["Roles"])

    advance(manual_nuvem, 30)
    client(manual_nuvem, "sts", creds, region="eu-central-1").get_caller_identity()
    assert iam.get_role(RoleName="deployer")["Role"]["RoleLastUsed"] == {
        "LastUsedDate": when + timedelta(seconds=30), "Region": "eu-central-1"}

    # a new role of the same name was never used
    iam.delete_role_policy(RoleName="deployer", PolicyName="all")
    iam.delete_role(RoleName="deployer")
    role_for(iam, account, "deployer")
    assert iam.get_role(RoleName="deployer")["Role"]["RoleLastUsed"] == {}


@pytest.mark.slow
def test_last_used_is_written_at_most_once_a_minute_and_survives_restarts(tmp_path):
    state = str(tmp_path / "state")
    env = {"NUVEM_CLOCK": "manual"}
    account = fresh_account()
    server = NuvemServer(state_dir=state, env=env).start()
    try:
        iam = server.client("iam", key=account)
        key = user_with_key(iam, "crash")
        arn = role_for(iam, account, "crashrole")
        root = {"AccessKeyId": account, "SecretAccessKey": "test"}
        creds = client(server, "sts", root).assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
        client(server, "ec2", key, region="eu-west-1").describe_regions()        # written at once
        client(server, "ec2", creds, region="eu-west-1").describe_regions()
        first = clock(server)
        advance(server, 10)
        client(server, "sts", key, region="eu-west-2").get_caller_identity()     # kept in memory
        client(server, "sts", creds, region="eu-west-2").get_caller_identity()
    finally:
        server.kill()                         # SIGKILL: what is still in memory is lost

    server = NuvemServer(state_dir=state, env=env).start()
    try:
        iam = server.client("iam", key=account)
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        assert used == {"LastUsedDate": first, "ServiceName": "ec2", "Region": "eu-west-1"}
        assert iam.get_role(RoleName="crashrole")["Role"]["RoleLastUsed"] == {
            "LastUsedDate": first, "Region": "eu-west-1"}

        client(server, "ec2", key, region="ca-central-1").describe_regions()       # written at once
        advance(server, 20)
        client(server, "sts", key, region="sa-east-1").get_caller_identity()       # in memory...
        later = clock(server)
        advance(server, 45)                   # ...until its minute is over
    finally:
        server.kill()

    server = NuvemServer(state_dir=state, env=env).start()
    try:
        iam = server.client("iam", key=account)
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        assert used == {"LastUsedDate": later, "ServiceName": "sts", "Region": "sa-east-1"}
        advance(server, 5)
        client(server, "ec2", key, region="ap-northeast-1").describe_regions()     # written at once
        advance(server, 5)
        client(server, "sts", key, region="af-south-1").get_caller_identity()      # in memory
        last = clock(server)
    finally:
        server.stop()                         # a clean shutdown writes what is in memory

    server = NuvemServer(state_dir=state, env=env).start()
    try:
        used = server.client("iam", key=account).get_access_key_last_used(
            AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        assert used == {"LastUsedDate": last, "ServiceName": "sts", "Region": "af-south-1"}
    finally:
        server.stop()


def test_tracker_writes_once_a_minute_and_keeps_cached_identities():
    """In process: the throttle counted in transactions, and the identity cache left alone."""
    from nuvem.config import Config
    from nuvem.runtime import Runtime
    from nuvem.services.iam.models import AccessKey, User

    runtime = Runtime(Config(ephemeral=True, clock="manual"))
    runtime.start()
    try:
        now = runtime.clock.now()
        with runtime.store.tx() as tx:
            tx.put(User(account="123456789012", key="u", UserName="u", Path="/",
                        UserId="AIDAEXAMPLEEXAMPLE01", CreateDate=now))
            tx.put(AccessKey(AccessKeyId="AKIAEXAMPLEEXAMPLE01", account="123456789012",
                             user_key="u", UserName="u", SecretAccessKey="s" * 40,
                             Status="Active", CreateDate=now))
        owner = runtime._key_owner("AKIAEXAMPLEEXAMPLE01")
        generation = runtime.identities.generation

        def stored():
            with runtime.store.read() as view:
                key = view.get(AccessKey, "AKIAEXAMPLEEXAMPLE01")
            return key.LastUsedDate, key.LastUsedService, key.LastUsedRegion

        usage, key = runtime.usage, ("key", "AKIAEXAMPLEEXAMPLE01")
        usage.record(key, (runtime.clock.now(), "ec2", "us-east-1"))
        assert usage.writes == 1 and stored() == (now, "ec2", "us-east-1")
        for i in range(1, 50):                       # 49 more calls within the minute
            runtime.clock.advance(seconds=1)
            usage.record(key, (runtime.clock.now(), "s3", f"r{i}"))
        assert usage.writes == 1 and stored() == (now, "ec2", "us-east-1")
        assert usage.latest(key) == (now + timedelta(seconds=49), "s3", "r49")
        runtime.clock.advance(seconds=11)            # the minute is over: one write
        assert usage.writes == 2 and stored() == (now + timedelta(seconds=49), "s3", "r49")
        runtime.clock.advance(seconds=120)           # nothing new: nothing written
        assert usage.writes == 2
        usage.record(key, (runtime.clock.now(), "sts", "eu-west-1"))     # idle a minute: at once
        assert usage.writes == 3 and stored()[1:] == ("sts", "eu-west-1")
        usage.record(("key", "AKIAGONEGONEGONEGONE"), (now, "ec2", "us-east-1"))   # no record
        assert usage.writes == 4

        assert runtime.identities.generation == generation
        assert runtime._key_owner("AKIAEXAMPLEEXAMPLE01") is owner      # still the cached one
    finally:
        runtime.stop()
