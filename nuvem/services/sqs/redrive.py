"""Dead-letter queues: ListDeadLetterSourceQueues and message move tasks (the "redrive" of a
dead-letter queue back to its sources or to another queue). A receive moves a message whose
receive count reached the source's maxReceiveCount (messages.py, `_Receiver.offer`).

A move task without MaxNumberOfMessagesPerSecond moves the whole queue inside
StartMessageMoveTask (AWS's "system optimized" rate; ListMessageMoveTasks then shows it
COMPLETED). One with a rate stays RUNNING: the periodic job `advance_tasks` (every second on
Nuvem's clock, so the manual clock drives it too) moves what the rate allows since it started,
until the messages counted at its start are moved or the queue is empty, unless
CancelMessageMoveTask stops it first. A task survives a restart: it is a record.
"""
from __future__ import annotations

import base64
import binascii
import json

from nuvem.context import Call
from nuvem.services.sqs import SERVICE
from nuvem.services.sqs.errors import InvalidParameterValue, ResourceNotFoundException
from nuvem.services.sqs.messages import move
from nuvem.services.sqs.models import Message, MoveTask, Queue
from nuvem.services.sqs.queues import by_arn, by_url, url_of, us


MAX_LISTED = 10         # move tasks ListMessageMoveTasks can show per source


def _sources(ctx: Call, dlq: Queue) -> list[Queue]:
    out = []
    for q in ctx.store.query(Queue, account=dlq.account, region=dlq.region):
        policy = q.attributes.get("RedrivePolicy")
        if policy and json.loads(policy).get("deadLetterTargetArn") == dlq.arn:
            out.append(q)
    return out


@SERVICE.op("ListDeadLetterSourceQueues")
def list_dead_letter_source_queues(ctx: Call, req: dict) -> dict:
    dlq = by_url(ctx, req["QueueUrl"])
    limit = req.get("MaxResults")
    if limit is not None and not 1 <= limit <= 1000:
        raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid. "
                                    "Reason: Must be between 1 and 1000, if provided.")
    sources = _sources(ctx, dlq)
    token = req.get("NextToken")
    if token:
        sources = [q for q in sources if q.name > token]
    out: dict = {}
    if limit and len(sources) > limit:
        sources = sources[:limit]
        out["NextToken"] = sources[-1].name
    out["queueUrls"] = [url_of(ctx, q) for q in sources]
    return out


def _task_handle(task_id: str, source_arn: str) -> str:
    """AWS's form (the API reference's examples): base64 of {"taskId", "sourceArn"}."""
    return base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source_arn},
                                       separators=(",", ":")).encode()).decode()


def _read_handle(handle: str) -> tuple[str, str]:
    try:
        doc = json.loads(base64.b64decode(handle, validate=True))
        return str(doc["taskId"]), str(doc["sourceArn"])
    except (ValueError, binascii.Error, TypeError, KeyError):
        raise InvalidParameterValue("Value for parameter TaskHandle is invalid.") from None


def _not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"The resource that you specified for the {name} "
                                     "parameter doesn't exist.")


@SERVICE.op("StartMessageMoveTask")
def start_message_move_task(ctx: Call, req: dict) -> dict:
    source = by_arn(ctx, req["SourceArn"])
    if source is None:
        raise _not_found("SourceArn")
    if not _sources(ctx, source):
        raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
    destination = None
    if req.get("DestinationArn"):
        destination = by_arn(ctx, req["DestinationArn"])
        if destination is None:
            raise _not_found("DestinationArn")
    rate = req.get("MaxNumberOfMessagesPerSecond")
    if rate is not None and not 1 <= rate <= 500:
        raise InvalidParameterValue(f"Value {rate} for parameter MaxNumberOfMessagesPerSecond "
                                    "is invalid. Reason: Must be between 1 and 500.")
    earlier = list(ctx.store.query(MoveTask, account=source.account, region=source.region,
                                   prefix=(source.arn,)))
    if any(t.status == "RUNNING" for t in earlier):
        raise InvalidParameterValue("There is already a task running. Only one active task is "
                                    "allowed for a source queue arn at a given time.")
    # ListMessageMoveTasks shows a source's 10 newest: older ones go, so the periodic job's
    # scan of all tasks stays small
    for old in sorted(earlier, key=lambda t: -t.started)[MAX_LISTED - 1:]:
        ctx.store.delete(old)
    to_move = sum(1 for _ in ctx.store.query(Message, account=source.account,
                                             region=source.region, prefix=(source.id,),
                                             fields=("seq",)))
    task = MoveTask(account=source.account, region=source.region, source=source.arn,
                    handle=_task_handle(ctx.ids.uuid(), source.arn), destination=req.get("DestinationArn"),
                    started=us(ctx.now) // 1000, status="RUNNING", to_move=to_move, rate=rate)
    if rate is None:
        _advance(ctx, task, source, to_move)
    ctx.store.put(task)
    return {"TaskHandle": task.handle}


def _advance(ctx: Call, task: MoveTask, source: Queue, limit: int) -> None:
    """Move up to `limit` of the source's oldest messages: to the task's destination, or each
    back to the queue it was dead-lettered from. A destination gone fails the task."""
    destination = None
    if task.destination:
        destination = by_arn(ctx, task.destination)
        if destination is None:
            task.status, task.failure = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
            return
    messages = list(ctx.store.query(Message, account=source.account, region=source.region,
                                    prefix=(source.id,), limit=limit)) if limit > 0 else []
    targets: dict[str, Queue | None] = {}
    for m in messages:
        target = destination
        if target is None:
            arn = m.dead_letter_source or ""
            if arn not in targets:
                targets[arn] = by_arn(ctx, arn) if arn else None
            target = targets[arn]
        if target is None:
            continue
        m.receive_count = 0
        move(ctx, m, source, target, dead_letter=False)
        task.moved += 1
    # A task without a rate is done after its one pass, even when some messages had no source
    # queue to go back to (they stay; the periodic job only paces tasks that have a rate)
    if task.moved >= task.to_move or len(messages) < limit or task.rate is None:
        task.status = "COMPLETED"


def advance_tasks(runtime) -> int:
    """The periodic job (services.PERIODIC "sqs.move_tasks"): each RUNNING task moves what its
    rate allows since it started. Returns how many messages moved."""
    with runtime.store.read() as read:
        running = [(t.account, t.region, t.source, t.handle) for t in read.query(MoveTask)
                   if t.status == "RUNNING"]
    moved = 0
    for key in running:
        with runtime.store.tx() as tx:
            task = tx.get(MoveTask, *key)
            if task is None or task.status != "RUNNING":
                continue                       # cancelled meanwhile
            ctx = Call.by_service(runtime, tx, "sqs", "MessageMoveTask", account=task.account,
                                  region=task.region)
            source = by_arn(ctx, task.source)
            before = task.moved
            if source is None:
                task.status, task.failure = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
            else:
                elapsed = us(ctx.now) // 1000 - task.started
                allowed = min(task.to_move, task.rate * elapsed // 1000)
                _advance(ctx, task, source, allowed - task.moved)
            moved += task.moved - before
            tx.put(task)
    return moved


@SERVICE.op("ListMessageMoveTasks")
def list_message_move_tasks(ctx: Call, req: dict) -> dict:
    source = by_arn(ctx, req["SourceArn"])
    if source is None:
        raise _not_found("SourceArn")
    limit = req.get("MaxResults") or 1
    if not 1 <= limit <= MAX_LISTED:
        raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid. "
                                    "Reason: Must be between 1 and 10, if provided.")
    tasks = sorted(ctx.store.query(MoveTask, account=source.account, region=source.region,
                                   prefix=(source.arn,)), key=lambda t: -t.started)[:limit]
    results = []
    for t in tasks:
        item = {"Status": t.status, "SourceArn": t.source,
                "ApproximateNumberOfMessagesMoved": t.moved,
                "ApproximateNumberOfMessagesToMove": t.to_move, "StartedTimestamp": t.started}
        if t.status == "RUNNING":
            item["TaskHandle"] = t.handle
        if t.destination:
            item["DestinationArn"] = t.destination
        if t.rate:
            item["MaxNumberOfMessagesPerSecond"] = t.rate
        if t.failure:
            item["FailureReason"] = t.failure
        results.append(item)
    return {"Results": results}


@SERVICE.op("CancelMessageMoveTask")
def cancel_message_move_task(ctx: Call, req: dict) -> dict:
    task_id, source_arn = _read_handle(req["TaskHandle"])
    source = by_arn(ctx, source_arn)
    if source is None:
        raise _not_found("SourceArn")
    task = ctx.store.get(MoveTask, source.account, source.region, source.arn,
                         _task_handle(task_id, source.arn))
    if task is None or task.status != "RUNNING":
        raise ResourceNotFoundException("Task does not exist.")
    task.status = "CANCELLED"
    ctx.store.put(task)
    return {"ApproximateNumberOfMessagesMoved": task.moved}


# -- retention ------------------------------------------------------------------------------------
def sweep(runtime) -> int:
    """The periodic job (services.PERIODIC "sqs.retention"): deletes messages past their queue's
    retention period (receives also drop the ones they meet) and expired FIFO deduplication and
    receive-attempt entries. Reads on a snapshot, deletes in small transactions, so calls go on."""
    from nuvem.services.sqs.models import DeletedQueue, Dedup, ReceiveAttempt
    now = runtime.clock.now()
    now_us = us(now)
    removed = 0
    with runtime.store.read() as read:
        queues = list(read.query(Queue))
    for queue in queues:
        retention = queue.int_attr("MessageRetentionPeriod") * 1_000_000
        with runtime.store.read() as read:
            expired = [(Message, m.account, m.region, m.queue_id, m.ready, m.seq)
                       for m in read.query(Message, account=queue.account, region=queue.region,
                                           prefix=(queue.id,)) if m.sent + retention <= now_us]
        removed += _delete_keys(runtime, expired)
    with runtime.store.read() as read:
        stale = [(Dedup, d.account, d.region, d.queue_id, d.dedup_key)
                 for d in read.query(Dedup) if d.expires <= now]
        stale += [(ReceiveAttempt, a.account, a.region, a.queue_id, a.attempt_id)
                  for a in read.query(ReceiveAttempt) if a.expires <= now]
        stale += [(DeletedQueue, d.account, d.region, d.name)
                  for d in read.query(DeletedQueue) if (now - d.deleted).total_seconds() > 60]
    _delete_keys(runtime, stale)
    return removed


def _delete_keys(runtime, keys: list[tuple]) -> int:
    done = 0
    for start in range(0, len(keys), 500):
        with runtime.store.tx() as tx:
            for cls, *key in keys[start:start + 500]:
                done += bool(tx.delete(cls, *key))
    return done
