"""ListStreams, DescribeStream, GetShardIterator, GetRecords over the stream records DynamoDB
writes (services/dynamodb/streams.py).

Each stream has one shard. A shard iterator is an opaque string holding the stream, the shard,
the position (read records after this sequence number) and when it was issued: it expires 15
minutes later, as DynamoDB Streams' do.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone

from nuvem.context import Call
from nuvem.services.dynamodb.models import Stream, StreamRecord
from nuvem.services.dynamodb.streams import RETENTION, sequence_text, stream_key, wire_record
from nuvem.services.dynamodbstreams import SERVICE
from nuvem.services.dynamodbstreams.errors import (ExpiredIteratorException,
                                                   ResourceNotFoundException,
                                                   TrimmedDataAccessException,
                                                   ValidationException)

ITERATOR_LIFETIME = timedelta(minutes=15)
MAX_RECORDS = 1000
MAX_STREAMS = 100           # a ListStreams page (not in the model: "The upper limit is 100")


def _parse_stream_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, table, label) of a stream ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "dynamodb":
        return None
    resource = parts[5].split("/")
    if len(resource) != 4 or resource[0] != "table" or resource[2] != "stream":
        return None
    return parts[3], parts[4], resource[1], resource[3]


def _stream(ctx: Call, arn: str) -> Stream:
    parsed = _parse_stream_arn(arn)
    if parsed is None:
        raise ValidationException(f"Invalid StreamArn: {arn}")
    region, account, table, label = parsed
    stream = ctx.store.get(Stream, account, region, table, label)
    if stream is None:
        raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")
    return stream


def shard_id(stream: Stream) -> str:
    digest = hashlib.sha1(stream.arn.encode()).hexdigest()[:8]
    return f"shardId-{int(stream.created.timestamp() * 1000):020d}-{digest}"


def _last_seq(stream: Stream) -> int:
    return max(stream.first_seq, stream.next_seq - 1)


def _limit(req: dict, maximum: int) -> int:
    """The request's Limit (the maximum if none), refused above the maximum in the front end's
    words."""
    limit = req.get("Limit") or maximum
    if limit > maximum:
        raise ValidationException(f"1 validation error detected: Value '{limit}' at 'limit' "
                                  "failed to satisfy constraint: Member must have value less "
                                  f"than or equal to {maximum}")
    return limit


# -- ListStreams / DescribeStream ----------------------------------------------------------------
@SERVICE.op("ListStreams")
def list_streams(ctx: Call, req: dict) -> dict:
    limit = _limit(req, MAX_STREAMS)
    kwargs: dict = {}
    table = req.get("TableName")
    if table:
        kwargs["prefix"] = (table,)
    start = req.get("ExclusiveStartStreamArn")
    if start:
        parsed = _parse_stream_arn(start)
        if parsed is None:
            raise ValidationException(f"Invalid StreamArn: {start}")
        kwargs["start_after"] = (parsed[2], parsed[3])
    found = list(ctx.store.query(Stream, account=ctx.account, region=ctx.region,
                                 limit=limit + 1, **kwargs))
    out: dict = {"Streams": [{"StreamArn": s.arn, "TableName": s.table, "StreamLabel": s.label}
                             for s in found[:limit]]}
    if len(found) > limit:
        out["LastEvaluatedStreamArn"] = found[limit - 1].arn
    return out


@SERVICE.op("DescribeStream")
def describe_stream(ctx: Call, req: dict) -> dict:
    stream = _stream(ctx, req["StreamArn"])
    numbers = {"StartingSequenceNumber": sequence_text(max(stream.first_seq, stream.trimmed + 1))}
    if not stream.enabled:
        numbers["EndingSequenceNumber"] = sequence_text(_last_seq(stream))
    shards = [{"ShardId": shard_id(stream), "SequenceNumberRange": numbers}]
    if req.get("ExclusiveStartShardId"):
        shards = []                     # the one shard is always the first
    return {"StreamDescription": {
        "StreamArn": stream.arn, "StreamLabel": stream.label,
        "StreamStatus": "ENABLED" if stream.enabled else "DISABLED",
        "StreamViewType": stream.view_type, "CreationRequestDateTime": stream.created,
        "TableName": stream.table, "KeySchema": stream.key_schema, "Shards": shards}}


# -- iterators -----------------------------------------------------------------------------------
def _iterator(ctx: Call, stream: Stream, after: int) -> str:
    state = {"s": stream_key(stream), "p": after, "t": int(ctx.now.timestamp() * 1000)}
    blob = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()
    return f"{stream.arn}|1|{blob}"


def _read_iterator(ctx: Call, text: str) -> tuple[Stream, int]:
    arn, _, rest = text.partition("|1|")
    try:
        state = json.loads(base64.urlsafe_b64decode(rest.encode()))
        after, issued = int(state["p"]), int(state["t"])
    except (ValueError, KeyError, TypeError):
        raise ValidationException("Invalid ShardIterator: the iterator is malformed.") from None
    stream = _stream(ctx, arn)
    if state.get("s") != stream_key(stream):
        raise ValidationException("Invalid ShardIterator: the iterator is malformed.")
    issued_at = datetime.fromtimestamp(issued / 1000, timezone.utc)
    if ctx.now - issued_at > ITERATOR_LIFETIME:
        raise ExpiredIteratorException()
    return stream, after


def _sequence(req: dict) -> int:
    text = req.get("SequenceNumber")
    if text is None:
        raise ValidationException(f"A SequenceNumber is required for ShardIteratorType "
                                  f"{req['ShardIteratorType']}")
    if not text.isdigit():
        raise ValidationException(f"Invalid SequenceNumber: {text}")
    return int(text)


@SERVICE.op("GetShardIterator")
def get_shard_iterator(ctx: Call, req: dict) -> dict:
    stream = _stream(ctx, req["StreamArn"])
    if req["ShardId"] != shard_id(stream):
        raise ResourceNotFoundException("Requested resource not found: Shard does not exist")
    kind = req["ShardIteratorType"]
    if kind in ("TRIM_HORIZON", "LATEST") and req.get("SequenceNumber") is not None:
        raise ValidationException(f"A SequenceNumber may not be given for ShardIteratorType "
                                  f"{kind}")
    if kind == "TRIM_HORIZON":
        after = stream.trimmed
    elif kind == "LATEST":
        after = stream.next_seq - 1
    elif kind == "AT_TIMESTAMP":
        when = req.get("Timestamp")
        if when is None:
            raise ValidationException("A Timestamp is required for ShardIteratorType "
                                      "AT_TIMESTAMP")
        after = stream.next_seq - 1
        for record in ctx.store.query(StreamRecord, account=stream.account, region=stream.region,
                                      prefix=(stream_key(stream),)):
            if record.created >= when:
                after = record.seq - 1
                break
    else:
        seq = _sequence(req)
        if seq <= stream.trimmed:
            raise TrimmedDataAccessException()
        # the shard's StartingSequenceNumber is a position even before its first record
        if seq < stream.first_seq or seq > max(stream.next_seq - 1, stream.first_seq):
            raise ValidationException(f"Invalid SequenceNumber {req['SequenceNumber']} for "
                                      f"shard {req['ShardId']}: no such record in the shard.")
        after = seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
    return {"ShardIterator": _iterator(ctx, stream, after)}


@SERVICE.op("GetRecords")
def get_records(ctx: Call, req: dict) -> dict:
    stream, after = _read_iterator(ctx, req["ShardIterator"])
    limit = _limit(req, MAX_RECORDS)
    if after < stream.trimmed:
        raise TrimmedDataAccessException()
    key = stream_key(stream)
    cutoff = ctx.now - RETENTION
    records = [r for r in ctx.store.query(StreamRecord, account=stream.account,
                                          region=stream.region, prefix=(key,),
                                          gt=(key, after), limit=limit)
               if r.created >= cutoff]
    if records:
        after = records[-1].seq
    out: dict = {"Records": [wire_record(r) for r in records]}
    if stream.enabled or after < stream.next_seq - 1:
        out["NextShardIterator"] = _iterator(ctx, stream, after)
    return out
