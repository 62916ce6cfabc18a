"""Policy document validation with IAM's error codes and messages."""
from __future__ import annotations

import json

import pytest

from nuvem.errors import AwsError
from nuvem.iam import LimitExceeded, MalformedPolicyDocument, PolicyCache, check_size, compile_policy, validate
from nuvem.iam.policy import policy_size

OK = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def doc(**stmt):
    s = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    s.update(stmt)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in s.items() if v is not None}]}


BAD = [
    ("not json", "identity", "Syntax errors in policy."),
    ("[]", "identity", "Syntax errors in policy."),
    ('{"Version": "2012-10-17", "Statement": [', "identity", "Syntax errors in policy."),
    ({"Version": "2012-10-17", "Statement": [], }, "identity", "Syntax errors in policy."),
    ({"Version": "2012-10-17"}, "identity", "Missing required field Statement"),
    ({"Version": "2012-10-17", "Statement": "x"}, "identity", "Syntax errors in policy."),
    ({"Version": "2012-10-17", "Comment": "x", "Statement": OK["Statement"]}, "identity", "Unknown field Comment"),
    ({"Version": "2012-10-17", "statement": OK["Statement"]}, "identity", "Unknown field statement"),
    ({"Version": "2020-01-01", "Statement": OK["Statement"]}, "identity", "The policy failed legacy parsing"),
    ({"Version": 2012, "Statement": OK["Statement"]}, "identity", "Syntax errors in policy."),
    (doc(Resources="*"), "identity", "Unknown field Resources"),
    (doc(Effect=None), "identity", "Missing required field Effect"),
    (doc(Effect="allow"), "identity", "Invalid effect: allow"),
    (doc(Action=None), "identity", "Policy statement must contain actions."),
    (doc(Resource=None), "identity", "Policy statement must contain resources."),
    (doc(Principal="*"), "identity", "Policy document should not specify a principal."),
    (doc(NotPrincipal={"AWS": "*"}), "identity", "Policy document should not specify a principal."),
    (doc(Principal="*"), "boundary", "Policy document should not specify a principal."),
    (doc(Principal="*"), "session", "Policy document should not specify a principal."),
    (doc(), "resource", "Missing required field Principal"),
    (doc(Action="GetObject"), "identity", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (doc(Action="s3:Get:Object"), "identity", "Actions/Condition can contain only one colon."),
    (doc(Action="s 3:GetObject"), "identity", "Vendor s 3 is not valid"),
    (doc(Action=[]), "identity", "Policy statement must contain actions."),
    (doc(Resource=[]), "identity", "Policy statement must contain resources."),
    (doc(Action=[1]), "identity", "Syntax errors in policy."),
    (doc(Resource="bucket"), "identity", 'Resource bucket must be in ARN format or "*".'),
    (doc(Resource="arn:aws:s3"), "identity", "The policy failed legacy parsing"),
    (doc(Resource="arn:aws:iam:us-east-1:111122223333:user/x"), "identity",
     "IAM resource arn:aws:iam:us-east-1:111122223333:user/x cannot contain region information."),
    (doc(Action=["s3:GetObject"], NotAction=["s3:PutObject"]), "identity", "Syntax errors in policy."),
    (doc(NotResource="*"), "identity", "Syntax errors in policy."),
    (doc(Sid="has space"), "identity",
     "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"),
    ({"Version": "2012-10-17", "Statement": [dict(OK["Statement"][0], Sid="A"), dict(OK["Statement"][0], Sid="A")]},
     "identity", "Statement IDs (SID) in a single policy must be unique."),
    (doc(Condition={"StringEqualz": {"aws:username": "a"}}), "identity", "Invalid Condition type : StringEqualz."),
    (doc(Condition={"StringEquals": "x"}), "identity", "Syntax errors in policy."),
    (doc(Condition={"NumericEquals": {"s3:max-keys": "ten"}}), "identity", "Syntax errors in policy."),
    (doc(Condition={"StringEquals": {"username": "a"}}), "identity",
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (doc(Condition="x"), "identity", "Syntax errors in policy."),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                              "Action": "sts:AssumeRole", "Resource": "*"}]},
     "trust", "Has prohibited field Resource"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
     "trust", "Missing required field Principal"),
    (doc(Principal={"AWS": "someone"}), "resource", 'Invalid principal in policy: "AWS":"someone"'),
    (doc(Principal={"Bogus": "x"}), "resource", "Invalid principal in policy: Bogus"),
    (doc(Principal={}), "resource", "Invalid principal in policy"),
]


@pytest.mark.parametrize("document,kind,message", BAD, ids=[f"{i}-{m[:40]}" for i, (_, _, m) in enumerate(BAD)])
def test_malformed(document, kind, message):
    with pytest.raises(MalformedPolicyDocument) as e:
        validate(document if isinstance(document, str) else json.dumps(document), kind)
    assert isinstance(e.value, AwsError)
    assert e.value.code == "MalformedPolicyDocument"
    assert e.value.status == 400
    assert e.value.message == message


GOOD = [
    (OK, "identity"),
    ({"Version": "2008-10-17", "Statement": OK["Statement"]}, "identity"),
    ({"Statement": OK["Statement"]}, "identity"),
    ({"Version": "2012-10-17", "Id": "x", "Statement": OK["Statement"][0]}, "identity"),
    (doc(Action="*"), "identity"),
    (doc(Action=["s3:Get*", "ec2:Describe*"]), "identity"),
    (doc(Resource=["arn:aws:s3:::b/*", "arn:aws:s3:::b"]), "identity"),
    (doc(Resource="arn:aws:s3:::b/${aws:username}/*"), "identity"),
    (doc(NotAction="iam:*", Action=None), "identity"),
    (doc(NotResource="arn:aws:s3:::secret/*", Resource=None), "identity"),
    (doc(Condition={"ForAllValues:StringLike": {"aws:TagKeys": ["a*"]}}), "identity"),
    (doc(Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}), "identity"),
    (doc(Condition={"Bool": {"aws:SecureTransport": True}}), "identity"),
    (doc(Condition={"NumericLessThan": {"s3:max-keys": 10}}), "identity"),
    (doc(Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}), "identity"),
    (doc(Condition={"Null": {"aws:TokenIssueTime": "true"}}), "identity"),
    (doc(Principal="*"), "resource"),
    (doc(Principal={"AWS": ["111122223333", "arn:aws:iam::111122223333:root"]}), "resource"),
    (doc(Principal={"Service": "sns.amazonaws.com"}, Sid="__owner_statement"), "resource"),
    (doc(NotPrincipal={"AWS": "arn:aws:iam::111122223333:user/Bob"}, Effect="Deny"), "resource"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                              "Action": "sts:AssumeRole"}]}, "trust"),
    (doc(Resource="arn:aws:iam::111122223333:user/x"), "identity"),
    (doc(Action="s3:*"), "scp"),
]


@pytest.mark.parametrize("document,kind", GOOD)
def test_valid(document, kind):
    validate(json.dumps(document), kind)
    assert compile_policy(document, kind).statements


def test_size_quotas():
    assert policy_size('{ "a" :\n "b c" }') == 10
    check_size("x" * 6144, "managed")
    with pytest.raises(LimitExceeded) as e:
        check_size("x" * 6145, "managed")
    assert e.value.message == "Cannot exceed quota for PolicySize: 6144"
    assert e.value.code == "LimitExceeded"
    check_size("x" * 2048 + " " * 500, "user", "bob")  # whitespace does not count
    with pytest.raises(LimitExceeded) as e:
        check_size("x" * 2049, "user", "bob")
    assert e.value.message == "Maximum policy size of 2048 bytes exceeded for user bob"
    check_size("x" * 10240, "role", "r")
    with pytest.raises(LimitExceeded) as e:
        check_size("x" * 10241, "role", "r")
    assert e.value.message == "Maximum policy size of 10240 bytes exceeded for role r"
    with pytest.raises(LimitExceeded) as e:
        check_size("x" * 5121, "group", "g")
    assert e.value.message == "Maximum policy size of 5120 bytes exceeded for group g"
    with pytest.raises(LimitExceeded) as e:
        check_size("x" * 2049, "trust")
    assert e.value.message == "Cannot exceed quota for ACLSizePerRole: 2048"


def test_cache_keyed_by_text():
    cache = PolicyCache(8)
    text = json.dumps(OK)
    assert cache.get(text) is cache.get(text)
    assert cache.get(text, "boundary") is not cache.get(text)
    assert cache.get(text, validate_document=True) is cache.get(text)
