"""Queues: create, find, list, delete, attributes, tags, purge, and the queue policy the
authorizer consults (`resource_view`, as S3's bucket policy in s3/access.py)."""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta

from nuvem.context import Call
from nuvem.errors import AwsError
from nuvem.iam.actions import action_info
from nuvem.iam.middleware import ResourceView
from nuvem.services.sqs import SERVICE
from nuvem.services.sqs.errors import (InvalidAddress, InvalidAttributeName,
                                       InvalidAttributeValue, InvalidParameterValue,
                                       PurgeQueueInProgress, QueueDeletedRecently,
                                       QueueDoesNotExist, QueueNameExists)
from nuvem.services.sqs.models import Dedup, DeletedQueue, Message, Queue

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
_BARE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}(\.fifo)?")
_ACCOUNT = re.compile(r"\d{12}")
_QUEUE_ARN = re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?")
# attribute -> (min, max) for the integer ones
_RANGES = {
    "DelaySeconds": (0, 900), "MaximumMessageSize": (1024, 1048576),
    "MessageRetentionPeriod": (60, 1209600), "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43200), "KmsDataKeyReusePeriodSeconds": (60, 86400),
}
DEFAULTS = {"DelaySeconds": "0", "MaximumMessageSize": "262144",
            "MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": "0",
            "VisibilityTimeout": "30", "SqsManagedSseEnabled": "true"}
FIFO_DEFAULTS = {"FifoQueue": "true", "ContentBasedDeduplication": "false",
                 "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}
SETTABLE = set(_RANGES) | {"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
                           "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication",
                           "DeduplicationScope", "FifoThroughputLimit"}
_FIFO_ONLY = {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
COMPUTED = ("QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp")
READABLE = set(COMPUTED) | SETTABLE


def us(when: datetime) -> int:
    """Microseconds since the epoch: message keys and timestamps."""
    return int(when.timestamp() * 1_000_000)


# -- finding queues ------------------------------------------------------------------------------
def parse_url(ctx: Call, url: str) -> tuple[str, str]:
    """(account, name) of a QueueUrl in any host form: the last two path segments. SQS also
    takes a bare queue name there, for the caller's own account."""
    if _BARE_NAME.fullmatch(url):
        return ctx.account, url
    path = url.split("?", 1)[0].rstrip("/")
    parts = path.split("/")
    if len(parts) < 2 or not parts[-1]:
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    account, name = parts[-2], parts[-1]
    if not (account.isdigit() and len(account) == 12):
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    return account, name


def _no_such_queue(ctx: Call) -> QueueDoesNotExist:
    # the query protocol's answer still names the WSDL of the clients that speak it
    return QueueDoesNotExist("The specified queue does not exist for this wsdl version."
                             if ctx.protocol == "query" else None)


def by_url(ctx: Call, url: str, *, shared: bool = False) -> Queue:
    """The queue a QueueUrl names, or QueueDoesNotExist. `shared`: the caller never changes it,
    so it may be the instance other calls hold too (`store.get_shared`): a standard queue's
    SendMessage then decodes no queue record."""
    account, name = parse_url(ctx, url)
    seen = ctx.memo.get(("sqs.Queue", account, ctx.region, name))
    if seen is not None and seen[0] is ctx.tx:     # read by `resource_view` in this transaction
        return seen[1] if shared else _own(seen[1])
    queue = (ctx.store.get_shared if shared else ctx.store.get)(Queue, account, ctx.region, name)
    if queue is None:
        raise _no_such_queue(ctx)
    return queue


def _own(queue: Queue) -> Queue:
    """A copy of a shared queue record that the caller may change (its attributes are its only
    mutable field)."""
    return dataclasses.replace(queue, attributes=dict(queue.attributes))


def by_arn(ctx: Call, arn: str) -> Queue | None:
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        return None
    return ctx.store.get(Queue, parts[4], parts[3], parts[5])


def url_of(ctx: Call, queue: Queue) -> str:
    """AWS's form, on the host the client used, so AWS_ENDPOINT_URL clients can use it."""
    host = ctx.request.host
    if not host:
        return f"https://sqs.{queue.region}.amazonaws.com/{queue.account}/{queue.name}"
    return f"{ctx.request.scheme}://{host}/{queue.account}/{queue.name}"


# -- attributes ----------------------------------------------------------------------------------
def _invalid(name: str, reason: str = "") -> InvalidAttributeValue:
    tail = f" Reason: {reason}" if reason else ""
    return InvalidAttributeValue(f"Invalid value for the parameter {name}.{tail}")


def validate_attributes(ctx: Call, attributes: dict, fifo: bool, creating: bool,
                        arn: str = "") -> dict:
    out = {}
    for name, value in attributes.items():
        if name not in SETTABLE:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        value = str(value)
        if name in _RANGES:
            low, high = _RANGES[name]
            if not re.fullmatch(r"-?\d+", value.strip()) or not low <= int(value) <= high:
                raise _invalid(name)
            value = str(int(value))
        elif name in ("SqsManagedSseEnabled", "ContentBasedDeduplication", "FifoQueue"):
            if value.lower() not in ("true", "false"):
                raise _invalid(name)
            value = value.lower()
            if name == "FifoQueue":
                if not creating:    # a standard queue does not know the attribute at all
                    if not fifo:
                        raise InvalidAttributeName(f"Unknown Attribute {name}.")
                    raise _invalid(name, "Modifying queue type is not supported.")
                if (value == "true") != fifo:
                    raise _invalid(name, "The queue name must end with the .fifo suffix for a "
                                   "FIFO queue." if value == "true" else "")
        elif name == "DeduplicationScope" and value not in ("messageGroup", "queue"):
            raise _invalid(name)
        elif name == "FifoThroughputLimit" and value not in ("perQueue", "perMessageGroupId"):
            raise _invalid(name)
        elif name == "Policy" and value:
            _json_object(name, value)
        elif name == "RedrivePolicy" and value:
            value = _redrive_policy(ctx, value, fifo, arn)
        elif name == "RedriveAllowPolicy" and value:
            _redrive_allow_policy(value)
        if name in _FIFO_ONLY and not fifo:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        out[name] = value
    if out.get("KmsMasterKeyId") and out.get("SqsManagedSseEnabled") == "true":
        raise InvalidAttributeName("You can use one type of server-side encryption (SSE) at one "
                                   "time. You can either enable KMS SSE or SQS SSE.")
    if out.get("KmsMasterKeyId"):       # KMS SSE takes the place of SQS SSE (on by default)
        out["SqsManagedSseEnabled"] = "false"
    if out.get("FifoThroughputLimit") == "perMessageGroupId" and \
            out.get("DeduplicationScope", "messageGroup") == "queue" and \
            "DeduplicationScope" in out:
        raise _invalid("FifoThroughputLimit", "The perMessageGroupId value is allowed only when "
                       "the value for DeduplicationScope is messageGroup.")
    return out


def _json_object(name: str, value: str) -> dict:
    try:
        doc = json.loads(value)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise _invalid(name)
    return doc


def _redrive_policy(ctx: Call, value: str, fifo: bool, source_arn: str) -> str:
    doc = _json_object("RedrivePolicy", value)
    target, count = doc.get("deadLetterTargetArn"), doc.get("maxReceiveCount")

    def bad(reason: str) -> InvalidParameterValue:
        # a policy SQS cannot read, in these words (the queues it names are checked after)
        return InvalidParameterValue(f"Value {value} for parameter RedrivePolicy is invalid. "
                                     f"Reason: {reason}")
    if not target or count is None:
        raise bad("Redrive policy does not contain mandatory attribute: "
                  f"{'deadLetterTargetArn' if not target else 'maxReceiveCount'}.")
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = doc.get("maxReceiveCount")
    if not isinstance(count, int) or not 1 <= count <= 1000:
        raise bad(f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 "
                  "both inclusive.")
    if not _QUEUE_ARN.fullmatch(str(target)):   # refused before any lookup
        raise bad("Invalid value for deadLetterTargetArn.")
    dlq = by_arn(ctx, str(target))
    if dlq is None:
        raise _invalid("RedrivePolicy", "Dead letter target does not exist.")
    if dlq.fifo != fifo:
        raise _invalid("RedrivePolicy", "Dead-letter queue must be same type of queue as the "
                       "source.")
    allow = json.loads(dlq.attributes.get("RedriveAllowPolicy") or "{}")
    permission = allow.get("redrivePermission", "allowAll")
    if permission == "denyAll" or (permission == "byQueue" and
                                   source_arn not in (allow.get("sourceQueueArns") or [])):
        raise _invalid("RedrivePolicy", "Dead letter target does not allow this queue to use it "
                       "as a dead-letter queue (RedriveAllowPolicy).")
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count},
                      separators=(",", ":"))


def _redrive_allow_policy(value: str) -> None:
    doc = _json_object("RedriveAllowPolicy", value)
    permission, sources = doc.get("redrivePermission"), doc.get("sourceQueueArns")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise _invalid("RedriveAllowPolicy")
    # sourceQueueArns: 1 to 10 queues, and only with byQueue (SQS API reference)
    if (permission == "byQueue") != bool(sources) or len(sources or ()) > 10:
        raise _invalid("RedriveAllowPolicy")


def _epoch(when: datetime) -> str:
    return str(int(when.timestamp()))


def counts(ctx: Call, queue: Queue) -> tuple[int, int, int]:
    """(visible, in flight, delayed), as the Approximate* attributes count them. The one scan of
    a queue's messages; SQS calls these numbers approximate, and only this call reads them."""
    now = us(ctx.now)
    retention = queue.int_attr("MessageRetentionPeriod") * 1_000_000
    visible = in_flight = delayed = 0
    # three fields of each, read by SQLite: decoding whole messages cost ten times as much, and
    # pollers call this on deep queues
    for m in ctx.store.query(Message, account=queue.account, region=queue.region,
                             prefix=(queue.id,), fields=("ready", "sent", "receipt")):
        if m.sent + retention <= now:
            continue
        if m.ready <= now:
            visible += 1
        elif m.receipt:
            in_flight += 1
        else:
            delayed += 1
    return visible, in_flight, delayed


def attributes_of(ctx: Call, queue: Queue, names: list[str]) -> dict:
    wanted = set(names)
    if "All" in wanted:
        wanted = READABLE
    else:
        for name in names:
            if name not in READABLE:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
    out = {k: v for k, v in queue.attributes.items() if k in wanted and v != ""}
    if wanted & {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"}:
        visible, in_flight, delayed = counts(ctx, queue)
        computed = {"ApproximateNumberOfMessages": visible,
                    "ApproximateNumberOfMessagesNotVisible": in_flight,
                    "ApproximateNumberOfMessagesDelayed": delayed}
        out.update({k: str(v) for k, v in computed.items() if k in wanted})
    if "QueueArn" in wanted:
        out["QueueArn"] = queue.arn
    if "CreatedTimestamp" in wanted:
        out["CreatedTimestamp"] = _epoch(queue.created)
    if "LastModifiedTimestamp" in wanted:
        out["LastModifiedTimestamp"] = _epoch(queue.modified)
    return out


# -- operations ----------------------------------------------------------------------------------
def _not_at_a_queue_url(ctx: Call) -> None:
    """CreateQueue and ListQueues are the service endpoint's, never a queue URL's (the query
    protocol's old clients send other actions there)."""
    if ctx.request.path not in ("", "/"):
        raise AwsError(f"The action {ctx.operation} is not valid for this endpoint.",
                       code="InvalidAction")


@SERVICE.op("CreateQueue")
def create_queue(ctx: Call, req: dict) -> dict:
    _not_at_a_queue_url(ctx)
    name = req["QueueName"]
    given = req.get("Attributes") or {}
    fifo = name.endswith(".fifo")
    # the .fifo suffix goes with FifoQueue=true, never alone
    if fifo and str(given.get("FifoQueue", "false")).lower() != "true":
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or "
                                    "underscores. 1 to 80 in length")
    if not (_FIFO_NAME if fifo else _NAME).match(name):
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or "
                                    "underscores. 1 to 80 in length")
    if str(given.get("FifoQueue", "false")).lower() == "true" and not fifo:
        raise InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length.")
    chosen = validate_attributes(ctx, given, fifo, creating=True,
                                 arn=f"arn:aws:sqs:{ctx.region}:{ctx.account}:{name}")
    attributes = {**DEFAULTS, **(FIFO_DEFAULTS if fifo else {}), **chosen}
    existing = ctx.store.get(Queue, ctx.account, ctx.region, name)
    if existing is not None:   # the same queue again: the attributes given must match
        for key, value in chosen.items():
            if existing.attributes.get(key) != value:
                raise QueueNameExists("A queue already exists with the same name and a "
                                      f"different value for attribute {key}")
        return {"QueueUrl": url_of(ctx, existing)}
    deleted = ctx.store.get(DeletedQueue, ctx.account, ctx.region, name)
    if deleted is not None and ctx.now - deleted.deleted < timedelta(seconds=60):
        raise QueueDeletedRecently()
    queue = Queue(account=ctx.account, region=ctx.region, name=name, id=ctx.ids.new("q"),
                  created=ctx.now, modified=ctx.now, attributes=attributes)
    ctx.store.put(queue)
    tags = req.get("tags") or {}
    if tags:
        ctx.store.tag(queue.arn, tags)
    return {"QueueUrl": url_of(ctx, queue)}


@SERVICE.op("GetQueueUrl")
def get_queue_url(ctx: Call, req: dict) -> dict:
    account = req.get("QueueOwnerAWSAccountId") or ctx.account
    queue = ctx.store.get(Queue, account, ctx.region, req["QueueName"])
    if queue is None:
        raise _no_such_queue(ctx)
    return {"QueueUrl": url_of(ctx, queue)}


@SERVICE.op("ListQueues")
def list_queues(ctx: Call, req: dict) -> dict:
    _not_at_a_queue_url(ctx)
    limit = req.get("MaxResults")
    if limit is not None and not 1 <= limit <= 1000:
        raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid. "
                                    "Reason: Must be between 1 and 1000, if provided.")
    token = req.get("NextToken")
    kwargs = {"start_after": (token,)} if token else {}
    prefix = req.get("QueueNamePrefix") or None
    found = list(ctx.store.query(Queue, account=ctx.account, region=ctx.region,
                                 startswith=prefix, limit=(limit + 1) if limit else 1000,
                                 **kwargs))
    out: dict = {}
    if limit and len(found) > limit:
        found = found[:limit]
        out["NextToken"] = found[-1].name
    if found:
        out["QueueUrls"] = [url_of(ctx, q) for q in found]
    return out


def _delete_messages(ctx: Call, queue: Queue) -> None:
    for m in ctx.store.query(Message, account=queue.account, region=queue.region,
                             prefix=(queue.id,)):
        ctx.store.delete(m)


@SERVICE.op("DeleteQueue")
def delete_queue(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    _delete_messages(ctx, queue)
    ctx.store.delete(queue)
    ctx.store.put(DeletedQueue(account=queue.account, region=queue.region, name=queue.name,
                               deleted=ctx.now))
    ctx.runtime.waiters.notify(queue.wait_key)
    return {}


@SERVICE.op("PurgeQueue")
def purge_queue(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    if queue.purged_at is not None and ctx.now - queue.purged_at < timedelta(seconds=60):
        raise PurgeQueueInProgress(f"Only one PurgeQueue operation on {queue.name} is allowed "
                                   "every 60 seconds.")
    _delete_messages(ctx, queue)
    if queue.fifo:      # a purged FIFO queue takes its deduplication ids again at once
        for seen in ctx.store.query(Dedup, account=queue.account, region=queue.region,
                                    prefix=(queue.id,)):
            ctx.store.delete(seen)
    queue.purged_at = ctx.now
    ctx.store.put(queue)
    return {}


@SERVICE.op("GetQueueAttributes")
def get_queue_attributes(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    names = req.get("AttributeNames") or []
    attributes = attributes_of(ctx, queue, names)
    # names asked for and none set (a removed Policy): an empty map, as SQS's JSON answer has
    return {"Attributes": attributes} if attributes or names else {}


@SERVICE.op("SetQueueAttributes")
def set_queue_attributes(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    changes = validate_attributes(ctx, req.get("Attributes") or {}, queue.fifo, creating=False,
                                  arn=queue.arn)
    for key, value in changes.items():
        if value == "" and key in ("Policy", "RedrivePolicy", "RedriveAllowPolicy"):
            queue.attributes.pop(key, None)
        else:
            queue.attributes[key] = value
    queue.modified = ctx.now
    ctx.store.put(queue)
    return {}


@SERVICE.op("TagQueue")
def tag_queue(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    tags = req.get("Tags") or {}
    if len(set(ctx.store.tags(queue.arn)) | set(tags)) > 50:
        raise InvalidParameterValue("Too many tags added for queue " + queue.name + ".")
    ctx.store.tag(queue.arn, tags)
    return {}


@SERVICE.op("UntagQueue")
def untag_queue(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    ctx.store.untag(queue.arn, req.get("TagKeys") or [])
    return {}


@SERVICE.op("ListQueueTags")
def list_queue_tags(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    return {"Tags": ctx.store.tags(queue.arn)}     # an empty map when untagged, as in SQS's JSON


@SERVICE.op("AddPermission")
def add_permission(ctx: Call, req: dict) -> dict:
    """Adds a statement to the queue policy, as SQS does (Label is the statement's Sid)."""
    queue = by_url(ctx, req["QueueUrl"])
    policy = json.loads(queue.attributes.get("Policy") or "null") or {
        "Version": "2008-10-17", "Id": f"{queue.arn}/SQSDefaultPolicy", "Statement": []}
    label = req["Label"]
    if any(s.get("Sid") == label for s in policy["Statement"]):
        raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: "
                                    "Already exists.")
    actions = [f"SQS:{a}" for a in req["Actions"]]
    for action in req["Actions"]:   # SQS's policy actions (no batch names: they have none)
        if action != "*" and action_info(f"sqs:{action}") is None:
            raise InvalidParameterValue(f"Value SQS:{action} for parameter ActionName is "
                                        "invalid. Reason: Please refer to the appropriate WSDL "
                                        "for a list of valid actions.")
    for account in req["AWSAccountIds"]:
        if not _ACCOUNT.fullmatch(account):
            raise InvalidParameterValue(f"Value {account} for parameter PrincipalId is invalid. "
                                        "Reason: Unable to verify principal.")
    principals = [f"arn:aws:iam::{a}:root" for a in req["AWSAccountIds"]]
    policy["Statement"].append({
        "Sid": label, "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": actions[0] if len(actions) == 1 else actions, "Resource": queue.arn})
    queue.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
    queue.modified = ctx.now
    ctx.store.put(queue)
    return {}


@SERVICE.op("RemovePermission")
def remove_permission(ctx: Call, req: dict) -> dict:
    queue = by_url(ctx, req["QueueUrl"])
    policy = json.loads(queue.attributes.get("Policy") or "null")
    label = req["Label"]
    if not policy or not any(s.get("Sid") == label for s in policy.get("Statement", [])):
        where = " on existing policy" if policy else ""   # a queue without a policy: no "on"
        raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: "
                                    f"can't find label{where}.")
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != label]
    if policy["Statement"]:
        queue.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
    else:
        queue.attributes.pop("Policy", None)
    queue.modified = ctx.now
    ctx.store.put(queue)
    return {}


# -- authorization: the queue policy ---------------------------------------------------------------
def resource_view(call: Call, access) -> ResourceView | None:
    """The queue's owner and policy, so cross-account callers and service principals
    (sns.amazonaws.com, s3.amazonaws.com with aws:SourceArn) are decided by the queue policy."""
    arn = access.resources[0] if access.resources else ""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs" or not parts[5] or "*" in arn:
        return None
    _, _, _, region, account, name = parts
    if call.tx is not None:         # shared: only read here (`by_url` copies it for a writer)
        queue = call.tx.get_shared(Queue, account, region, name)
        if queue is not None:       # the handler's `by_url` takes it from here
            call.memo[("sqs.Queue", account, region, name)] = (call.tx, queue)
    else:
        with call.runtime.store.read() as read:   # authorization runs before the transaction
            queue = read.get(Queue, account, region, name)
    if queue is None:
        return ResourceView(account=account, exists=False)   # the handler says QueueDoesNotExist
    policy = queue.attributes.get("Policy")
    return ResourceView(account=account, policy=(f"queue-policy:{arn}", policy) if policy else None)


SERVICE.resource_view = resource_view


def owner_of(call: Call) -> tuple[str, bool] | None:
    """The queue a message operation's QueueUrl names: its owner and whether it has a policy."""
    try:
        account, name = parse_url(call, call.params.get("QueueUrl") or "")
    except AwsError:
        return None
    key = ("sqs.Queue", account, call.region, name)
    seen = call.memo.get(key)
    queue = seen[1] if seen is not None and seen[0] is call.tx else None
    if queue is None:
        queue = (call.tx.get_shared(Queue, account, call.region, name)   # see resource_view
                 if call.tx is not None else None)
        if queue is None:
            return None
        call.memo[key] = (call.tx, queue)          # `by_url` takes it from here
    return queue.account, "Policy" in queue.attributes


SERVICE.owner_of = owner_of
SERVICE.owner_ops = frozenset({
    "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes"})


# The QueueUrl rule of the SQS entry in iam/data/actions/_overrides.json.
_URL_TAIL = re.compile(r"/(?P<Account>\d{12})/(?P<QueueName>[^/?]+)/?$")
_QUEUE_ACTIONS = {"SendMessage": "sqs:SendMessage", "SendMessageBatch": "sqs:SendMessage",
                  "ReceiveMessage": "sqs:ReceiveMessage", "DeleteMessage": "sqs:DeleteMessage",
                  "DeleteMessageBatch": "sqs:DeleteMessage",
                  "ChangeMessageVisibility": "sqs:ChangeMessageVisibility",
                  "ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
                  "GetQueueAttributes": "sqs:GetQueueAttributes"}


def queue_accesses(call: Call) -> list | None:
    """A message operation's one access, to the queue its QueueUrl names: what the generic reading
    of the reference data gives (no condition keys of their own), without its cost, which is a
    third of an SNS delivery's. The generic reading would also take any parameter that looks
    like a queue ARN (a message body) for the resource; the QueueUrl is what SQS acts on."""
    from nuvem.iam.actions import Access
    url = str(call.params.get("QueueUrl") or "")
    if _BARE_NAME.fullmatch(url):       # see parse_url
        account, name = call.account, url
    elif found := _URL_TAIL.search(url):
        account, name = found["Account"], found["QueueName"]
    else:
        return None         # the generic reading (and then the handler's InvalidAddress)
    region = call.region
    partition = ("aws-cn" if region.startswith("cn-") else
                 "aws-us-gov" if region.startswith("us-gov-") else "aws")
    arn = f"arn:{partition}:sqs:{region}:{account}:{name}"
    return [Access(_QUEUE_ACTIONS[call.operation], [arn], {})]


SERVICE.accesses_of = dict.fromkeys(_QUEUE_ACTIONS, queue_accesses)
