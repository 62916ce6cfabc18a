"""NUVEM_AUTH and NUVEM_IAM modes, each on its own server."""
import pytest
from botocore.exceptions import ClientError

from tests.conftest import NuvemServer


@pytest.fixture(scope="module")
def enforcing():
    server = NuvemServer(env={"NUVEM_AUTH": "enforce"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def logging_only():
    server = NuvemServer(env={"NUVEM_IAM": "log"}).start()
    yield server
    server.stop()


def code(e):
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_enforce_refuses_keys_nuvem_did_not_issue(enforcing):
    with pytest.raises(ClientError) as e:
        enforcing.client("sts").get_caller_identity()
    assert code(e) == ("InvalidClientTokenId", 403)
    with pytest.raises(ClientError) as e:
        enforcing.client("ec2").describe_regions()
    assert code(e) == ("AuthFailure", 401)


def test_log_mode_allows_what_enforce_would_deny(logging_only):
    iam = logging_only.client("iam", key="333344445555")
    iam.create_user(UserName="weak")          # no policies at all
    key = iam.create_access_key(UserName="weak")["AccessKey"]
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=logging_only.endpoint, region_name="us-east-1",
                       aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    assert ec2.describe_regions()["Regions"]


def test_enforce_denies_a_user_without_policies(nuvem):
    iam = nuvem.client("iam", key="444455556666")
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                       aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as e:
        ec2.describe_regions()
    assert code(e) == ("UnauthorizedOperation", 403)
    iam.update_access_key(UserName="nobody", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as e:
        ec2.describe_regions()
    assert code(e) == ("AuthFailure", 401)
