"""Bucket configurations: the Put/Get/Delete families that store a document on the bucket.

Each configuration is kept as the API's request dict under `bucket.config[<Name>]` (Policy is the
policy text); tags live in the store's resources table, versioning and ownership on the bucket.
Alike families are one table (`_FAMILIES`, `_BY_ID`); what differs is each family's check, which
answers S3's codes and messages. Sources: the Amazon S3 API Reference page of each operation and
"Error responses"; "The meaning of public" (S3 User Guide) for `policy_is_public`.
"""
from __future__ import annotations

import base64
import fnmatch
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from nuvem.context import Call
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of
from nuvem.services.s3.errors import (
    AccessDenied, CrossLocationLoggingProhibitted, InvalidArgument,
    InvalidBucketAclWithObjectOwnership, InvalidBucketState, InvalidRequest, InvalidTag,
    InvalidTargetBucketForLogging, MalformedPolicy, MalformedXML, NoSuchBucketPolicy,
    NoSuchConfiguration, NoSuchCORSConfiguration,
    NoSuchLifecycleConfiguration, NoSuchPublicAccessBlockConfiguration, NoSuchTagSet,
    NoSuchWebsiteConfiguration, ObjectLockConfigurationNotFoundError,
    OwnershipControlsNotFoundError, ReplicationConfigurationNotFoundError, TooManyConfigurations)
from nuvem.services.s3.models import Bucket

DEFAULT_ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                 "BucketKeyEnabled": False}]}
_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
_STATUS = ("Enabled", "Disabled")


def _one_of(value, allowed) -> None:
    if value not in allowed:
        raise MalformedXML()


def _save(ctx: Call, bucket: Bucket, name: str, value: Any) -> None:
    if value is None:
        bucket.config.pop(name, None)
    else:
        bucket.config[name] = value
    ctx.store.put(bucket)


def _new_id(ctx: Call) -> str:
    """S3 names a rule or notification sent without an ID itself (an opaque token)."""
    return base64.b64encode(ctx.ids.uuid().encode()).decode().rstrip("=")


# --- CORS ----------------------------------------------------------------------------------------

_CORS_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")


def _check_cors(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    rules = cfg.get("CORSRules") or []
    if not 1 <= len(rules) <= 100:
        raise MalformedXML()
    for rule in rules:
        if not rule.get("AllowedMethods") or not rule.get("AllowedOrigins"):
            raise MalformedXML()
        for method in rule["AllowedMethods"]:
            if method not in _CORS_METHODS:
                raise InvalidRequest("Found unsupported HTTP method in CORS config. Unsupported "
                                     f"method is {method}")
        for kind in ("AllowedOrigin", "AllowedHeader"):
            for value in rule.get(kind + "s") or []:
                if value.count("*") > 1:
                    raise InvalidRequest(f'{kind} "{value}" can not have more than one wildcard.')
        for header in rule.get("ExposeHeaders") or []:
            if "*" in header:
                raise InvalidRequest(f'ExposeHeader "{header}" contains wildcard. We currently do '
                                     "not support wildcard for ExposeHeader.")
        if len(rule.get("ID") or "") > 255:
            raise InvalidArgument("ID length should not exceed allowed limit of 255",
                                  ArgumentName="ID", ArgumentValue=rule["ID"])
    return {"CORSRules": rules}


# --- website -------------------------------------------------------------------------------------

def _check_website(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    redirect_all = cfg.get("RedirectAllRequestsTo")
    if redirect_all is not None:
        if any(cfg.get(k) is not None for k in ("IndexDocument", "ErrorDocument", "RoutingRules")):
            raise InvalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with "
                                  "other Routing Rules.", ArgumentName="RedirectAllRequestsTo",
                                  ArgumentValue="not null")
        if not redirect_all.get("HostName"):
            raise MalformedXML()
        _one_of(redirect_all.get("Protocol", "http"), ("http", "https"))
        return cfg
    index = cfg.get("IndexDocument")
    if index is None:
        raise InvalidArgument("A value for IndexDocument Suffix must be provided if "
                              "RedirectAllRequestsTo is empty", ArgumentName="IndexDocument",
                              ArgumentValue="null")
    suffix = index.get("Suffix") or ""
    if not suffix or "/" in suffix:
        raise InvalidArgument("The IndexDocument Suffix is not well formed",
                              ArgumentName="IndexDocument", ArgumentValue=suffix)
    if cfg.get("ErrorDocument") is not None and not cfg["ErrorDocument"].get("Key"):
        raise MalformedXML()
    rules = cfg.get("RoutingRules")
    if rules is not None and not 1 <= len(rules) <= 50:
        raise MalformedXML()
    for rule in rules or []:
        redirect, condition = rule.get("Redirect"), rule.get("Condition")
        if redirect is None:
            raise MalformedXML()
        if condition is not None and not any(condition.values()):
            raise InvalidRequest("Condition cannot be empty. To redirect all requests without a "
                                 "condition, the condition element shouldn't be present.")
        if redirect.get("ReplaceKeyWith") is not None and \
                redirect.get("ReplaceKeyPrefixWith") is not None:
            raise InvalidRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
        code = redirect.get("HttpRedirectCode")
        if code is not None and not (re.fullmatch(r"3\d\d", code) and code != "300"):
            raise InvalidRequest(f"The provided HTTP redirect code ({code}) is not valid. Valid "
                                 "codes are 3XX except 300.")
        _one_of(redirect.get("Protocol", "http"), ("http", "https"))
    return cfg


# --- lifecycle -----------------------------------------------------------------------------------

_IA = ("STANDARD_IA", "ONEZONE_IA")
_TRANSITION_CLASSES = ("GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                       "DEEP_ARCHIVE", "GLACIER_IR")
_ACTIONS = ("Expiration", "Transitions", "NoncurrentVersionTransitions",
            "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload")


def _positive(value, message: str, name: str) -> None:
    if value is not None and value <= 0:
        raise InvalidArgument(message, ArgumentName=name, ArgumentValue=str(value))


def _midnight(when) -> None:
    if isinstance(when, datetime):
        utc = when.astimezone(timezone.utc) if when.tzinfo else when
        if (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0):
            raise InvalidArgument("'Date' must be at midnight GMT", ArgumentName="Date",
                                  ArgumentValue=utc.isoformat())


def _filter_members(filt: dict, allowed: tuple) -> list[str]:
    present = [k for k in allowed if filt.get(k) is not None]
    if len(present) > 1:
        raise MalformedXML()
    return present


def _has_tags(filt: dict | None) -> bool:
    return bool(filt) and bool(filt.get("Tag") or (filt.get("And") or {}).get("Tags"))


def _check_lifecycle_rule(rule: dict, ids: set, ctx: Call) -> None:
    _one_of(rule.get("Status"), _STATUS)
    filt = rule.get("Filter")
    if (filt is None) == (rule.get("Prefix") is None):
        raise MalformedXML()
    if filt is not None:
        _filter_members(filt, ("Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan",
                               "And"))
    rule_id = rule.get("ID")
    if rule_id is None:
        rule["ID"] = rule_id = _new_id(ctx)
    if len(rule_id) > 255:
        raise InvalidArgument("ID length should not exceed allowed limit of 255",
                              ArgumentName="ID", ArgumentValue=rule_id)
    if rule_id in ids:
        raise InvalidArgument("Rule ID must be unique. Found same ID for more than one rule",
                              ArgumentName="ID", ArgumentValue=rule_id)
    ids.add(rule_id)
    if not any(rule.get(a) for a in _ACTIONS):
        raise InvalidRequest("At least one action needs to be specified in a rule")
    expiration = rule.get("Expiration")
    if expiration is not None:
        given = [k for k in ("Date", "Days", "ExpiredObjectDeleteMarker")
                 if expiration.get(k) is not None]
        if not given or (expiration.get("Date") is not None and expiration.get("Days") is not None):
            raise MalformedXML()
        if "ExpiredObjectDeleteMarker" in given and len(given) > 1:
            raise InvalidArgument("ExpiredObjectDeleteMarker cannot be specified with Days or "
                                  "Date in a Lifecycle Expiration Policy.",
                                  ArgumentName="ExpiredObjectDeleteMarker", ArgumentValue="true")
        if expiration.get("ExpiredObjectDeleteMarker") and _has_tags(filt):
            raise InvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")
        _positive(expiration.get("Days"), "'Days' for Expiration action must be a positive "
                  "integer", "Days")
        _midnight(expiration.get("Date"))
    for transition in rule.get("Transitions") or []:
        if (transition.get("Days") is None) == (transition.get("Date") is None):
            raise MalformedXML()
        _one_of(transition.get("StorageClass"), _TRANSITION_CLASSES)
        days = transition.get("Days")
        if days is not None and days < 0:
            raise InvalidArgument("'Days' in Transition action must be nonnegative",
                                  ArgumentName="Days", ArgumentValue=str(days))
        if days is not None and days < 30 and transition["StorageClass"] in _IA:
            raise InvalidArgument("'Days' in Transition action must be greater than or equal to "
                                  f"30 for storageClass '{transition['StorageClass']}'",
                                  ArgumentName="Days", ArgumentValue=str(days))
        _midnight(transition.get("Date"))
    for transition in rule.get("NoncurrentVersionTransitions") or []:
        _one_of(transition.get("StorageClass"), _TRANSITION_CLASSES)
        days = transition.get("NoncurrentDays")
        if days is None or days < 0:
            raise InvalidArgument("'NoncurrentDays' in NoncurrentVersionTransition action must "
                                  "be nonnegative", ArgumentName="NoncurrentDays",
                                  ArgumentValue=str(days))
        if days < 30 and transition["StorageClass"] in _IA:
            raise InvalidArgument("'NoncurrentDays' in NoncurrentVersionTransition action must "
                                  "be greater than or equal to 30 for storageClass "
                                  f"'{transition['StorageClass']}'",
                                  ArgumentName="NoncurrentDays", ArgumentValue=str(days))
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent is not None:
        if noncurrent.get("NoncurrentDays") is None:
            raise MalformedXML()
        _positive(noncurrent["NoncurrentDays"], "'NoncurrentDays' for NoncurrentVersionExpiration "
                  "action must be a positive integer", "NoncurrentDays")
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort is not None:
        if abort.get("DaysAfterInitiation") is None:
            raise MalformedXML()
        _positive(abort["DaysAfterInitiation"], "'DaysAfterInitiation' for "
                  "AbortIncompleteMultipartUpload action must be a positive integer",
                  "DaysAfterInitiation")
        if _has_tags(filt):
            raise InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")


def _check_lifecycle(ctx: Call, rules: list) -> list:
    if not 1 <= len(rules) <= 1000:
        raise MalformedXML()
    ids: set[str] = set()
    for rule in rules:
        _check_lifecycle_rule(rule, ids, ctx)
    return rules


@SERVICE.op("PutBucketLifecycleConfiguration")
def put_bucket_lifecycle_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    rules = _check_lifecycle(ctx, (req.get("LifecycleConfiguration") or {}).get("Rules") or [])
    size = req.get("TransitionDefaultMinimumObjectSize") or "all_storage_classes_128K"
    _one_of(size, ("varies_by_storage_class", "all_storage_classes_128K"))
    _save(ctx, bucket, "Lifecycle", {"Rules": rules, "TransitionDefaultMinimumObjectSize": size})
    return {"TransitionDefaultMinimumObjectSize": size}


@SERVICE.op("GetBucketLifecycleConfiguration")
def get_bucket_lifecycle_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    cfg = bucket.config.get("Lifecycle")
    if not cfg:
        raise NoSuchLifecycleConfiguration(BucketName=bucket.name)
    return {"Rules": cfg["Rules"], "TransitionDefaultMinimumObjectSize":
            cfg.get("TransitionDefaultMinimumObjectSize", "all_storage_classes_128K")}


@SERVICE.op("DeleteBucketLifecycle")
def delete_bucket_lifecycle(ctx: Call, req: dict) -> dict:
    _save(ctx, bucket_of(ctx, req["Bucket"]), "Lifecycle", None)
    return {}


@SERVICE.op("PutBucketLifecycle")
def put_bucket_lifecycle(ctx: Call, req: dict) -> dict:
    """The deprecated API: rules with a Prefix and one Transition each, kept in the current form."""
    bucket = bucket_of(ctx, req["Bucket"])
    rules = []
    for old in (req.get("LifecycleConfiguration") or {}).get("Rules") or []:
        rule = {k: v for k, v in old.items()
                if k not in ("Transition", "NoncurrentVersionTransition")}
        if old.get("Transition"):
            rule["Transitions"] = [old["Transition"]]
        if old.get("NoncurrentVersionTransition"):
            rule["NoncurrentVersionTransitions"] = [old["NoncurrentVersionTransition"]]
        rules.append(rule)
    _save(ctx, bucket, "Lifecycle", {"Rules": _check_lifecycle(ctx, rules),
                                     "TransitionDefaultMinimumObjectSize":
                                         "all_storage_classes_128K"})
    return {}


@SERVICE.op("GetBucketLifecycle")
def get_bucket_lifecycle(ctx: Call, req: dict) -> dict:
    rules = []
    for rule in get_bucket_lifecycle_configuration(ctx, req)["Rules"]:
        old = {k: v for k, v in rule.items() if k not in ("Filter", "Transitions",
                                                           "NoncurrentVersionTransitions")}
        old.setdefault("Prefix", (rule.get("Filter") or {}).get("Prefix", ""))
        if rule.get("Transitions"):
            old["Transition"] = rule["Transitions"][0]
        if rule.get("NoncurrentVersionTransitions"):
            old["NoncurrentVersionTransition"] = rule["NoncurrentVersionTransitions"][0]
        rules.append(old)
    return {"Rules": rules}


# --- bucket policy -------------------------------------------------------------------------------

MAX_POLICY_BYTES = 20 * 1024
_PRINCIPAL_KINDS = ("AWS", "Service", "CanonicalUser", "Federated")
_AWS_PRINCIPAL = re.compile(r"^(\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*|aws):.+|[0-9a-f]{64}"
                            r"|A[A-Z0-9]{15,127})$")


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _s3_actions() -> list[str]:
    from nuvem.iam.actions import service_data
    return [name.lower() for name in ((service_data("s3") or {}).get("actions") or {})]


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


def _check_principal(principal) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal or \
            any(k not in _PRINCIPAL_KINDS for k in principal):
        raise MalformedPolicy("Invalid principal in policy")
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
        for action in _as_list(st.get("Action", st.get("NotAction"))):
            _check_action(action)
        if "Resource" not in st and "NotResource" not in st:
            raise MalformedPolicy("Missing required field Resource")
        for resource in _as_list(st.get("Resource", st.get("NotResource"))):
            _check_resource(resource, bucket)
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
    text = req.get("Policy") or ""
    check_policy(text, bucket.name)
    from nuvem.services.s3.access import check_public_policy
    check_public_policy(ctx, bucket, text)     # the bucket's and the account's settings
    _save(ctx, bucket, "Policy", text)
    return {}


@SERVICE.op("GetBucketPolicyStatus")
def get_bucket_policy_status(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.config.get("Policy"):
        raise NoSuchBucketPolicy(BucketName=bucket.name)
    return {"PolicyStatus": {"IsPublic": policy_is_public(bucket.config["Policy"])}}


# --- encryption, public access block, replication --------------------------------------------

_SSE = ("AES256", "aws:kms", "aws:kms:dsse")


def _check_encryption(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    rules = cfg.get("Rules") or []
    if len(rules) != 1:
        raise MalformedXML()
    rule = dict(rules[0])
    default = rule.get("ApplyServerSideEncryptionByDefault")
    if default is not None:
        _one_of(default.get("SSEAlgorithm"), _SSE)
        if default.get("KMSMasterKeyID") and default["SSEAlgorithm"] == "AES256":
            raise InvalidArgument("a KMSMasterKeyID is not applicable if the default sse "
                                  "algorithm is not aws:kms or aws:kms:dsse",
                                  ArgumentName="ApplyServerSideEncryptionByDefault")
    rule.setdefault("BucketKeyEnabled", False)
    return {"Rules": [rule]}


_PAB = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _check_public_access_block(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    if not any(cfg.get(k) is not None for k in _PAB):
        raise InvalidRequest("Must specify at least one configuration.")
    return {k: bool(cfg.get(k)) for k in _PAB}


def _check_replication(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    if bucket.versioning != "Enabled":
        raise InvalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication "
                             "configuration")
    rules = cfg.get("Rules") or []
    if not cfg.get("Role") or not 1 <= len(rules) <= 1000:
        raise MalformedXML()
    ids, priorities = set(), set()
    for rule in rules:
        _one_of(rule.get("Status"), _STATUS)
        if rule.get("Filter") is not None and rule.get("Prefix") is not None:
            raise MalformedXML()
        if rule.get("Filter") is not None:
            _filter_members(rule["Filter"], ("Prefix", "Tag", "And"))
            if rule.get("DeleteMarkerReplication") is None:
                raise InvalidRequest("DeleteMarkerReplication must be specified for this version "
                                     "of Cross Region Replication configuration schema.")
            priority = rule.get("Priority", 0)
            if priority in priorities:
                raise InvalidRequest(f"Found two rules with same priority {priority} for the "
                                     "same destination.")
            priorities.add(priority)
        rule.setdefault("ID", _new_id(ctx))
        if len(rule["ID"]) > 255:
            raise InvalidArgument("ID length should not exceed allowed limit of 255",
                                  ArgumentName="ID", ArgumentValue=rule["ID"])
        if rule["ID"] in ids:
            raise InvalidArgument("Rule Id must be unique", ArgumentName="ID",
                                  ArgumentValue=rule["ID"])
        ids.add(rule["ID"])
        target = (rule.get("Destination") or {}).get("Bucket") or ""
        name = target[len("arn:aws:s3:::"):] if target.startswith("arn:aws:s3:::") else ""
        if not name:
            raise InvalidArgument("Invalid bucket ARN.", ArgumentName="Bucket",
                                  ArgumentValue=target)
        destination = ctx.store.get(Bucket, name)
        if destination is None:
            raise InvalidRequest("Destination bucket must exist.")
        if destination.versioning != "Enabled":
            raise InvalidRequest("Destination bucket must have versioning enabled.")
    return cfg


# --- the table of the plain Put/Get/Delete families ----------------------------------------------

@dataclass(frozen=True)
class _Family:
    name: str                    # key in bucket.config
    member: str                  # the Put request member holding the document
    put: str | None              # None: the family has its own Put (checks beyond the table)
    get: str
    delete: str | None
    check: Callable[[Call, Bucket, Any], Any]
    missing: type | None         # the Get error when none is set (None: `default` instead)
    wrap: str | None = None      # the Get output's payload member; else the members spread
    default: Any = None


_FAMILIES = (
    _Family("Cors", "CORSConfiguration", "PutBucketCors", "GetBucketCors", "DeleteBucketCors",
            _check_cors, NoSuchCORSConfiguration),
    _Family("Website", "WebsiteConfiguration", "PutBucketWebsite", "GetBucketWebsite",
            "DeleteBucketWebsite", _check_website, NoSuchWebsiteConfiguration),
    _Family("Policy", "Policy", None, "GetBucketPolicy", "DeleteBucketPolicy",
            lambda ctx, bucket, text: text, NoSuchBucketPolicy, wrap="Policy"),
    _Family("Encryption", "ServerSideEncryptionConfiguration", "PutBucketEncryption",
            "GetBucketEncryption", "DeleteBucketEncryption", _check_encryption, None,
            wrap="ServerSideEncryptionConfiguration", default=DEFAULT_ENCRYPTION),
    _Family("PublicAccessBlock", "PublicAccessBlockConfiguration", "PutPublicAccessBlock",
            "GetPublicAccessBlock", "DeletePublicAccessBlock", _check_public_access_block,
            NoSuchPublicAccessBlockConfiguration, wrap="PublicAccessBlockConfiguration"),
    _Family("Replication", "ReplicationConfiguration", "PutBucketReplication",
            "GetBucketReplication", "DeleteBucketReplication", _check_replication,
            ReplicationConfigurationNotFoundError, wrap="ReplicationConfiguration"),
)


def _register(family: _Family) -> None:
    def put(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        document = req.get(family.member)
        if document is None:
            raise MalformedXML()
        _save(ctx, bucket, family.name, family.check(ctx, bucket, document))
        return {}

    def get(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        document = bucket.config.get(family.name, family.default)
        if document is None:
            raise family.missing(BucketName=bucket.name)
        return {family.wrap: document} if family.wrap else dict(document)

    def delete(ctx: Call, req: dict) -> dict:
        _save(ctx, bucket_of(ctx, req["Bucket"]), family.name, None)
        return {}

    if family.put:
        SERVICE.op(family.put)(put)
    SERVICE.op(family.get)(get)
    if family.delete:
        SERVICE.op(family.delete)(delete)


for _family in _FAMILIES:
    _register(_family)


# --- logging, request payment, accelerate ------------------------------------------------------

@SERVICE.op("PutBucketLogging")
def put_bucket_logging(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    enabled = (req.get("BucketLoggingStatus") or {}).get("LoggingEnabled")
    if enabled is None:
        _save(ctx, bucket, "Logging", None)
        return {}
    name = enabled.get("TargetBucket") or ""
    target = ctx.store.get(Bucket, name)
    if target is None:
        raise InvalidTargetBucketForLogging("The target bucket for logging does not exist",
                                            TargetBucket=name)
    if target.account != bucket.account:
        raise InvalidTargetBucketForLogging("The owner for the bucket to be logged and the target "
                                            "bucket must be the same.", TargetBucket=name)
    if target.region != bucket.region:
        raise CrossLocationLoggingProhibitted(TargetBucketLocation=target.region,
                                              SourceBucketLocation=bucket.region)
    if enabled.get("TargetGrants") and target.ownership == "BucketOwnerEnforced":
        raise InvalidTargetBucketForLogging("Target Bucket does not support target grants when "
                                            "Object Ownership is set to Bucket owner enforced.",
                                            TargetBucket=name)
    _save(ctx, bucket, "Logging", {"LoggingEnabled": enabled})
    return {}


@SERVICE.op("GetBucketLogging")
def get_bucket_logging(ctx: Call, req: dict) -> dict:
    return dict(bucket_of(ctx, req["Bucket"]).config.get("Logging") or {})


@SERVICE.op("PutBucketRequestPayment")
def put_bucket_request_payment(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    payer = (req.get("RequestPaymentConfiguration") or {}).get("Payer")
    _one_of(payer, ("BucketOwner", "Requester"))
    _save(ctx, bucket, "RequestPayment", {"Payer": payer})
    return {}


@SERVICE.op("GetBucketRequestPayment")
def get_bucket_request_payment(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    return dict(bucket.config.get("RequestPayment") or {"Payer": "BucketOwner"})


@SERVICE.op("PutBucketAccelerateConfiguration")
def put_bucket_accelerate_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    status = (req.get("AccelerateConfiguration") or {}).get("Status")
    _one_of(status, ("Enabled", "Suspended"))
    if "." in bucket.name:
        raise InvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods "
                             "(.) in their names")
    _save(ctx, bucket, "Accelerate", {"Status": status})
    return {}


@SERVICE.op("GetBucketAccelerateConfiguration")
def get_bucket_accelerate_configuration(ctx: Call, req: dict) -> dict:
    return dict(bucket_of(ctx, req["Bucket"]).config.get("Accelerate") or {})


# --- tagging ------------------------------------------------------------------------------------

_TAG_CHARS = re.compile(r"^[\w\s+\-=._:/@]*$", re.UNICODE)


def check_tags(tag_set: list[dict], limit: int = 50) -> dict[str, str]:
    if len(tag_set) > limit:
        raise InvalidTag(f"Bucket tag count cannot be greater than {limit}")
    tags: dict[str, str] = {}
    for tag in tag_set:
        key, value = tag.get("Key"), tag.get("Value")
        if key is None or value is None:
            raise MalformedXML()
        if not key or len(key) > 128:
            raise InvalidTag("The TagKey you have provided is too long, max 128" if key else
                             "The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise InvalidTag("The TagValue you have provided is too long, max 256", TagKey=key,
                             TagValue=value)
        if not _TAG_CHARS.match(key):
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if not _TAG_CHARS.match(value):
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key,
                             TagValue=value)
        if key.lower().startswith("aws:"):
            raise InvalidTag("System tags cannot be added/updated by requester", TagKey=key)
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        tags[key] = value
    return tags


@SERVICE.op("PutBucketTagging")
def put_bucket_tagging(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    tags = check_tags((req.get("Tagging") or {}).get("TagSet") or [])
    old = ctx.store.tags(bucket.arn)
    ctx.store.untag(bucket.arn, [k for k in old if k not in tags])
    ctx.store.tag(bucket.arn, tags)
    return {}


@SERVICE.op("GetBucketTagging")
def get_bucket_tagging(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    tags = ctx.store.tags(bucket.arn)
    if not tags:
        raise NoSuchTagSet(BucketName=bucket.name)
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


@SERVICE.op("DeleteBucketTagging")
def delete_bucket_tagging(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    ctx.store.untag(bucket.arn, list(ctx.store.tags(bucket.arn)))
    return {}


# --- ownership controls, versioning, object lock -------------------------------------------------

@SERVICE.op("PutBucketOwnershipControls")
def put_bucket_ownership_controls(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    rules = (req.get("OwnershipControls") or {}).get("Rules") or []
    if len(rules) != 1:
        raise MalformedXML()
    ownership = rules[0].get("ObjectOwnership")
    _one_of(ownership, _OWNERSHIPS)
    if ownership == "BucketOwnerEnforced" and bucket.acl.get("Grants"):
        from nuvem.services.s3.acl import is_owner_only
        if not is_owner_only(bucket.acl["Grants"], bucket.account):
            raise InvalidBucketAclWithObjectOwnership()
    bucket.ownership = ownership
    ctx.store.put(bucket)
    return {}


@SERVICE.op("GetBucketOwnershipControls")
def get_bucket_ownership_controls(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.ownership:
        raise OwnershipControlsNotFoundError(BucketName=bucket.name)
    return {"OwnershipControls": {"Rules": [{"ObjectOwnership": bucket.ownership}]}}


@SERVICE.op("DeleteBucketOwnershipControls")
def delete_bucket_ownership_controls(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    bucket.ownership = ""
    ctx.store.put(bucket)
    return {}


@SERVICE.op("PutBucketVersioning")
def put_bucket_versioning(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    cfg = req.get("VersioningConfiguration") or {}
    status, mfa_delete = cfg.get("Status"), cfg.get("MFADelete")
    _one_of(status, ("Enabled", "Suspended"))
    if mfa_delete is not None:
        _one_of(mfa_delete, _STATUS)
        if not req.get("MFA") and (mfa_delete == "Enabled" or bucket.mfa_delete == "Enabled"):
            raise InvalidRequest("Missing required header for this request: x-amz-mfa")
    if status == "Suspended" and bucket.versioning == "Enabled":
        if bucket.object_lock:
            raise InvalidBucketState("An Object Lock configuration is present on this bucket, "
                                     "so the versioning state cannot be changed.")
        if bucket.config.get("Replication"):
            raise InvalidRequest("A replication configuration is present on this bucket, so the "
                                 "versioning state cannot be changed.")
    bucket.versioning = status
    if mfa_delete is not None:
        bucket.mfa_delete = mfa_delete
    ctx.store.put(bucket)
    return {}


@SERVICE.op("GetBucketVersioning")
def get_bucket_versioning(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    out = {}
    if bucket.versioning:
        out["Status"] = bucket.versioning
    if bucket.mfa_delete:
        out["MFADelete"] = bucket.mfa_delete
    return out


@SERVICE.op("PutObjectLockConfiguration")
def put_object_lock_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.object_lock and bucket.versioning != "Enabled":
        raise InvalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object "
                                 "Lock configuration")
    cfg = req.get("ObjectLockConfiguration") or {}
    _one_of(cfg.get("ObjectLockEnabled"), ("Enabled",))
    rule = cfg.get("Rule")
    if rule is not None:
        retention = rule.get("DefaultRetention")
        if retention is None:
            raise MalformedXML()
        _one_of(retention.get("Mode"), ("GOVERNANCE", "COMPLIANCE"))
        days, years = retention.get("Days"), retention.get("Years")
        if (days is None) == (years is None):
            raise MalformedXML()
        period = days if days is not None else years
        if period <= 0:
            raise InvalidArgument("Default retention period must be a positive integer value",
                                  ArgumentName="Days" if days is not None else "Years",
                                  ArgumentValue=str(period))
        if (days or 0) > 36500 or (years or 0) > 100:
            raise InvalidArgument("Default retention period is too large.",
                                  ArgumentName="Days" if days is not None else "Years",
                                  ArgumentValue=str(period))
    bucket.object_lock = True
    _save(ctx, bucket, "ObjectLock", {k: v for k, v in cfg.items() if v is not None})
    return {}


@SERVICE.op("GetObjectLockConfiguration")
def get_object_lock_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.object_lock:
        raise ObjectLockConfigurationNotFoundError(BucketName=bucket.name)
    return {"ObjectLockConfiguration": bucket.config.get("ObjectLock")
            or {"ObjectLockEnabled": "Enabled"}}


# --- notifications -------------------------------------------------------------------------------

EVENTS = ("s3:ReducedRedundancyLostObject", "s3:ObjectCreated:*", "s3:ObjectCreated:Put",
          "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
          "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*",
          "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*",
          "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
          "s3:Replication:*", "s3:Replication:OperationFailedReplication",
          "s3:Replication:OperationNotTracked", "s3:Replication:OperationMissedThreshold",
          "s3:Replication:OperationReplicatedAfterThreshold", "s3:LifecycleTransition",
          "s3:IntelligentTiering", "s3:ObjectAcl:Put", "s3:LifecycleExpiration:*",
          "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
          "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
          "s3:ObjectAnnotation:*", "s3:ObjectAnnotation:Put", "s3:ObjectAnnotation:Delete",
          "s3:ObjectRetention:Put")
# (list member, ARN member, service in the ARN)
_DESTINATIONS = (("TopicConfigurations", "TopicArn", "sns"),
                 ("QueueConfigurations", "QueueArn", "sqs"),
                 ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda"))


def event_matches(pattern: str, event: str) -> bool:
    """Whether a configured event name (maybe `s3:ObjectCreated:*`) covers an event."""
    return pattern == event or (pattern.endswith(":*") and event.startswith(pattern[:-1]))


def _key_filter(config: dict) -> tuple[str, str]:
    prefix = suffix = None
    for rule in ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []:
        name, value = (rule.get("Name") or "").lower(), rule.get("Value") or ""
        if name not in ("prefix", "suffix"):
            raise InvalidArgument("filter rule name must be either prefix or suffix",
                                  ArgumentName="FilterRule.Name", ArgumentValue=rule.get("Name"))
        if (prefix if name == "prefix" else suffix) is not None:
            raise InvalidArgument(f"Cannot specify more than one {name} rule in a filter.",
                                  ArgumentName="FilterRule.Name", ArgumentValue=rule.get("Name"))
        rule["Name"] = name.capitalize()      # S3 answers "Prefix" / "Suffix"
        if name == "prefix":
            prefix = value
        else:
            suffix = value
    return prefix or "", suffix or ""


def _overlap(a: tuple, b: tuple) -> bool:
    (events_a, prefix_a, suffix_a), (events_b, prefix_b, suffix_b) = a, b
    shared = any(event_matches(x, y) or event_matches(y, x) for x in events_a for y in events_b)
    return (shared and (prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a))
            and (suffix_a.endswith(suffix_b) or suffix_b.endswith(suffix_a)))


def _check_notification(ctx: Call, cfg: dict) -> dict:
    out: dict = {}
    seen: list[tuple] = []
    for member, arn_member, service in _DESTINATIONS:
        for config in cfg.get(member) or []:
            arn = config.get(arn_member) or ""
            if not re.fullmatch(rf"arn:aws[a-z-]*:{service}:[a-z0-9-]+:\d{{12}}:.+", arn):
                raise InvalidArgument("Unable to validate the following destination "
                                      "configurations", ArgumentName=arn,
                                      ArgumentValue="The destination ARN is not valid")
            events = config.get("Events") or []
            if not events:
                raise MalformedXML()
            for event in events:
                if event not in EVENTS:
                    raise InvalidArgument("The event is not supported for notifications",
                                          ArgumentName="Event", ArgumentValue=event)
            prefix, suffix = _key_filter(config)
            for other in seen:
                if other[0] == arn and _overlap(other[1:], (events, prefix, suffix)):
                    raise InvalidArgument("Configurations overlap. Configurations on the same "
                                          "bucket cannot share a common event type.",
                                          ArgumentName="Event", ArgumentValue=events[0])
            seen.append((arn, events, prefix, suffix))
            stored = {k: v for k, v in config.items() if v is not None}
            stored.setdefault("Id", _new_id(ctx))
            out.setdefault(member, []).append(stored)
    if cfg.get("EventBridgeConfiguration") is not None:
        out["EventBridgeConfiguration"] = {}
    return out


@SERVICE.op("PutBucketNotificationConfiguration")
def put_bucket_notification_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    cfg = _check_notification(ctx, req.get("NotificationConfiguration") or {})
    _save(ctx, bucket, "Notification", cfg or None)
    return {}


@SERVICE.op("GetBucketNotificationConfiguration")
def get_bucket_notification_configuration(ctx: Call, req: dict) -> dict:
    return dict(bucket_of(ctx, req["Bucket"]).config.get("Notification") or {})


# The deprecated API: one configuration of each kind, `Event` or `Events`.
_DEPRECATED = (("TopicConfiguration", "Topic", "TopicConfigurations", "TopicArn"),
               ("QueueConfiguration", "Queue", "QueueConfigurations", "QueueArn"),
               ("CloudFunctionConfiguration", "CloudFunction", "LambdaFunctionConfigurations",
                "LambdaFunctionArn"))


@SERVICE.op("PutBucketNotification")
def put_bucket_notification(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    old = req.get("NotificationConfiguration") or {}
    cfg: dict = {}
    for member, arn_member, new_member, new_arn in _DEPRECATED:
        config = old.get(member)
        if not config:
            continue
        events = list(config.get("Events") or [])
        if config.get("Event"):
            events.append(config["Event"])
        item = {new_arn: config.get(arn_member), "Events": events}
        if config.get("Id"):
            item["Id"] = config["Id"]
        cfg[new_member] = [item]
    cfg = _check_notification(ctx, cfg)
    _save(ctx, bucket, "Notification", cfg or None)
    return {}


@SERVICE.op("GetBucketNotification")
def get_bucket_notification(ctx: Call, req: dict) -> dict:
    cfg = get_bucket_notification_configuration(ctx, req)
    out = {}
    for member, arn_member, new_member, new_arn in _DEPRECATED:
        if cfg.get(new_member):
            item = cfg[new_member][0]
            events = item.get("Events") or []
            out[member] = {"Id": item.get("Id"), arn_member: item.get(new_arn), "Events": events}
            if len(events) == 1:
                out[member]["Event"] = events[0]
    return out


# --- analytics, metrics, inventory, intelligent-tiering: configurations by Id ------------------

PAGE = 100
MAX_CONFIGURATIONS = 1000


def _check_analytics(cfg: dict) -> None:
    if cfg.get("Filter") is not None:
        _filter_members(cfg["Filter"], ("Prefix", "Tag", "And"))
    export = (cfg.get("StorageClassAnalysis") or {}).get("DataExport")
    if export is not None:
        _one_of(export.get("OutputSchemaVersion"), ("V_1",))


def _check_metrics(cfg: dict) -> None:
    if cfg.get("Filter") is not None:
        _filter_members(cfg["Filter"], ("Prefix", "Tag", "AccessPointArn", "And"))


def _check_inventory(cfg: dict) -> None:
    _one_of(cfg.get("IncludedObjectVersions"), ("All", "Current"))
    _one_of((cfg.get("Schedule") or {}).get("Frequency"), ("Daily", "Weekly"))
    destination = (cfg.get("Destination") or {}).get("S3BucketDestination") or {}
    _one_of(destination.get("Format"), ("CSV", "ORC", "Parquet"))
    if not destination.get("Bucket", "").startswith("arn:aws:s3:::"):
        raise InvalidArgument("Invalid bucket ARN.", ArgumentName="Bucket",
                              ArgumentValue=destination.get("Bucket"))


_TIERS = {"ARCHIVE_ACCESS": (90, 730), "DEEP_ARCHIVE_ACCESS": (180, 730)}


def _check_intelligent_tiering(cfg: dict) -> None:
    _one_of(cfg.get("Status"), _STATUS)
    tierings = cfg.get("Tierings") or []
    if not tierings:
        raise MalformedXML()
    for tiering in tierings:
        _one_of(tiering.get("AccessTier"), _TIERS)
        low, high = _TIERS[tiering["AccessTier"]]
        if not low <= (tiering.get("Days") or 0) <= high:
            raise InvalidArgument(f"Days for the {tiering['AccessTier']} tier must be between "
                                  f"{low} and {high}.", ArgumentName="Days",
                                  ArgumentValue=str(tiering.get("Days")))


# family -> (configuration member, list member, check)
_BY_ID: dict[str, tuple[str, str, Callable[[dict], None]]] = {
    "Analytics": ("AnalyticsConfiguration", "AnalyticsConfigurationList", _check_analytics),
    "Metrics": ("MetricsConfiguration", "MetricsConfigurationList", _check_metrics),
    "Inventory": ("InventoryConfiguration", "InventoryConfigurationList", _check_inventory),
    "IntelligentTiering": ("IntelligentTieringConfiguration",
                           "IntelligentTieringConfigurationList", _check_intelligent_tiering),
}


def _register_by_id(family: str, member: str, list_member: str, check) -> None:
    def put(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        cfg = req.get(member)
        if cfg is None:
            raise MalformedXML()
        if cfg.get("Id") != req["Id"]:
            raise InvalidArgument("Configuration Id does not match the id in the request",
                                  ArgumentName="id", ArgumentValue=req["Id"])
        check(cfg)
        stored = dict(bucket.config.get(family) or {})
        if req["Id"] not in stored and len(stored) >= MAX_CONFIGURATIONS:
            raise TooManyConfigurations()
        stored[req["Id"]] = cfg
        _save(ctx, bucket, family, stored)
        return {}

    def get(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        cfg = (bucket.config.get(family) or {}).get(req["Id"])
        if cfg is None:
            raise NoSuchConfiguration()
        return {member: cfg}

    def delete(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        stored = dict(bucket.config.get(family) or {})
        if stored.pop(req["Id"], None) is None:
            raise NoSuchConfiguration()
        _save(ctx, bucket, family, stored or None)
        return {}

    def list_(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        token = req.get("ContinuationToken")
        after = ""
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except ValueError:
                raise InvalidArgument("The continuation token provided is incorrect",
                                      ArgumentName="continuation-token", ArgumentValue=token)
        ids = sorted(i for i in (bucket.config.get(family) or {}) if i > after)
        page = ids[:PAGE]
        out: dict = {"IsTruncated": len(ids) > PAGE,
                     list_member: [bucket.config[family][i] for i in page]}
        if token:
            out["ContinuationToken"] = token
        if len(ids) > PAGE:
            out["NextContinuationToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return out

    SERVICE.op(f"PutBucket{family}Configuration")(put)
    SERVICE.op(f"GetBucket{family}Configuration")(get)
    SERVICE.op(f"DeleteBucket{family}Configuration")(delete)
    SERVICE.op(f"ListBucket{family}Configurations")(list_)


for _name, (_member, _list_member, _check) in _BY_ID.items():
    _register_by_id(_name, _member, _list_member, _check)
