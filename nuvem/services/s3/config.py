"""Bucket configurations: the Put/Get/Delete families that store a document on the bucket, and the
helpers shared by the configuration modules.

Each configuration is kept as the API's request dict under `bucket.config[<Name>]` (Policy is the
policy text); tags live in the store's resources table, versioning and ownership on the bucket.
Alike families are one table (`_FAMILIES`: CORS, website, Get/DeleteBucketPolicy, encryption,
public access block, replication); what differs is each family's check, which answers S3's codes
and messages. Here too: logging, request payment, accelerate, tagging, ownership controls,
versioning and object lock. Elsewhere: policy.py (PutBucketPolicy, policy status, `check_policy`,
`policy_is_public`), lifecycle.py (lifecycle configuration), notifications.py (notification
configuration), reporting.py (analytics, metrics, inventory, intelligent-tiering by Id).
Sources: the Amazon S3 API Reference page of each operation and "Error responses".
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Callable

from nuvem.context import Call
from nuvem.protocol.serializers import STATUS as HTTP_STATUS
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import TAG_CHARS, bucket_of, update_bucket
from nuvem.services.s3.errors import (
    CrossLocationLoggingProhibitted, IllegalVersioningConfigurationException, InvalidArgument,
    InvalidBucketAclWithObjectOwnership, InvalidBucketState, InvalidRequest, InvalidTag,
    InvalidTargetBucketForLogging, MalformedXML,
    NoSuchBucketPolicy, NoSuchCORSConfiguration, NoSuchPublicAccessBlockConfiguration,
    NoSuchTagSet, NoSuchWebsiteConfiguration, ObjectLockConfigurationNotFoundError,
    OwnershipControlsNotFoundError, ReplicationConfigurationNotFoundError, S3Error)
from nuvem.services.s3.models import Bucket

# A new bucket's: SSE-S3, and SSE-C writes blocked (S3's default since April 2026).
DEFAULT_ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                 "BucketKeyEnabled": False,
                                 "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]}}]}
_OWNERSHIPS = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
STATUS = ("Enabled", "Disabled")


def one_of(value, allowed) -> None:
    if value not in allowed:
        raise MalformedXML()


def save(ctx: Call, bucket: Bucket, name: str, value: Any, **changes) -> None:
    """Store the bucket with configuration `name` set to `value` (None: removed), and `changes`
    to its other fields."""
    config = {k: v for k, v in bucket.config.items() if k != name}
    if value is not None:
        config[name] = value
    update_bucket(ctx, bucket, config=config, **changes)


def new_id(ctx: Call) -> str:
    """S3 names a rule or notification sent without an ID itself (an opaque token)."""
    return base64.b64encode(ctx.ids.uuid().encode()).decode().rstrip("=")


def filter_members(filt: dict, allowed: tuple) -> list[str]:
    present = [k for k in allowed if filt.get(k) is not None]
    if len(present) > 1:
        raise MalformedXML()
    return present


# --- CORS ----------------------------------------------------------------------------------------

CORS_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
# a header name is an HTTP token (RFC 9110 tchar); "*" is the wildcard S3 checks on its own
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _check_cors(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    rules = cfg.get("CORSRules") or []
    if not 1 <= len(rules) <= 100:
        raise MalformedXML()
    for rule in rules:
        if not rule.get("AllowedMethods") or not rule.get("AllowedOrigins"):
            raise MalformedXML()
        for method in rule["AllowedMethods"]:
            if method not in CORS_METHODS:
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
        # S3 names both kinds AllowedHeader here (versitygw's PutBucketCors_invalid_header)
        for header in (rule.get("AllowedHeaders") or []) + (rule.get("ExposeHeaders") or []):
            if not HEADER_NAME.fullmatch(header):
                raise InvalidRequest(f'AllowedHeader "{header}" contains invalid character.')
        if len(rule.get("ID") or "") > 255:
            raise InvalidArgument("ID length should not exceed allowed limit of 255",
                                  ArgumentName="ID", ArgumentValue=rule["ID"])
    return {"CORSRules": rules}


# --- website -------------------------------------------------------------------------------------

# What S3 takes in a routing rule (versitygw's PutBucketWebsite_invalid_http_redirect_code and
# _invalid_http_error_code): the redirect codes in use, the error codes 400-417 and 500-505.
_REDIRECT_CODES = frozenset({301, 302, 303, 304, 305, 307, 308})
_ERROR_CODES = frozenset({*range(400, 418), *range(500, 506)})


def _website_protocol(redirect: dict) -> None:
    if redirect.get("Protocol", "http") not in ("http", "https"):
        raise InvalidRequest("Invalid protocol, protocol can be http or https. If not defined the "
                             "protocol will be selected automatically.")


def _http_code(text: str | None, valid: frozenset, message: str) -> None:
    """A routing rule's status code: not a number is malformed, one S3 does not take is named."""
    if text is None:
        return
    if not text.isdigit():
        raise MalformedXML()
    if int(text) not in valid:
        raise InvalidRequest(message.format(int(text)))


def _check_website(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    redirect_all = cfg.get("RedirectAllRequestsTo")
    if redirect_all is not None:
        if any(cfg.get(k) is not None for k in ("IndexDocument", "ErrorDocument", "RoutingRules")):
            raise InvalidArgument("RedirectAllRequestsTo cannot be provided in conjunction with "
                                  "other Routing Rules.", ArgumentName="RedirectAllRequestsTo",
                                  ArgumentValue="not null")
        if not redirect_all.get("HostName"):
            raise MalformedXML()
        _website_protocol(redirect_all)
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
    error_document = cfg.get("ErrorDocument")
    if error_document is not None and not error_document.get("Key"):
        # named by S3 when empty (versitygw's PutBucketWebsite_empty_error_document_key)
        if error_document.get("Key") is None:
            raise MalformedXML()
        raise InvalidArgument("The ErrorDocument Key is not well formed",
                              ArgumentName="ErrorDocument", ArgumentValue="")
    rules = cfg.get("RoutingRules")
    if rules == []:
        raise MalformedXML()
    if rules is not None and len(rules) > 50:
        raise InvalidRequest(f"{len(rules)} routing rules provided, the number of routing rules "
                             "in a website configuration is limited to 50.")
    for rule in rules or []:
        redirect, condition = rule.get("Redirect"), rule.get("Condition")
        if not redirect:        # missing or empty (versitygw's _empty_routing_rule_redirect)
            raise MalformedXML()
        if condition is not None and not any(condition.values()):
            raise InvalidRequest("Condition cannot be empty. To redirect all requests without a "
                                 "condition, the condition element shouldn't be present.")
        if redirect.get("ReplaceKeyWith") is not None and \
                redirect.get("ReplaceKeyPrefixWith") is not None:
            raise InvalidRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
        _http_code(redirect.get("HttpRedirectCode"), _REDIRECT_CODES, "The provided HTTP redirect "
                   "code ({}) is not valid. Valid codes are 3XX except 300.")
        _http_code((condition or {}).get("HttpErrorCodeReturnedEquals"), _ERROR_CODES,
                   "The provided HTTP error code ({}) is not valid. Valid codes are 4XX or 5XX.")
        _website_protocol(redirect)
    return cfg


# --- encryption, public access block, replication --------------------------------------------

_SSE = ("AES256", "aws:kms", "aws:kms:dsse")


def _check_encryption(ctx: Call, bucket: Bucket, cfg: dict) -> dict:
    rules = cfg.get("Rules") or []
    if len(rules) != 1:
        raise MalformedXML()
    rule = dict(rules[0])
    default = rule.get("ApplyServerSideEncryptionByDefault")
    if default is not None:
        one_of(default.get("SSEAlgorithm"), _SSE)
        if default.get("KMSMasterKeyID") and default["SSEAlgorithm"] == "AES256":
            raise InvalidArgument("a KMSMasterKeyID is not applicable if the default sse "
                                  "algorithm is not aws:kms or aws:kms:dsse",
                                  ArgumentName="ApplyServerSideEncryptionByDefault")
    rule.setdefault("BucketKeyEnabled", False)
    if (rule.get("BlockedEncryptionTypes") or {}).get("EncryptionType") is None:
        # not named: SSE-C writes stay blocked or allowed as they were
        before = (bucket.config.get("Encryption") or DEFAULT_ENCRYPTION)["Rules"][0]
        if before.get("BlockedEncryptionTypes"):
            rule["BlockedEncryptionTypes"] = before["BlockedEncryptionTypes"]
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
        one_of(rule.get("Status"), STATUS)
        if rule.get("Filter") is not None and rule.get("Prefix") is not None:
            raise MalformedXML()
        if rule.get("Filter") is not None:
            filter_members(rule["Filter"], ("Prefix", "Tag", "And"))
            if rule.get("DeleteMarkerReplication") is None:
                raise InvalidRequest("DeleteMarkerReplication must be specified for this version "
                                     "of Cross Region Replication configuration schema.")
            priority = rule.get("Priority", 0)
            if priority in priorities:
                raise InvalidRequest(f"Found two rules with same priority {priority} for the "
                                     "same destination.")
            priorities.add(priority)
        rule.setdefault("ID", new_id(ctx))
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
        save(ctx, bucket, family.name, family.check(ctx, bucket, document))
        return {}

    def get(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        document = bucket.config.get(family.name, family.default)
        if document is None:
            raise family.missing(BucketName=bucket.name)
        return {family.wrap: document} if family.wrap else dict(document)

    def delete(ctx: Call, req: dict) -> dict:
        save(ctx, bucket_of(ctx, req["Bucket"]), family.name, None)
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
        save(ctx, bucket, "Logging", None)
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
        # us-east-1 is no location to S3 (as in GetBucketLocation): not named (LocalStack's
        # AWS-validated test_put_bucket_logging_cross_locations)
        raise CrossLocationLoggingProhibitted(**{
            name: region for name, region in (("TargetBucketLocation", target.region),
                                              ("SourceBucketLocation", bucket.region))
            if region != "us-east-1"})
    if enabled.get("TargetGrants") and target.ownership == "BucketOwnerEnforced":
        raise InvalidTargetBucketForLogging("Target Bucket does not support target grants when "
                                            "Object Ownership is set to Bucket owner enforced.",
                                            TargetBucket=name)
    save(ctx, bucket, "Logging", {"LoggingEnabled": enabled})
    return {}


@SERVICE.op("GetBucketLogging")
def get_bucket_logging(ctx: Call, req: dict) -> dict:
    return dict(bucket_of(ctx, req["Bucket"]).config.get("Logging") or {})


@SERVICE.op("PutBucketRequestPayment")
def put_bucket_request_payment(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    payer = (req.get("RequestPaymentConfiguration") or {}).get("Payer")
    one_of(payer, ("BucketOwner", "Requester"))
    save(ctx, bucket, "RequestPayment", {"Payer": payer})
    return {}


@SERVICE.op("GetBucketRequestPayment")
def get_bucket_request_payment(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    return dict(bucket.config.get("RequestPayment") or {"Payer": "BucketOwner"})


@SERVICE.op("PutBucketAccelerateConfiguration")
def put_bucket_accelerate_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    status = (req.get("AccelerateConfiguration") or {}).get("Status")
    one_of(status, ("Enabled", "Suspended"))
    if "." in bucket.name:
        raise InvalidRequest("S3 Transfer Acceleration is not supported for buckets with periods "
                             "(.) in their names")
    save(ctx, bucket, "Accelerate", {"Status": status})
    return {}


@SERVICE.op("GetBucketAccelerateConfiguration")
def get_bucket_accelerate_configuration(ctx: Call, req: dict) -> dict:
    return dict(bucket_of(ctx, req["Bucket"]).config.get("Accelerate") or {})


# --- tagging ------------------------------------------------------------------------------------

def check_tags(tag_set: list[dict], limit: int = 50) -> dict[str, str]:
    """A bucket's tag set (PutBucketTagging, CreateBucket's Tags), refused in S3's words
    (versitygw's CreateBucket_*tags* cases and issue 1232, from S3's answers)."""
    if len(tag_set) > limit:
        raise S3Error(f"Bucket tag count cannot be greater than {limit}", code="BadRequest")
    tags: dict[str, str] = {}
    for tag in tag_set:
        key, value = tag.get("Key"), tag.get("Value")
        if key is None or value is None:
            raise MalformedXML()
        if not 1 <= len(key) <= 128 or not TAG_CHARS.match(key):
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256 or not TAG_CHARS.match(value):
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
    # 204 No Content, as S3 answers (LocalStack's AWS-validated test_bucket_tagging_crud)
    return {HTTP_STATUS: 204}


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
    one_of(ownership, _OWNERSHIPS)
    if ownership == "BucketOwnerEnforced" and bucket.acl.get("Grants"):
        from nuvem.services.s3.acl import is_owner_only
        if not is_owner_only(bucket.acl["Grants"], bucket.account):
            raise InvalidBucketAclWithObjectOwnership()
    update_bucket(ctx, bucket, ownership=ownership)
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
    update_bucket(ctx, bucket, ownership="")
    return {}


@SERVICE.op("PutBucketVersioning")
def put_bucket_versioning(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    cfg = req.get("VersioningConfiguration") or {}
    if not cfg:
        raise IllegalVersioningConfigurationException()
    status, mfa_delete = cfg.get("Status"), cfg.get("MFADelete")
    one_of(status, ("Enabled", "Suspended"))
    if mfa_delete is not None:
        one_of(mfa_delete, STATUS)
        if not req.get("MFA") and (mfa_delete == "Enabled" or bucket.mfa_delete == "Enabled"):
            raise InvalidRequest("Missing required header for this request: x-amz-mfa")
    if status == "Suspended" and bucket.versioning == "Enabled":
        if bucket.object_lock:
            raise InvalidBucketState("An Object Lock configuration is present on this bucket, "
                                     "so the versioning state cannot be changed.")
        if bucket.config.get("Replication"):
            raise InvalidRequest("A replication configuration is present on this bucket, so the "
                                 "versioning state cannot be changed.")
    update_bucket(ctx, bucket, versioning=status, mfa_delete=(
        mfa_delete if mfa_delete is not None else bucket.mfa_delete))
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
    one_of(cfg.get("ObjectLockEnabled"), ("Enabled",))
    rule = cfg.get("Rule")
    if rule is not None:
        retention = rule.get("DefaultRetention")
        if retention is None:
            raise MalformedXML()
        one_of(retention.get("Mode"), ("GOVERNANCE", "COMPLIANCE"))
        days, years = retention.get("Days"), retention.get("Years")
        if (days is None) == (years is None):
            raise MalformedXML()
        period = days if days is not None else years
        if period <= 0:
            raise InvalidArgument("Default retention period must be a positive integer value.",
                                  ArgumentName="Days" if days is not None else "Years")
        if (days or 0) > 36500 or (years or 0) > 100:
            raise InvalidArgument("Default retention period is too large.",
                                  ArgumentName="Days" if days is not None else "Years",
                                  ArgumentValue=str(period))
    save(ctx, bucket, "ObjectLock", {k: v for k, v in cfg.items() if v is not None},
         object_lock=True)
    return {}


@SERVICE.op("GetObjectLockConfiguration")
def get_object_lock_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    if not bucket.object_lock:
        raise ObjectLockConfigurationNotFoundError(BucketName=bucket.name)
    return {"ObjectLockConfiguration": bucket.config.get("ObjectLock")
            or {"ObjectLockEnabled": "Enabled"}}
