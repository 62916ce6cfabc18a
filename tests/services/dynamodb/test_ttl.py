"""Time to live over the wire: UpdateTimeToLive's rules and messages, DescribeTimeToLive, and the
expiry sweep on the manual clock (items go once their TTL value is in the past, as service
deletions in the stream)."""
import time

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.control_fixtures import (advance, dynamodb, fail,  # noqa: F401
                                                      simple_table, table_name)


def enable(client, name, attribute="expires"):
    return client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": attribute})


def now_of(server) -> int:
    from datetime import datetime
    return int(datetime.fromisoformat(server.admin("GET", "/_nuvem/clock")["now"]
                                      .replace("Z", "+00:00")).timestamp())


def keys(client, name):
    return sorted(i["pk"]["S"] for i in client.scan(TableName=name)["Items"])


def wait_for(server, client, name, wanted, step=60):
    """Moves the clock a minute at a time (the sweep's period) until the table holds `wanted`."""
    deadline = time.monotonic() + 10
    while keys(client, name) != wanted and time.monotonic() < deadline:
        advance(server, step)
        time.sleep(0.1)
    return keys(client, name)


def test_describe_and_update_rules(dynamodb, table_name):
    simple_table(dynamodb, table_name)
    assert dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    with pytest.raises(ClientError) as e:
        dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "expires"})
    assert fail(e) == ("ValidationException", 400, "TimeToLive is already disabled")
    out = enable(dynamodb, table_name)
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    assert dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    with pytest.raises(ClientError) as e:
        enable(dynamodb, table_name)
    assert fail(e) == ("ValidationException", 400, "TimeToLive is already enabled")
    with pytest.raises(ClientError) as e:
        enable(dynamodb, table_name, "other")
    assert fail(e) == ("ValidationException", 400, "TimeToLive is active on a different "
                       "AttributeName: current AttributeName is expires")
    with pytest.raises(ClientError) as e:        # disabling names the attribute in use
        dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "other"})
    assert fail(e) == ("ValidationException", 400, "TimeToLive is active on a different "
                       "AttributeName: current AttributeName is expires")
    with pytest.raises(ClientError) as e:        # a second change within the hour
        dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "expires"})
    assert fail(e) == ("ValidationException", 400, "Time to live has been modified multiple "
                       "times within a fixed interval")
    with pytest.raises(ClientError) as e:
        dynamodb.describe_time_to_live(TableName="no-such-table")
    assert fail(e) == ("ResourceNotFoundException", 400,
                       "Requested resource not found: Table: no-such-table not found")


def test_missing_parameters_in_dynamodbs_words(nuvem, table_name):
    # dynalite's AWS-recorded describeTimeToLive.js and updateTimeToLive.js 'no TableName'
    unchecked = nuvem.client("dynamodb", parameter_validation=False)
    missing = ("ValidationException", 400,
               "The parameter 'TableName' is required but was not present in the request")
    for call in (lambda: unchecked.describe_time_to_live(),
                 lambda: unchecked.update_time_to_live()):
        with pytest.raises(ClientError) as e:
            call()
        assert fail(e) == missing
    with pytest.raises(ClientError) as e:
        unchecked.update_time_to_live(TableName=table_name)
    assert fail(e) == ("ValidationException", 400, "1 validation error detected: Value null at "
                       "'timeToLiveSpecification' failed to satisfy constraint: Member must not "
                       "be null")
    # ... 'empty TimeToLiveSpecification.AttributeName', before the table is looked for
    with pytest.raises(ClientError) as e:
        unchecked.update_time_to_live(TableName="no-such-table", TimeToLiveSpecification={
            "AttributeName": "", "Enabled": True})
    assert fail(e) == ("ValidationException", 400,
                       "TimeToLiveSpecification.AttributeName must be non empty")


def test_changes_are_allowed_again_after_an_hour(manual_nuvem, table_name):
    client = manual_nuvem.client("dynamodb")
    simple_table(client, table_name)
    enable(client, table_name)
    advance(manual_nuvem, 3599)
    with pytest.raises(ClientError) as e:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
            "Enabled": False, "AttributeName": "expires"})
    assert "modified multiple times" in fail(e)[2]
    advance(manual_nuvem, 2)
    client.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "expires"})
    assert client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"][
        "TimeToLiveStatus"] == "DISABLED"


def test_expired_items_are_deleted_as_service_deletions(manual_nuvem, table_name):
    client = manual_nuvem.client("dynamodb")
    streams = manual_nuvem.client("dynamodbstreams")
    simple_table(client, table_name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
    now = now_of(manual_nuvem)
    # written before TTL is on: picked up when it is enabled
    client.put_item(TableName=table_name, Item={"pk": {"S": "early"},
                                                "expires": {"N": str(now + 100)}})
    enable(client, table_name)
    client.put_item(TableName=table_name, Item={"pk": {"S": "soon"},
                                                "expires": {"N": str(now + 200)}})
    client.put_item(TableName=table_name, Item={"pk": {"S": "later"},
                                                "expires": {"N": str(now + 5000)}})
    client.put_item(TableName=table_name, Item={"pk": {"S": "never"}})
    client.put_item(TableName=table_name, Item={"pk": {"S": "text"}, "expires": {"S": "1"}})
    # moved later by an update: the old expiry no longer applies
    client.put_item(TableName=table_name, Item={"pk": {"S": "moved"},
                                                "expires": {"N": str(now + 150)}})
    client.update_item(TableName=table_name, Key={"pk": {"S": "moved"}},
                       UpdateExpression="SET expires = :e",
                       ExpressionAttributeValues={":e": {"N": str(now + 6000)}})
    everything = ["early", "later", "moved", "never", "soon", "text"]
    assert keys(client, table_name) == everything
    advance(manual_nuvem, 50)
    time.sleep(0.3)
    assert keys(client, table_name) == everything          # nothing is due yet
    remaining = wait_for(manual_nuvem, client, table_name, ["later", "moved", "never", "text"])
    assert remaining == ["later", "moved", "never", "text"]
    assert client.describe_table(TableName=table_name)["Table"]["ItemCount"] == 4
    arn = client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    removed = [r for r in streams.get_records(ShardIterator=iterator)["Records"]
               if r["eventName"] == "REMOVE"]
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in removed) == ["early", "soon"]
    for record in removed:
        assert record["userIdentity"] == {"Type": "Service",
                                          "PrincipalId": "dynamodb.amazonaws.com"}
        assert "expires" in record["dynamodb"]["OldImage"]
    assert wait_for(manual_nuvem, client, table_name, ["never", "text"], step=3600) == \
        ["never", "text"]


def test_disabling_ttl_stops_deletions(manual_nuvem, table_name):
    client = manual_nuvem.client("dynamodb")
    simple_table(client, table_name)
    now = now_of(manual_nuvem)
    enable(client, table_name)
    client.put_item(TableName=table_name, Item={"pk": {"S": "a"},
                                                "expires": {"N": str(now + 4000)}})
    advance(manual_nuvem, 3601)
    client.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "expires"})
    for _ in range(3):
        advance(manual_nuvem, 600)
        time.sleep(0.2)
    assert keys(client, table_name) == ["a"]


def test_aws_cli_ttl(nuvem, dynamodb, table_name):
    simple_table(dynamodb, table_name)
    nuvem.aws_cli("dynamodb", "update-time-to-live", "--table-name", table_name,
                  "--time-to-live-specification", "Enabled=true,AttributeName=ttl")
    out = nuvem.aws_cli("dynamodb", "describe-time-to-live", "--table-name", table_name)
    assert '"TimeToLiveStatus": "ENABLED"' in out.stdout and '"AttributeName": "ttl"' in out.stdout
