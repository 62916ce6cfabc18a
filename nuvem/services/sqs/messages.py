"""Messages: send, receive (with long polling), delete, visibility; standard and FIFO queues.

MD5 digests are the ones SQS computes and SDKs verify: MD5OfMessageBody is the hex MD5 of the
body's UTF-8; MD5OfMessageAttributes (and of the system attributes) is the hex MD5 of, for each
attribute in name order, the 4-byte big-endian length and bytes of its name, of its data type,
then one transport byte (1 string/number, 2 binary) and the length and bytes of its value
("Calculating the MD5 message digest for message attributes", SQS developer guide).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import timedelta

from nuvem.context import Call
from nuvem.errors import AwsError, WaitFor
from nuvem.protocol.validate import is_decimal
from nuvem.services.sqs import SERVICE
from nuvem.services.sqs.errors import (BatchEntryIdsNotDistinct, BatchRequestTooLong,
                                       EmptyBatchRequest, InvalidBatchEntryId,
                                       InvalidMessageContents, InvalidParameterValue,
                                       MissingParameter, ReceiptHandleIsInvalid,
                                       TooManyEntriesInBatchRequest, UnsupportedOperation)
from nuvem.services.sqs.models import Dedup, Message, Queue, ReceiveAttempt
from nuvem.services.sqs.queues import by_arn, by_url, us

MAX_VISIBILITY = 43200
DEDUP_WINDOW = timedelta(minutes=5)
FIFO_SCAN_LIMIT = 10_000          # ready messages a FIFO receive looks at to find group heads
_INVALID_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ASCII_VALID = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x80)])   # the ASCII part of the above
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ATTR_NAME = re.compile(r"^[\w\-.]{1,256}$")     # letters and digits of any script: "attr.1øßä"
_FIFO_ID = re.compile(r"[!-~]{1,128}")      # alphanumeric and punctuation
SYSTEM_NAMES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount",
                "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageDeduplicationId",
                "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn")


# -- digests --------------------------------------------------------------------------------------
def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _binary(value) -> bytes:
    return value if isinstance(value, (bytes, bytearray)) else base64.b64decode(value)


def md5_of_attributes(attributes: dict) -> str | None:
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        digest.update(_lp(name.encode()) + _lp(value["DataType"].encode()))
        if value.get("StringValue") is not None:
            digest.update(b"\x01" + _lp(value["StringValue"].encode()))
        else:
            digest.update(b"\x02" + _lp(_binary(value.get("BinaryValue") or b"")))
    return digest.hexdigest()


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode()).hexdigest()


# -- validation -------------------------------------------------------------------------------------
def _bad_value(name: str, value, reason: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Value {value} for parameter {name} is invalid. Reason: {reason}")


def _fifo_id(name: str, value: str | None) -> str | None:
    """MessageGroupId, MessageDeduplicationId or ReceiveRequestAttemptId, checked as SQS does."""
    if value is not None and not _FIFO_ID.fullmatch(value):
        raise _bad_value(name, value, f"{name} can only include alphanumeric and punctuation "
                         "characters. 1 to 128 in length.")
    return value


def _int_param(req: dict, name: str, low: int, high: int, reason: str | None = None):
    value = req.get(name)
    if value is not None and not low <= value <= high:
        raise _bad_value(name, value, reason or f"Must be between {low} and {high}, if provided.")
    return value


def _attributes_size(attributes: dict) -> int:
    """What message attributes add to a message's size: each name, type and value, in bytes
    (SQS counts them against MaximumMessageSize and a batch's limit)."""
    size = 0
    for name, value in attributes.items():
        data_type = value.get("DataType") or ""
        string, binary = value.get("StringValue"), value.get("BinaryValue")
        size += len(name.encode()) + len(data_type.encode())
        if data_type.startswith("Binary"):
            size += len(_binary(binary)) if binary is not None else 0
        elif string is not None:
            size += len(string.encode())
    return size


def _valid_attribute_name(name: str, system: bool = False) -> bool:
    lowered = name.lower()
    return bool(_ATTR_NAME.match(name)) and ".." not in name and not name.startswith(".") and \
        not name.endswith(".") and (system or not (lowered.startswith("aws.") or
                                                   lowered.startswith("amazon.")))


def _check_attributes(attributes: dict, system: bool = False) -> None:
    """Validates message attributes as SQS does."""
    if len(attributes) > 10 and not system:
        raise InvalidParameterValue(f"Number of message attributes [{len(attributes)}] exceeds "
                                    "the allowed maximum [10].")
    for name, value in attributes.items():
        if system and name != "AWSTraceHeader":
            raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        if not _valid_attribute_name(name, system):
            raise InvalidParameterValue(f"Message attribute name '{name}' is invalid.")
        data_type = value.get("DataType") or ""
        base = data_type.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise InvalidParameterValue(f"The type of message (user) attribute '{name}' is "
                                        "invalid. You must use only the following supported "
                                        "type prefixes: Binary, Number, String.")
        string, binary = value.get("StringValue"), value.get("BinaryValue")
        if value.get("StringListValues") or value.get("BinaryListValues"):
            raise UnsupportedOperation("Message attribute list values in SendMessage operation "
                                       "are not supported.")
        if base in ("String", "Number"):
            if string is None or string == "":
                raise InvalidParameterValue(f"Message (user) attribute '{name}' must contain a "
                                            f"non-empty value of type '{data_type}'.")
            if base == "Number" and not is_decimal(string):
                raise InvalidParameterValue(f"Could not cast message attribute '{name}' value "
                                            "to number.")
            if _INVALID_CHARS.search(string):     # the message body's characters only
                raise InvalidParameterValue(f"Message (user) attribute '{name}' value contains "
                                            "invalid characters.")
        else:
            if binary is None or len(_binary(binary)) == 0:
                raise InvalidParameterValue(f"Message (user) attribute '{name}' must contain a "
                                            "non-empty message attribute value for message "
                                            f"attribute type '{data_type}'.")


def _clean(attributes: dict) -> dict:
    out = {}
    for name, value in attributes.items():
        item = {"DataType": value["DataType"]}
        if value.get("StringValue") is not None and not value["DataType"].startswith("Binary"):
            item["StringValue"] = value["StringValue"]
        else:
            item["BinaryValue"] = _binary(value["BinaryValue"])
        out[name] = item
    return out


# -- receipt handles --------------------------------------------------------------------------------
def _handle(m: Message) -> str:
    raw = f"{m.queue_id}|{m.receipt}|{m.id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _find(ctx: Call, queue: Queue, handle: str) -> Message | None:
    """The message the handle names while it is in its latest receive, or None (received again
    since, or deleted). A handle that is not one of ours raises ReceiptHandleIsInvalid."""
    try:
        queue_id, nonce, _ = base64.urlsafe_b64decode(handle.encode()).decode().split("|")
    except (ValueError, binascii.Error, UnicodeError):
        raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid '
                                     "receipt handle.") from None
    if queue_id != queue.id:
        raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid '
                                     "receipt handle.")
    return next(ctx.store.query(Message, account=queue.account, region=queue.region,
                                index=("receipt", nonce), limit=1), None)


# -- sending -------------------------------------------------------------------------------------
_NO_GROUP_ID = "The request must contain the parameter MessageGroupId."
_NO_DEDUPLICATION_ID = ("The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly")


def enqueue(ctx: Call, queue: Queue, entry: dict) -> dict:
    """One message into `queue`, as SendMessage and each SendMessageBatch entry; the caller
    saves a FIFO queue (its sequence counter) and notifies waiters."""
    body = entry.get("MessageBody")
    if body is None or body == "":
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if body.isascii():      # (SNS's JSON envelopes) one bytes.translate: a fifth of the
        data = body.encode()    # regular expression's time on a kilobyte
        if data.translate(None, _ASCII_VALID):
            raise InvalidMessageContents()
    else:
        if _INVALID_CHARS.search(body):     # before encoding: a lone surrogate cannot be
            raise InvalidMessageContents()
        data = body.encode()
    attributes = entry.get("MessageAttributes") or {}
    system = entry.get("MessageSystemAttributes") or {}
    _check_attributes(attributes)
    _check_attributes(system, True)
    size = len(data) + _attributes_size(attributes) + _attributes_size(system)
    limit = queue.int_attr("MaximumMessageSize")
    if size > limit:
        raise InvalidParameterValue(f"One or more parameters are invalid. Reason: Message must "
                                    f"be shorter than {limit} bytes.")
    delay = entry.get("DelaySeconds")
    group = _fifo_id("MessageGroupId", entry.get("MessageGroupId") or None)
    dedup_id = entry.get("MessageDeduplicationId")
    if delay is not None and queue.fifo and delay != 0:   # a FIFO message takes 0, a no-op
        raise _bad_value("DelaySeconds", delay, "The request include parameter that is not "
                         "valid for this queue type.")
    if delay is not None and not queue.fifo:
        _int_param(entry, "DelaySeconds", 0, 900, "DelaySeconds must be >= 0 and <= 900.")
    else:
        delay = queue.int_attr("DelaySeconds")      # a FIFO queue's delay is the queue's
    sequence_number = None
    if queue.fifo:
        if not group:
            raise MissingParameter(_NO_GROUP_ID)
        if _fifo_id("MessageDeduplicationId", dedup_id) is None:
            if queue.attributes.get("ContentBasedDeduplication") != "true":
                raise InvalidParameterValue(_NO_DEDUPLICATION_ID)
            dedup_id = hashlib.sha256(body.encode()).hexdigest()
        key = (f"{group}\x00{dedup_id}" if queue.attributes.get("DeduplicationScope") ==
               "messageGroup" else dedup_id)
        seen = ctx.store.get(Dedup, queue.account, queue.region, queue.id, key)
        if seen is not None and seen.expires > ctx.now:
            return _sent(body, attributes, system, seen.message_id, seen.sequence_number)
        queue.seq += 1
        sequence_number = f"{queue.seq:020d}"
    else:
        if dedup_id is not None:
            raise _bad_value("MessageDeduplicationId", dedup_id, "The request include parameter "
                             "that is not valid for this queue type.")
    # FIFO: the queue's counter (sequence numbers, order). Standard: a random tie-breaker for
    # messages ready in the same microsecond, so a send does not rewrite the queue record.
    seq = queue.seq if queue.fifo else int.from_bytes(ctx.ids.token_bytes(7), "big")
    now = us(ctx.now)
    principal = ctx.principal
    message = Message(
        account=queue.account, region=queue.region, queue_id=queue.id,
        ready=now + delay * 1_000_000, seq=seq, id=ctx.ids.uuid(), body=body,
        md5_body=md5_of_body(body), sent=now,
        sender_id=(principal.user_id if principal else "") or queue.account,
        attributes=_clean(attributes), md5_attributes=md5_of_attributes(attributes),
        system_attributes=_clean(system), md5_system=md5_of_attributes(system),
        group_id=group, dedup_id=dedup_id if queue.fifo else None,
        sequence_number=sequence_number)
    ctx.store.put(message)
    if queue.fifo:
        ctx.store.put(Dedup(account=queue.account, region=queue.region, queue_id=queue.id,
                            dedup_key=key, expires=ctx.now + DEDUP_WINDOW, message_id=message.id,
                            sequence_number=sequence_number))
    return _sent(body, attributes, system, message.id, sequence_number, message)


def _sent(body, attributes, system, message_id, sequence_number,
          stored: Message | None = None) -> dict:
    """SendMessage's answer; `stored`: the message just made, whose digests are computed."""
    out = {"MessageId": message_id,
           "MD5OfMessageBody": stored.md5_body if stored else md5_of_body(body)}
    if attributes:
        out["MD5OfMessageAttributes"] = (stored.md5_attributes if stored else
                                         md5_of_attributes(attributes))
    if system:
        out["MD5OfMessageSystemAttributes"] = (stored.md5_system if stored else
                                               md5_of_attributes(system))
    if sequence_number:
        out["SequenceNumber"] = sequence_number
    return out


@SERVICE.op("SendMessage")
def send_message(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"], shared=True)
    if queue.fifo:      # its sequence counter moves: a record of its own
        queue = by_url(ctx, req["QueueUrl"])
    result = enqueue(ctx, queue, req)
    if queue.fifo:
        ctx.store.put(queue)    # its sequence counter
    ctx.runtime.waiters.notify(queue.wait_key)   # see core/waiters.py: safe before the commit
    return result


def _check_batch(entries: list, what: str) -> None:
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {what} in the request.")
    if len(entries) > 10:
        raise TooManyEntriesInBatchRequest(f"Maximum number of entries per request are 10. You "
                                           f"have sent {len(entries)}.")
    seen = set()
    for entry in entries:
        entry_id = entry.get("Id", "")
        if not _BATCH_ID.match(entry_id):
            raise InvalidBatchEntryId()
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)


def _failure(entry_id: str, error: AwsError) -> dict:
    """A batch entry's failure, with the error's query code as SQS gives it
    (the model's AWS.SimpleQueueService.* codes)."""
    from nuvem.protocol import specs
    code = error.code
    try:
        code = (specs.service_model("sqs").shape_for(code).metadata.get("error") or {}).get(
            "code", code)
    except Exception:   # not a modelled error shape: its code is the wire code
        pass
    return {"Id": entry_id, "SenderFault": error.sender_fault, "Code": code,
            "Message": error.message}


@SERVICE.op("SendMessageBatch")
def send_message_batch(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"], shared=True)
    if queue.fifo:      # as in SendMessage
        queue = by_url(ctx, req["QueueUrl"])
    entries = req.get("Entries") or []
    _check_batch(entries, "SendMessageBatchRequestEntry")
    total = sum(len((e.get("MessageBody") or "").encode()) +
                _attributes_size(e.get("MessageAttributes") or {}) +
                _attributes_size(e.get("MessageSystemAttributes") or {}) for e in entries)
    limit = max(262144, queue.int_attr("MaximumMessageSize"))
    if total > limit:
        raise BatchRequestTooLong(f"Batch requests cannot be longer than {limit} bytes. You have "
                                  f"sent {total} bytes.")
    if queue.fifo:   # a FIFO entry without its ids fails the whole batch, not just itself
        content_based = queue.attributes.get("ContentBasedDeduplication") == "true"
        for entry in entries:
            if not entry.get("MessageGroupId"):
                raise InvalidParameterValue(_NO_GROUP_ID)
            if not entry.get("MessageDeduplicationId") and not content_based:
                raise InvalidParameterValue(_NO_DEDUPLICATION_ID)
    successful, failed = [], []
    for entry in entries:
        try:
            successful.append({"Id": entry["Id"], **enqueue(ctx, queue, entry)})
        except AwsError as error:
            failed.append(_failure(entry["Id"], error))
    if queue.fifo:
        ctx.store.put(queue)
    if successful:
        ctx.runtime.waiters.notify(queue.wait_key)
    return {"Successful": successful, "Failed": failed}


# -- receiving ------------------------------------------------------------------------------------
def _redrive(queue: Queue) -> tuple[str, int] | None:
    policy = queue.attributes.get("RedrivePolicy")
    if not policy:
        return None
    doc = json.loads(policy)
    return doc["deadLetterTargetArn"], int(doc["maxReceiveCount"])


def move(ctx: Call, m: Message, source: Queue, target: Queue, dead_letter: bool) -> None:
    """Move a message to another queue (dead-letter redrive, move tasks): same MessageId, body,
    attributes, sent time and receive count; visible there at once."""
    ctx.store.delete(m)
    target.seq += 1
    m.queue_id, m.seq, m.ready, m.receipt = target.id, target.seq, us(ctx.now), None
    m.account, m.region = target.account, target.region
    if target.fifo:
        m.sequence_number = f"{target.seq:020d}"
    m.dead_letter_source = source.arn if dead_letter else None
    ctx.store.put(m)
    ctx.store.put(target)
    ctx.runtime.waiters.notify(target.wait_key)


def _ready(ctx: Call, queue: Queue, now: int, after: tuple | None, limit: int) -> list[Message]:
    kwargs = {"start_after": after} if after else {}
    return list(ctx.store.query(Message, account=queue.account, region=queue.region,
                                prefix=(queue.id,), lt=(queue.id, now + 1), limit=limit,
                                **kwargs))


class _Receiver:
    """One receive: what it took, and whether it changed anything else (expired messages,
    dead-letter moves), in which case it answers at once instead of waiting."""

    def __init__(self, ctx: Call, queue: Queue, visibility: int):
        self.ctx, self.queue, self.visibility = ctx, queue, visibility
        self.now = us(ctx.now)
        self.retention = queue.int_attr("MessageRetentionPeriod") * 1_000_000
        self.redrive = _redrive(queue)
        self.dlq: Queue | None = None
        self.taken: list[Message] = []
        self.wrote = False

    def offer(self, m: Message) -> bool | None:
        """Take `m` if it may be delivered: True taken, False dropped (expired or moved)."""
        ctx = self.ctx
        if m.sent + self.retention <= self.now:
            ctx.store.delete(m)
            self.wrote = True
            return False
        if self.redrive and m.receive_count >= self.redrive[1]:
            if self.dlq is None:
                self.dlq = by_arn(ctx, self.redrive[0])
            if self.dlq is not None:
                move(ctx, m, self.queue, self.dlq, dead_letter=True)
                self.wrote = True
                return False
        ctx.store.delete(m)
        m.ready = self.now + self.visibility * 1_000_000
        m.receive_count += 1
        m.first_receive = m.first_receive or self.now
        m.received = self.now
        m.receipt = ctx.ids.token_bytes(12).hex()
        ctx.store.put(m)
        self.taken.append(m)
        return True


def _receive_standard(r: _Receiver, count: int) -> None:
    after, seen = None, set()
    while len(r.taken) < count:
        size = count - len(r.taken)
        batch = _ready(r.ctx, r.queue, r.now, after, size)
        for m in batch:
            if m.id in seen:
                continue
            seen.add(m.id)
            r.offer(m)
            if len(r.taken) >= count:
                break
        if len(batch) < size:
            break
        after = (batch[-1].queue_id, batch[-1].ready, batch[-1].seq)


def _receive_fifo(r: _Receiver, count: int) -> None:
    """Groups in the order their first messages became visible; from each, its messages in
    sequence up to the first one not visible (in flight or delayed), which holds back the rest
    of the group (SQS: a receive takes a group's run, not sends interleaved across groups)."""
    ctx, queue = r.ctx, r.queue
    hidden: dict[str, int] = {}     # group -> the lowest sequence of its messages not visible
    for m in ctx.store.query(Message, account=queue.account, region=queue.region,
                             prefix=(queue.id,), ge=(queue.id, r.now + 1),
                             fields=("group_id", "seq")):
        if m.seq < hidden.get(m.group_id, m.seq + 1):
            hidden[m.group_id] = m.seq
    runs: dict[str, list[Message]] = {}
    for m in _ready(ctx, queue, r.now, None, FIFO_SCAN_LIMIT):
        if m.group_id not in hidden or m.seq < hidden[m.group_id]:
            runs.setdefault(m.group_id, []).append(m)
    for run in runs.values():
        run.sort(key=lambda m: m.seq)
    for run in sorted(runs.values(), key=lambda run: (run[0].ready, run[0].seq)):
        for m in run:
            if len(r.taken) >= count:
                return
            r.offer(m)      # taken, or expired / dead-lettered: the group goes on either way


def _message_out(r: _Receiver, m: Message, system_names: set, attribute_names: list) -> dict:
    out = {"MessageId": m.id, "ReceiptHandle": _handle(m), "MD5OfBody": m.md5_body,
           "Body": m.body}
    system = {"SenderId": m.sender_id, "SentTimestamp": str(m.sent // 1000),
              "ApproximateReceiveCount": str(m.receive_count),
              "ApproximateFirstReceiveTimestamp": str((m.first_receive or r.now) // 1000)}
    if m.group_id is not None:
        system["MessageGroupId"] = m.group_id
    if m.dedup_id is not None:
        system["MessageDeduplicationId"] = m.dedup_id
    if m.sequence_number is not None:
        system["SequenceNumber"] = m.sequence_number
    if m.system_attributes.get("AWSTraceHeader"):
        system["AWSTraceHeader"] = m.system_attributes["AWSTraceHeader"]["StringValue"]
    if m.dead_letter_source:
        system["DeadLetterQueueSourceArn"] = m.dead_letter_source
    if "All" not in system_names:
        system = {k: v for k, v in system.items() if k in system_names}
    if system:
        out["Attributes"] = system
    if attribute_names and m.attributes:
        chosen = {}
        for name, value in m.attributes.items():
            for wanted in attribute_names:
                # "Hel.*" is the prefix "Hel" (it takes "Hello" and "Help.Me")
                if wanted in ("All", "*", ".*") or name == wanted or \
                        (wanted.endswith(".*") and name.startswith(wanted[:-2])):
                    chosen[name] = value
                    break
        # names that could select an attribute but select none give an empty map (JSON); names
        # no attribute can have ("AWS.", "..foo") give none
        if chosen or any(wanted in ("All", "*", ".*") or _valid_attribute_name(
                wanted[:-2] if wanted.endswith(".*") else wanted) for wanted in attribute_names):
            out["MessageAttributes"] = chosen
        if chosen:
            out["MD5OfMessageAttributes"] = md5_of_attributes(chosen)
    return out


@SERVICE.op("ReceiveMessage")
def receive_message(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    count = _int_param(req, "MaxNumberOfMessages", 1, 10) or 1
    visibility = _int_param(req, "VisibilityTimeout", 0, MAX_VISIBILITY,
                            "Must be >= 0 and <= 43200, if provided.")
    if visibility is None:
        visibility = queue.int_attr("VisibilityTimeout")
    wait = _int_param(req, "WaitTimeSeconds", 0, 20, "Must be >= 0 and <= 20, if provided.")
    if wait is None:
        wait = queue.int_attr("ReceiveMessageWaitTimeSeconds")
    system_names = set(req.get("AttributeNames") or []) | \
        set(req.get("MessageSystemAttributeNames") or [])
    attribute_names = req.get("MessageAttributeNames") or []
    attempt = req.get("ReceiveRequestAttemptId")
    if queue.fifo:      # a standard queue ignores it
        _fifo_id("ReceiveRequestAttemptId", attempt)
    r = _Receiver(ctx, queue, visibility)
    if queue.fifo and attempt:
        found = _retry(ctx, queue, attempt)
        if found is not None:
            return {"Messages": [_message_out(r, m, system_names, attribute_names)
                                 for m in found]} if found else {}
    if queue.fifo:
        _receive_fifo(r, count)
    else:
        _receive_standard(r, count)
    # Only calls that came through the gateway wait (it catches WaitFor); an internal call has
    # no Host header and answers at once.
    if not r.taken and wait > 0 and not r.wrote and not ctx.last_attempt and ctx.request.host:
        upcoming = next(ctx.store.query(Message, account=queue.account, region=queue.region,
                                        prefix=(queue.id,), gt=(queue.id, r.now), limit=1), None)
        recheck = (upcoming.ready - r.now) / 1_000_000 if upcoming else None
        raise WaitFor(queue.wait_key, wait, recheck)
    if queue.fifo and attempt:
        ctx.store.put(ReceiveAttempt(account=queue.account, region=queue.region,
                                     queue_id=queue.id, attempt_id=attempt,
                                     expires=ctx.now + DEDUP_WINDOW,
                                     handles=[m.receipt for m in r.taken]))
    if not r.taken:
        return {}
    return {"Messages": [_message_out(r, m, system_names, attribute_names) for m in r.taken]}


def _retry(ctx: Call, queue: Queue, attempt: str) -> list[Message] | None:
    """The messages of an earlier receive with this ReceiveRequestAttemptId, if it is recent
    and they are all still in flight under it; None to receive afresh."""
    saved = ctx.store.get(ReceiveAttempt, queue.account, queue.region, queue.id, attempt)
    if saved is None or saved.expires <= ctx.now:
        return None
    found = []
    for nonce in saved.handles:
        m = next(ctx.store.query(Message, account=queue.account, region=queue.region,
                                 index=("receipt", nonce), limit=1), None)
        if m is None or m.ready <= us(ctx.now):
            return None
        found.append(m)
    return found


# -- deleting and visibility -------------------------------------------------------------------------
def _delete(ctx: Call, queue: Queue, handle: str) -> None:
    m = _find(ctx, queue, handle)
    if m is not None and queue.fifo and m.ready <= us(ctx.now):
        # visible again: a FIFO queue refuses the handle (a standard queue deletes)
        raise _bad_value("ReceiptHandle", handle, "The receipt handle has expired.")
    if m is not None:
        ctx.store.delete(m)
        if queue.fifo:
            ctx.runtime.waiters.notify(queue.wait_key)   # its group may go on


@SERVICE.op("DeleteMessage")
def delete_message(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    _delete(ctx, queue, req["ReceiptHandle"])
    return {}


@SERVICE.op("DeleteMessageBatch")
def delete_message_batch(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    entries = req.get("Entries") or []
    _check_batch(entries, "DeleteMessageBatchRequestEntry")
    successful, failed = [], []
    for entry in entries:
        try:
            _delete(ctx, queue, entry["ReceiptHandle"])
            successful.append({"Id": entry["Id"]})
        except AwsError as error:
            failed.append(_failure(entry["Id"], error))
    return {"Successful": successful, "Failed": failed}


def _change_visibility(ctx: Call, queue: Queue, handle: str, timeout) -> None:
    m = _find(ctx, queue, handle)
    now = us(ctx.now)
    if m is None:       # deleted, or received again since
        raise _bad_value("ReceiptHandle", handle, "Message does not exist or is not available "
                         "for visibility timeout change.")
    if m.ready <= now:  # its timeout is over: SQS answers OK and changes nothing
        return
    if timeout is None or not 0 <= timeout <= MAX_VISIBILITY or \
            (now - (m.received or now)) // 1_000_000 + timeout > MAX_VISIBILITY:
        raise _bad_value("VisibilityTimeout", timeout, "Total VisibilityTimeout for the message "
                         f"is beyond the limit [{MAX_VISIBILITY} seconds].")
    ctx.store.delete(m)
    m.ready = now + timeout * 1_000_000
    ctx.store.put(m)
    if timeout == 0:
        ctx.runtime.waiters.notify(queue.wait_key)


@SERVICE.op("ChangeMessageVisibility")
def change_message_visibility(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    _change_visibility(ctx, queue, req["ReceiptHandle"], req.get("VisibilityTimeout"))
    return {}


@SERVICE.op("ChangeMessageVisibilityBatch")
def change_message_visibility_batch(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    entries = req.get("Entries") or []
    _check_batch(entries, "ChangeMessageVisibilityBatchRequestEntry")
    successful, failed = [], []
    for entry in entries:
        try:
            _change_visibility(ctx, queue, entry["ReceiptHandle"], entry.get("VisibilityTimeout"))
            successful.append({"Id": entry["Id"]})
        except AwsError as error:
            failed.append(_failure(entry["Id"], error))
    return {"Successful": successful, "Failed": failed}
