"""The evaluator's case table: plain data. Every case names the AWS documentation page its expected
result comes from (`source`). Built by small helpers so each row stays one line of data."""
from __future__ import annotations

A = "111122223333"
B = "444455556666"
C = "777788889999"
MISSING = object()

# Sources (AWS IAM User Guide page titles)
EVAL = "IAM User Guide: Policy evaluation logic"
SINGLE = "IAM User Guide: Policy evaluation for requests within a single account"
XACCT = "IAM User Guide: Cross-account policy evaluation logic"
OPS = "IAM User Guide: IAM JSON policy elements: Condition operators"
MULTI = "IAM User Guide: Conditions with multiple context keys or values"
VARS = "IAM User Guide: IAM policy elements: Variables and tags"
ACTION = "IAM User Guide: IAM JSON policy elements: Action"
NOTACTION = "IAM User Guide: IAM JSON policy elements: NotAction"
RESOURCE = "IAM User Guide: IAM JSON policy elements: Resource"
NOTRESOURCE = "IAM User Guide: IAM JSON policy elements: NotResource"
PRINCIPAL = "IAM User Guide: AWS JSON policy elements: Principal"
NOTPRINCIPAL = "IAM User Guide: AWS JSON policy elements: NotPrincipal"
BOUNDARY = "IAM User Guide: Permissions boundaries for IAM entities"
SESSION = "IAM User Guide: Policies and permissions in IAM (Session policies)"
GLOBAL = "IAM User Guide: AWS global condition context keys"
VERSION = "IAM User Guide: IAM JSON policy elements: Version"
SCP = "IAM User Guide: Policy evaluation logic (AWS Organizations SCPs)"
ROOT = "IAM User Guide: How AWS enforcement code logic evaluates requests to allow or deny access"
TRUST = "IAM User Guide: Cross-account resource access in IAM / role trust policies"

BUCKET = "arn:aws:s3:::bucket"
KEY = "arn:aws:s3:::bucket/key"


def user(name="dev", acct=A, tags=None, userid=None):
    return {"type": "user", "arn": f"arn:aws:iam::{acct}:user/{name}", "account": acct,
            "tags": tags or {}, "userid": userid}


def session(role="R", sess="s", acct=A, tags=None):
    return {"type": "role-session", "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{sess}",
            "entity_arn": f"arn:aws:iam::{acct}:role/{role}", "account": acct, "tags": tags or {}}


def fed(name="dev", acct=A):
    return {"type": "federated-user", "arn": f"arn:aws:sts::{acct}:federated-user/{name}",
            "entity_arn": f"arn:aws:iam::{acct}:user/{name}", "account": acct}


def root(acct=A):
    return {"type": "root", "arn": f"arn:aws:iam::{acct}:root", "account": acct}


def service(name="sns.amazonaws.com"):
    return {"type": "service", "arn": name, "account": ""}


ANON = {"type": "anonymous", "arn": "anonymous", "account": ""}


def pol(*stmts, version="2012-10-17"):
    return {"Version": version, "Statement": list(stmts)}


def allow(action="s3:GetObject", resource="*", **kw):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **kw}


def deny(action="s3:GetObject", resource="*", **kw):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **kw}


def rallow(principal, action="s3:GetObject", resource="*", **kw):
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **kw}


def rdeny(principal, action="s3:GetObject", resource="*", **kw):
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": resource, **kw}


CASES: list[dict] = []


def case(category, name, expect, source, *, identity=(), resource=None, boundary=None, session_p=None,
         scp=None, principal=None, action="s3:GetObject", res=KEY, res_account=None, context=None,
         policy_type=None, validate=True, require_rp=False):
    CASES.append({"validate": validate, "require_rp": require_rp,
        "category": category, "name": name, "expect": expect, "source": source,
        "identity": list(identity), "resource": resource, "boundary": boundary,
        "session": session_p, "scp": scp, "principal": principal or user(), "action": action,
        "res": res, "res_account": res_account, "context": context or {},
        "policy_type": policy_type,
    })


