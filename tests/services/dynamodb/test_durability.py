"""kill -9 right after DynamoDB answers loses nothing: items, their index entries and their stream
records committed with them."""
import pytest

from tests.conftest import NuvemServer

pytestmark = pytest.mark.slow


def test_kill_9_after_writes_keeps_items_indexes_and_stream(tmp_path):
    state = str(tmp_path / "state")
    server = NuvemServer(state_dir=state).start()
    try:
        ddb = server.client("dynamodb")
        ddb.create_table(
            TableName="orders", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "c", "KeyType": "HASH"},
                       {"AttributeName": "o", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                                  for n, t in (("c", "S"), ("o", "N"), ("s", "S"))],
            GlobalSecondaryIndexes=[{
                "IndexName": "by-status", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "s", "KeyType": "HASH"}]}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        for i in range(10):
            ddb.put_item(TableName="orders", Item={"c": {"S": "ana"}, "o": {"N": str(i)},
                                                   "s": {"S": "open"}})
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "orders", "Key": {"c": {"S": "ana"}, "o": {"N": "3"}},
                        "UpdateExpression": "SET s = :v", "ExpressionAttributeValues": {
                            ":v": {"S": "paid"}}}},
            {"Delete": {"TableName": "orders", "Key": {"c": {"S": "ana"}, "o": {"N": "9"}}}}])
        stream_arn = ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
    finally:
        server.kill()          # SIGKILL straight after the last success response
    restarted = NuvemServer(state_dir=state).start()
    try:
        ddb = restarted.client("dynamodb")
        got = ddb.query(TableName="orders", KeyConditionExpression="c = :c",
                        ExpressionAttributeValues={":c": {"S": "ana"}})["Items"]
        assert [int(i["o"]["N"]) for i in got] == list(range(9))
        paid = ddb.query(TableName="orders", IndexName="by-status",
                         KeyConditionExpression="s = :s",
                         ExpressionAttributeValues={":s": {"S": "paid"}})["Items"]
        assert [i["o"]["N"] for i in paid] == ["3"]
        streams = restarted.client("dynamodbstreams")
        shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        events = [r["eventName"] for r in
                  streams.get_records(ShardIterator=iterator)["Records"]]
        assert events == ["INSERT"] * 10 + ["MODIFY", "REMOVE"]
    finally:
        restarted.stop()
