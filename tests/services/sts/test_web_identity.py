"""AssumeRoleWithWebIdentity: unsigned, checked against an OIDC provider registered in IAM."""
import base64
import itertools
import json
import time

import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError

_accounts = itertools.count(1)
ISSUER = "https://oidc.example.com/tenant"


def b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def jwt(**claims) -> str:
    body = {"iss": ISSUER, "aud": "my-app", "sub": "user-42", "exp": int(time.time()) + 600,
            **claims}
    return f"{b64({'alg': 'RS256', 'kid': 'k1'})}.{b64(body)}.c2lnbmF0dXJl"


def error(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


@pytest.fixture
def setup(nuvem):
    account = f"5{next(_accounts):011d}"
    iam = nuvem.client("iam", key=account)
    provider = iam.create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=["my-app"], ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"oidc.example.com/tenant:sub": "user-42"}}}]}
    role = iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="web", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}]}))
    return account, role, nuvem.client("sts", signature_version=UNSIGNED)


def test_web_identity_assumes_the_role(nuvem, setup):
    account, role, sts = setup
    out = sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="web1",
                                            WebIdentityToken=jwt())
    assert out["SubjectFromWebIdentityToken"] == "user-42"
    assert out["Audience"] == "my-app"
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/web/web1"
    import boto3
    creds = out["Credentials"]
    ec2 = boto3.client("ec2", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                       aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    assert ec2.describe_regions()["Regions"]


@pytest.mark.parametrize("token,expected", [
    ("not-a-jwt", ("InvalidIdentityToken", 400)),
    (jwt(iss="https://unknown.example.com"), ("InvalidIdentityToken", 400)),
    (jwt(aud="other-app"), ("InvalidIdentityToken", 400)),
    (jwt(exp=int(time.time()) - 10), ("ExpiredTokenException", 400)),
    (jwt(sub="someone-else"), ("AccessDenied", 403)),
])
def test_web_identity_refusals(setup, token, expected):
    _, role, sts = setup
    assert error(sts.assume_role_with_web_identity, RoleArn=role, RoleSessionName="web1",
                 WebIdentityToken=token)[:2] == expected
