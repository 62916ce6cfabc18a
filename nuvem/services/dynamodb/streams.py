"""DynamoDB Streams, the writing side: the change records a table's writes leave, written in the
write's own transaction (`record_change`), and the streams a table's StreamSpecification turns on
and off. The reading API (ListStreams, GetRecords, ...) is the dynamodbstreams service.

A stream has one shard. Sequence numbers are a per-stream counter started at the stream's
creation time in microseconds (times 100), so they increase across a table's successive streams
too. Records are kept 24 hours: the periodic sweep (`trim`, run by ttl.sweep) drops older ones
from the front of each stream, and forgets disabled streams once they are empty of readable
records.
"""
from __future__ import annotations

from datetime import timedelta

from nuvem.services.dynamodb import ttl
from nuvem.services.dynamodb.models import Stream, StreamRecord, Table
from nuvem.services.dynamodb.values import item_size

RETENTION = timedelta(hours=24)
# The API's Identity shape (Lambda's event form spells it {"type", "principalId"})
SERVICE_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


def stream_key(stream: Stream) -> str:
    return f"{stream.table}/{stream.label}"


def sequence_text(seq: int) -> str:
    """SequenceNumber: a numeric string, fixed width so text order is number order."""
    return f"{seq:021d}"


def _label(ctx, table: Table) -> str:
    """LatestStreamLabel: the creation time in ISO form with milliseconds, made unique per table
    (two enablings in one millisecond on a manual clock)."""
    when = ctx.now
    while True:
        label = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}"
        if ctx.store.get(Stream, table.account, table.region, table.name, label) is None:
            return label
        when += timedelta(milliseconds=1)


def enable(ctx, table: Table, view_type: str) -> Stream:
    """A new stream for `table` (the caller puts the table)."""
    label = _label(ctx, table)
    first = int(ctx.now.timestamp() * 1_000_000) * 100
    stream = Stream(account=table.account, region=table.region, table=table.name, label=label,
                    table_id=table.id, view_type=view_type, created=ctx.now,
                    key_schema=list(table.key_schema), first_seq=first, next_seq=first,
                    trimmed=first - 1)
    ctx.store.put(stream)
    table.stream = {"StreamEnabled": True, "StreamViewType": view_type}
    table.stream_label = label
    return stream


def disable(ctx, table: Table) -> None:
    """Closes the table's stream (its shard gets an EndingSequenceNumber); LatestStreamArn stays."""
    stream = ctx.store.get(Stream, table.account, table.region, table.name, table.stream_label)
    if stream is not None and stream.enabled:
        stream.enabled = False
        stream.disabled = ctx.now
        ctx.store.put(stream)
    table.stream = None


def record_change(ctx, table: Table, old: dict | None, new: dict | None, *,
                  service_delete: bool = False) -> None:
    """Called in the write's transaction for every item change of `table` (old/new: the item's
    attributes before and after, None for an insert or a delete). Keeps the TTL index in step and
    appends a stream record when the table has a stream (none for a write that changed nothing,
    as DynamoDB Streams)."""
    ttl.track(ctx, table, old, new)
    if not table.stream or old == new or (old is None and new is None):
        return
    stream = ctx.store.get(Stream, table.account, table.region, table.name, table.stream_label)
    if stream is None or not stream.enabled:
        return
    item = new if new is not None else old
    keys = {k["AttributeName"]: item[k["AttributeName"]] for k in table.key_schema
            if k["AttributeName"] in item}
    view = stream.view_type
    body: dict = {"Keys": keys}
    if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = new
    if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = old
    body["SizeBytes"] = item_size(keys) + item_size(body.get("NewImage") or {}) + \
        item_size(body.get("OldImage") or {})
    body["StreamViewType"] = view
    event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    seq = stream.next_seq
    ctx.store.put(StreamRecord(account=stream.account, region=stream.region,
                               stream=stream_key(stream), seq=seq, event_id=ctx.ids.hex(32),
                               event_name=event, created=ctx.now.replace(microsecond=0),
                               dynamodb=body, service=service_delete))
    stream.next_seq = seq + 1
    ctx.store.put(stream)


def wire_record(record: StreamRecord) -> dict:
    """A record as GetRecords answers it."""
    body = dict(record.dynamodb)
    body["ApproximateCreationDateTime"] = record.created
    body["SequenceNumber"] = sequence_text(record.seq)
    out = {"eventID": record.event_id, "eventName": record.event_name, "eventVersion": "1.1",
           "eventSource": "aws:dynamodb", "awsRegion": record.region, "dynamodb": body}
    if record.service:
        out["userIdentity"] = dict(SERVICE_IDENTITY)
    return out


def trim(runtime) -> int:
    """Drops records older than 24 hours, and disabled streams with nothing left to read. Looks
    at the front of each stream on a snapshot first, so it writes nothing when nothing is old."""
    now = runtime.clock.now()
    cutoff = now - RETENTION
    dropped = 0
    with runtime.store.read() as read:
        due = []
        for stream in read.query(Stream):
            first = next(iter(read.query(StreamRecord, account=stream.account,
                                         region=stream.region, prefix=(stream_key(stream),),
                                         limit=1)), None)
            if (first is not None and first.created < cutoff) or (
                    first is None and stream.disabled is not None and stream.disabled < cutoff):
                due.append(stream)
    for stream in due:
        dropped += _trim_stream(runtime, stream, cutoff)
    return dropped


def _trim_stream(runtime, stream: Stream, cutoff) -> int:
    key = stream_key(stream)
    dropped = 0
    while True:
        with runtime.store.tx() as tx:
            current = tx.get(Stream, stream.account, stream.region, stream.table, stream.label)
            if current is None:
                return dropped
            old = [r for r in tx.query(StreamRecord, account=stream.account,
                                       region=stream.region, prefix=(key,), limit=500)
                   if r.created < cutoff]
            for record in old:
                tx.delete(record)
                current.trimmed = max(current.trimmed, record.seq)
            dropped += len(old)
            if current.disabled is not None and current.disabled < cutoff and \
                    tx.count(StreamRecord, account=stream.account, region=stream.region,
                             prefix=(key,)) == 0:
                tx.delete(current)          # a closed stream with nothing left to read
                return dropped
            if old:
                tx.put(current)
        if len(old) < 500:
            return dropped
