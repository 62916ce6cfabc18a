import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError


def test_default_account_for_test_keys(nuvem):
    identity = nuvem.client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["UserId"] == "000000000000"


def test_twelve_digit_key_is_the_account(nuvem):
    identity = nuvem.client("sts", key="123456789012").get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:root"


def test_unsigned_request_is_refused_not_root(nuvem):
    sts = nuvem.client("sts", signature_version=UNSIGNED)
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert e.value.response["Error"]["Code"] == "MissingAuthenticationToken"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_cli_get_caller_identity(nuvem):
    out = nuvem.aws_cli("sts", "get-caller-identity", "--query", "Account", "--output", "text")
    assert out.stdout.strip() == "000000000000"
