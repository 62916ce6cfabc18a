"""Publish and PublishBatch: validation as SNS does it, FIFO deduplication and sequence numbers,
then the fan-out (delivery.py), made in the call's transaction, or for a big topic one
`Published` event committed with the call that the dispatcher fans out."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta

from nuvem.context import Call
from nuvem.protocol.validate import is_decimal
from nuvem.services.sns import SERVICE, delivery, platform
from nuvem.services.sns.common import own, topic_of
from nuvem.services.sns.errors import (BatchEntryIdsNotDistinct, BatchRequestTooLong,
                                       EmptyBatchRequest, EndpointDisabled, InvalidBatchEntryId,
                                       InvalidParameterValue, SnsError,
                                       TooManyEntriesInBatchRequest, invalid)
from nuvem.services.sns.events import Delivery, Message, Published
from nuvem.services.sns.models import Deduplication, Topic
from nuvem.services.sns.subscriptions import timestamp

MAX_MESSAGE = 256 * 1024          # bytes of message + attributes
MAX_ATTRIBUTES = 10
MAX_BATCH = 10
DEDUP_WINDOW = timedelta(minutes=5)
_ATTR_NAME_CHAR = re.compile(r"[^A-Za-z0-9_.-]")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_GROUP_ID = re.compile(r"[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}")
PHONE_NUMBER = re.compile(r"\+?[0-9]{7,15}")     # what Publish and the opt-out calls take


def _attr_error(text: str) -> SnsError:
    return InvalidParameterValue(text)


def _check_attribute_name(name: str) -> None:
    if len(name.encode()) > 256:
        raise _attr_error("Length of message attribute name must be less than 256 bytes.")
    bad = _ATTR_NAME_CHAR.search(name)
    if bad:
        raise _attr_error(f"Invalid non-alphanumeric character '#x{ord(bad.group()):X}' was found "
                          "in the message attribute name. Can only include alphanumeric "
                          "characters, hyphens, underscores, or dots.")
    for where, found in (("starting", name.startswith(".")), ("ending", name.endswith("."))):
        if found:
            raise _attr_error(f"Invalid message attribute name {where} with character '.' was "
                              "found.")
    if ".." in name:
        raise _attr_error("Message attribute name can not have successive '.' character.")
    if not name or name.lower().startswith(("aws.", "amazon.")):
        raise _attr_error(f"The message attribute name '{name}' is invalid.")


def check_attributes(attributes: dict | None) -> tuple[dict, int]:
    """The message attributes as stored (DataType and one value) and their size in bytes."""
    attributes = attributes or {}
    if len(attributes) > MAX_ATTRIBUTES:
        raise _attr_error(f"Number of message attributes [{len(attributes)}] exceeds the "
                          f"allowed maximum [{MAX_ATTRIBUTES}].")
    out, size = {}, 0
    for name, attr in attributes.items():
        _check_attribute_name(name)
        data_type = attr.get("DataType") or ""
        base, dot, custom = data_type.partition(".")
        if base not in ("String", "Number", "Binary") or (dot and not custom):
            raise _attr_error(f"The message attribute '{name}' has an invalid message attribute "
                              "type, the set of supported type prefixes is Binary, Number, and "
                              "String.")
        field, other = ("BinaryValue", "StringValue") if base == "Binary" else \
            ("StringValue", "BinaryValue")
        if attr.get(field) is None and attr.get(other) is not None:
            raise _attr_error(f"The message attribute '{name}' with type '{base}' must use field "
                              f"'{field.removesuffix('Value')}'.")
        if base == "Binary":
            value = attr.get("BinaryValue")
            if value is None or value == b"":
                raise _attr_error(f"The message attribute '{name}' must contain non-empty "
                                  f"message attribute value for message attribute type "
                                  f"'{data_type}'.")
            raw = value if isinstance(value, bytes) else str(value).encode()
            out[name] = {"DataType": data_type,
                         "BinaryValue": base64.b64encode(raw).decode()}
            size += len(name.encode()) + len(data_type.encode()) + len(raw)
            continue
        value = attr.get("StringValue")
        if value is None or value == "":
            raise _attr_error(f"The message attribute '{name}' must contain non-empty message "
                              f"attribute value for message attribute type '{data_type}'.")
        if base == "Number":
            if not is_decimal(value):
                raise _attr_error(f"Could not cast message attribute '{name}' value to number.")
            if abs(float(value)) > 1e9 or len(value.split(".")[-1]) > 5 and "." in value:
                raise _attr_error(f"Value {value} for message attribute '{name}' is out of range "
                                  "or has too many decimal places.")
        if data_type == "String.Array":
            try:
                items = json.loads(value)
            except ValueError:
                items = None
            if not isinstance(items, list):
                raise _attr_error(f"The message attribute '{name}' with type 'String.Array' has "
                                  "an invalid value: must be a JSON array.")
        out[name] = {"DataType": data_type, "StringValue": value}
        size += len(name.encode()) + len(data_type.encode()) + len(value.encode())
    return out, size


def _check_message(req: dict) -> None:
    message = req.get("Message")
    if message is None or message == "":
        raise invalid("Empty message")
    subject = req.get("Subject")
    if subject is not None:
        if not subject or len(subject) > 100 or "\n" in subject or "\r" in subject or \
                not subject.isprintable() or not subject.isascii():
            raise invalid("Subject")
    structure = req.get("MessageStructure")
    if structure is not None:
        if structure != "json":
            raise invalid("MessageStructure")
        try:
            doc = json.loads(message)
        except ValueError:
            raise invalid("Message Structure - JSON message body failed to parse") from None
        if not isinstance(doc, dict):
            raise invalid("Message Structure - JSON message body failed to parse")
        # an entry that is not a string is ignored: no default, or the protocol gets the default
        if not isinstance(doc.get("default"), str):
            raise invalid("Message Structure - No default entry in JSON message body")


def _check(topic: Topic | None, req: dict) -> dict:
    """Everything SNS checks in a message before publishing it (PublishBatch checks every entry
    before it publishes one); the message attributes as stored."""
    _check_message(req)
    attributes, attr_size = check_attributes(req.get("MessageAttributes"))
    if len(req["Message"].encode()) + attr_size > MAX_MESSAGE:
        raise invalid("Message too long")
    group, dedup = req.get("MessageGroupId"), req.get("MessageDeduplicationId")
    if topic is not None and topic.fifo:
        if not group:
            raise invalid("The MessageGroupId parameter is required for FIFO topics")
        if not _GROUP_ID.fullmatch(group):
            raise invalid("MessageGroupId")
        if not dedup and topic.attributes.get("ContentBasedDeduplication") != "true":
            raise invalid("The topic should either have ContentBasedDeduplication enabled "
                          "or MessageDeduplicationId provided explicitly")
        if dedup and not _GROUP_ID.fullmatch(dedup):
            raise invalid("MessageDeduplicationId")
    elif topic is not None and dedup:
        raise invalid("MessageDeduplicationId Reason: The request includes "
                      "MessageDeduplicationId parameter that is not valid for this topic type")
    return attributes


def _publish(ctx: Call, topic: Topic | None, req: dict, phone: str | None = None) -> dict:
    attributes = _check(topic, req)
    group, dedup = req.get("MessageGroupId"), req.get("MessageDeduplicationId")
    message_id = ctx.ids.uuid()
    message = Message(account=topic.account if topic else ctx.account,
                      region=topic.region if topic else ctx.region,
                      topic=topic.name if topic else "", message_id=message_id,
                      message=req["Message"], timestamp=timestamp(ctx.now),
                      subject=req.get("Subject"), structure=req.get("MessageStructure"),
                      attributes=attributes,
                      trace_header=ctx.request.headers.get("x-amzn-trace-id"))
    if phone is not None:
        ctx.emit(Delivery(subscription="", message=message, phone=phone))
        return {"MessageId": message_id}
    if topic.fifo:
        dedup = dedup or hashlib.sha256(req["Message"].encode()).hexdigest()
        seen = ctx.store.get(Deduplication, topic.account, topic.region, topic.name, dedup)
        if seen is not None and seen.expires > ctx.now:
            return {"MessageId": seen.message_id, "SequenceNumber": seen.sequence}
        topic.sequence += 1
        sequence = f"{topic.sequence:020d}"
        ctx.store.put(topic)
        ctx.store.put(Deduplication(account=topic.account, region=topic.region,
                                    topic=topic.name, dedup_id=dedup, message_id=message_id,
                                    sequence=sequence, expires=ctx.now + DEDUP_WINDOW))
        message.group_id, message.dedup_id, message.sequence = group, dedup, sequence
        _fan_out(ctx, topic, message)
        return {"MessageId": message_id, "SequenceNumber": sequence}
    message.group_id = group
    _fan_out(ctx, topic, message)
    return {"MessageId": message_id}


def _fan_out(ctx: Call, topic: Topic, message: Message) -> None:
    if not delivery.fan_out_in_publish(ctx, topic, message):
        ctx.emit(Published(message=message))


def _publish_to_endpoint(ctx: Call, arn: str, req: dict) -> dict:
    """A mobile push to one device: checked as SNS checks it, then accepted and dropped (no push
    service to hand it to)."""
    endpoint = platform.find_endpoint(ctx.store, arn, "TargetArn")
    if endpoint is None:
        raise invalid("TargetArn Reason: No endpoint found for the target arn specified")
    if endpoint.attributes.get("Enabled") != "true":
        raise EndpointDisabled()
    _check_message(req)
    check_attributes(req.get("MessageAttributes"))
    return {"MessageId": ctx.ids.uuid()}


@SERVICE.op("Publish")
def publish(ctx: Call, req: dict) -> dict:
    # an empty TopicArn is a malformed ARN, not a missing one
    targets = [k for k in ("TopicArn", "TargetArn", "PhoneNumber") if req.get(k) is not None]
    if not targets:
        raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
    if len(targets) > 1:
        raise invalid("TopicArn or TargetArn Reason: Only one of these parameters may be "
                      "specified")
    if targets[0] == "PhoneNumber":
        phone = req["PhoneNumber"]
        if not PHONE_NUMBER.fullmatch(phone):
            raise invalid("PhoneNumber Reason: " + phone + " is not valid to publish to")
        return _publish(ctx, None, req, phone=phone)
    arn = req[targets[0]]
    if ":endpoint/" in arn:
        return _publish_to_endpoint(ctx, arn, req)
    topic = topic_of(ctx, arn, targets[0], shared=True)
    if topic.fifo:      # its sequence counter moves: a record of its own
        topic = own(topic)
    return _publish(ctx, topic, req)


@SERVICE.op("PublishBatch")
def publish_batch(ctx: Call, req: dict) -> dict:
    topic = topic_of(ctx, req["TopicArn"])
    entries = req.get("PublishBatchRequestEntries") or []
    if not entries:
        raise EmptyBatchRequest()
    if len(entries) > MAX_BATCH:
        raise TooManyEntriesInBatchRequest()
    ids = [e.get("Id") or "" for e in entries]
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinct()
    if not all(_BATCH_ID.fullmatch(i) for i in ids):
        raise InvalidBatchEntryId()
    total = sum(len((e.get("Message") or "").encode()) + check_size(e) for e in entries)
    if total > MAX_MESSAGE:
        raise BatchRequestTooLong()
    for entry in entries:   # an entry SNS refuses fails the whole batch
        _check(topic, entry)
    successful, failed = [], []
    for entry in entries:
        try:
            with ctx.runtime.store.tx():     # a savepoint: a failed entry leaves no trace
                result = _publish(ctx, topic, entry)
        except SnsError as e:
            failed.append({"Id": entry["Id"], "Code": e.code, "Message": e.message,
                           "SenderFault": True})
            continue
        # a FIFO entry moved the topic's sequence: the next one must see it
        topic = ctx.store.get(Topic, topic.account, topic.region, topic.name)
        successful.append({"Id": entry["Id"], **result})
    return {"Successful": successful, "Failed": failed}


def check_size(entry: dict) -> int:
    try:
        return check_attributes(entry.get("MessageAttributes"))[1]
    except SnsError:
        return 0
