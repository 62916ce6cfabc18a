"""Case table, part 2: Action/Resource globs, Not* elements, evaluation logic, cross-account,
boundaries, session policies, trust, anonymous/service principals, global keys."""
from __future__ import annotations

from tests.iam.cases_base import *  # noqa: F401,F403
from tests.iam.cases_base import case
from tests.iam.cases_conditions import AR, BO, IP, P, TK, TOPIC

# ---------------------------------------------------------------------------------------------
# Action / NotAction
# ---------------------------------------------------------------------------------------------
for pattern, action, ok in [
    ("s3:GetObject", "s3:GetObject", True), ("s3:getobject", "s3:GetObject", True),
    ("S3:GETOBJECT", "s3:GetObject", True), ("s3:GetObject", "s3:getObject", True),
    ("s3:Get*", "s3:GetObject", True), ("s3:Get*", "s3:PutObject", False),
    ("s3:*", "s3:PutObject", True), ("*", "iam:CreateUser", True), ("s3:Get?bject", "s3:GetObject", True),
    ("s3:Get?bject", "s3:GetObjects", False), ("s3:*Object", "s3:PutObject", True),
    ("ec2:*", "s3:GetObject", False), ("iam:*User*", "iam:CreateUser", True),
    ("iam:*User*", "iam:ListRoles", False), ("s3:GetObject", "s3:GetObjectAcl", False),
    ("s3:Get*", "s3x:GetObject", False), ("s3:*", "s3control:ListJobs", False),
    (["ec2:*", "s3:GetObject"], "s3:GetObject", True),
]:
    case("action", f"action-{pattern}-{action}", "Allow" if ok else "ImplicitDeny", ACTION,
         identity=[pol(allow(pattern))], action=action)

case("notaction", "allow-notaction-iam-allows-s3", "Allow", NOTACTION,
     identity=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
case("notaction", "allow-notaction-iam-not-iam", "ImplicitDeny", NOTACTION,
     identity=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})], action="iam:CreateUser")
case("notaction", "poweruser-style-list", "Allow", NOTACTION,
     identity=[pol({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"})],
     action="ec2:RunInstances")
case("notaction", "poweruser-style-list-denies-orgs", "ImplicitDeny", NOTACTION,
     identity=[pol({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"})],
     action="organizations:ListAccounts")
case("notaction", "deny-notaction-denies-others", "ExplicitDeny", NOTACTION,
     identity=[pol(allow("*"), {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})])
case("notaction", "deny-notaction-spares-listed", "Allow", NOTACTION,
     identity=[pol(allow("*"), {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})], action="iam:ListUsers")
case("notaction", "notaction-case-insensitive", "ImplicitDeny", NOTACTION,
     identity=[pol({"Effect": "Allow", "NotAction": "S3:GET*", "Resource": "*"})])
case("notaction", "notaction-with-resource-scope", "ImplicitDeny", NOTACTION,
     identity=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::other/*"})])
case("notaction", "deny-notaction-mfa-pattern", "ExplicitDeny", NOTACTION,
     identity=[pol(allow("*"), {"Effect": "Deny", "NotAction": ["iam:ListMFADevices", "sts:GetSessionToken"],
                                "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})])
case("notaction", "deny-notaction-mfa-pattern-allowed-action", "Allow", NOTACTION,
     identity=[pol(allow("*"), {"Effect": "Deny", "NotAction": ["iam:ListMFADevices", "sts:GetSessionToken"],
                                "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})],
     action="sts:GetSessionToken")

# ---------------------------------------------------------------------------------------------
# Resource / NotResource and glob edge cases
# ---------------------------------------------------------------------------------------------
for pattern, resource, ok in [
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", True),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
    ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-two/x", True),
    ("arn:aws:s3:::b?cket/key", "arn:aws:s3:::bucket/key", True),
    ("arn:aws:s3:::b?cket/key", "arn:aws:s3:::bcket/key", False),
    ("arn:aws:s3:::my.bucket/*", "arn:aws:s3:::myxbucket/k", False),
    ("arn:aws:s3:::my.bucket/*", "arn:aws:s3:::my.bucket/k", True),
    ("arn:aws:logs:us-east-1:*:log-group:*", f"arn:aws:logs:us-east-1:{A}:log-group:g:log-stream:s", True),
    ("arn:aws:iam::*:*", f"arn:aws:iam::{A}:user/x", True),
    (f"arn:aws:ec2:*:{A}:instance/*", f"arn:aws:ec2:us-east-1:{A}:instance/i-1", True),
    (f"arn:aws:ec2:*:{A}:instance/*", f"arn:aws:ec2:us-east-1:{B}:instance/i-1", False),
    ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/key", False),
    ("arn:aws:s3:::bucket/a+b", "arn:aws:s3:::bucket/a+b", True),
    ("arn:aws:s3:::bucket/a+b", "arn:aws:s3:::bucket/aab", False),
    ("arn:aws:s3:::bucket/[ab]", "arn:aws:s3:::bucket/a", False),
    ("arn:aws:s3:::bucket/[ab]", "arn:aws:s3:::bucket/[ab]", True),
    ("arn:aws:s3:::bucket/(x|y)", "arn:aws:s3:::bucket/x", False),
    ("arn:aws:s3:::bucket/a?", "arn:aws:s3:::bucket/a", False),
    ("arn:aws:s3:::bucket/a*", "arn:aws:s3:::bucket/a", True),
    ("arn:aws:s3:::bucket/*/x", "arn:aws:s3:::bucket/y/z/x", True),
    ("arn:aws:s3:::bucket/^k$", "arn:aws:s3:::bucket/k", False),
    ("arn:aws:s3:::bucket/k\\d", "arn:aws:s3:::bucket/k1", False),
    (["arn:aws:s3:::other/*", "arn:aws:s3:::bucket/*"], KEY, True),
    ("arn:aws:s3:::bucket/line\nbreak*", "arn:aws:s3:::bucket/line\nbreak2", True),
    (f"arn:aws:sqs:us-east-1:{A}:queue.fifo", f"arn:aws:sqs:us-east-1:{A}:queueXfifo", False),
    (f"arn:aws:lambda:*:{A}:function:fn:*", f"arn:aws:lambda:us-east-1:{A}:function:fn:prod", True),
]:
    case("resource", f"resource-{pattern!r}-{resource!r}", "Allow" if ok else "ImplicitDeny", RESOURCE,
         identity=[pol(allow(resource=pattern))], res=resource)

case("notresource", "allow-notresource-outside", "Allow", NOTRESOURCE,
     identity=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})])
case("notresource", "allow-notresource-inside", "ImplicitDeny", NOTRESOURCE,
     identity=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})],
     res="arn:aws:s3:::secret/x")
case("notresource", "deny-notresource-outside-denied", "ExplicitDeny", NOTRESOURCE,
     identity=[pol(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::safe/*"]})])
case("notresource", "deny-notresource-inside-allowed", "Allow", NOTRESOURCE,
     identity=[pol(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::safe/*"]})],
     res="arn:aws:s3:::safe/x")
case("notresource", "notresource-list", "ImplicitDeny", NOTRESOURCE,
     identity=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::a/*", KEY]})])
case("notresource", "notresource-star-matches-nothing", "ImplicitDeny", NOTRESOURCE,
     identity=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "*"})])
case("notresource", "notaction-and-notresource", "Allow", NOTRESOURCE,
     identity=[pol({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"})])
case("resource", "multiple-requested-resources-all-allowed", "Allow", RESOURCE,
     identity=[pol(allow(resource=["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]))],
     res=["arn:aws:s3:::a/1", "arn:aws:s3:::b/1"])
case("resource", "multiple-requested-resources-one-denied", "ImplicitDeny", RESOURCE,
     identity=[pol(allow(resource=["arn:aws:s3:::a/*"]))], res=["arn:aws:s3:::a/1", "arn:aws:s3:::b/1"])

# ---------------------------------------------------------------------------------------------
# Evaluation logic (single account)
# ---------------------------------------------------------------------------------------------
case("evaluation", "no-policies-implicit-deny", "ImplicitDeny", EVAL, policy_type="identity")
case("evaluation", "allow", "Allow", EVAL, identity=[pol(allow())])
case("evaluation", "deny-beats-allow-same-policy", "ExplicitDeny", EVAL,
     identity=[pol(allow(), deny())], policy_type="identity")
case("evaluation", "deny-beats-allow-other-policy", "ExplicitDeny", EVAL,
     identity=[pol(allow("*")), pol(deny("s3:*"))])
case("evaluation", "deny-other-action-irrelevant", "Allow", EVAL,
     identity=[pol(allow("*"), deny("s3:PutObject"))])
case("evaluation", "deny-other-resource-irrelevant", "Allow", EVAL,
     identity=[pol(allow("*"), deny(resource="arn:aws:s3:::other/*"))])
case("evaluation", "deny-only", "ExplicitDeny", EVAL, identity=[pol(deny())])
case("evaluation", "statement-as-object", "Allow", EVAL,
     identity=[{"Version": "2012-10-17", "Statement": allow()}])
case("evaluation", "many-policies-one-allows", "Allow", EVAL,
     identity=[pol(allow("ec2:*")), pol(allow("sqs:*")), pol(allow("s3:Get*"))])
case("evaluation", "version-2008-still-evaluates", "Allow", VERSION,
     identity=[pol(allow(), version="2008-10-17")])
case("evaluation", "no-version-still-evaluates", "Allow", VERSION,
     identity=[{"Statement": [allow()]}])
# Root
case("root", "root-allowed-everything", "Allow", ROOT, principal=root(), action="iam:CreateUser",
     res=f"arn:aws:iam::{A}:user/x")
case("root", "root-explicit-deny-in-resource-policy", "ExplicitDeny", EVAL, principal=root(),
     resource=pol(rdeny("*")), policy_type="resource")
case("root", "root-scp-deny", "ExplicitDeny", SCP, principal=root(), scp=[pol(allow("*"), deny("s3:*"))])
case("root", "root-scp-no-allow", "ImplicitDeny", SCP, principal=root(), scp=[pol(allow("ec2:*"))],
     policy_type="scp")
case("root", "root-cross-account-needs-resource-policy", "ImplicitDeny", XACCT, principal=root(B),
     res_account=A, policy_type="resource")
case("root", "root-cross-account-resource-policy-allows-account", "Allow", XACCT, principal=root(B),
     res_account=A, resource=pol(rallow({"AWS": B})))
# SCP
case("scp", "scp-allows-identity-allows", "Allow", SCP, identity=[pol(allow())], scp=[pol(allow("*"))])
case("scp", "scp-does-not-allow", "ImplicitDeny", SCP, identity=[pol(allow())], scp=[pol(allow("ec2:*"))],
     policy_type="scp")
case("scp", "scp-explicit-deny", "ExplicitDeny", SCP, identity=[pol(allow())],
     scp=[pol(allow("*"), deny("s3:*"))], policy_type="scp")
case("scp", "scp-allow-does-not-grant", "ImplicitDeny", SCP, scp=[pol(allow("*"))], policy_type="identity")
case("scp", "scp-region-deny", "ExplicitDeny", SCP, identity=[pol(allow())],
     scp=[pol(allow("*"), deny("*", Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}))],
     context={"aws:RequestedRegion": "eu-west-1"})
case("scp", "scp-region-deny-allowed-region", "Allow", SCP, identity=[pol(allow())],
     scp=[pol(allow("*"), deny("*", Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}))],
     context={"aws:RequestedRegion": "us-east-1"})

# Resource-based policies in the same account
UA = f"arn:aws:iam::{A}:user/dev"
RA = f"arn:aws:iam::{A}:role/R"
SA = f"arn:aws:sts::{A}:assumed-role/R/s"
case("resource-policy", "user-arn-grants-without-identity", "Allow", SINGLE,
     resource=pol(rallow({"AWS": UA})))
case("resource-policy", "account-principal-delegates-to-identity", "ImplicitDeny", SINGLE,
     resource=pol(rallow({"AWS": f"arn:aws:iam::{A}:root"})), policy_type="identity")
case("resource-policy", "account-id-principal-delegates-to-identity", "ImplicitDeny", SINGLE,
     resource=pol(rallow({"AWS": A})))
case("resource-policy", "account-principal-plus-identity", "Allow", SINGLE,
     resource=pol(rallow({"AWS": f"arn:aws:iam::{A}:root"})), identity=[pol(allow())])
case("resource-policy", "identity-alone-same-account", "Allow", SINGLE,
     resource=pol(rallow({"AWS": f"arn:aws:iam::{A}:user/other"})), identity=[pol(allow())])
case("resource-policy", "wildcard-principal", "Allow", PRINCIPAL, resource=pol(rallow("*")))
case("resource-policy", "aws-wildcard-principal", "Allow", PRINCIPAL, resource=pol(rallow({"AWS": "*"})))
case("resource-policy", "other-user-named", "ImplicitDeny", SINGLE,
     resource=pol(rallow({"AWS": f"arn:aws:iam::{A}:user/other"})))
case("resource-policy", "user-list-principal", "Allow", PRINCIPAL,
     resource=pol(rallow({"AWS": [f"arn:aws:iam::{A}:user/other", UA]})))
case("resource-policy", "resource-allow-identity-deny", "ExplicitDeny", EVAL,
     resource=pol(rallow({"AWS": UA})), identity=[pol(deny())], policy_type="identity")
case("resource-policy", "resource-deny-identity-allow", "ExplicitDeny", EVAL,
     resource=pol(rdeny("*")), identity=[pol(allow())], policy_type="resource")
case("resource-policy", "resource-deny-other-principal", "Allow", EVAL,
     resource=pol(rdeny({"AWS": f"arn:aws:iam::{A}:user/other"})), identity=[pol(allow())])
case("resource-policy", "resource-deny-account-principal", "ExplicitDeny", EVAL,
     resource=pol(rdeny({"AWS": A})), identity=[pol(allow())])
case("resource-policy", "resource-allow-wrong-action", "ImplicitDeny", SINGLE,
     resource=pol(rallow({"AWS": UA}, "s3:PutObject")))
case("resource-policy", "resource-allow-condition-fails", "ImplicitDeny", SINGLE,
     resource=pol(rallow("*", Condition={"Bool": {BO: "true"}})), context={BO: False})
case("resource-policy", "resource-deny-insecure-transport", "ExplicitDeny", OPS,
     resource=pol(rallow("*"), rdeny("*", "s3:*", Condition={"Bool": {BO: "false"}})), context={BO: False})
case("resource-policy", "canonical-user-principal-ignored", "ImplicitDeny", PRINCIPAL,
     resource=pol(rallow({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})))
case("resource-policy", "service-principal-does-not-match-user", "ImplicitDeny", PRINCIPAL,
     resource=pol(rallow({"Service": "sns.amazonaws.com"})))
case("resource-policy", "role-session-arn-grants", "Allow", SINGLE, principal=session(),
     resource=pol(rallow({"AWS": SA})))
case("resource-policy", "role-arn-grants-session", "Allow", SINGLE, principal=session(),
     resource=pol(rallow({"AWS": RA})))
case("resource-policy", "other-session-arn", "ImplicitDeny", SINGLE, principal=session(sess="other"),
     resource=pol(rallow({"AWS": SA})))
case("resource-policy", "resource-policy-principal-arn-condition", "Allow", OPS, principal=session(),
     resource=pol(rallow({"AWS": A}, Condition={"ArnEquals": {"aws:PrincipalArn": RA}})), identity=[pol(allow())])

# Permissions boundaries
case("boundary", "identity-and-boundary-allow", "Allow", BOUNDARY, identity=[pol(allow("s3:*"))],
     boundary=pol(allow("s3:Get*")))
case("boundary", "identity-allows-boundary-does-not", "ImplicitDeny", BOUNDARY,
     identity=[pol(allow("s3:*"))], boundary=pol(allow("ec2:*")), policy_type="boundary")
case("boundary", "boundary-alone-grants-nothing", "ImplicitDeny", BOUNDARY, boundary=pol(allow("*")),
     policy_type="identity")
case("boundary", "boundary-explicit-deny", "ExplicitDeny", BOUNDARY, identity=[pol(allow("*"))],
     boundary=pol(allow("*"), deny("s3:*")), policy_type="boundary")
case("boundary", "boundary-limits-to-intersection", "ImplicitDeny", BOUNDARY,
     identity=[pol(allow("s3:*"))], boundary=pol(allow("s3:Put*")))
case("boundary", "resource-policy-user-arn-not-limited", "Allow", SINGLE,
     resource=pol(rallow({"AWS": UA})), boundary=pol(allow("ec2:*")))
case("boundary", "resource-policy-role-arn-limited", "ImplicitDeny", SINGLE, principal=session(),
     resource=pol(rallow({"AWS": RA})), boundary=pol(allow("ec2:*")), policy_type="boundary")
case("boundary", "resource-policy-role-arn-within-boundary", "Allow", SINGLE, principal=session(),
     resource=pol(rallow({"AWS": RA})), boundary=pol(allow("s3:*")))
case("boundary", "resource-policy-session-arn-not-limited", "Allow", SINGLE, principal=session(),
     resource=pol(rallow({"AWS": SA})), boundary=pol(allow("ec2:*")))
case("boundary", "resource-policy-account-needs-identity-and-boundary", "ImplicitDeny", SINGLE,
     principal=session(), resource=pol(rallow({"AWS": A})), identity=[pol(allow())],
     boundary=pol(allow("ec2:*")), policy_type="boundary")
case("boundary", "role-session-identity-and-boundary", "Allow", BOUNDARY, principal=session(),
     identity=[pol(allow())], boundary=pol(allow("s3:GetObject")))
case("boundary", "boundary-with-condition", "ImplicitDeny", BOUNDARY, identity=[pol(allow())],
     boundary=pol(allow(Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
     context={"aws:RequestedRegion": "eu-west-1"})
case("boundary", "boundary-notaction", "Allow", BOUNDARY, identity=[pol(allow())],
     boundary=pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
case("boundary", "boundary-deny-beats-resource-grant", "ExplicitDeny", BOUNDARY,
     resource=pol(rallow({"AWS": UA})), boundary=pol(allow("*"), deny()))

# Session policies
case("session", "identity-and-session-allow", "Allow", SESSION, principal=session(),
     identity=[pol(allow("s3:*"))], session_p=[pol(allow("s3:GetObject"))])
case("session", "session-does-not-allow", "ImplicitDeny", SESSION, principal=session(),
     identity=[pol(allow("s3:*"))], session_p=[pol(allow("ec2:*"))], policy_type="session")
case("session", "session-alone-grants-nothing", "ImplicitDeny", SESSION, principal=session(),
     session_p=[pol(allow("*"))], policy_type="identity")
case("session", "session-explicit-deny", "ExplicitDeny", SESSION, principal=session(),
     identity=[pol(allow("*"))], session_p=[pol(allow("*"), deny())], policy_type="session")
case("session", "any-session-policy-may-allow", "Allow", SESSION, principal=session(),
     identity=[pol(allow("*"))], session_p=[pol(allow("ec2:*")), pol(allow("s3:*"))])
case("session", "resource-policy-session-arn-not-limited", "Allow", SESSION, principal=session(),
     resource=pol(rallow({"AWS": SA})), session_p=[pol(allow("ec2:*"))])
case("session", "resource-policy-role-arn-limited", "ImplicitDeny", SESSION, principal=session(),
     resource=pol(rallow({"AWS": RA})), session_p=[pol(allow("ec2:*"))], policy_type="session")
case("session", "resource-policy-role-arn-within-session", "Allow", SESSION, principal=session(),
     resource=pol(rallow({"AWS": RA})), session_p=[pol(allow("s3:*"))])
case("session", "federated-user-session-arn-not-limited", "Allow", SESSION, principal=fed(),
     resource=pol(rallow({"AWS": f"arn:aws:sts::{A}:federated-user/dev"})), session_p=[pol(allow("ec2:*"))])
case("session", "federated-user-user-arn-limited", "ImplicitDeny", SESSION, principal=fed(),
     resource=pol(rallow({"AWS": UA})), session_p=[pol(allow("ec2:*"))])
case("session", "federated-user-identity-and-session", "Allow", SESSION, principal=fed(),
     identity=[pol(allow("*"))], session_p=[pol(allow("s3:GetObject"))])
case("session", "boundary-and-session-both-needed", "ImplicitDeny", SESSION, principal=session(),
     identity=[pol(allow("*"))], boundary=pol(allow("*")), session_p=[pol(allow("ec2:*"))])
case("session", "boundary-and-session-both-allow", "Allow", SESSION, principal=session(),
     identity=[pol(allow("*"))], boundary=pol(allow("s3:*")), session_p=[pol(allow("s3:Get*"))])

# ---------------------------------------------------------------------------------------------
# Cross-account
# ---------------------------------------------------------------------------------------------
XU = user("dev", B)
XUA = f"arn:aws:iam::{B}:user/dev"
case("cross-account", "identity-only", "ImplicitDeny", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], policy_type="resource")
case("cross-account", "resource-only-account", "ImplicitDeny", XACCT, principal=XU, res_account=A,
     resource=pol(rallow({"AWS": B})), policy_type="identity")
case("cross-account", "resource-only-user-arn", "ImplicitDeny", XACCT, principal=XU, res_account=A,
     resource=pol(rallow({"AWS": XUA})), policy_type="identity")
case("cross-account", "both-account-id", "Allow", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": B})))
case("cross-account", "both-root-arn", "Allow", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": f"arn:aws:iam::{B}:root"})))
case("cross-account", "both-user-arn", "Allow", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": XUA})))
case("cross-account", "resource-names-other-account", "ImplicitDeny", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": C})))
case("cross-account", "resource-wildcard", "Allow", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow("*")))
case("cross-account", "resource-deny", "ExplicitDeny", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": B}), rdeny({"AWS": XUA})))
case("cross-account", "identity-deny", "ExplicitDeny", XACCT, principal=XU, res_account=A,
     identity=[pol(allow(), deny())], resource=pol(rallow({"AWS": B})))
case("cross-account", "boundary-limits", "ImplicitDeny", XACCT, principal=XU, res_account=A,
     identity=[pol(allow())], boundary=pol(allow("ec2:*")), resource=pol(rallow({"AWS": B})),
     policy_type="boundary")
case("cross-account", "role-session-role-arn", "Allow", XACCT, principal=session(acct=B), res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": f"arn:aws:iam::{B}:role/R"})))
case("cross-account", "role-session-session-arn-no-identity", "ImplicitDeny", XACCT,
     principal=session(acct=B), res_account=A, resource=pol(rallow({"AWS": f"arn:aws:sts::{B}:assumed-role/R/s"})))
case("cross-account", "role-session-session-policy-limits", "ImplicitDeny", XACCT,
     principal=session(acct=B), res_account=A, identity=[pol(allow())], session_p=[pol(allow("ec2:*"))],
     resource=pol(rallow({"AWS": B})), policy_type="session")
case("cross-account", "principal-account-condition", "Allow", GLOBAL, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow("*", Condition={"StringEquals": {"aws:PrincipalAccount": B}})))
case("cross-account", "principal-account-condition-mismatch", "ImplicitDeny", GLOBAL, principal=XU,
     res_account=A, identity=[pol(allow())],
     resource=pol(rallow("*", Condition={"StringEquals": {"aws:PrincipalAccount": C}})))
case("cross-account", "same-account-when-resource-account-unset", "Allow", SINGLE,
     resource=pol(rallow({"AWS": UA})))

# Trust policies (sts:AssumeRole): the trust policy is the role's resource-based policy.
ROLE = f"arn:aws:iam::{A}:role/R"


def trust(principal, **kw):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
                                                     "Action": "sts:AssumeRole", **kw}]}


case("trust", "same-account-trust-names-user", "Allow", TRUST, action="sts:AssumeRole", res=ROLE,
     resource=trust({"AWS": UA}))
case("trust", "same-account-trust-names-account-needs-identity", "ImplicitDeny", TRUST,
     action="sts:AssumeRole", res=ROLE, resource=trust({"AWS": A}))
case("trust", "same-account-trust-names-account-with-identity", "Allow", TRUST, action="sts:AssumeRole",
     res=ROLE, resource=trust({"AWS": A}), identity=[pol(allow("sts:AssumeRole", ROLE))])
case("trust", "cross-account-trust-and-identity", "Allow", TRUST, action="sts:AssumeRole", res=ROLE,
     principal=XU, res_account=A, resource=trust({"AWS": f"arn:aws:iam::{B}:root"}),
     identity=[pol(allow("sts:AssumeRole", ROLE))])
case("trust", "cross-account-trust-without-identity", "ImplicitDeny", TRUST, action="sts:AssumeRole",
     res=ROLE, principal=XU, res_account=A, resource=trust({"AWS": B}))
case("trust", "cross-account-identity-without-trust", "ImplicitDeny", TRUST, action="sts:AssumeRole",
     res=ROLE, principal=XU, res_account=A, resource=trust({"AWS": C}),
     identity=[pol(allow("sts:AssumeRole", ROLE))])
case("trust", "service-trust", "Allow", TRUST, action="sts:AssumeRole", res=ROLE,
     principal=service("ec2.amazonaws.com"), res_account=A, resource=trust({"Service": "ec2.amazonaws.com"}))
case("trust", "service-trust-list", "Allow", TRUST, action="sts:AssumeRole", res=ROLE,
     principal=service("lambda.amazonaws.com"), res_account=A,
     resource=trust({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}))
case("trust", "other-service-refused", "ImplicitDeny", TRUST, action="sts:AssumeRole", res=ROLE,
     principal=service("lambda.amazonaws.com"), res_account=A, resource=trust({"Service": "ec2.amazonaws.com"}))
case("trust", "external-id-matches", "Allow", TRUST, action="sts:AssumeRole", res=ROLE, principal=XU,
     res_account=A, identity=[pol(allow("sts:AssumeRole", ROLE))],
     resource=trust({"AWS": B}, Condition={"StringEquals": {"sts:ExternalId": "xyz"}}), context={"sts:ExternalId": "xyz"})
case("trust", "external-id-missing", "ImplicitDeny", TRUST, action="sts:AssumeRole", res=ROLE, principal=XU,
     res_account=A, identity=[pol(allow("sts:AssumeRole", ROLE))],
     resource=trust({"AWS": B}, Condition={"StringEquals": {"sts:ExternalId": "xyz"}}))
case("trust", "trust-action-mismatch", "ImplicitDeny", TRUST, action="sts:TagSession", res=ROLE,
     resource=trust({"AWS": UA}))

# Anonymous and service principals
case("anonymous", "public-read", "Allow", PRINCIPAL, principal=ANON, res_account=A, resource=pol(rallow("*")))
case("anonymous", "public-read-aws-star", "Allow", PRINCIPAL, principal=ANON, res_account=A,
     resource=pol(rallow({"AWS": "*"})))
case("anonymous", "no-resource-policy", "ImplicitDeny", EVAL, principal=ANON, res_account=A,
     policy_type="resource")
case("anonymous", "account-principal-does-not-match", "ImplicitDeny", PRINCIPAL, principal=ANON,
     res_account=A, resource=pol(rallow({"AWS": A})))
case("anonymous", "identity-policies-irrelevant", "ImplicitDeny", EVAL, principal=ANON, res_account=A,
     identity=[pol(allow("*"))])
case("anonymous", "public-read-ip-condition", "Allow", OPS, principal=ANON, res_account=A,
     resource=pol(rallow("*", Condition={"IpAddress": {IP: "203.0.113.0/24"}})), context={IP: "203.0.113.8"})
case("anonymous", "public-read-ip-condition-mismatch", "ImplicitDeny", OPS, principal=ANON, res_account=A,
     resource=pol(rallow("*", Condition={"IpAddress": {IP: "203.0.113.0/24"}})), context={IP: "198.51.100.8"})
case("anonymous", "public-read-explicit-deny", "ExplicitDeny", EVAL, principal=ANON, res_account=A,
     resource=pol(rallow("*"), rdeny("*", Condition={"StringEquals": {"aws:PrincipalType": "Anonymous"}})))
case("service", "sns-to-sqs-source-arn", "Allow", GLOBAL, principal=service("sns.amazonaws.com"),
     action="sqs:SendMessage", res=f"arn:aws:sqs:us-east-1:{A}:q", res_account=A,
     resource=pol(rallow({"Service": "sns.amazonaws.com"}, "sqs:SendMessage",
                         Condition={"ArnEquals": {AR: TOPIC}})), context={AR: TOPIC})
case("service", "sns-to-sqs-wrong-source-arn", "ImplicitDeny", GLOBAL, principal=service("sns.amazonaws.com"),
     action="sqs:SendMessage", res=f"arn:aws:sqs:us-east-1:{A}:q", res_account=A,
     resource=pol(rallow({"Service": "sns.amazonaws.com"}, "sqs:SendMessage",
                         Condition={"ArnEquals": {AR: TOPIC}})), context={AR: TOPIC + "x"})
case("service", "source-account", "Allow", GLOBAL, principal=service("s3.amazonaws.com"),
     action="lambda:InvokeFunction", res=f"arn:aws:lambda:us-east-1:{A}:function:f", res_account=A,
     resource=pol(rallow({"Service": "s3.amazonaws.com"}, "lambda:InvokeFunction",
                         Condition={"StringEquals": {"aws:SourceAccount": A}})), context={"aws:SourceAccount": A})
case("service", "service-name-case-insensitive", "Allow", PRINCIPAL, principal=service("SNS.amazonaws.com"),
     res_account=A, resource=pol(rallow({"Service": "sns.amazonaws.com"})))
case("service", "no-resource-policy", "ImplicitDeny", EVAL, principal=service(), res_account=A)
case("service", "wildcard-principal-matches-service", "Allow", PRINCIPAL, principal=service(), res_account=A,
     resource=pol(rallow("*")))

# NotPrincipal
BOB = f"arn:aws:iam::{A}:user/Bob"


def notp(principal, effect="Deny", **kw):
    return {"Effect": effect, "NotPrincipal": principal, "Action": "s3:*", "Resource": "*", **kw}


case("notprincipal", "deny-all-but-bob-bob", "Allow", NOTPRINCIPAL, principal=user("Bob"),
     identity=[pol(allow())], resource=pol(notp({"AWS": [BOB, f"arn:aws:iam::{A}:root"]})))
case("notprincipal", "deny-all-but-bob-alice", "ExplicitDeny", NOTPRINCIPAL, principal=user("alice"),
     identity=[pol(allow())], resource=pol(notp({"AWS": [BOB, f"arn:aws:iam::{A}:root"]})))
case("notprincipal", "deny-without-account-denies-bob-too", "ExplicitDeny", NOTPRINCIPAL,
     principal=user("Bob"), identity=[pol(allow())], resource=pol(notp({"AWS": [BOB]})))
case("notprincipal", "role-session-fully-excluded", "Allow", NOTPRINCIPAL, principal=session(),
     identity=[pol(allow())], resource=pol(notp({"AWS": [SA, RA, A]})))
case("notprincipal", "role-session-without-session-arn-denied", "ExplicitDeny", NOTPRINCIPAL,
     principal=session(), identity=[pol(allow())], resource=pol(notp({"AWS": [RA, A]})))
case("notprincipal", "deny-other-account-user", "ExplicitDeny", NOTPRINCIPAL, principal=XU, res_account=A,
     identity=[pol(allow())], resource=pol(rallow({"AWS": B}), notp({"AWS": [BOB, A]})))
case("notprincipal", "allow-notprincipal-grants-others", "Allow", NOTPRINCIPAL,
     resource=pol(notp({"AWS": [f"arn:aws:iam::{C}:root"]}, effect="Allow")))
case("notprincipal", "allow-notprincipal-excludes-listed", "ImplicitDeny", NOTPRINCIPAL,
     resource=pol(notp({"AWS": [UA, A]}, effect="Allow")))
case("notprincipal", "deny-notprincipal-with-boundary-always-denies", "ExplicitDeny", BOUNDARY,
     principal=user("Bob"), identity=[pol(allow())], boundary=pol(allow("*")),
     resource=pol(notp({"AWS": [BOB, A]})))
case("notprincipal", "deny-notprincipal-root-excluded-by-account", "Allow", NOTPRINCIPAL, principal=root(),
     resource=pol(notp({"AWS": [A]})))
case("notprincipal", "deny-notprincipal-service-excluded", "Allow", NOTPRINCIPAL,
     principal=service("cloudtrail.amazonaws.com"), res_account=A,
     resource=pol(rallow("*"), notp({"Service": "cloudtrail.amazonaws.com"})))
case("notprincipal", "deny-notprincipal-service-other", "ExplicitDeny", NOTPRINCIPAL,
     principal=service("sns.amazonaws.com"), res_account=A,
     resource=pol(rallow("*"), notp({"Service": "cloudtrail.amazonaws.com"})))

# Global condition keys filled from the principal
for name, key, op, value, principal, ok in [
    ("principal-arn-role-session-is-role", "aws:PrincipalArn", "ArnEquals", RA, session(), True),
    ("principal-arn-user", "aws:PrincipalArn", "StringEquals", UA, user(), True),
    ("principal-account", "aws:PrincipalAccount", "StringEquals", A, user(), True),
    ("username-user", "aws:username", "StringEquals", "dev", user(), True),
    ("username-absent-role-session", "aws:username", "StringEquals", "s", session(), False),
    ("principal-type-user", "aws:PrincipalType", "StringEquals", "User", user(), True),
    ("principal-type-assumed-role", "aws:PrincipalType", "StringEquals", "AssumedRole", session(), True),
    ("principal-type-federated", "aws:PrincipalType", "StringEquals", "FederatedUser", fed(), True),
    ("principal-tag", "aws:PrincipalTag/dept", "StringEquals", "eng", user(tags={"dept": "eng"}), True),
    ("principal-tag-key-case-insensitive", "aws:principaltag/DEPT", "StringEquals", "eng",
     user(tags={"Dept": "eng"}), True),
    ("principal-tag-value-case-sensitive", "aws:PrincipalTag/dept", "StringEquals", "ENG",
     user(tags={"dept": "eng"}), False),
    ("userid", "aws:userid", "StringEquals", "AIDAX", user(userid="AIDAX"), True),
    ("principal-is-aws-service-false", "aws:PrincipalIsAWSService", "Bool", "false", user(), True),
]:
    case("global-keys", name, "Allow" if ok else "ImplicitDeny", GLOBAL, principal=principal,
         identity=[pol(allow(Condition={op: {key: value}}))],
         res_account=None if principal["type"] != "root" else principal["account"])

for name, cond, ctx, ok in [
    ("secure-transport", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True}, True),
    ("requested-region", {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
     {"aws:RequestedRegion": "us-west-2"}, True),
    ("current-time-window", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                             "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
     {"aws:CurrentTime": "2026-11-28T00:00:00Z"}, True),
    ("current-time-expired", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
     {"aws:CurrentTime": "2026-11-28T00:00:00Z"}, False),
    ("epoch-time", {"DateGreaterThan": {"aws:EpochTime": "1577836800"}}, {"aws:EpochTime": 1764288000}, True),
    ("mfa-age", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": 120}, True),
    ("mfa-age-too-old", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
     {"aws:MultiFactorAuthAge": 7200}, False),
    ("mfa-age-missing", {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {}, False),
    ("called-via", {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}},
     {"aws:CalledVia": ["cloudformation.amazonaws.com"]}, True),
    ("called-via-absent", {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}},
     {}, False),
    ("source-ip", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.20.30.40"}, True),
    ("source-arn", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}, {"aws:SourceArn": BUCKET}, True),
    ("source-account", {"StringEquals": {"aws:SourceAccount": A}}, {"aws:SourceAccount": B}, False),
    ("request-tag", {"StringEquals": {"aws:RequestTag/env": "prod"}}, {"aws:RequestTag/env": "prod"}, True),
    ("request-tag-and-tag-keys", {"StringEquals": {"aws:RequestTag/env": "prod"},
                                  "ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
     {"aws:RequestTag/env": "prod", "aws:TagKeys": ["env", "owner"]}, False),
    ("resource-tag", {"StringEquals": {"aws:ResourceTag/owner": "dev"}}, {"aws:ResourceTag/owner": "dev"}, True),
    ("resource-tag-missing", {"StringEquals": {"aws:ResourceTag/owner": "dev"}}, {}, False),
    ("resource-tag-not-equals-missing", {"StringNotEquals": {"aws:ResourceTag/owner": "dev"}}, {}, True),
    ("mfa-present", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {"aws:MultiFactorAuthPresent": "true"}, True),
]:
    case("global-keys", name, "Allow" if ok else "ImplicitDeny", GLOBAL,
         identity=[pol(allow(Condition=cond))], context=ctx)

case("global-keys", "principal-arn-federated-user-is-session-arn", "Allow", GLOBAL, principal=fed(),
     identity=[pol(allow(Condition={"StringEquals": {"aws:PrincipalArn": f"arn:aws:sts::{A}:federated-user/dev"}}))])
case("resource-policy", "statement-without-principal-names-nobody", "ImplicitDeny", PRINCIPAL,
     principal=ANON, res_account=A, resource=pol(allow()), validate=False)

case("trust", "same-account-identity-alone-cannot-assume", "ImplicitDeny", TRUST, action="sts:AssumeRole",
     res=ROLE, resource=trust({"AWS": f"arn:aws:iam::{A}:user/other"}),
     identity=[pol(allow("sts:AssumeRole", ROLE))], require_rp=True, policy_type="resource")
case("trust", "same-account-required-trust-names-account", "Allow", TRUST, action="sts:AssumeRole",
     res=ROLE, resource=trust({"AWS": A}), identity=[pol(allow("sts:AssumeRole", ROLE))], require_rp=True)
case("trust", "same-account-required-trust-names-user", "Allow", TRUST, action="sts:AssumeRole",
     res=ROLE, resource=trust({"AWS": UA}), require_rp=True)
case("trust", "root-needs-trust-when-required", "ImplicitDeny", TRUST, action="sts:AssumeRole",
     res=ROLE, principal=root(), resource=trust({"Service": "ec2.amazonaws.com"}), require_rp=True)
KMS = "AWS KMS Developer Guide: Key policies in AWS KMS"
KEY_ARN = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
case("resource-policy", "kms-key-policy-enables-iam", "Allow", KMS, action="kms:Decrypt", res=KEY_ARN,
     resource=pol(rallow({"AWS": f"arn:aws:iam::{A}:root"}, "kms:*")), identity=[pol(allow("kms:Decrypt"))],
     require_rp=True)
case("resource-policy", "kms-key-policy-without-account-ignores-iam", "ImplicitDeny", KMS, action="kms:Decrypt",
     res=KEY_ARN, resource=pol(rallow({"AWS": f"arn:aws:iam::{A}:user/admin"}, "kms:*")),
     identity=[pol(allow("kms:Decrypt"))], require_rp=True, policy_type="resource")

# SCPs at several levels of the organization: every level must allow.
case("scp", "scp-levels-all-allow", "Allow", SCP, identity=[pol(allow())],
     scp=[[pol(allow("*"))], [pol(allow("s3:*"))]])
case("scp", "scp-levels-one-level-silent", "ImplicitDeny", SCP, identity=[pol(allow())],
     scp=[[pol(allow("*"))], [pol(allow("ec2:*"))]], policy_type="scp")
case("scp", "scp-levels-deny-at-any-level", "ExplicitDeny", SCP, identity=[pol(allow())],
     scp=[[pol(allow("*"))], [pol(allow("*"), deny())]], policy_type="scp")

# Web identity / SAML federation in trust policies ("Federated" principal).
OIDC = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"
WEB = {"type": "web-identity", "arn": OIDC, "account": ""}
case("trust", "web-identity-federated-principal", "Allow", TRUST, principal=WEB, res_account=A,
     action="sts:AssumeRoleWithWebIdentity", res=ROLE,
     resource={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": OIDC},
               "Action": "sts:AssumeRoleWithWebIdentity",
               "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}}]},
     context={"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"})
case("trust", "web-identity-subject-mismatch", "ImplicitDeny", TRUST, principal=WEB, res_account=A,
     action="sts:AssumeRoleWithWebIdentity", res=ROLE,
     resource={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": OIDC},
               "Action": "sts:AssumeRoleWithWebIdentity",
               "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}}]},
     context={"token.actions.githubusercontent.com:sub": "repo:evil/app:ref:refs/heads/main"})
case("trust", "web-identity-other-provider", "ImplicitDeny", TRUST, principal=WEB, res_account=A,
     action="sts:AssumeRoleWithWebIdentity", res=ROLE,
     resource={"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
               "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]})
