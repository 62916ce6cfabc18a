"""S3 Control over the wire: the account's Block Public Access settings and access points."""
from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

from tests.services.s3control.loopback import s3_client, s3control_client


def error_of(excinfo) -> tuple[str, int]:
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def account(nuvem):
    return nuvem.client("sts").get_caller_identity()["Account"]


@pytest.fixture(scope="module")
def control(nuvem):
    return s3control_client(nuvem.port)


@pytest.fixture(scope="module")
def s3(nuvem):
    return nuvem.client("s3")


@pytest.fixture
def bucket(s3, request):
    name = "apb-" + re.sub(r"[^a-z0-9]", "", request.node.name.lower())[-40:]
    s3.create_bucket(Bucket=name)
    return name


def test_account_public_access_block(control, account, s3, bucket):
    with pytest.raises(ClientError) as e:
        control.get_public_access_block(AccountId=account)
    assert error_of(e) == ("NoSuchPublicAccessBlockConfiguration", 404)
    # S3 Control's error body: the account named, a HostId, no <Type>
    assert e.value.response["Error"] == {
        "Code": "NoSuchPublicAccessBlockConfiguration", "AccountId": account,
        "Message": "The public access block configuration was not found"}
    assert e.value.response["HostId"]
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
        "BlockPublicPolicy": True})
    got = control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": False, "IgnorePublicAcls": False,
                   "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
    try:   # S3 applies the account's settings to every bucket
        public = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}]})
        with pytest.raises(ClientError) as e:
            s3.put_bucket_policy(Bucket=bucket, Policy=public)
        assert error_of(e) == ("AccessDenied", 403)
    finally:
        control.delete_public_access_block(AccountId=account)
    with pytest.raises(ClientError) as e:
        control.get_public_access_block(AccountId=account)
    assert error_of(e) == ("NoSuchPublicAccessBlockConfiguration", 404)
    again = control.delete_public_access_block(AccountId=account)     # idempotent
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_empty_public_access_block_is_refused(nuvem, account):
    unchecked = s3control_client(nuvem.port, parameter_validation=False)
    with pytest.raises(ClientError) as e:
        unchecked.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={})
    assert error_of(e) == ("InvalidRequest", 400)
    assert e.value.response["Error"]["Message"] == "Must specify at least one configuration."


def test_create_get_list_delete_access_point(control, account, bucket):
    created = control.create_access_point(AccountId=account, Name="ap-one", Bucket=bucket)
    arn = f"arn:aws:s3:us-east-1:{account}:accesspoint/ap-one"
    assert created["AccessPointArn"] == arn
    assert re.fullmatch(r"ap-one-[a-z0-9]{34}-s3alias", created["Alias"])
    got = control.get_access_point(AccountId=account, Name="ap-one")
    assert (got["Name"], got["Bucket"], got["NetworkOrigin"], got["AccessPointArn"],
            got["Alias"], got["BucketAccountId"]) == ("ap-one", bucket, "Internet", arn,
                                                      created["Alias"], account)
    assert got["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}
    assert got["Endpoints"]["ipv4"] == "s3-accesspoint.us-east-1.amazonaws.com"
    with pytest.raises(ClientError) as e:
        control.create_access_point(AccountId=account, Name="ap-one", Bucket=bucket)
    assert error_of(e) == ("AccessPointAlreadyOwnedByYou", 409)
    deleted = control.delete_access_point(AccountId=account, Name="ap-one")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    for call in (control.get_access_point, control.delete_access_point):
        with pytest.raises(ClientError) as e:
            call(AccountId=account, Name="ap-one")
        assert error_of(e) == ("NoSuchAccessPoint", 404)
        assert e.value.response["Error"]["AccessPointName"] == "ap-one"


def test_vpc_access_point_and_own_settings(control, account, bucket):
    control.create_access_point(
        AccountId=account, Name="ap-vpc", Bucket=bucket,
        VpcConfiguration={"VpcId": "vpc-1a2b3c4d"},
        PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    got = control.get_access_point(AccountId=account, Name="ap-vpc")
    assert got["NetworkOrigin"] == "VPC"
    assert got["VpcConfiguration"] == {"VpcId": "vpc-1a2b3c4d"}
    assert got["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is False
    control.delete_access_point(AccountId=account, Name="ap-vpc")


@pytest.mark.parametrize("name", ["dot.ted", "-lead", "trail-", "xn--punycode", "ends-s3alias"])
def test_invalid_names(control, account, bucket, name):
    with pytest.raises(ClientError) as e:
        control.create_access_point(AccountId=account, Name=name, Bucket=bucket)
    assert error_of(e) == ("InvalidRequest", 400)
    assert e.value.response["Error"]["Message"] == "Your Amazon S3 AccessPoint name is invalid"


@pytest.mark.parametrize("name", ["sa", "a" * 51, "Upper", "under_score", "xn-_test-alias"])
def test_names_that_do_not_parse_as_a_uri(nuvem, account, bucket, name):
    unchecked = s3control_client(nuvem.port, parameter_validation=False)   # "sa" is too short
    with pytest.raises(ClientError) as e:
        unchecked.create_access_point(AccountId=account, Name=name, Bucket=bucket)
    assert error_of(e) == ("InvalidURI", 400)
    assert e.value.response["Error"] == {"Code": "InvalidURI", "URI": f"accesspoint/{name}",
                                         "Message": "Couldn't parse the specified URI."}


def test_bucket_must_exist_and_be_the_callers(control, account):
    with pytest.raises(ClientError) as e:
        control.create_access_point(AccountId=account, Name="ap-none", Bucket="no-such-bkt-xyz")
    assert error_of(e) == ("InvalidRequest", 400)
    assert e.value.response["Error"]["Message"] == (
        "Amazon S3 AccessPoint can only be created for existing bucket")
    other = "111122223333" if account != "111122223333" else "444455556666"
    with pytest.raises(ClientError) as e:
        control.get_access_point(AccountId=other, Name="ap-none")
    assert error_of(e) == ("AccessDenied", 403)


def test_list_by_bucket_with_paging(control, account, s3, bucket):
    other = bucket[:-1] + "z" if not bucket.endswith("z") else bucket[:-1] + "y"
    s3.create_bucket(Bucket=other)
    names = [f"ap-list-{i}" for i in range(5)]
    for name in names:
        control.create_access_point(AccountId=account, Name=name, Bucket=bucket)
    control.create_access_point(AccountId=account, Name="ap-list-other", Bucket=other)
    try:
        seen, token = [], None
        while True:
            page = control.list_access_points(AccountId=account, Bucket=bucket, MaxResults=2,
                                              **({"NextToken": token} if token else {}))
            assert len(page["AccessPointList"]) <= 2
            seen += [p["Name"] for p in page["AccessPointList"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == names
        everything = [p["Name"] for p in control.list_access_points(
            AccountId=account)["AccessPointList"]]
        assert set(names + ["ap-list-other"]) <= set(everything)
    finally:
        for name in names + ["ap-list-other"]:
            control.delete_access_point(AccountId=account, Name=name)


def test_access_point_policy(control, account, bucket):
    control.create_access_point(AccountId=account, Name="ap-pol", Bucket=bucket)
    arn = f"arn:aws:s3:us-east-1:{account}:accesspoint/ap-pol"
    for call in (control.get_access_point_policy, control.get_access_point_policy_status):
        with pytest.raises(ClientError) as e:
            call(AccountId=account, Name="ap-pol")
        assert error_of(e) == ("NoSuchAccessPointPolicy", 404)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/jane"},
        "Action": ["s3:GetObject"], "Resource": f"{arn}/object/jane/*"}]})
    control.put_access_point_policy(AccountId=account, Name="ap-pol", Policy=policy)
    assert control.get_access_point_policy(AccountId=account, Name="ap-pol")["Policy"] == policy
    status = control.get_access_point_policy_status(AccountId=account, Name="ap-pol")
    assert status["PolicyStatus"] == {"IsPublic": False}
    wrong = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    with pytest.raises(ClientError) as e:
        control.put_access_point_policy(AccountId=account, Name="ap-pol", Policy=wrong)
    assert error_of(e) == ("MalformedPolicy", 400)
    public = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"{arn}/object/*"}]})
    with pytest.raises(ClientError) as e:     # BlockPublicPolicy is on by default
        control.put_access_point_policy(AccountId=account, Name="ap-pol", Policy=public)
    assert error_of(e) == ("AccessDenied", 403)
    control.delete_access_point_policy(AccountId=account, Name="ap-pol")
    with pytest.raises(ClientError) as e:
        control.get_access_point_policy(AccountId=account, Name="ap-pol")
    assert error_of(e) == ("NoSuchAccessPointPolicy", 404)
    control.delete_access_point(AccountId=account, Name="ap-pol")


def test_data_through_alias_arn_and_host(nuvem, control, account, s3, bucket):
    created = control.create_access_point(AccountId=account, Name="ap-data", Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="direct.txt", Body=b"direct")
        # the alias, path-style on the IP endpoint
        assert s3.get_object(Bucket=created["Alias"], Key="direct.txt")["Body"].read() == b"direct"
        s3.put_object(Bucket=created["Alias"], Key="via-alias.txt", Body=b"alias")
        # the ARN: botocore addresses ap-data-<account>.localhost:<port>
        arn_client = s3_client(nuvem.port)
        arn = created["AccessPointArn"]
        assert arn_client.get_object(Bucket=arn, Key="via-alias.txt")["Body"].read() == b"alias"
        arn_client.put_object(Bucket=arn, Key="via-arn.txt", Body=b"arn")
        listed = arn_client.list_objects_v2(Bucket=arn)
        assert [o["Key"] for o in listed["Contents"]] == ["direct.txt", "via-alias.txt",
                                                          "via-arn.txt"]
        # the AWS host form <name>-<account>.s3-accesspoint.<region>.amazonaws.com
        aws_host = s3_client(nuvem.port, host="s3-accesspoint.us-east-1.amazonaws.com",
                             addressing_style="path")
        aws_host.meta.events.register_first("before-sign", _host_form(account))
        assert aws_host.get_object(Bucket=bucket, Key="via-arn.txt")["Body"].read() == b"arn"
        # nothing was copied: it is all in the bucket
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        assert keys == ["direct.txt", "via-alias.txt", "via-arn.txt"]
    finally:
        control.delete_access_point(AccountId=account, Name="ap-data")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=created["Alias"], Key="direct.txt")
    assert error_of(e) == ("NoSuchAccessPoint", 404)


def _host_form(account: str):
    """Rewrites a path-style request `/<bucket>/<key>` to the access point host form."""
    from urllib.parse import urlsplit, urlunsplit

    def rewrite(request, **_):
        parts = urlsplit(request.url)
        _, _, key = parts.path[1:].partition("/")
        netloc = f"ap-data-{account}.{parts.netloc}"
        request.url = urlunsplit(parts._replace(netloc=netloc, path="/" + key))
    return rewrite


@pytest.mark.parametrize("host,expected", [
    ("finance-ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com",
     ("finance-ap-123456789012", "accesspoint", "us-east-1")),
    ("ap-123456789012.s3-accesspoint.dualstack.eu-west-1.amazonaws.com",
     ("ap-123456789012", "accesspoint", "eu-west-1")),
    ("ap-123456789012.s3-accesspoint.us-east-1.localhost:4566",
     ("ap-123456789012", "accesspoint", "us-east-1")),
    ("ap-123456789012.localhost:4566", ("ap-123456789012", "api", None)),
])
def test_access_point_hosts(host, expected):
    from nuvem.protocol.routing import s3_host
    found = s3_host(host)
    assert (found.bucket, found.kind, found.region) == expected
