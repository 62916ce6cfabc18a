"""DynamoDB Streams over the wire: the records a table's writes leave (view types, event names,
sequence numbers, AWS's record format), ListStreams, DescribeStream (open and closed shards),
shard iterators (all types, 15-minute expiry) and the 24-hour retention."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.control_fixtures import (advance, dynamodb, fail,  # noqa: F401
                                                      simple_table, streams, table_name)


def with_stream(client, name, view="NEW_AND_OLD_IMAGES", **kwargs):
    table = simple_table(client, name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": view}, **kwargs)
    return table["LatestStreamArn"]


def shard_of(streams, arn):
    return streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]


def read_all(streams, arn, kind="TRIM_HORIZON", **kwargs):
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_of(streams, arn),
                                          ShardIteratorType=kind, **kwargs)["ShardIterator"]
    return streams.get_records(ShardIterator=iterator)


def write_three(dynamodb, name):
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    dynamodb.update_item(TableName=name, Key={"pk": {"S": "k"}},
                         UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"N": "2"}})
    dynamodb.delete_item(TableName=name, Key={"pk": {"S": "k"}})


@pytest.mark.parametrize("view,images", [
    ("KEYS_ONLY", [set(), set(), set()]),
    ("NEW_IMAGE", [{"NewImage"}, {"NewImage"}, set()]),
    ("OLD_IMAGE", [set(), {"OldImage"}, {"OldImage"}]),
    ("NEW_AND_OLD_IMAGES", [{"NewImage"}, {"NewImage", "OldImage"}, {"OldImage"}]),
])
def test_view_types(dynamodb, streams, table_name, view, images):
    arn = with_stream(dynamodb, table_name, view)
    write_three(dynamodb, table_name)
    records = read_all(streams, arn)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record, wanted in zip(records, images):
        body = record["dynamodb"]
        assert body["Keys"] == {"pk": {"S": "k"}}
        assert {"NewImage", "OldImage"} & set(body) == wanted
        assert body["StreamViewType"] == view
    if view == "NEW_AND_OLD_IMAGES":
        assert records[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"}
        assert records[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}


def test_record_format(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name)
    write_three(dynamodb, table_name)
    records = read_all(streams, arn)["Records"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert all(n.isdigit() and len(n) >= 21 for n in numbers)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)
    assert len(set(numbers)) == 3
    assert len({r["eventID"] for r in records}) == 3
    for record in records:
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1"
        assert record["dynamodb"]["SizeBytes"] > 0
        assert abs(record["dynamodb"]["ApproximateCreationDateTime"].timestamp()
                   - time.time()) < 60
        assert "userIdentity" not in record


def test_unchanged_writes_leave_no_record(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name)
    item = {"pk": {"S": "same"}, "v": {"S": "x"}}
    dynamodb.put_item(TableName=table_name, Item=item)
    dynamodb.put_item(TableName=table_name, Item=item)
    dynamodb.delete_item(TableName=table_name, Key={"pk": {"S": "absent"}})
    assert [r["eventName"] for r in read_all(streams, arn)["Records"]] == ["INSERT"]


def test_iterator_types_and_paging(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name, "KEYS_ONLY")
    for i in range(5):
        dynamodb.put_item(TableName=table_name, Item={"pk": {"S": f"k{i}"}})
    shard = shard_of(streams, arn)
    numbers = [r["dynamodb"]["SequenceNumber"] for r in read_all(streams, arn)["Records"]]
    at = read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=numbers[2])["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in at] == ["k2", "k3", "k4"]
    after = read_all(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=numbers[2])["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after] == ["k3", "k4"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="LATEST")["ShardIterator"]
    page = streams.get_records(ShardIterator=latest)
    assert page["Records"] == [] and page["NextShardIterator"]
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "k5"}})
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "k6"}})
    first = streams.get_records(ShardIterator=page["NextShardIterator"], Limit=1)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in first["Records"]] == ["k5"]
    second = streams.get_records(ShardIterator=first["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in second["Records"]] == ["k6"]
    assert streams.get_records(ShardIterator=second["NextShardIterator"])["Records"] == []


def test_iterator_errors(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name)
    shard = shard_of(streams, arn)
    with pytest.raises(ClientError) as e:
        streams.get_shard_iterator(StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                                   ShardIteratorType="TRIM_HORIZON")
    assert fail(e) == ("ResourceNotFoundException", 400,
                       "Requested resource not found: Shard does not exist")
    with pytest.raises(ClientError) as e:
        streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                   ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert fail(e)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator="not-an-iterator")
    assert fail(e)[:2] == ("ValidationException", 400)
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="LATEST")["ShardIterator"]
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=iterator, Limit=1001)
    assert fail(e) == ("ValidationException", 400, "1 validation error detected: Value '1001' "
                       "at 'limit' failed to satisfy constraint: Member must have value less "
                       "than or equal to 1000")
    missing = arn.replace(table_name, "no-such-table")
    with pytest.raises(ClientError) as e:
        streams.describe_stream(StreamArn=missing)
    assert fail(e) == ("ResourceNotFoundException", 400,
                       f"Requested resource not found: Stream: {missing} not found")
    # what is not a stream ARN at all is invalid rather than missing
    garbage = "not-a-stream-arn-but-long-enough-for-the-model"
    for call in (lambda: streams.describe_stream(StreamArn=garbage),
                 lambda: streams.get_shard_iterator(StreamArn=garbage, ShardId=shard,
                                                    ShardIteratorType="LATEST")):
        with pytest.raises(ClientError) as e:
            call()
        assert fail(e) == ("ValidationException", 400, f"Invalid StreamArn: {garbage}")
    for kind in ("TRIM_HORIZON", "LATEST"):
        with pytest.raises(ClientError) as e:
            streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind,
                                       SequenceNumber="000000000000000000001")
        assert fail(e)[:2] == ("ValidationException", 400)


def test_iterator_at_the_start_of_an_empty_shard(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    start = shard["SequenceNumberRange"]["StartingSequenceNumber"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="AT_SEQUENCE_NUMBER",
                                          SequenceNumber=start)["ShardIterator"]
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "k"}})
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["SequenceNumber"] for r in records] == [start]


def test_list_streams(dynamodb, streams, table_name):
    arns = [with_stream(dynamodb, f"{table_name}-{i}") for i in range(3)]
    mine = streams.list_streams(TableName=f"{table_name}-1")["Streams"]
    assert mine == [{"StreamArn": arns[1], "TableName": f"{table_name}-1",
                     "StreamLabel": arns[1].rsplit("/", 1)[1]}]
    listed = [s["StreamArn"] for s in streams.list_streams()["Streams"]]
    assert set(arns) <= set(listed)
    page = streams.list_streams(Limit=1)
    assert len(page["Streams"]) == 1 and page["LastEvaluatedStreamArn"] == page["Streams"][0]["StreamArn"]
    rest = streams.list_streams(ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])["Streams"]
    assert page["Streams"][0] not in rest and len(rest) == len(listed) - 1
    # a page holds at most 100 (Alternator's AWS-checked
    # test_streams.py::test_list_streams_too_high_limit)
    with pytest.raises(ClientError) as e:
        streams.list_streams(Limit=101)
    assert fail(e) == ("ValidationException", 400, "1 validation error detected: Value '101' at "
                       "'limit' failed to satisfy constraint: Member must have value less than "
                       "or equal to 100")


def test_disabled_stream_has_a_closed_shard(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "a"}})
    described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert described["StreamStatus"] == "ENABLED"
    assert described["TableName"] == table_name
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert described["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    (shard,) = described["Shards"]
    assert shard["ShardId"].startswith("shardId-")
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    dynamodb.update_table(TableName=table_name, StreamSpecification={"StreamEnabled": False})
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "b"}})   # not recorded
    closed = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert closed["StreamStatus"] == "DISABLED"
    numbers = closed["Shards"][0]["SequenceNumberRange"]
    records = read_all(streams, arn)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records["Records"]] == ["a"]
    assert numbers["EndingSequenceNumber"] == records["Records"][-1]["dynamodb"]["SequenceNumber"]
    assert "NextShardIterator" not in records                     # the shard is read to its end
    second = with_stream_enabled_again(dynamodb, table_name)
    assert second != arn
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "c"}})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, second)["Records"]] == ["c"]
    assert len(streams.list_streams(TableName=table_name)["Streams"]) == 2


def with_stream_enabled_again(dynamodb, name):
    return dynamodb.update_table(TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]["LatestStreamArn"]


def test_deleting_the_table_closes_its_stream(dynamodb, streams, table_name):
    arn = with_stream(dynamodb, table_name)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "a"}})
    dynamodb.delete_table(TableName=table_name)
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert len(read_all(streams, arn)["Records"]) == 1


def test_iterators_expire_after_15_minutes(manual_nuvem, table_name):
    dynamodb, streams = manual_nuvem.client("dynamodb"), manual_nuvem.client("dynamodbstreams")
    arn = with_stream(dynamodb, table_name)
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_of(streams, arn),
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    advance(manual_nuvem, 14 * 60)
    fresh = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
    advance(manual_nuvem, 2 * 60)
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=iterator)
    assert fail(e) == ("ExpiredIteratorException", 400, "Shard iterator has expired")
    streams.get_records(ShardIterator=fresh)       # issued 2 minutes ago


def test_records_are_kept_24_hours(manual_nuvem, table_name):
    dynamodb, streams = manual_nuvem.client("dynamodb"), manual_nuvem.client("dynamodbstreams")
    arn = with_stream(dynamodb, table_name, "KEYS_ONLY")
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "old"}})
    first = read_all(streams, arn)["Records"][0]["dynamodb"]["SequenceNumber"]
    advance(manual_nuvem, 23 * 3600)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "new"}})
    assert len(read_all(streams, arn)["Records"]) == 2
    advance(manual_nuvem, 2 * 3600)
    deadline = time.monotonic() + 10
    while True:                        # the minute sweep runs as the clock moves
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn)["Records"]]
        if keys == ["new"] or time.monotonic() > deadline:
            break
        advance(manual_nuvem, 60)
        time.sleep(0.1)
    assert keys == ["new"]
    deadline = time.monotonic() + 10
    while True:
        try:
            read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=first)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "TrimmedDataAccessException"
            break
        assert time.monotonic() < deadline, "the old record was never trimmed"
        advance(manual_nuvem, 60)
        time.sleep(0.1)


def test_aws_cli_reads_a_stream(nuvem, dynamodb, table_name):
    arn = with_stream(dynamodb, table_name)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "cli"}})
    listed = json.loads(nuvem.aws_cli("dynamodbstreams", "list-streams", "--table-name",
                                      table_name).stdout)
    assert [s["StreamArn"] for s in listed["Streams"]] == [arn]
    shard = json.loads(nuvem.aws_cli("dynamodbstreams", "describe-stream", "--stream-arn",
                                     arn).stdout)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = json.loads(nuvem.aws_cli(
        "dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
        "--shard-iterator-type", "TRIM_HORIZON").stdout)["ShardIterator"]
    records = json.loads(nuvem.aws_cli("dynamodbstreams", "get-records", "--shard-iterator",
                                       iterator).stdout)["Records"]
    assert records[0]["dynamodb"]["NewImage"] == {"pk": {"S": "cli"}}
