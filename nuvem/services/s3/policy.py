"""Bucket policy: PutBucketPolicy with S3's validation (`check_policy`), GetBucketPolicyStatus and
`policy_is_public` ("The meaning of public", S3 User Guide). GetBucketPolicy and DeleteBucketPolicy
are plain families in config.py's `_FAMILIES` table.
"""
from __future__ import annotations

import fnmatch
import functools
import ipaddress
import json
import re

from nuvem.context import Call
from nuvem.protocol.serializers import STATUS
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of
from nuvem.services.s3.config import save
from nuvem.services.s3.errors import MalformedPolicy, NoSuchBucketPolicy

# --- bucket policy -------------------------------------------------------------------------------

MAX_POLICY_BYTES = 20 * 1024
_PRINCIPAL_KINDS = ("AWS", "Service", "CanonicalUser", "Federated")
_AWS_PRINCIPAL = re.compile(r"^(\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*|aws):.+|[0-9a-f]{64}"
                            r"|A[A-Z0-9]{15,127})$")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=None)
def _s3_actions() -> dict[str, frozenset[str]]:
    """S3's actions by lower-case name, with the resource types each acts on."""
    from nuvem.iam.actions import service_data
    actions = (service_data("s3") or {}).get("actions") or {}
    return {name.lower(): frozenset(kind for kind, _ in info.get("resources", ()))
            for name, info in actions.items()}


def _check_action(action) -> None:
    if not isinstance(action, str):
        raise MalformedPolicy("Policy has invalid action")
    if action == "*":
        return
    prefix, _, name = action.partition(":")
    if prefix.lower() != "s3" or not name:
        raise MalformedPolicy("Policy has invalid action")
    known = _s3_actions()
    if known and not fnmatch.filter(known, name.lower()):
        raise MalformedPolicy("Policy has invalid action")


def _check_resource(resource, bucket: str) -> None:
    if not isinstance(resource, str) or not resource.startswith("arn:aws:s3:::"):
        raise MalformedPolicy("Policy has invalid resource")
    name = resource[len("arn:aws:s3:::"):].split("/", 1)[0]
    if not name or not fnmatch.fnmatchcase(bucket, name):
        raise MalformedPolicy("Policy has invalid resource")


def _resource_kinds(resource: str) -> set[str]:
    """Whether a statement's resource names a bucket, objects, or (a wildcard) either."""
    path = resource[len("arn:aws:s3:::"):]
    kinds = set() if "/" in path else {"bucket"}
    if "/" in path or "*" in path or "?" in path:
        kinds.add("object")
    return kinds


def _check_actions_apply(actions: list, resources: list) -> None:
    """Each action must act on a kind of resource the statement names (s3:ListBucket on objects
    only, or s3:GetObject on the bucket only, is refused)."""
    kinds = set().union(*map(_resource_kinds, resources))
    known = _s3_actions()
    for action in actions:
        if action == "*":
            continue
        types = set().union(*(known[name] for name in
                              fnmatch.filter(known, action.partition(":")[2].lower())))
        if types and not types & kinds:
            raise MalformedPolicy("Action does not apply to any resource(s) in statement")


def _check_principal(principal) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal or \
            any(k not in _PRINCIPAL_KINDS for k in principal):
        raise MalformedPolicy("Invalid principal in policy")
    if "AWS" in principal and not _as_list(principal["AWS"]):
        raise MalformedPolicy("Invalid principal in policy")     # {"AWS": []}
    for value in _as_list(principal.get("AWS", [])):
        if not isinstance(value, str) or not _AWS_PRINCIPAL.match(value):
            raise MalformedPolicy("Invalid principal in policy")


def check_policy(text: str, bucket: str) -> dict:
    """The parsed policy, or MalformedPolicy with S3's message."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise MalformedPolicy("Policy exceeds the maximum allowed document size.")
    try:
        doc = json.loads(text)
    except ValueError:
        # a document that starts as an object but does not parse has its own message
        # (versitygw's PutBucketPolicy_invalid_json)
        if text.startswith("{"):
            raise MalformedPolicy("This policy contains invalid Json") from None
        doc = None
    if not isinstance(doc, dict):
        raise MalformedPolicy()
    if "Version" in doc and doc["Version"] not in ("2012-10-17", "2008-10-17"):
        raise MalformedPolicy("The policy must contain a valid version string")
    if "Statement" not in doc:
        raise MalformedPolicy("Missing required field Statement")
    statements = _as_list(doc["Statement"])
    if not statements:
        raise MalformedPolicy("Could not parse the policy: Statement is empty!")
    for st in statements:
        if not isinstance(st, dict):
            raise MalformedPolicy("Invalid policy syntax.")
        if "Effect" not in st:
            raise MalformedPolicy("Missing required field Effect")
        if st["Effect"] not in ("Allow", "Deny"):
            raise MalformedPolicy(f"Invalid effect: {st['Effect']}")
        if "Principal" not in st and "NotPrincipal" not in st:
            raise MalformedPolicy("Missing required field Principal")
        _check_principal(st.get("Principal", st.get("NotPrincipal")))
        if "Action" not in st and "NotAction" not in st:
            raise MalformedPolicy("Missing required field Action")
        actions = _as_list(st.get("Action", st.get("NotAction")))
        if not actions:
            raise MalformedPolicy("Policy has invalid action")
        for action in actions:
            _check_action(action)
        if "Resource" not in st and "NotResource" not in st:
            raise MalformedPolicy("Missing required field Resource")
        resources = _as_list(st.get("Resource", st.get("NotResource")))
        if not resources:
            raise MalformedPolicy("Policy has invalid resource")
        for resource in resources:
            _check_resource(resource, bucket)
        if "Action" in st and "Resource" in st:
            _check_actions_apply(_as_list(st["Action"]), _as_list(st["Resource"]))
        condition = st.get("Condition", {})
        if not isinstance(condition, dict) or \
                any(not isinstance(v, dict) for v in condition.values()):
            raise MalformedPolicy("Invalid Condition type")
        for block in condition.values():
            for key in block:
                if ":" not in key:
                    raise MalformedPolicy("Policy has an invalid condition key")
    return doc


# "The meaning of public": condition keys whose fixed values make a statement non-public.
_FIXING_KEYS = {"aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount",
                "aws:sourceowner", "aws:principalorgid", "aws:principalaccount",
                "aws:principalarn", "aws:userid", "aws:sourceip", "s3:dataaccesspointarn",
                "s3:dataaccesspointaccount", "aws:principalorgpaths"}
_POSITIVE_OPS = re.compile(r"^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase|"
                           r"StringLike|ArnEquals|ArnLike|IpAddress)(IfExists)?$")


def _fixed(key: str, value) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if "*" in value or "?" in value:
        # the one wildcard S3 accepts as fixed: a role's sessions, "AROLEID:*"
        return key == "aws:userid" and re.fullmatch(r"[A-Z0-9]+:\*", value) is not None
    if key == "aws:sourceip":
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        return net.prefixlen >= (8 if net.version == 4 else 32)
    return True


def _restricting(condition: dict) -> bool:
    for op, block in (condition or {}).items():
        if not isinstance(block, dict) or not _POSITIVE_OPS.match(op):
            continue
        for key, values in block.items():
            key = key.lower()
            values = _as_list(values)
            if key in _FIXING_KEYS and values and all(_fixed(key, v) for v in values):
                return True
    return False


def _public_principal(principal) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(isinstance(v, str) and "*" in v for kind in ("AWS", "CanonicalUser")
                   for v in _as_list(principal.get(kind, [])))
    return False


def policy_is_public(policy_text: str) -> bool:
    """Whether a bucket policy is public in S3's sense: some Allow statement grants to a wildcard
    principal (or with NotPrincipal) without a condition pinning a fixed value of a key such as
    aws:SourceArn, aws:SourceVpce, aws:PrincipalOrgID, aws:SourceIp (a /8 or narrower range)."""
    try:
        doc = json.loads(policy_text)
    except (TypeError, ValueError):
        return False
    if not isinstance(doc, dict):
        return False
    for st in _as_list(doc.get("Statement") or []):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        wide = "NotPrincipal" in st or _public_principal(st.get("Principal"))
        if wide and not _restricting(st.get("Condition") or {}):
            return True
    return False


@SERVICE.op("PutBucketPolicy")
def put_bucket_policy(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    check_owner_account(ctx, bucket)
    text = req.get("Policy") or ""
    check_policy(text, bucket.name)
    from nuvem.services.s3.access import check_public_policy
    check_public_policy(ctx, bucket, text)     # the bucket's and the account's settings
    save(ctx, bucket, "Policy", text)
    return {STATUS: 204}      # S3 answers PutBucketPolicy with 204 No Content


def check_owner_account(ctx: Call, bucket) -> None:
    """Only identities of the owner's account may manage a bucket policy: others, even when
    allowed, get 405 MethodNotAllowed (PutBucketPolicy, "Permissions")."""
    if ctx.principal is not None and ctx.principal.kind != "service" and \
            ctx.account != bucket.account:
        from nuvem.services.s3.errors import MethodNotAllowed
        raise MethodNotAllowed(Method=ctx.request.method, ResourceType="BUCKETPOLICY")


@SERVICE.op("GetBucketPolicyStatus")
def get_bucket_policy_status(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.config.get("Policy"):
        raise NoSuchBucketPolicy(BucketName=bucket.name)
    return {"PolicyStatus": {"IsPublic": policy_is_public(bucket.config["Policy"])}}
