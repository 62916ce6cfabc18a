"""NUVEM_AUTH and NUVEM_IAM modes, each on its own server."""
import contextlib
import datetime
import urllib.error
import urllib.request
from unittest import mock

import pytest
import botocore.crt.auth  # noqa: F401 (patched below)
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


@contextlib.contextmanager
def _signed_at(when: datetime.datetime):
    """botocore signing as of `when` (a client whose clock is off), with its own signers and
    the CRT's (which botocore uses when awscrt is installed, as the AWS CLI installs it)."""
    naive = when.replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive), \
            mock.patch("botocore.crt.auth.get_current_datetime", return_value=when):
        yield


def test_lenient_checks_an_unknown_keys_time_but_not_its_signature(nuvem):
    # `test`/`test` has no secret Nuvem knows, but AWS checks every request's time and so does
    # Nuvem: a skewed clock and an expired presigned URL are refused, as for an issued key.
    s3, sqs = nuvem.client("s3", signature_version="s3v4"), nuvem.client("sqs")
    s3.create_bucket(Bucket="lenient-time")
    s3.put_object(Bucket="lenient-time", Key="k", Body=b"v")
    late = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    with _signed_at(late):
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket="lenient-time", Key="k")
        assert code(e) == ("RequestTimeTooSkewed", 403)
        assert e.value.response["Error"]["MaxAllowedSkewMilliseconds"] == "900000"
        with pytest.raises(ClientError) as e:
            sqs.list_queues()
        assert code(e)[1] == 400 and "Signature expired" in e.value.response["Error"]["Message"]
        url = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                        Params={"Bucket": "lenient-time", "Key": "k"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url)
    assert e.value.code == 403 and b"<Message>Request has expired</Message>" in e.value.read()
    url = s3.generate_presigned_url("get_object", ExpiresIn=60,
                                    Params={"Bucket": "lenient-time", "Key": "k"})
    assert urllib.request.urlopen(url).read() == b"v"
    assert s3.get_object(Bucket="lenient-time", Key="k")["Body"].read() == b"v"


def test_off_mode_checks_nothing():
    server = NuvemServer(env={"NUVEM_AUTH": "off"}).start()
    try:
        late = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=3)
        with _signed_at(late):
            assert server.client("sts").get_caller_identity()["Account"] == "000000000000"
    finally:
        server.stop()


def test_the_manual_clock_moves_without_making_signatures_stale(manual_nuvem):
    # Clients sign with real time: a request's date is checked against the real clock, so a
    # test may move Nuvem's clock by days and go on calling, with a key Nuvem issued too.
    iam = manual_nuvem.client("iam", key="555566667777")
    iam.create_user(UserName="clockwise")
    iam.put_user_policy(UserName="clockwise", PolicyName="regions", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "ec2:DescribeRegions", "Resource": "*"}]}'))
    key = iam.create_access_key(UserName="clockwise")["AccessKey"]
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=manual_nuvem.endpoint, region_name="us-east-1",
                       aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 2 * 86400})
    assert ec2.describe_regions()["Regions"]
    assert manual_nuvem.client("sts").get_caller_identity()["Account"] == "000000000000"
