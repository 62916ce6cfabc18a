"""Lifecycle rules, executed by a periodic sweep ("Managing the lifecycle of objects", "Lifecycle
configuration elements", "Understanding and managing Amazon S3 Lifecycle"):

- Expiration (Days, Date, ExpiredObjectDeleteMarker): current versions expire; in a versioned
  bucket expiring puts a delete marker, unversioned it deletes.
- NoncurrentVersionExpiration (NoncurrentDays, NewerNoncurrentVersions): versions that have been
  noncurrent long enough are deleted for good.
- AbortIncompleteMultipartUpload (DaysAfterInitiation).
- Transitions / NoncurrentVersionTransitions: the storage class changes.

Like S3, a rule counts days from the object's creation (or from when it became noncurrent) and
acts at the next midnight UTC after that many days. The sweep runs just after each midnight UTC
on the runtime's clock, so tests move the manual clock instead of waiting.

The lifecycle configuration operations (Put/Get/DeleteBucketLifecycle[Configuration], with
S3's validation of the rules) are at the end of this module.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from urllib.parse import quote

from nuvem.context import Call
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of, http_date
from nuvem.services.s3.config import STATUS, filter_members, new_id, one_of, save
from nuvem.services.s3.errors import (InvalidArgument, InvalidRequest, MalformedXML,
                                      NoSuchLifecycleConfiguration)
from nuvem.services.s3.models import Bucket, S3Object, Upload

log = logging.getLogger("nuvem.s3")


def due(start: datetime, days: int) -> datetime:
    """`days` after `start`, rounded up to midnight UTC, as S3 schedules lifecycle actions."""
    moment = start.astimezone(timezone.utc) + timedelta(days=days)
    midnight = datetime.combine(moment.date(), time(0), tzinfo=timezone.utc)
    return midnight if midnight == moment else midnight + timedelta(days=1)


def _filter(rule: dict):
    """A predicate on (key, size, tags) for the rule's Filter (or legacy Prefix)."""
    spec = rule.get("Filter")
    if spec is None:
        spec = {"Prefix": rule.get("Prefix", "")}
    both = spec.get("And") or {}
    prefix = spec.get("Prefix", both.get("Prefix", "")) or ""
    tags = both.get("Tags") or ([spec["Tag"]] if spec.get("Tag") else [])
    above = spec.get("ObjectSizeGreaterThan", both.get("ObjectSizeGreaterThan"))
    below = spec.get("ObjectSizeLessThan", both.get("ObjectSizeLessThan"))

    def matches(key: str, size: int, object_tags: dict) -> bool:
        return (key.startswith(prefix)
                and all(object_tags.get(t["Key"]) == t.get("Value", "") for t in tags)
                and (above is None or size > above) and (below is None or size < below))
    return matches


def _enabled_rules(bucket: Bucket) -> list[dict]:
    return [r for r in (bucket.config.get("Lifecycle") or {}).get("Rules") or []
            if r.get("Status") == "Enabled"]


def expiration(bucket: Bucket, obj: S3Object) -> dict:
    """{"Expiration": ...} for a current version that an enabled Expiration rule (Days or Date)
    applies to, else {}: what PutObject, CopyObject, CompleteMultipartUpload, GetObject and
    HeadObject send as `x-amz-expiration` ("expiry-date" the earliest such rule's date, its
    "rule-id" URL-encoded, as the PutObject reference describes)."""
    earliest = None
    for rule in _enabled_rules(bucket):
        when = _expiry(rule.get("Expiration") or {}, obj.last_modified)
        if when is not None and (earliest is None or when < earliest[0]) and \
                _filter(rule)(obj.key, obj.size, obj.tags):
            earliest = (when, rule.get("ID", ""))
    if earliest is None:
        return {}
    return {"Expiration": f'expiry-date="{http_date(earliest[0])}", '
                          f'rule-id="{quote(earliest[1], safe="")}"'}


def abort_rule(bucket: Bucket, key: str, tags: dict, initiated: datetime) -> dict:
    """AbortDate and AbortRuleId (CreateMultipartUpload, ListParts) of an upload an enabled
    AbortIncompleteMultipartUpload rule applies to: the earliest, as `sweep` acts on it."""
    earliest = None
    for rule in _enabled_rules(bucket):
        days = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
        if days is None or not _filter(rule)(key, 0, tags):
            continue
        when = due(initiated, days)
        if earliest is None or when < earliest[0]:
            earliest = (when, rule.get("ID", ""))
    return {} if earliest is None else {"AbortDate": earliest[0], "AbortRuleId": earliest[1]}


def sweep(runtime) -> int:
    """Apply every bucket's enabled rules once; returns how many actions were taken."""
    actions = 0
    with runtime.store.read() as view:
        names = [b.name for b in view.query(Bucket) if b.config.get("Lifecycle")]
    for name in names:
        try:
            with runtime.store.tx() as tx:
                bucket = tx.get(Bucket, name)
                if bucket is None:
                    continue
                actions += _apply(Call.by_service(runtime, tx, "s3", "LifecycleSweep"), bucket)
        except Exception:
            log.exception("lifecycle sweep of bucket %s failed", name)
    return actions


def _apply(ctx: Call, bucket: Bucket) -> int:
    from nuvem.services.s3.multipart import discard_upload
    from nuvem.services.s3.objects import delete_one
    now = ctx.now
    count = 0
    for rule in _enabled_rules(bucket):
        matches = _filter(rule)
        expiration = rule.get("Expiration") or {}
        noncurrent = rule.get("NoncurrentVersionExpiration") or {}
        abort = rule.get("AbortIncompleteMultipartUpload") or {}
        transitions = rule.get("Transitions") or []
        key, newer, became_noncurrent = None, 0, None
        for obj in list(ctx.store.query(S3Object, prefix=(bucket.name,))):
            if obj.key != key:               # the key's current version
                key, newer, became_noncurrent = obj.key, 0, obj.last_modified
                if not matches(obj.key, obj.size, obj.tags):
                    continue
                if obj.delete_marker:
                    if expiration.get("ExpiredObjectDeleteMarker") and \
                            ctx.store.count(S3Object, prefix=(bucket.name, obj.key)) == 1:
                        ctx.store.delete(obj)
                        count += 1
                    continue
                if _expired(expiration, obj.last_modified, now):
                    delete_one(ctx, bucket, obj.key, None, {"BypassGovernanceRetention": False})
                    count += 1
                    continue
                for step in transitions:
                    if _expired(step, obj.last_modified, now) and \
                            obj.storage_class != step.get("StorageClass"):
                        obj.storage_class = step["StorageClass"]
                        ctx.store.put(obj)
                        count += 1
                continue
            if not matches(obj.key, obj.size, obj.tags):
                continue
            # a noncurrent version: noncurrent since its successor was written
            since, became_noncurrent = became_noncurrent, obj.last_modified
            newer += 1
            days = noncurrent.get("NoncurrentDays")
            keep = noncurrent.get("NewerNoncurrentVersions")
            if days is not None and now >= due(since, days) and (keep is None or newer > keep):
                ctx.store.delete(obj)
                count += 1
        days = abort.get("DaysAfterInitiation")
        if days is not None:
            for upload in list(ctx.store.query(Upload, prefix=(bucket.name,))):
                if matches(upload.key, 0, upload.tags) and now >= due(upload.initiated, days):
                    discard_upload(ctx, upload)
                    count += 1
    return count


def _expired(spec: dict, created: datetime, now: datetime) -> bool:
    when = _expiry(spec, created)
    return when is not None and now >= when


def _expiry(spec: dict, created: datetime) -> datetime | None:
    """When an Expiration or Transition (`Days` or `Date`) acts on a version created then."""
    if spec.get("Days") is not None:
        return due(created, spec["Days"])
    if spec.get("Date") is not None:
        date = spec["Date"]
        if isinstance(date, str):
            date = datetime.fromisoformat(date.replace("Z", "+00:00"))
        return date if date.tzinfo else date.replace(tzinfo=timezone.utc)
    return None


# --- lifecycle configuration: validation and the Put/Get/Delete operations -----------------------

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


def _has_tags(filt: dict | None) -> bool:
    return bool(filt) and bool(filt.get("Tag") or (filt.get("And") or {}).get("Tags"))


def _check_lifecycle_rule(rule: dict, ids: set, ctx: Call) -> None:
    one_of(rule.get("Status"), STATUS)
    filt = rule.get("Filter")
    if (filt is None) == (rule.get("Prefix") is None):
        raise MalformedXML()
    if filt is not None:
        filter_members(filt, ("Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan",
                               "And"))
        keys = [t.get("Key") for t in (filt.get("And") or {}).get("Tags") or []]
        if len(keys) != len(set(keys)):
            raise InvalidRequest("Duplicate Tag Keys are not allowed.")
    rule_id = rule.get("ID")
    if rule_id is None:
        rule["ID"] = rule_id = new_id(ctx)
    if len(rule_id) > 255:
        raise InvalidArgument("ID length should not exceed allowed limit of 255",
                              ArgumentName="ID", ArgumentValue=rule_id)
    if rule_id in ids:
        raise InvalidArgument("Rule ID must be unique. Found same ID for more than one rule",
                              ArgumentName="ID", ArgumentValue=rule_id)
    ids.add(rule_id)
    # an action given empty is malformed, not missing (LocalStack's AWS-validated
    # test_put_bucket_lifecycle_conf_exc: a NoncurrentVersionExpiration without NoncurrentDays)
    if not any(rule.get(a) is not None for a in _ACTIONS):
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
        one_of(transition.get("StorageClass"), _TRANSITION_CLASSES)
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
        one_of(transition.get("StorageClass"), _TRANSITION_CLASSES)
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
    one_of(size, ("varies_by_storage_class", "all_storage_classes_128K"))
    save(ctx, bucket, "Lifecycle", {"Rules": rules, "TransitionDefaultMinimumObjectSize": size})
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
    save(ctx, bucket_of(ctx, req["Bucket"]), "Lifecycle", None)
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
    save(ctx, bucket, "Lifecycle", {"Rules": _check_lifecycle(ctx, rules),
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
