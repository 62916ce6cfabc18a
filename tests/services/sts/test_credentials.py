"""AssumeRole's trust and request checks, GetSessionToken, GetFederationToken, GetAccessKeyInfo."""
import itertools
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

_accounts = itertools.count(1)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal, actions=("sts:AssumeRole",), **extra):
    return policy({"Effect": "Allow", "Principal": principal, "Action": list(actions), **extra})


def error(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def client(server, service, creds, **config):
    return boto3.client(service, endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"),
                        config=Config(retries={"max_attempts": 1}, **config))


class Account:
    """A fresh account (so tests sharing one server never collide) with helpers."""

    def __init__(self, server):
        self.server = server
        self.id = f"4{next(_accounts):011d}"
        self.iam = server.client("iam", key=self.id)
        self.root = {"AccessKeyId": self.id, "SecretAccessKey": "test"}

    def role(self, name, trust_policy, *statements, **kwargs):
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy,
                                   **kwargs)["Role"]["Arn"]
        if statements:
            self.iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy(*statements))
        return arn

    def user(self, name, *statements):
        self.iam.create_user(UserName=name)
        if statements:
            self.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
        return self.iam.create_access_key(UserName=name)["AccessKey"]


@pytest.fixture
def acct(nuvem):
    return Account(nuvem)


def test_trust_policy_naming_the_user_needs_no_identity_permission(nuvem, acct):
    bob = acct.user("bob")
    arn = acct.role("r", trust({"AWS": f"arn:aws:iam::{acct.id}:user/bob"}))
    out = client(nuvem, "sts", bob).assume_role(RoleArn=arn, RoleSessionName="direct")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{acct.id}:assumed-role/r/direct"
    assert "PackedPolicySize" not in out


def test_trust_policy_naming_the_account_needs_identity_permission(nuvem, acct):
    bob = acct.user("bob")
    arn = acct.role("r", trust({"AWS": acct.id}))
    assert error(client(nuvem, "sts", bob).assume_role, RoleArn=arn,
                 RoleSessionName="s1")[:2] == ("AccessDenied", 403)


def test_root_may_assume_when_the_trust_policy_allows_its_account(nuvem, acct):
    arn = acct.role("r", trust({"AWS": f"arn:aws:iam::{acct.id}:root"}))
    client(nuvem, "sts", acct.root).assume_role(RoleArn=arn, RoleSessionName="root-session")
    service_only = acct.role("lambda-only", trust({"Service": "lambda.amazonaws.com"}))
    assert error(client(nuvem, "sts", acct.root).assume_role, RoleArn=service_only,
                 RoleSessionName="s1")[:2] == ("AccessDenied", 403)


def test_cross_account_needs_both_sides(nuvem):
    a, b = Account(nuvem), Account(nuvem)
    arn = b.role("shared", trust({"AWS": a.id}))
    allowed = a.user("ok", allow("sts:AssumeRole", arn))
    denied = a.user("no")
    out = client(nuvem, "sts", allowed).assume_role(RoleArn=arn, RoleSessionName="x-acct")
    assert out["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{b.id}:assumed-role/shared/")
    identity = client(nuvem, "sts", out["Credentials"]).get_caller_identity()
    assert identity["Account"] == b.id
    assert error(client(nuvem, "sts", denied).assume_role, RoleArn=arn,
                 RoleSessionName="s1")[:2] == ("AccessDenied", 403)


def test_external_id_condition(nuvem, acct):
    arn = acct.role("r", trust({"AWS": acct.id},
                               Condition={"StringEquals": {"sts:ExternalId": "secret-123"}}))
    sts = client(nuvem, "sts", acct.root)
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1")[:2] == ("AccessDenied", 403)
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1",
                 ExternalId="wrong-1234")[:2] == ("AccessDenied", 403)
    sts.assume_role(RoleArn=arn, RoleSessionName="s1", ExternalId="secret-123")


def test_session_tags_need_tag_session_and_become_principal_tags(nuvem, acct):
    plain = acct.role("plain", trust({"AWS": acct.id}))
    sts = client(nuvem, "sts", acct.root)
    tags = [{"Key": "team", "Value": "blue"}]
    assert error(sts.assume_role, RoleArn=plain, RoleSessionName="s1",
                 Tags=tags)[:2] == ("AccessDenied", 403)
    arn = acct.role("tagged", trust({"AWS": acct.id}, ("sts:AssumeRole", "sts:TagSession")),
                    allow("ec2:DescribeRegions",
                          Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}))
    blue = sts.assume_role(RoleArn=arn, RoleSessionName="s1", Tags=tags)
    assert blue["PackedPolicySize"] > 0
    client(nuvem, "ec2", blue["Credentials"]).describe_regions()
    red = sts.assume_role(RoleArn=arn, RoleSessionName="s1", Tags=[{"Key": "team", "Value": "red"}])
    assert error(client(nuvem, "ec2", red["Credentials"]).describe_regions)[:2] == \
        ("UnauthorizedOperation", 403)
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1",
                 Tags=[{"Key": "team!", "Value": "blue"}]) == (
        "ValidationError", 400, "1 validation error detected: Value 'team!' at "
        "'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")



def test_session_tag_errors(nuvem, acct):
    """AWS's answers recorded for test_sts.py::test_assume_role_tag_validation and
    test_iam_role_chaining_override_transitive_tags: InvalidParameterValue, not ValidationError."""
    actions = ("sts:AssumeRole", "sts:TagSession")
    second = acct.role("second", trust({"AWS": acct.id}, actions))
    first = acct.role("first", trust({"AWS": acct.id}, actions), allow(list(actions)))
    sts = client(nuvem, "sts", acct.root)
    tag = [{"Key": "SessionTag1", "Value": "SessionValue1"}]
    assert error(sts.assume_role, RoleArn=first, RoleSessionName="s1", Tags=tag,
                 TransitiveTagKeys=["other"]) == (
        "InvalidParameterValue", 400,
        "The specified transitive tag key must be included in the requested tags.")
    assert error(sts.assume_role, RoleArn=first, RoleSessionName="s1",
                 Tags=tag + [{"Key": "sessiontag1", "Value": "v"}]) == (
        "InvalidParameterValue", 400,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    session = sts.assume_role(RoleArn=first, RoleSessionName="s1", Tags=tag,
                              TransitiveTagKeys=["SessionTag1"])["Credentials"]
    chained = client(nuvem, "sts", session)
    for key in ("SessionTag1", "sessiontag1"):
        assert error(chained.assume_role, RoleArn=second, RoleSessionName="s2",
                     Tags=[{"Key": key, "Value": "SessionValue2"}]) == (
            "InvalidParameterValue", 400, "One of the specified transitive tag keys can't be set "
            "because it conflicts with a transitive tag key from the calling session.")
    chained.assume_role(RoleArn=second, RoleSessionName="s2")


def test_role_arn_that_is_no_arn(nuvem, acct):
    """test_sts.py::test_sts_invalid_parameters: a RoleArn without partition, service or resource
    is ValidationError '<arn> is invalid', before the caller is authorized (it was AccessDenied)."""
    nobody = client(nuvem, "sts", acct.user("nobody"))
    for arn in ("nothing-valid-in-here", "arn::b:::something/test-role",
                "arn:a::::something/test-role", "arn:a:::something/test-role",
                "arn:a:a::aaaaaaaaaa:"):
        assert error(nobody.assume_role, RoleArn=arn, RoleSessionName="s1") == (
            "ValidationError", 400, f"{arn} is invalid")
    assert error(nobody.assume_role, RoleArn=f"arn:aws:iam::{acct.id}:role/none",
                 RoleSessionName="s1")[:2] == ("AccessDenied", 403)


def test_model_patterns_come_before_authorization(nuvem, acct):
    """test_sts.py::test_sts_invalid_parameters 'invalid-session-name': a RoleSessionName outside
    [\\w+=,.@-]* is the front end's ValidationError even for a role nobody may assume (it was
    AccessDenied); a caller without any permission gets it too."""
    message = ("1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to "
               "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    for caller in (acct.root, acct.user("nobody2")):
        sts = client(nuvem, "sts", caller, parameter_validation=False)
        for arn in ("arn:a:b:::something/test-role", f"arn:aws:iam::{acct.id}:role/none"):
            assert error(sts.assume_role, RoleArn=arn, RoleSessionName="Session1:2") == (
                "ValidationError", 400, message)

def test_source_identity(nuvem, acct):
    arn = acct.role("r", trust({"AWS": acct.id}, ("sts:AssumeRole", "sts:SetSourceIdentity")))
    out = client(nuvem, "sts", acct.root).assume_role(RoleArn=arn, RoleSessionName="s1",
                                                      SourceIdentity="alice@example.com")
    assert out["SourceIdentity"] == "alice@example.com"
    plain = acct.role("plain", trust({"AWS": acct.id}))
    assert error(client(nuvem, "sts", acct.root).assume_role, RoleArn=plain,
                 RoleSessionName="s1", SourceIdentity="alice")[:2] == ("AccessDenied", 403)


def test_request_validation(nuvem, acct):
    arn = acct.role("r", trust({"AWS": acct.id}))
    sts = client(nuvem, "sts", acct.root)
    code, status, message = error(sts.assume_role, RoleArn=arn, RoleSessionName="bad name!")
    assert (code, status) == ("ValidationError", 400)
    assert "roleSessionName" in message
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1",
                 Policy="{not json")[:2] == ("MalformedPolicyDocument", 400)
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1", Policy=policy(
        {**allow("s3:*"), "Principal": "*"}))[:2] == ("MalformedPolicyDocument", 400)
    snowman = policy(allow("s3:X")).replace("X", "\u2603")      # json.dumps would escape it
    assert "at 'policy' failed to satisfy constraint: Member must satisfy regular expression " \
        "pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" in error(
            sts.assume_role, RoleArn=arn, RoleSessionName="s1", Policy=snowman)[2]
    # the model's patterns for ExternalId, SerialNumber and TokenCode
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1", ExternalId="a b") == (
        "ValidationError", 400, "1 validation error detected: Value 'a b' at 'externalId' failed "
        "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*")
    assert sts.assume_role(RoleArn=arn, RoleSessionName="s1", ExternalId="a:b/c=d@x")["Credentials"]
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="séance")[2] == (   # \w is ASCII
        "1 validation error detected: Value 'séance' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1",
                 SerialNumber="arn:aws:iam::123456789012:mfa/a b", TokenCode="123456")[2] == (
        "1 validation error detected: Value 'arn:aws:iam::123456789012:mfa/a b' at 'serialNumber' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[\\w+=/:,.@-]*")
    assert error(client(nuvem, "sts", acct.root).get_session_token,
                 SerialNumber=f"arn:aws:iam::{acct.id}:mfa/x", TokenCode="12345a")[:2] == (
        "ValidationError", 400)


def test_policy_arns_are_session_policies(nuvem, acct):
    arn = acct.role("r", trust({"AWS": acct.id}), allow(["ec2:Describe*", "iam:List*"]))
    out = client(nuvem, "sts", acct.root).assume_role(
        RoleArn=arn, RoleSessionName="s1",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/AmazonEC2FullAccess"}])
    creds = out["Credentials"]
    client(nuvem, "ec2", creds).describe_regions()
    assert error(client(nuvem, "iam", creds).list_users)[:2] == ("AccessDenied", 403)


def test_long_term_key_with_a_session_token_is_refused(nuvem, acct):
    bob = acct.user("bob")
    sts = client(nuvem, "sts", {**bob, "SessionToken": "made-up"})
    assert error(sts.get_caller_identity)[:2] == ("InvalidClientTokenId", 403)


def test_get_session_token(nuvem, acct):
    bob = acct.user("bob", allow("ec2:DescribeRegions"))
    out = client(nuvem, "sts", bob).get_session_token(DurationSeconds=900)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    identity = client(nuvem, "sts", creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{acct.id}:user/bob"
    client(nuvem, "ec2", creds).describe_regions()                  # the user's own policies
    assert error(client(nuvem, "ec2", creds).describe_availability_zones)[:2] == \
        ("UnauthorizedOperation", 403)
    code, status, message = error(client(nuvem, "sts", creds).get_session_token)
    assert (code, status) == ("AccessDenied", 403)
    assert message == "Cannot call GetSessionToken with session credentials"
    root = client(nuvem, "sts", acct.root).get_session_token(DurationSeconds=7200)["Credentials"]
    assert client(nuvem, "sts", root).get_caller_identity()["Arn"] == f"arn:aws:iam::{acct.id}:root"


def test_get_session_token_with_a_wrong_mfa_code(nuvem, acct):
    bob = acct.user("bob")
    code, status, _ = error(client(nuvem, "sts", bob).get_session_token,
                            SerialNumber=f"arn:aws:iam::{acct.id}:mfa/none", TokenCode="123456")
    assert (code, status) == ("AccessDenied", 403)


def test_get_federation_token(nuvem, acct):
    bob = acct.user("bob", allow(["ec2:DescribeRegions", "ec2:DescribeAvailabilityZones",
                                  "sts:GetFederationToken"]))
    sts = client(nuvem, "sts", bob)
    out = sts.get_federation_token(Name="carol", Policy=policy(allow("ec2:DescribeRegions")))
    assert out["FederatedUser"] == {"FederatedUserId": f"{acct.id}:carol",
                                    "Arn": f"arn:aws:sts::{acct.id}:federated-user/carol"}
    creds = out["Credentials"]
    assert client(nuvem, "sts", creds).get_caller_identity()["Arn"] == out["FederatedUser"]["Arn"]
    client(nuvem, "ec2", creds).describe_regions()
    assert error(client(nuvem, "ec2", creds).describe_availability_zones)[:2] == \
        ("UnauthorizedOperation", 403)
    assert out["PackedPolicySize"] > 0
    bare = sts.get_federation_token(Name="dave", DurationSeconds=900)
    # test_sts.py::test_get_federation_token: AWS answers PackedPolicySize 0 without a policy
    assert bare["PackedPolicySize"] == 0
    bare = bare["Credentials"]     # no policy: no permissions
    assert error(client(nuvem, "ec2", bare).describe_regions)[:2] == ("UnauthorizedOperation", 403)
    nobody = acct.user("nobody")
    assert error(client(nuvem, "sts", nobody).get_federation_token, Name="x1")[:2] == \
        ("AccessDenied", 403)


def test_get_access_key_info(nuvem, acct):
    bob = acct.user("bob", allow("sts:GetAccessKeyInfo"))
    sts = client(nuvem, "sts", bob)
    assert sts.get_access_key_info(AccessKeyId=bob["AccessKeyId"])["Account"] == acct.id
    session = sts.get_session_token()["Credentials"]
    assert sts.get_access_key_info(AccessKeyId=session["AccessKeyId"])["Account"] == acct.id


def test_assume_role_with_web_identity_is_unsigned(nuvem):
    from botocore import UNSIGNED
    sts = nuvem.client("sts", signature_version=UNSIGNED)
    code, status, _ = error(sts.assume_role_with_web_identity,
                            RoleArn="arn:aws:iam::000000000000:role/none",
                            RoleSessionName="s1", WebIdentityToken="a" * 10)
    assert code != "MissingAuthenticationToken"


def _totp(seed: str, step: int) -> str:
    """RFC 6238 (HMAC-SHA1, 6 digits), written out so the test does not trust our own."""
    import base64
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000:06d}"


def test_mfa_session_satisfies_mfa_conditions(nuvem, acct):
    import time
    mfa_only = allow("ec2:DescribeRegions", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    bob = acct.user("bob", mfa_only, allow("iam:ListUsers"))
    device = acct.iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-mfa")["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"].decode()
    step = int(time.time()) // 30
    acct.iam.enable_mfa_device(UserName="bob", SerialNumber=serial,
                               AuthenticationCode1=_totp(seed, step - 1),
                               AuthenticationCode2=_totp(seed, step))
    # long-term keys: the key is absent, so the condition does not match
    assert error(client(nuvem, "ec2", bob).describe_regions)[:2] == ("UnauthorizedOperation", 403)
    sts = client(nuvem, "sts", bob)
    assert error(sts.get_session_token, SerialNumber=serial, TokenCode="000000" if
                 _totp(seed, step) != "000000" else "111111")[:2] == ("AccessDenied", 403)
    plain = sts.get_session_token()["Credentials"]
    assert error(client(nuvem, "ec2", plain).describe_regions)[:2] == ("UnauthorizedOperation", 403)
    code, status, _ = error(client(nuvem, "iam", plain).list_users)   # IAM needs MFA
    assert (code, status) == ("InvalidClientTokenId", 403)
    with_mfa = sts.get_session_token(SerialNumber=serial,
                                     TokenCode=_totp(seed, int(time.time()) // 30))["Credentials"]
    client(nuvem, "ec2", with_mfa).describe_regions()
    client(nuvem, "iam", with_mfa).list_users()


def test_assume_role_with_mfa_condition_in_the_trust_policy(nuvem, acct):
    import time
    arn = acct.role("r", trust({"AWS": acct.id},
                               Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    bob = acct.user("bob", allow("sts:AssumeRole", arn))
    device = acct.iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-mfa")["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"].decode()
    step = int(time.time()) // 30
    acct.iam.enable_mfa_device(UserName="bob", SerialNumber=serial,
                               AuthenticationCode1=_totp(seed, step - 1),
                               AuthenticationCode2=_totp(seed, step))
    sts = client(nuvem, "sts", bob)
    assert error(sts.assume_role, RoleArn=arn, RoleSessionName="s1")[:2] == ("AccessDenied", 403)
    sts.assume_role(RoleArn=arn, RoleSessionName="s1", SerialNumber=serial,
                    TokenCode=_totp(seed, int(time.time()) // 30))


def test_session_credentials_limits(nuvem, acct):
    arn = acct.role("r", trust({"AWS": acct.id}))
    bob = acct.user("bob", allow(["sts:AssumeRole", "sts:GetFederationToken", "iam:*"]))
    sts = client(nuvem, "sts", bob)
    session = sts.get_session_token()["Credentials"]
    client(nuvem, "sts", session).assume_role(RoleArn=arn, RoleSessionName="s1")   # allowed
    fed = sts.get_federation_token(Name="fed", Policy=policy(allow("*")))["Credentials"]
    code, status, message = error(client(nuvem, "sts", fed).assume_role, RoleArn=arn,
                                  RoleSessionName="s1")
    assert (code, status, message) == ("AccessDenied", 403,
                                       "Cannot call AssumeRole with session credentials")
    assert error(client(nuvem, "iam", fed).list_users)[:2] == ("InvalidClientTokenId", 403)
    assert client(nuvem, "sts", fed).get_caller_identity()["Arn"].endswith(":federated-user/fed")


def test_decode_authorization_message(nuvem, acct):
    bob = acct.user("bob", allow("sts:DecodeAuthorizationMessage"))
    code, status, message = error(client(nuvem, "ec2", bob).describe_regions)
    assert (code, status) == ("UnauthorizedOperation", 403)
    head, _, encoded = message.partition(". Encoded authorization failure message: ")
    assert head.startswith(f"You are not authorized to perform this operation. User: "
                           f"arn:aws:iam::{acct.id}:user/bob is not authorized to perform: "
                           "ec2:DescribeRegions")
    decoded = json.loads(client(nuvem, "sts", bob).decode_authorization_message(
        EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "ec2:DescribeRegions"
    assert decoded["context"]["principal"]["arn"] == f"arn:aws:iam::{acct.id}:user/bob"
    assert error(client(nuvem, "sts", bob).decode_authorization_message,
                 EncodedMessage="garbage")[:2] == ("InvalidAuthorizationMessageException", 400)
    nobody = acct.user("nobody")
    assert error(client(nuvem, "sts", nobody).decode_authorization_message,
                 EncodedMessage=encoded)[:2] == ("AccessDenied", 403)


def test_role_tags_are_principal_tags_and_session_tags_win(nuvem, acct):
    arn = acct.role("tagged-role", trust({"AWS": acct.id}, ("sts:AssumeRole", "sts:TagSession")),
                    allow("ec2:DescribeRegions",
                          Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
                    Tags=[{"Key": "team", "Value": "blue"}])
    sts = client(nuvem, "sts", acct.root)
    plain = sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    client(nuvem, "ec2", plain).describe_regions()                  # the role's own tag
    red = sts.assume_role(RoleArn=arn, RoleSessionName="s1",
                          Tags=[{"Key": "Team", "Value": "red"}])["Credentials"]
    assert error(client(nuvem, "ec2", red).describe_regions)[:2] == ("UnauthorizedOperation", 403)


def test_token_issue_time_lets_a_deny_revoke_older_sessions(nuvem, acct):
    arn = acct.role("r", trust({"AWS": acct.id}), allow("ec2:DescribeRegions"))
    creds = client(nuvem, "sts", acct.root).assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    client(nuvem, "ec2", creds).describe_regions()
    acct.iam.put_role_policy(RoleName="r", PolicyName="revoke", PolicyDocument=policy({
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2999-01-01T00:00:00Z"}}}))
    code, status, message = error(client(nuvem, "ec2", creds).describe_regions)
    assert (code, status) == ("UnauthorizedOperation", 403)
    assert "explicit deny" in message
