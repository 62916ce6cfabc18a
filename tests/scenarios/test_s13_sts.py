"""S13 (STS half): a user allowed sts:AssumeRole assumes a role, uses the temporary credentials,
is limited by the role's policies and the session policy, and is refused once they expire."""
import json
from datetime import datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "313131313131"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/reader"


def code(e):
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def client(server, service, creds, **config):
    return boto3.client(service, endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"),
                        config=Config(retries={"max_attempts": 1}, **config))


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


@pytest.fixture(scope="module")
def setup(_manual_server):
    manual_nuvem = _manual_server      # module-wide set-up on the shared manual server
    iam = manual_nuvem.client("iam", key=ACCOUNT)
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": ["sts:AssumeRole", "sts:TagSession"]})
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200)
    iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=policy(
        allow(["ec2:DescribeRegions", "ec2:DescribeAvailabilityZones", "iam:ListRoles",
               "sts:AssumeRole"])))
    keys = {}
    for user, allowed in (("alice", True), ("mallory", False)):
        iam.create_user(UserName=user)
        if allowed:
            iam.put_user_policy(UserName=user, PolicyName="assume",
                                PolicyDocument=policy(allow("sts:AssumeRole", ROLE_ARN)))
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]
    return keys


def assume(server, setup, **kwargs):
    sts = client(server, "sts", setup["alice"])
    return sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName=kwargs.pop("name", "s13"), **kwargs)


def later(manual_nuvem, seconds):
    """Move Nuvem's clock only: a signature's time is checked against the real clock, the
    credentials' expiration against Nuvem's."""
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": seconds})


def test_assume_use_and_expire(manual_nuvem, setup):
    out = assume(manual_nuvem, setup, DurationSeconds=900)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/s13"
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":s13")
    identity = client(manual_nuvem, "sts", creds).get_caller_identity()
    assert identity["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"]
    assert identity["Account"] == ACCOUNT
    ec2 = client(manual_nuvem, "ec2", creds)
    assert ec2.describe_regions()["Regions"]             # the role allows it
    iam = client(manual_nuvem, "iam", creds)
    iam.list_roles()
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName="nope")                  # the role does not
    assert code(e) == ("AccessDenied", 403)
    assert e.value.response["Error"]["Message"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/reader/s13 is not authorized to perform: "
        "iam:CreateUser")
    later(manual_nuvem, 899)
    assert ec2.describe_regions()["Regions"]             # still valid one second before
    later(manual_nuvem, 2)
    with pytest.raises(ClientError) as e:
        ec2.describe_regions()
    assert code(e) == ("ExpiredToken", 403)
    assert e.value.response["Error"]["Message"] == "The security token included in the request is expired"
    with pytest.raises(ClientError) as e:
        client(manual_nuvem, "sts", creds).get_caller_identity()
    assert code(e) == ("ExpiredToken", 403)


def test_user_without_permission_is_refused(manual_nuvem, setup):
    sts = client(manual_nuvem, "sts", setup["mallory"])
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="x1")
    assert code(e) == ("AccessDenied", 403)
    assert e.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/mallory is not authorized to perform: "
        f"sts:AssumeRole on resource: {ROLE_ARN}")


def test_missing_role_is_access_denied(manual_nuvem, setup):
    sts = client(manual_nuvem, "sts", setup["alice"])
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ghost", RoleSessionName="x1")
    assert code(e) == ("AccessDenied", 403)


def test_duration_limits(manual_nuvem, setup):
    with pytest.raises(ClientError) as e:
        assume(manual_nuvem, setup, DurationSeconds=7201)
    assert code(e) == ("ValidationError", 400)
    assert e.value.response["Error"]["Message"] == ("The requested DurationSeconds exceeds the "
                                                    "MaxSessionDuration set for this role.")
    unchecked = client(manual_nuvem, "sts", setup["alice"], parameter_validation=False)
    with pytest.raises(ClientError) as e:
        unchecked.assume_role(RoleArn=ROLE_ARN, RoleSessionName="short", DurationSeconds=899)
    assert code(e) == ("ValidationError", 400)
    assert "greater than or equal to 900" in e.value.response["Error"]["Message"]
    out = assume(manual_nuvem, setup, DurationSeconds=7200)
    issued = out["Credentials"]["Expiration"]
    now = datetime.fromisoformat(manual_nuvem.admin("GET", "/_nuvem/clock")["now"].replace("Z", "+00:00"))
    assert (issued - now).total_seconds() == pytest.approx(7200, abs=2)


def test_role_chaining_is_capped_at_one_hour(manual_nuvem, setup):
    first = assume(manual_nuvem, setup)["Credentials"]
    sts = client(manual_nuvem, "sts", first)
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="chain", DurationSeconds=3601)
    assert code(e) == ("ValidationError", 400)
    assert "1 hour session limit for roles assumed by role chaining" in e.value.response["Error"]["Message"]
    second = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="chain", DurationSeconds=3600)
    assert second["AssumedRoleUser"]["Arn"].endswith("/reader/chain")


def test_session_policy_narrows(manual_nuvem, setup):
    out = assume(manual_nuvem, setup, Policy=policy(allow("ec2:DescribeAvailabilityZones")))
    assert 0 < out["PackedPolicySize"] <= 100
    ec2 = client(manual_nuvem, "ec2", out["Credentials"])
    ec2.describe_availability_zones()
    with pytest.raises(ClientError) as e:
        ec2.describe_regions()     # the role allows it, the session policy does not
    assert code(e) == ("UnauthorizedOperation", 403)
    assert "session policy" in e.value.response["Error"]["Message"]


def test_wrong_or_missing_session_token_is_refused(manual_nuvem, setup):
    creds = dict(assume(manual_nuvem, setup)["Credentials"])
    token = creds["SessionToken"]
    wrong = ("B" if token[0] == "A" else "A") + token[1:]
    for token in (wrong, None):
        with pytest.raises(ClientError) as e:
            client(manual_nuvem, "sts", {**creds, "SessionToken": token}).get_caller_identity()
        assert code(e) == ("InvalidClientTokenId", 403)
    with pytest.raises(ClientError) as e:
        client(manual_nuvem, "sts", {**creds, "SecretAccessKey": "y" * 40}).get_caller_identity()
    assert code(e) == ("SignatureDoesNotMatch", 403)
