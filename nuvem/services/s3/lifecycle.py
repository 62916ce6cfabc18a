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
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone

from nuvem.context import Call, Principal
from nuvem.protocol.wire import HttpRequest
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


def _system_call(runtime, tx) -> Call:
    now = runtime.clock.now()
    call = Call(request=HttpRequest.build("POST", "/"), runtime=runtime,
                request_id=runtime.ids.request_id(), received_at=now, service="s3",
                operation="LifecycleSweep",
                principal=Principal("service", "", "s3.amazonaws.com", "s3.amazonaws.com"))
    call.tx = tx
    return call


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
                actions += _apply(_system_call(runtime, tx), bucket)
        except Exception:
            log.exception("lifecycle sweep of bucket %s failed", name)
    return actions


def _apply(ctx: Call, bucket: Bucket) -> int:
    from nuvem.services.s3.multipart import discard_upload
    from nuvem.services.s3.objects import delete_one
    now = ctx.now
    rules = [r for r in (bucket.config.get("Lifecycle") or {}).get("Rules") or []
             if r.get("Status") == "Enabled"]
    count = 0
    for rule in rules:
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
    if spec.get("Days") is not None:
        return now >= due(created, spec["Days"])
    if spec.get("Date") is not None:
        date = spec["Date"]
        if isinstance(date, str):
            date = datetime.fromisoformat(date.replace("Z", "+00:00"))
        return now >= (date if date.tzinfo else date.replace(tzinfo=timezone.utc))
    return False
