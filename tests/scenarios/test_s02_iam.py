"""S2: a user with PowerUserAccess, its own access key, and IAM really enforced."""
import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError


def code(e):
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def dev(nuvem):
    """A user in account 210987654321 with PowerUserAccess and an access key."""
    iam = nuvem.client("iam", key="210987654321")
    iam.create_user(UserName="dev")
    iam.attach_user_policy(UserName="dev", PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    return key


def as_dev(nuvem, dev, service):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=dev["AccessKeyId"],
                        aws_secret_access_key=dev["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))


def test_power_user_can_use_ec2_and_sts(nuvem, dev):
    assert as_dev(nuvem, dev, "ec2").describe_regions()["Regions"]
    identity = as_dev(nuvem, dev, "sts").get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::210987654321:user/dev"
    assert identity["Account"] == "210987654321"


def test_power_user_can_use_s3(nuvem, dev):
    s3 = as_dev(nuvem, dev, "s3")
    s3.create_bucket(Bucket="dev-power-user-bucket")
    s3.put_object(Bucket="dev-power-user-bucket", Key="k", Body=b"mine")
    assert s3.get_object(Bucket="dev-power-user-bucket", Key="k")["Body"].read() == b"mine"
    assert "dev-power-user-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_power_user_cannot_create_users_but_can_list_roles(nuvem, dev):
    iam = as_dev(nuvem, dev, "iam")
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName="intruder")
    assert code(e) == ("AccessDenied", 403)
    message = e.value.response["Error"]["Message"]
    assert message.startswith("User: arn:aws:iam::210987654321:user/dev is not authorized to "
                              "perform: iam:CreateUser on resource: ")
    assert "because no identity-based policy allows the iam:CreateUser action" in message
    iam.list_roles()   # PowerUserAccess's second statement


def test_wrong_secret_is_refused(nuvem, dev):
    import boto3
    sts = boto3.client("sts", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                       aws_access_key_id=dev["AccessKeyId"], aws_secret_access_key="x" * 40)
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert code(e) == ("SignatureDoesNotMatch", 403)


def test_explicit_deny_beats_allow(nuvem, dev):
    admin = nuvem.client("iam", key="210987654321")
    admin.put_user_policy(UserName="dev", PolicyName="no-regions", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:DescribeRegions", "Resource": "*"}]}))
    try:
        with pytest.raises(ClientError) as e:
            as_dev(nuvem, dev, "ec2").describe_regions()
        assert code(e) == ("UnauthorizedOperation", 403)
        assert "with an explicit deny in an identity-based policy" in e.value.response["Error"]["Message"]
        as_dev(nuvem, dev, "ec2").describe_availability_zones()   # still allowed
    finally:
        admin.delete_user_policy(UserName="dev", PolicyName="no-regions")
    as_dev(nuvem, dev, "ec2").describe_regions()


def test_cli_profile_made_from_the_key(nuvem, dev, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[dev]\naws_access_key_id = {dev['AccessKeyId']}\n"
                           f"aws_secret_access_key = {dev['SecretAccessKey']}\n")
    clean = {k: v for k, v in os.environ.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    full = {**clean, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": nuvem.endpoint,
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_PROFILE": "dev"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "awscli", *args], env=full,
                                       capture_output=True, text=True, timeout=60)
    assert run("ec2", "describe-regions", "--output", "text").returncode == 0
    made = run("s3", "mb", "s3://dev-cli-bucket")
    assert made.returncode == 0, made.stderr
    assert "dev-cli-bucket" in run("s3", "ls").stdout
    denied = run("iam", "create-user", "--user-name", "cli-intruder")
    assert denied.returncode == 255 and "AccessDenied" in denied.stderr
    listed = run("iam", "list-roles")
    assert listed.returncode == 0, listed.stderr


@pytest.mark.parametrize("document,message", [
    ("{not json", "Syntax errors in policy."),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
     '"Resource": "*", "Principal": "*"}]}', "Policy document should not specify a principal."),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
     '"Resource": "*", "Colour": "blue"}]}', "Unknown field"),
])
def test_policies_are_validated_like_iam(nuvem, document, message):
    iam = nuvem.client("iam", key="210987654321")
    with pytest.raises(ClientError) as e:
        iam.create_policy(PolicyName="bad", PolicyDocument=document)
    assert code(e) == ("MalformedPolicyDocument", 400)
    assert message in e.value.response["Error"]["Message"]
