"""Event notifications: the notification configuration (PutBucketNotificationConfiguration and the
deprecated PutBucketNotification, their Gets), `EVENTS`, `event_matches`, and delivery.

Delivery ("Amazon S3 Event Notifications", "Event message structure"): each object event that
matches a configuration (event name, prefix/suffix filter) becomes one outbox event per
destination, committed with the call; the dispatcher then sends it through the internal client
as the `s3.amazonaws.com` service principal with aws:SourceArn = the bucket and
aws:SourceAccount = its owner, so the queue's or topic's policy decides, as in AWS. Saving a
configuration sends `s3:TestEvent` to each destination at once and refuses destinations S3
cannot publish to (unless SkipDestinationValidation).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import quote_plus

from nuvem.context import Call
from nuvem.core.internal import service_principal
from nuvem.errors import AwsError
from nuvem.protocol.quirks import host_id
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of
from nuvem.services.s3.config import new_id, save
from nuvem.services.s3.errors import InvalidArgument, MalformedXML
from nuvem.services.s3.events import Notification

S3_PRINCIPAL = "s3.amazonaws.com"


def _destinations(config: dict):
    """(ARN, configuration) of every destination in a notification configuration."""
    for member, arn_member, *_ in _DESTINATIONS:
        for item in config.get(member) or []:
            yield item[arn_member], item


def _matches(item: dict, event_name: str, key: str) -> bool:
    if not any(event_matches(p, "s3:" + event_name) for p in item.get("Events") or []):
        return False
    for rule in ((item.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []:
        name, value = (rule.get("Name") or "").lower(), rule.get("Value") or ""
        if (name == "prefix" and not key.startswith(value)) or \
                (name == "suffix" and not key.endswith(value)):
            return False
    return True


def notify(ctx: Call, bucket, event_name: str, obj,
           restore_expiry: datetime | None = None) -> None:
    """Queue the event message for each destination whose configuration matches
    (`restore_expiry`: when the copy an ObjectRestore:Completed event announces expires)."""
    config = bucket.config.get("Notification") or {}
    if not config:
        return
    for arn, item in _destinations(config):
        if _matches(item, event_name, obj.key):
            record = _record(ctx, bucket, event_name, obj, item)
            if restore_expiry is not None:      # S3 itself completes a restore
                record["userIdentity"] = {"principalId": "AmazonCustomer:" + bucket.account}
                record["glacierEventData"] = {"restoreEventData": {
                    "lifecycleRestorationExpiryTime": _iso(restore_expiry),
                    "lifecycleRestoreStorageClass": obj.storage_class}}
            body = json.dumps({"Records": [record]})
            ctx.emit(Notification(destination=arn, bucket=bucket.name,
                                  bucket_account=bucket.account, region=bucket.region, body=body,
                                  trace_header=ctx.request.headers.get("x-amzn-trace-id") or ""))


_SUBRESOURCE_EVENTS = ("ObjectTagging:", "ObjectAcl:")


def _record(ctx: Call, bucket, event_name: str, obj, item: dict) -> dict:
    principal = ctx.principal
    who = "AWS:" + principal.user_id if principal and principal.kind not in ("anonymous", "service") \
        else ("Amazon-S3" if principal and principal.kind == "service" else "anonymous")
    # the key URL-encoded as S3 sends it; the sequencer orders events of one key (hex)
    described = {"key": quote_plus(obj.key, safe="/")}
    if event_name.startswith(_SUBRESOURCE_EVENTS):     # message version 2.3: key and ETag only
        version = "2.3"
        described["eTag"] = obj.etag.strip('"')
    else:
        version = "2.1"
        described["sequencer"] = format(int(ctx.now.timestamp() * 1e6), "018X")
        if not event_name.startswith("ObjectRemoved"):
            described.update({"size": obj.size, "eTag": obj.etag.strip('"')})
    if obj.version_id != "null":
        described["versionId"] = obj.version_id
    return {
        "eventVersion": version, "eventSource": "aws:s3", "awsRegion": bucket.region,
        "eventTime": _iso(ctx.now),
        "eventName": event_name, "userIdentity": {"principalId": who},
        "requestParameters": {"sourceIPAddress": ctx.request.client_ip},
        "responseElements": {"x-amz-request-id": ctx.request_id,
                             "x-amz-id-2": host_id(ctx.request_id)},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": item.get("Id", ""),
               "bucket": {"name": bucket.name, "arn": bucket.arn,
                          "ownerIdentity": {"principalId": bucket.account}},
               "object": described},
    }


def _send(runtime, destination: str, bucket_name: str, bucket_account: str, region: str,
          body: str, trace_header: str = "") -> None:
    """One message to one destination, through the front door; raises the target's error."""
    parts = destination.split(":")
    if len(parts) < 6:
        raise InvalidArgument("Invalid ARN", ArgumentName=destination)
    service, target_region, account, name = parts[2], parts[3], parts[4], parts[5]
    common = {"principal": service_principal(S3_PRINCIPAL), "account": account,
              "region": target_region, "source_arn": f"arn:aws:s3:::{bucket_name}",
              "source_account": bucket_account}
    from nuvem import services
    if service not in services.REGISTRY:
        raise AwsError(f"Nuvem does not deliver S3 notifications to {service} yet",
                       code="InvalidArgument")
    if service == "sqs":
        message = {"QueueUrl": f"http://sqs.{target_region}.localhost/{account}/{name}",
                   "MessageBody": body}
        if trace_header:
            message["MessageSystemAttributes"] = {"AWSTraceHeader": {
                "DataType": "String", "StringValue": trace_header}}
        runtime.internal.call("sqs", "SendMessage", message, **common)
    elif service == "sns":
        runtime.internal.call("sns", "Publish", {
            "TopicArn": destination, "Message": body,
            "Subject": "Amazon S3 Notification"}, **common)
    else:
        raise AwsError(f"Nuvem does not deliver S3 notifications to {service} yet",
                       code="InvalidArgument")


def deliver(runtime, event: Notification) -> None:
    """The dispatcher's handler: a failure is retried with backoff, then dead-lettered."""
    _send(runtime, event.destination, event.bucket, event.bucket_account, event.region,
          event.body, event.trace_header)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _test_destinations(ctx: Call, bucket, config: dict) -> None:
    """Send `s3:TestEvent` to each destination; refuse the configuration naming every one that
    failed (ArgumentName1, ArgumentValue1, ...) with why."""
    failed = {}
    for arn, _ in _destinations(config):
        body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
                           "Time": _iso(ctx.now),
                           "Bucket": bucket.name, "RequestId": ctx.request_id,
                           "HostId": host_id(ctx.request_id)})
        try:
            _send(ctx.runtime, arn, bucket.name, bucket.account, bucket.region, body)
        except AwsError as e:
            failed[arn] = _UNDELIVERABLE.get(e.code, "Permissions on the destination do not "
                                                     "allow S3 to publish notifications from "
                                                     "this bucket")
    if failed:
        fields = {}
        for n, (arn, why) in enumerate(failed.items(), 1):
            fields[f"ArgumentName{n}"], fields[f"ArgumentValue{n}"] = arn, why
        raise InvalidArgument("Unable to validate the following destination configurations",
                              **fields)


_UNDELIVERABLE = {"QueueDoesNotExist": "The destination queue does not exist"}


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
# (list member, ARN member, service in the ARN, the destination's name in S3's errors)
_DESTINATIONS = (("TopicConfigurations", "TopicArn", "sns", "Topic"),
                 ("QueueConfigurations", "QueueArn", "sqs", "Queue"),
                 ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda", "CloudFunction"))


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
    for member, arn_member, service, destination in _DESTINATIONS:
        for config in cfg.get(member) or []:
            arn = config.get(arn_member) or ""
            if not re.fullmatch(rf"arn:aws[a-z-]*:{service}:[a-z0-9-]+:\d{{12}}:.+", arn):
                raise InvalidArgument("The ARN could not be parsed", ArgumentName=destination,
                                      ArgumentValue=arn)
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
            stored.setdefault("Id", new_id(ctx))
            out.setdefault(member, []).append(stored)
    if cfg.get("EventBridgeConfiguration") is not None:
        out["EventBridgeConfiguration"] = {}
    return out


@SERVICE.op("PutBucketNotificationConfiguration")
def put_bucket_notification_configuration(ctx: Call, req: dict) -> dict:
    bucket = bucket_of(ctx, req["Bucket"])
    cfg = _check_notification(ctx, req.get("NotificationConfiguration") or {})
    if cfg and not req.get("SkipDestinationValidation"):
        _test_destinations(ctx, bucket, cfg)
    save(ctx, bucket, "Notification", cfg or None)
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
    save(ctx, bucket, "Notification", cfg or None)
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
