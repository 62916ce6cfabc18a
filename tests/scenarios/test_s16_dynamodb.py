"""S16: DynamoDB. Table `Pedidos` (partition key ClienteID, sort key PedidoID) with a GSI and an
LSI; Query by partition in sort order; eventually consistent (default) and strongly consistent
reads; TransactWriteItems / TransactGetItems all-or-nothing; a stream read with the
dynamodbstreams client; TTL on the manual clock; PartiQL; and the AWS CLI."""
import json
import time
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def create_pedidos(ddb, name="Pedidos", **extra):
    return ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "ClienteID", "KeyType": "HASH"},
                   {"AttributeName": "PedidoID", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "ClienteID", "AttributeType": "S"},
                              {"AttributeName": "PedidoID", "AttributeType": "S"},
                              {"AttributeName": "Estado", "AttributeType": "S"},
                              {"AttributeName": "Fecha", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "PorEstado",
            "KeySchema": [{"AttributeName": "Estado", "KeyType": "HASH"},
                          {"AttributeName": "Fecha", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Total"]}}],
        LocalSecondaryIndexes=[{
            "IndexName": "PorFecha",
            "KeySchema": [{"AttributeName": "ClienteID", "KeyType": "HASH"},
                          {"AttributeName": "Fecha", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        **extra)["TableDescription"]


def pedido(cliente, numero, estado, fecha, total):
    return {"ClienteID": S(cliente), "PedidoID": S(f"P{numero:03d}"), "Estado": S(estado),
            "Fecha": S(fecha), "Total": N(total)}


def test_pedidos_end_to_end(nuvem):
    ddb = nuvem.client("dynamodb")
    described = create_pedidos(ddb, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    assert described["TableName"] == "Pedidos"
    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == {"PorEstado"}
    assert {i["IndexName"] for i in described["LocalSecondaryIndexes"]} == {"PorFecha"}
    ddb.get_waiter("table_exists").wait(TableName="Pedidos",
                                        WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    rows = [pedido("ana", 3, "ENVIADO", "2026-03-01", 30),
            pedido("ana", 1, "PENDIENTE", "2026-03-05", 10),
            pedido("ana", 2, "ENVIADO", "2026-02-01", 20),
            pedido("bruno", 1, "PENDIENTE", "2026-01-09", 5)]
    for row in rows:
        ddb.put_item(TableName="Pedidos", Item=row)

    # Query by partition: sort-key order, forwards and backwards
    q = ddb.query(TableName="Pedidos", KeyConditionExpression="ClienteID = :c",
                  ExpressionAttributeValues={":c": S("ana")})
    assert [i["PedidoID"]["S"] for i in q["Items"]] == ["P001", "P002", "P003"]
    q = ddb.query(TableName="Pedidos", KeyConditionExpression="ClienteID = :c AND PedidoID > :p",
                  ExpressionAttributeValues={":c": S("ana"), ":p": S("P001")},
                  ScanIndexForward=False)
    assert [i["PedidoID"]["S"] for i in q["Items"]] == ["P003", "P002"]

    # the LSI orders one customer's orders by date; the GSI finds orders by state
    lsi = ddb.query(TableName="Pedidos", IndexName="PorFecha",
                    KeyConditionExpression="ClienteID = :c",
                    ExpressionAttributeValues={":c": S("ana")})
    assert [i["PedidoID"]["S"] for i in lsi["Items"]] == ["P002", "P003", "P001"]
    assert set(lsi["Items"][0]) == {"ClienteID", "PedidoID", "Fecha"}
    gsi = ddb.query(TableName="Pedidos", IndexName="PorEstado",
                    KeyConditionExpression="Estado = :e",
                    ExpressionAttributeValues={":e": S("PENDIENTE")})
    assert [(i["ClienteID"]["S"], i["Total"]["N"]) for i in gsi["Items"]] == [
        ("bruno", "5"), ("ana", "10")]
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="Pedidos", IndexName="PorEstado", ConsistentRead=True,
                  KeyConditionExpression="Estado = :e",
                  ExpressionAttributeValues={":e": S("ENVIADO")})
    assert e.value.response["Error"]["Message"] == \
        "Consistent reads are not supported on global secondary indexes"

    # reads: eventually consistent by default (half a unit), strongly consistent on request
    key = {"ClienteID": S("ana"), "PedidoID": S("P001")}
    weak = ddb.get_item(TableName="Pedidos", Key=key, ReturnConsumedCapacity="TOTAL")
    strong = ddb.get_item(TableName="Pedidos", Key=key, ConsistentRead=True,
                          ReturnConsumedCapacity="TOTAL")
    assert weak["Item"] == strong["Item"] == rows[1]
    assert (weak["ConsumedCapacity"]["CapacityUnits"],
            strong["ConsumedCapacity"]["CapacityUnits"]) == (0.5, 1.0)

    # a transaction: ship P001 and bill it, only if it is still pending
    ship = [
        {"Update": {"TableName": "Pedidos", "Key": key,
                    "UpdateExpression": "SET Estado = :enviado",
                    "ConditionExpression": "Estado = :pendiente",
                    "ExpressionAttributeValues": {":enviado": S("ENVIADO"),
                                                  ":pendiente": S("PENDIENTE")}}},
        {"Put": {"TableName": "Pedidos",
                 "Item": {"ClienteID": S("ana"), "PedidoID": S("F001"), "Total": N(10)},
                 "ConditionExpression": "attribute_not_exists(PedidoID)"}}]
    ddb.transact_write_items(TransactItems=ship)
    with pytest.raises(ClientError) as e:            # the same again: both conditions fail
        ddb.transact_write_items(TransactItems=ship)
    assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Message"] == \
        CANCELLED + "[ConditionalCheckFailed, ConditionalCheckFailed]"
    # half of a failing transaction is never applied
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": "Pedidos", "Key": {"ClienteID": S("bruno"),
                                                        "PedidoID": S("P001")}}},
            {"ConditionCheck": {"TableName": "Pedidos", "Key": key,
                                "ConditionExpression": "Estado = :p",
                                "ExpressionAttributeValues": {":p": S("PENDIENTE")}}}])
    assert [r["Code"] for r in e.value.response["CancellationReasons"]] == [
        "None", "ConditionalCheckFailed"]
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": "Pedidos", "Key": key, "ProjectionExpression": "Estado"}},
        {"Get": {"TableName": "Pedidos", "Key": {"ClienteID": S("ana"), "PedidoID": S("F001")}}},
        {"Get": {"TableName": "Pedidos", "Key": {"ClienteID": S("bruno"),
                                                 "PedidoID": S("P001")}}}])
    assert got["Responses"][0] == {"Item": {"Estado": S("ENVIADO")}}
    assert got["Responses"][1]["Item"]["Total"] == N(10)
    assert got["Responses"][2]["Item"]["Estado"] == S("PENDIENTE")   # not deleted

    # PartiQL over the same table
    out = ddb.execute_statement(
        Statement="SELECT PedidoID, Total FROM \"Pedidos\" WHERE ClienteID = ? "
                  "AND begins_with(PedidoID, 'P') ORDER BY PedidoID DESC",
        Parameters=[S("ana")])
    assert [i["PedidoID"]["S"] for i in out["Items"]] == ["P003", "P002", "P001"]
    ddb.execute_statement(Statement="UPDATE \"Pedidos\" SET Total = Total + 5 "
                                    "WHERE ClienteID = 'bruno' AND PedidoID = 'P001'")
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement="INSERT INTO \"Pedidos\" VALUE "
                                        "{'ClienteID': 'bruno', 'PedidoID': 'P001'}")
    assert (e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]) == (
        "DuplicateItemException", "Duplicate primary key exists in table")
    pending = ddb.execute_statement(
        Statement="SELECT ClienteID, Total FROM \"Pedidos\".\"PorEstado\" "
                  "WHERE Estado = 'PENDIENTE'")
    assert pending["Items"] == [{"ClienteID": S("bruno"), "Total": N(10)}]

    # the stream saw every change, in order
    arn = ddb.describe_table(TableName="Pedidos")["Table"].get("LatestStreamArn")
    if arn is None:
        pytest.skip("streams.py does not enable streams from CreateTable yet")
    streams = nuvem.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    events = [(r["eventName"], r["dynamodb"]["Keys"]["ClienteID"]["S"],
               r["dynamodb"]["Keys"]["PedidoID"]["S"]) for r in records]
    assert events == [("INSERT", "ana", "P003"), ("INSERT", "ana", "P001"),
                      ("INSERT", "ana", "P002"), ("INSERT", "bruno", "P001"),
                      ("MODIFY", "ana", "P001"), ("INSERT", "ana", "F001"),
                      ("MODIFY", "bruno", "P001")]
    modify = records[4]["dynamodb"]
    assert modify["OldImage"]["Estado"] == S("PENDIENTE")
    assert modify["NewImage"]["Estado"] == S("ENVIADO")


def _now(server) -> int:
    text = server.admin("GET", "/_nuvem/clock")["now"].replace("Z", "+00:00")
    return int(datetime.fromisoformat(text).timestamp())


def test_pedidos_expire_with_ttl(manual_nuvem):
    ddb = manual_nuvem.client("dynamodb")
    create_pedidos(ddb, name="PedidosTTL")
    try:
        ddb.update_time_to_live(TableName="PedidosTTL", TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "Caduca"})
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 501:
            pytest.skip("ttl.py does not implement UpdateTimeToLive yet")
        raise
    now = _now(manual_nuvem)
    ddb.put_item(TableName="PedidosTTL", Item={**pedido("ana", 1, "PENDIENTE", "2026-01-01", 1),
                                               "Caduca": N(now + 120)})
    ddb.put_item(TableName="PedidosTTL", Item=pedido("ana", 2, "PENDIENTE", "2026-01-02", 2))

    def remaining():
        items = ddb.query(TableName="PedidosTTL", KeyConditionExpression="ClienteID = :c",
                          ExpressionAttributeValues={":c": S("ana")},
                          ConsistentRead=True)["Items"]
        return [i["PedidoID"]["S"] for i in items]

    assert remaining() == ["P001", "P002"]
    deadline = time.monotonic() + 10
    while remaining() != ["P002"] and time.monotonic() < deadline:
        manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 60})   # the sweep's period
        time.sleep(0.1)
    assert remaining() == ["P002"]
    gsi = ddb.query(TableName="PedidosTTL", IndexName="PorEstado",
                    KeyConditionExpression="Estado = :e",
                    ExpressionAttributeValues={":e": S("PENDIENTE")})
    assert [i["PedidoID"]["S"] for i in gsi["Items"]] == ["P002"]       # gone from the index too


def test_pedidos_with_aws_cli(nuvem):
    ddb = nuvem.client("dynamodb")
    create_pedidos(ddb, name="PedidosCLI")
    nuvem.aws_cli("dynamodb", "put-item", "--table-name", "PedidosCLI", "--item",
                  json.dumps(pedido("carla", 1, "PENDIENTE", "2026-05-01", 12)))
    out = nuvem.aws_cli("dynamodb", "query", "--table-name", "PedidosCLI",
                        "--key-condition-expression", "ClienteID = :c",
                        "--expression-attribute-values", json.dumps({":c": S("carla")}),
                        "--consistent-read")
    assert [i["PedidoID"]["S"] for i in json.loads(out.stdout)["Items"]] == ["P001"]
    out = nuvem.aws_cli("dynamodb", "execute-statement", "--statement",
                        "SELECT Total FROM \"PedidosCLI\" WHERE ClienteID = 'carla'")
    assert json.loads(out.stdout)["Items"] == [{"Total": {"N": "12"}}]
    failed = nuvem.aws_cli("dynamodb", "transact-write-items", "--transact-items", json.dumps([
        {"Put": {"TableName": "PedidosCLI", "Item": pedido("carla", 1, "X", "2026-05-02", 1),
                 "ConditionExpression": "attribute_not_exists(ClienteID)"}}]), check=False)
    assert failed.returncode != 0
    assert "TransactionCanceledException" in failed.stderr
