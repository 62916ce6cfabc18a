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


# --- DescribeTable's counts: writes since the last flush are counted in memory --------------------

def _fill(ddb, table: str) -> None:
    ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "g")],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    for i in range(30):     # every third item is in the index
        item = {"pk": {"S": f"k{i}"}, "v": {"S": "x" * i}}
        if i % 3 == 0:
            item["g"] = {"S": "yes"}
        ddb.put_item(TableName=table, Item=item)
    for i in range(5):
        ddb.delete_item(TableName=table, Key={"pk": {"S": f"k{i}"}})
    ddb.update_item(TableName=table, Key={"pk": {"S": "k10"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "longer" * 20}})
    ddb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "g": {"S": "yes"}}}} for i in range(10)]})


def _counts(ddb, table: str) -> tuple:
    described = ddb.describe_table(TableName=table)["Table"]
    index = described["GlobalSecondaryIndexes"][0]
    return (described["ItemCount"], described["TableSizeBytes"], index["ItemCount"],
            index["IndexSizeBytes"])


def _true_counts(ddb, table: str) -> tuple:
    """Items in the table and in its index, as a Scan finds them."""
    items = ddb.scan(TableName=table)["Items"]
    return len(items), sum(1 for i in items if "g" in i)


def test_counts_are_exact_after_kill_9_before_any_flush(tmp_path):
    state = str(tmp_path / "state")
    server = NuvemServer(state_dir=state, env={"NUVEM_CLOCK": "manual"}).start()  # no flush
    try:
        ddb = server.client("dynamodb")
        for table in ("read-first", "written-first"):
            _fill(ddb, table)
        before = {t: _counts(ddb, t) for t in ("read-first", "written-first")}
        assert before["read-first"][0] == 35 and before["read-first"][2] == 18
        assert _true_counts(ddb, "read-first") == (35, 18)
    finally:
        server.kill()
    restarted = NuvemServer(state_dir=state, env={"NUVEM_CLOCK": "manual"}).start()
    try:
        ddb = restarted.client("dynamodb")
        assert _counts(ddb, "read-first") == before["read-first"]     # counted again
        ddb.put_item(TableName="written-first", Item={"pk": {"S": "new"}, "g": {"S": "yes"}})
        items, size, index_items, index_size = _counts(ddb, "written-first")
        old = before["written-first"]
        assert (items, index_items) == (old[0] + 1, old[2] + 1)
        assert size == old[1] + 9 and index_size == old[3] + 9     # "pk" "new" "g" "yes"
    finally:
        restarted.stop()


def test_counts_are_stored_by_the_flush_and_at_a_clean_stop(tmp_path):
    """What the flush and a clean stop store, read from the file once the server is gone (a
    running server keeps its state directory to itself)."""
    import json
    import sqlite3

    def stored(state: str) -> list:
        db = sqlite3.connect(f"file:{state}/nuvem.db?mode=ro", uri=True)
        try:
            return [json.loads(doc) for (doc,) in db.execute(
                "SELECT doc FROM records WHERE kind = 'dynamodb.TableStats'")]
        finally:
            db.close()

    state = str(tmp_path / "state")
    server = NuvemServer(state_dir=state, env={"NUVEM_CLOCK": "manual"}).start()
    try:
        ddb = server.client("dynamodb")
        _fill(ddb, "flushed")
        expected = _counts(ddb, "flushed")
        # the flush runs (once for the jump, not every 5 s of ten years)
        server.admin("POST", "/_nuvem/clock", {"advance": 10 * 365 * 86400})
    finally:
        server.kill()                # nothing after the flush is left to store
    [doc] = stored(state)
    assert (doc["unflushed"], doc["items"], doc["size"], doc["indexes"]["by-g"]) == (
        0, expected[0], expected[1], [expected[2], expected[3]])
    server = NuvemServer(state_dir=state, env={"NUVEM_CLOCK": "manual"}).start()
    try:
        ddb = server.client("dynamodb")
        for pk in ("b0", "b1"):      # the first is stored at once, the second kept in memory
            ddb.delete_item(TableName="flushed", Key={"pk": {"S": pk}})
    finally:
        server.stop()                # a clean stop stores what is left
    [doc] = stored(state)
    assert (doc["unflushed"], doc["items"], doc["indexes"]["by-g"][0]) == (
        0, expected[0] - 2, expected[2] - 2)
