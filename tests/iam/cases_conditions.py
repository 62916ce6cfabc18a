"""Case table, part 1: condition operators, set operators, condition logic, policy variables."""
from __future__ import annotations

from tests.iam.cases_base import *  # noqa: F401,F403
from tests.iam.cases_base import MISSING, case

# ---------------------------------------------------------------------------------------------
# Condition operators: (operator, key, policy values, context value or MISSING, matches?, source)
# Each row becomes an identity policy allowing s3:GetObject under that condition.
# ---------------------------------------------------------------------------------------------
P = "s3:prefix"
N = "s3:max-keys"
T = "aws:CurrentTime"
BO = "aws:SecureTransport"
IP = "aws:SourceIp"
AR = "aws:SourceArn"
TK = "aws:TagKeys"
TOPIC = f"arn:aws:sns:us-east-1:{A}:topic"

CONDITION_ROWS = [
    # String
    ("StringEquals", P, "home", "home", True, OPS),
    ("StringEquals", P, "home", "Home", False, OPS),
    ("StringEquals", P, ["x", "home"], "home", True, MULTI),
    ("StringEquals", P, "home", MISSING, False, OPS),
    ("StringEquals", P, "ho*", "home", False, OPS),
    ("StringEquals", P, "ho*", "ho*", True, OPS),
    ("StringNotEquals", P, "home", "work", True, OPS),
    ("StringNotEquals", P, "home", "home", False, OPS),
    ("StringNotEquals", P, "home", MISSING, True, OPS),
    ("StringNotEquals", P, ["x", "home"], "home", False, MULTI),
    ("StringNotEquals", P, ["x", "y"], "home", True, MULTI),
    ("StringEqualsIgnoreCase", P, "HOME", "home", True, OPS),
    ("StringEqualsIgnoreCase", P, "HOME", "work", False, OPS),
    ("StringEqualsIgnoreCase", P, "HOME", MISSING, False, OPS),
    ("StringNotEqualsIgnoreCase", P, "HOME", "home", False, OPS),
    ("StringNotEqualsIgnoreCase", P, "HOME", "work", True, OPS),
    ("StringNotEqualsIgnoreCase", P, "HOME", MISSING, True, OPS),
    ("StringLike", P, "ho*", "home", True, OPS),
    ("StringLike", P, "h?me", "home", True, OPS),
    ("StringLike", P, "h?e", "home", False, OPS),
    ("StringLike", P, "*", "anything/at/all", True, OPS),
    ("StringLike", P, "HO*", "home", False, OPS),
    ("StringLike", P, "ho*", MISSING, False, OPS),
    ("StringLike", P, "home/*/photos/*", "home/alice/photos/a.jpg", True, OPS),
    ("StringLike", P, "a.c", "abc", False, OPS),
    ("StringLike", P, "a.c", "a.c", True, OPS),
    ("StringLike", P, "a+b", "aab", False, OPS),
    ("StringLike", P, ["x*", "ho*"], "home", True, MULTI),
    ("StringLike", P, "home?", "home", False, OPS),
    ("StringLike", P, "home*", "home", True, OPS),
    ("StringNotLike", P, "ho*", "home", False, OPS),
    ("StringNotLike", P, "wo*", "home", True, OPS),
    ("StringNotLike", P, "wo*", MISSING, True, OPS),
    ("StringNotLike", P, ["wo*", "ho*"], "home", False, MULTI),
    ("StringEqualsIfExists", P, "home", MISSING, True, OPS),
    ("StringEqualsIfExists", P, "home", "work", False, OPS),
    ("StringEqualsIfExists", P, "home", "home", True, OPS),
    ("StringLikeIfExists", P, "ho*", MISSING, True, OPS),
    ("StringLikeIfExists", P, "ho*", "work", False, OPS),
    ("StringNotEqualsIfExists", P, "home", MISSING, True, OPS),
    ("StringNotEqualsIfExists", P, "home", "home", False, OPS),
    ("StringEqualsIgnoreCaseIfExists", P, "HOME", "home", True, OPS),
    ("StringNotLikeIfExists", P, "ho*", "home", False, OPS),
    # Numeric
    ("NumericEquals", N, "10", 10, True, OPS),
    ("NumericEquals", N, "10", "10", True, OPS),
    ("NumericEquals", N, "10", 11, False, OPS),
    ("NumericEquals", N, "10", MISSING, False, OPS),
    ("NumericEquals", N, "10", "ten", False, OPS),
    ("NumericEquals", N, "1.5", 1.5, True, OPS),
    ("NumericEquals", N, ["5", "10"], 10, True, MULTI),
    ("NumericNotEquals", N, "10", 11, True, OPS),
    ("NumericNotEquals", N, "10", 10, False, OPS),
    ("NumericNotEquals", N, "10", MISSING, True, OPS),
    ("NumericLessThan", N, "10", 5, True, OPS),
    ("NumericLessThan", N, "10", 10, False, OPS),
    ("NumericLessThan", N, "10", -3, True, OPS),
    ("NumericLessThan", N, "10", MISSING, False, OPS),
    ("NumericLessThanEquals", N, "10", 10, True, OPS),
    ("NumericLessThanEquals", N, "10", 11, False, OPS),
    ("NumericGreaterThan", N, "10", 11, True, OPS),
    ("NumericGreaterThan", N, "10", 10, False, OPS),
    ("NumericGreaterThanEquals", N, "10", 10, True, OPS),
    ("NumericGreaterThanEquals", N, "10", 9, False, OPS),
    ("NumericLessThanIfExists", N, "10", MISSING, True, OPS),
    ("NumericLessThanIfExists", N, "10", 20, False, OPS),
    ("NumericGreaterThanIfExists", N, "10", 20, True, OPS),
    # Date
    ("DateEquals", T, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True, OPS),
    ("DateEquals", T, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False, OPS),
    ("DateEquals", T, "1704067200", "2024-01-01T00:00:00Z", True, OPS),
    ("DateEquals", T, "2024-01-01T00:00:00Z", 1704067200, True, OPS),
    ("DateEquals", T, "2024-01-01", "2024-01-01T00:00:00Z", True, OPS),
    ("DateEquals", T, "2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00Z", True, OPS),
    ("DateEquals", T, "2024-01-01T00:00:00Z", MISSING, False, OPS),
    ("DateNotEquals", T, "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", True, OPS),
    ("DateNotEquals", T, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False, OPS),
    ("DateNotEquals", T, "2024-01-01T00:00:00Z", MISSING, True, OPS),
    ("DateLessThan", T, "2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", True, OPS),
    ("DateLessThan", T, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False, OPS),
    ("DateLessThanEquals", T, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True, OPS),
    ("DateLessThanEquals", T, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", False, OPS),
    ("DateGreaterThan", T, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", True, OPS),
    ("DateGreaterThan", T, "2024-01-01T00:00:00Z", "2023-01-02T00:00:00Z", False, OPS),
    ("DateGreaterThanEquals", T, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", True, OPS),
    ("DateGreaterThanEquals", T, "2024-01-01T00:00:00Z", "2023-12-31T00:00:00Z", False, OPS),
    ("DateLessThanIfExists", T, "2024-01-01T00:00:00Z", MISSING, True, OPS),
    ("DateGreaterThan", T, "2024-01-01T00:00:00Z", "not-a-date", False, OPS),
    # Bool
    ("Bool", BO, "true", True, True, OPS),
    ("Bool", BO, "true", "true", True, OPS),
    ("Bool", BO, "true", False, False, OPS),
    ("Bool", BO, "false", False, True, OPS),
    ("Bool", BO, "false", "false", True, OPS),
    ("Bool", BO, "true", MISSING, False, OPS),
    ("Bool", BO, True, True, True, OPS),
    ("BoolIfExists", BO, "true", MISSING, True, OPS),
    ("BoolIfExists", BO, "true", False, False, OPS),
    ("Bool", BO, "true", "yes", False, OPS),
    # Binary
    ("BinaryEquals", "aws:Binary", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", b"BinaryValueInBase64", True, OPS),
    ("BinaryEquals", "aws:Binary", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", b"other", False, OPS),
    ("BinaryEquals", "aws:Binary", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", MISSING, False, OPS),
    ("BinaryEqualsIfExists", "aws:Binary", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", MISSING, True, OPS),
    # IP
    ("IpAddress", IP, "203.0.113.0/24", "203.0.113.5", True, OPS),
    ("IpAddress", IP, "203.0.113.0/24", "198.51.100.1", False, OPS),
    ("IpAddress", IP, "203.0.113.5", "203.0.113.5", True, OPS),
    ("IpAddress", IP, "203.0.113.5/32", "203.0.113.6", False, OPS),
    ("IpAddress", IP, ["198.51.100.0/24", "203.0.113.0/24"], "203.0.113.9", True, MULTI),
    ("IpAddress", IP, "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True, OPS),
    ("IpAddress", IP, "2001:DB8:1234:5678::/64", "2001:db8:1234:9999::1", False, OPS),
    ("IpAddress", IP, "2001:DB8::/32", "203.0.113.5", False, OPS),
    ("IpAddress", IP, "0.0.0.0/0", "203.0.113.5", True, OPS),
    ("IpAddress", IP, "203.0.113.0/24", MISSING, False, OPS),
    ("IpAddress", IP, "203.0.113.0/24", "not-an-ip", False, OPS),
    ("NotIpAddress", IP, "203.0.113.0/24", "198.51.100.1", True, OPS),
    ("NotIpAddress", IP, "203.0.113.0/24", "203.0.113.77", False, OPS),
    ("NotIpAddress", IP, "203.0.113.0/24", MISSING, True, OPS),
    ("NotIpAddress", IP, ["198.51.100.0/24", "203.0.113.0/24"], "203.0.113.9", False, MULTI),
    ("IpAddressIfExists", IP, "203.0.113.0/24", MISSING, True, OPS),
    # ARN
    ("ArnEquals", AR, TOPIC, TOPIC, True, OPS),
    ("ArnEquals", AR, TOPIC, TOPIC + "2", False, OPS),
    ("ArnLike", AR, f"arn:aws:sns:*:{A}:*", TOPIC, True, OPS),
    ("ArnLike", AR, f"arn:aws:sns:*:{B}:*", TOPIC, False, OPS),
    ("ArnLike", AR, "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True, OPS),
    ("ArnLike", AR, "arn:aws:lambda:*:*:function:*", f"arn:aws:lambda:us-east-1:{A}:function:fn", True, OPS),
    ("ArnLike", AR, f"arn:aws:sqs:us-?ast-1:{A}:q*", f"arn:aws:sqs:us-east-1:{A}:queue1", True, OPS),
    ("ArnLike", AR, "arn:aws:sns:*:*:*", "not-an-arn", False, OPS),
    ("ArnLike", AR, f"arn:aws:sns:*:{A}:*", MISSING, False, OPS),
    ("ArnLike", AR, "arn:aws:SNS:*:*:*", TOPIC, False, OPS),
    ("ArnEquals", AR, f"arn:aws:sns:*:{A}:topic", TOPIC, True, OPS),
    ("ArnNotEquals", AR, TOPIC, TOPIC, False, OPS),
    ("ArnNotEquals", AR, TOPIC, TOPIC + "2", True, OPS),
    ("ArnNotLike", AR, f"arn:aws:sns:*:{B}:*", TOPIC, True, OPS),
    ("ArnNotLike", AR, f"arn:aws:sns:*:{A}:*", TOPIC, False, OPS),
    ("ArnNotLike", AR, f"arn:aws:sns:*:{A}:*", MISSING, True, OPS),
    ("ArnLikeIfExists", AR, f"arn:aws:sns:*:{A}:*", MISSING, True, OPS),
    ("ArnLikeIfExists", AR, f"arn:aws:sns:*:{B}:*", TOPIC, False, OPS),
    # Null
    ("Null", P, "true", MISSING, True, OPS),
    ("Null", P, "true", "home", False, OPS),
    ("Null", P, "false", "home", True, OPS),
    ("Null", P, "false", MISSING, False, OPS),
    ("Null", TK, "true", [], True, OPS),
    ("Null", TK, "false", ["a"], True, OPS),
    # Set operators on a multivalued key
    ("ForAllValues:StringEquals", TK, ["a", "b"], ["a"], True, MULTI),
    ("ForAllValues:StringEquals", TK, ["a", "b"], ["a", "b"], True, MULTI),
    ("ForAllValues:StringEquals", TK, ["a", "b"], ["a", "c"], False, MULTI),
    ("ForAllValues:StringEquals", TK, ["a", "b"], MISSING, True, MULTI),
    ("ForAllValues:StringEquals", TK, ["a", "b"], [], True, MULTI),
    ("ForAnyValue:StringEquals", TK, ["a", "b"], ["c", "a"], True, MULTI),
    ("ForAnyValue:StringEquals", TK, ["a", "b"], ["c"], False, MULTI),
    ("ForAnyValue:StringEquals", TK, ["a", "b"], MISSING, False, MULTI),
    ("ForAnyValue:StringEquals", TK, ["a", "b"], [], False, MULTI),
    ("ForAllValues:StringLike", TK, "key1*", ["key1a", "key1b"], True, MULTI),
    ("ForAllValues:StringLike", TK, "key1*", ["key1a", "key2"], False, MULTI),
    ("ForAllValues:StringNotLike", TK, "key1*", ["key1:legal"], False, MULTI),
    ("ForAllValues:StringNotLike", TK, "key1*", ["key1:hr", "key1:personnel"], False, MULTI),
    ("ForAllValues:StringNotLike", TK, "key1*", ["key2:audit"], True, MULTI),
    ("ForAllValues:StringNotLike", TK, "key1*", MISSING, True, MULTI),
    ("ForAnyValue:StringNotEquals", TK, "a", ["a", "b"], True, MULTI),
    ("ForAnyValue:StringNotEquals", TK, "a", ["a"], False, MULTI),
    ("ForAllValues:StringNotEquals", TK, "a", ["b", "c"], True, MULTI),
    ("ForAllValues:StringNotEquals", TK, "a", ["a", "b"], False, MULTI),
    ("ForAnyValue:StringLike", TK, "*", ["x"], True, MULTI),
    ("ForAllValues:StringEqualsIgnoreCase", TK, ["A"], ["a"], True, MULTI),
    ("ForAnyValue:StringEqualsIgnoreCase", TK, ["A"], ["b"], False, MULTI),
    ("ForAnyValue:NumericLessThan", "s3:sizes", "10", [50, 5], True, MULTI),
    ("ForAllValues:NumericLessThan", "s3:sizes", "10", [50, 5], False, MULTI),
    ("ForAnyValue:IpAddress", "aws:ips", "10.0.0.0/8", ["192.168.0.1", "10.1.2.3"], True, MULTI),
    ("ForAnyValue:ArnLike", "aws:arns", "arn:aws:s3:::b/*", ["arn:aws:s3:::c/x", "arn:aws:s3:::b/x"], True, MULTI),
]


def _cond_name(i, row):
    op, key, vals, ctx, match, _ = row
    return f"{i:03d}-{op}-{'missing' if ctx is MISSING else 'present'}-{'match' if match else 'nomatch'}"


for i, row in enumerate(CONDITION_ROWS):
    op, key, vals, ctxv, match, src = row
    ctx = {} if ctxv is MISSING else {key: ctxv}
    category = "set-operators" if op.startswith("For") else "condition-operators"
    case(category, _cond_name(i, row), "Allow" if match else "ImplicitDeny", src,
         identity=[pol(allow(Condition={op: {key: vals}}))], context=ctx)

# Same operators inside a Deny: a match denies explicitly, a mismatch leaves the Allow standing.
for i, row in enumerate(CONDITION_ROWS[::4]):
    op, key, vals, ctxv, match, src = row
    ctx = {} if ctxv is MISSING else {key: ctxv}
    case("condition-operators", f"deny-{_cond_name(i, row)}", "ExplicitDeny" if match else "Allow", src,
         identity=[pol(allow(), deny(Condition={op: {key: vals}}))], context=ctx)

# Condition block logic
case("condition-logic", "two-keys-both-match", "Allow", MULTI,
     identity=[pol(allow(Condition={"StringEquals": {P: "home", "aws:RequestedRegion": "us-east-1"}}))],
     context={P: "home", "aws:RequestedRegion": "us-east-1"})
case("condition-logic", "two-keys-one-fails", "ImplicitDeny", MULTI,
     identity=[pol(allow(Condition={"StringEquals": {P: "home", "aws:RequestedRegion": "us-east-1"}}))],
     context={P: "home", "aws:RequestedRegion": "eu-west-1"})
case("condition-logic", "two-operators-both-match", "Allow", MULTI,
     identity=[pol(allow(Condition={"StringEquals": {P: "home"}, "Bool": {BO: "true"}}))],
     context={P: "home", BO: True})
case("condition-logic", "two-operators-one-fails", "ImplicitDeny", MULTI,
     identity=[pol(allow(Condition={"StringEquals": {P: "home"}, "Bool": {BO: "true"}}))],
     context={P: "home", BO: False})
case("condition-logic", "key-names-case-insensitive", "Allow", OPS,
     identity=[pol(allow(Condition={"IpAddress": {"AWS:SOURCEIP": "203.0.113.0/24"}}))],
     context={"aws:SourceIp": "203.0.113.1"})
case("condition-logic", "key-names-case-insensitive-ctx", "Allow", OPS,
     identity=[pol(allow(Condition={"StringEquals": {"aws:requestedregion": "us-east-1"}}))],
     context={"AWS:RequestedRegion": "us-east-1"})
case("condition-logic", "failed-allow-condition-is-implicit-not-explicit", "ImplicitDeny", EVAL,
     identity=[pol(allow(Condition={"StringEquals": {P: "home"}}))], context={P: "work"})
case("condition-logic", "mfa-deny-bool-if-exists-long-term-keys", "ExplicitDeny", OPS,
     identity=[pol(allow(), deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))])
case("condition-logic", "mfa-deny-bool-if-exists-with-mfa", "Allow", OPS,
     identity=[pol(allow(), deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))],
     context={"aws:MultiFactorAuthPresent": True})
case("condition-logic", "mfa-deny-bool-without-if-exists-misses-long-term-keys", "Allow", OPS,
     identity=[pol(allow(), deny(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))])

# ---------------------------------------------------------------------------------------------
# Policy variables
# ---------------------------------------------------------------------------------------------
HOME = "arn:aws:s3:::bucket/${aws:username}/*"
case("variables", "username-own-folder", "Allow", VARS, identity=[pol(allow(resource=HOME))],
     principal=user("alice"), res="arn:aws:s3:::bucket/alice/doc")
case("variables", "username-other-folder", "ImplicitDeny", VARS, identity=[pol(allow(resource=HOME))],
     principal=user("alice"), res="arn:aws:s3:::bucket/bob/doc")
case("variables", "username-absent-for-role-session", "ImplicitDeny", VARS,
     identity=[pol(allow(resource=HOME))], principal=session(), res="arn:aws:s3:::bucket/s/doc")
case("variables", "default-value-used", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:username, 'shared'}/*"))],
     principal=session(), res="arn:aws:s3:::bucket/shared/doc")
case("variables", "default-value-ignored-when-set", "ImplicitDeny", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:username, 'shared'}/*"))],
     principal=user("alice"), res="arn:aws:s3:::bucket/shared/doc")
case("variables", "default-value-escaped-quote", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:username, 'it''s'}/*"))],
     principal=session(), res="arn:aws:s3:::bucket/it's/doc")
case("variables", "variable-key-case-insensitive", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${AWS:UserName}/*"))],
     principal=user("alice"), res="arn:aws:s3:::bucket/alice/doc")
case("variables", "principal-tag", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*"))],
     principal=user("alice", tags={"team": "blue"}), res="arn:aws:s3:::bucket/blue/doc")
case("variables", "principal-tag-other", "ImplicitDeny", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*"))],
     principal=user("alice", tags={"team": "blue"}), res="arn:aws:s3:::bucket/red/doc")
case("variables", "principal-tag-missing", "ImplicitDeny", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*"))],
     principal=user("alice"), res="arn:aws:s3:::bucket/blue/doc")
case("variables", "principal-tag-on-role-session", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*"))],
     principal=session(tags={"team": "blue"}), res="arn:aws:s3:::bucket/blue/doc")
case("variables", "userid", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:userid}/*"))],
     principal=user("alice", userid="AIDAEXAMPLE"), res="arn:aws:s3:::bucket/AIDAEXAMPLE/x")
case("variables", "condition-s3-prefix-username", "Allow", VARS,
     identity=[pol(allow("s3:ListBucket", BUCKET, Condition={"StringLike": {P: ["${aws:username}/*"]}}))],
     principal=user("alice"), action="s3:ListBucket", res=BUCKET, context={P: "alice/docs"})
case("variables", "condition-s3-prefix-other-user", "ImplicitDeny", VARS,
     identity=[pol(allow("s3:ListBucket", BUCKET, Condition={"StringLike": {P: ["${aws:username}/*"]}}))],
     principal=user("alice"), action="s3:ListBucket", res=BUCKET, context={P: "bob/docs"})
case("variables", "condition-resource-tag-equals-username", "Allow", VARS,
     identity=[pol(allow(Condition={"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}))],
     principal=user("alice"), context={"aws:ResourceTag/owner": "alice"})
case("variables", "condition-resource-tag-equals-principal-tag", "Allow", VARS,
     identity=[pol(allow(Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}))],
     principal=user("alice", tags={"team": "blue"}), context={"aws:ResourceTag/team": "blue"})
case("variables", "condition-resource-tag-vs-principal-tag-mismatch", "ImplicitDeny", VARS,
     identity=[pol(allow(Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}))],
     principal=user("alice", tags={"team": "blue"}), context={"aws:ResourceTag/team": "red"})
case("variables", "escape-star-is-literal", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${*}"))], res="arn:aws:s3:::bucket/*")
case("variables", "escape-star-not-wildcard", "ImplicitDeny", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${*}"))], res="arn:aws:s3:::bucket/a")
case("variables", "escape-question-is-literal", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/a${?}"))], res="arn:aws:s3:::bucket/a?")
case("variables", "escape-question-not-wildcard", "ImplicitDeny", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/a${?}"))], res="arn:aws:s3:::bucket/ab")
case("variables", "escape-dollar", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${$}x"))], res="arn:aws:s3:::bucket/$x")
case("variables", "condition-escape-star-literal", "ImplicitDeny", VARS,
     identity=[pol(allow(Condition={"StringLike": {P: "a${*}"}}))], context={P: "abc"})
case("variables", "condition-escape-star-literal-match", "Allow", VARS,
     identity=[pol(allow(Condition={"StringLike": {P: "a${*}"}}))], context={P: "a*"})
case("variables", "version-2008-variables-are-literal", "ImplicitDeny", VERSION,
     identity=[pol(allow(resource=HOME), version="2008-10-17")], principal=user("alice"),
     res="arn:aws:s3:::bucket/alice/doc")
case("variables", "version-2008-literal-text-matches", "Allow", VERSION,
     identity=[pol(allow(resource=HOME), version="2008-10-17")], principal=user("alice"),
     res="arn:aws:s3:::bucket/${aws:username}/doc")
case("variables", "unresolvable-variable-in-deny-does-not-apply", "Allow", VARS,
     identity=[pol(allow(), deny(resource="arn:aws:s3:::bucket/${aws:username}/*"))],
     principal=session(), res="arn:aws:s3:::bucket/s/doc")
case("variables", "multivalued-key-is-not-a-variable", "ImplicitDeny", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:TagKeys}/*"))],
     context={TK: ["a"]}, res="arn:aws:s3:::bucket/a/doc")
case("variables", "request-context-variable", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::bucket/${aws:RequestedRegion}/*"))],
     context={"aws:RequestedRegion": "eu-west-1"}, res="arn:aws:s3:::bucket/eu-west-1/doc")
case("variables", "variable-with-wildcards-around", "Allow", VARS,
     identity=[pol(allow(resource="arn:aws:s3:::*-${aws:username}-*"))], principal=user("alice"),
     res="arn:aws:s3:::team-alice-data")
case("variables", "arnlike-with-variable", "Allow", VARS,
     identity=[pol(allow(Condition={"ArnLike": {AR: "arn:aws:sns:*:${aws:PrincipalAccount}:*"}}))],
     context={AR: TOPIC})

