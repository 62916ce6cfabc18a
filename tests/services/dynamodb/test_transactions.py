"""TransactWriteItems and TransactGetItems over the wire: all-or-nothing, cancellation reasons,
idempotency tokens, capacity, and atomicity under concurrent clients."""
import json
import re
import threading

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error, make_table

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def put(table, item, **extra):
    return {"Put": {"TableName": table, "Item": item, **extra}}


def get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def test_write_then_get_all_kinds(ddb, tname):
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("old"), "n": N(1)})
    ddb.put_item(TableName=tname, Item={"pk": S("gone"), "n": N(1)})
    ddb.put_item(TableName=tname, Item={"pk": S("checked"), "status": S("open")})
    out = ddb.transact_write_items(TransactItems=[
        put(tname, {"pk": S("new"), "n": N("1.50")},
            ConditionExpression="attribute_not_exists(pk)"),
        {"Update": {"TableName": tname, "Key": {"pk": S("old")},
                    "UpdateExpression": "SET n = n + :d, #t = :t",
                    "ExpressionAttributeNames": {"#t": "tag"},
                    "ExpressionAttributeValues": {":d": N(41), ":t": S("x")}}},
        {"Delete": {"TableName": tname, "Key": {"pk": S("gone")}}},
        {"ConditionCheck": {"TableName": tname, "Key": {"pk": S("checked")},
                            "ConditionExpression": "#s = :open",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {":open": S("open")}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 8.0,
                                        "WriteCapacityUnits": 8.0}]
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": tname, "Key": {"pk": S("new")}}},
        {"Get": {"TableName": tname, "Key": {"pk": S("old")}, "ProjectionExpression": "n, tag"}},
        {"Get": {"TableName": tname, "Key": {"pk": S("gone")}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert got["Responses"] == [{"Item": {"pk": S("new"), "n": N("1.5")}},
                                {"Item": {"n": N(42), "tag": S("x")}}, {}]
    assert got["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 6.0,
                                        "ReadCapacityUnits": 6.0}]


def test_cancelled_transaction_writes_nothing(ddb, tname):
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("a"), "v": N(1)})
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            put(tname, {"pk": S("b"), "v": N(2)}),
            {"Update": {"TableName": tname, "Key": {"pk": S("a")},
                        "UpdateExpression": "SET v = :v", "ConditionExpression": "v = :want",
                        "ExpressionAttributeValues": {":v": N(9), ":want": N(5)},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Delete": {"TableName": tname, "Key": {"pk": S("zzz")},
                        "ConditionExpression": "attribute_exists(pk)"}},
        ])
    assert error(e) == ("TransactionCanceledException", 400,
                        CANCELLED + "[None, ConditionalCheckFailed, ConditionalCheckFailed]")
    assert e.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
         "Item": {"pk": S("a"), "v": N(1)}},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
    assert get(ddb, tname, {"pk": S("b")}) is None
    assert get(ddb, tname, {"pk": S("a")}) == {"pk": S("a"), "v": N(1)}


def test_validation_error_reason_cancels(ddb, tname):
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("a"), "v": S("text")})
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            put(tname, {"pk": S("b")}),
            {"Update": {"TableName": tname, "Key": {"pk": S("a")},
                        "UpdateExpression": "SET v = v + :one",
                        "ExpressionAttributeValues": {":one": N(1)}}}])
    assert error(e)[:3] == ("TransactionCanceledException", 400,
                            CANCELLED + "[None, ValidationError]")
    assert e.value.response["CancellationReasons"][1] == {
        "Code": "ValidationError",
        "Message": "An operand in the update expression has an incorrect data type"}
    assert get(ddb, tname, {"pk": S("b")}) is None


def test_request_validation(ddb, tname):
    make_table(ddb, tname)
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            put(tname, {"pk": S("a")}),
            {"Delete": {"TableName": tname, "Key": {"pk": S("a")}}}])
    assert error(e) == ("ValidationException", 400,
                        "Transaction request cannot include multiple operations on one item")
    with pytest.raises(ClientError) as e:
        ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": tname, "Key": {"pk": S("a")}}},
            {"Get": {"TableName": tname, "Key": {"pk": S("a")}}}])
    assert error(e) == ("ValidationException", 400,
                        "Transaction request cannot include multiple operations on one item")
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[put(tname, {"pk": S(str(i))}) for i in range(101)])
    assert error(e)[:2] == ("ValidationException", 400)
    assert ddb.scan(TableName=tname)["Count"] == 0
    # a bad item cancels the transaction; only the first one is reported
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            put(tname, {"pk": N(1)}), put(tname, {"pk": N(2)}),
            {"Put": {"TableName": tname, "Item": {"pk": S("c")},
                     "ConditionExpression": "attribute_exists(pk)"}}])
    assert error(e) == ("TransactionCanceledException", 400,
                        CANCELLED + "[ValidationError, None, None]")
    assert e.value.response["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": "One or more parameter values were invalid: "
         "Type mismatch for key pk expected: S actual: N"}, {"Code": "None"}, {"Code": "None"}]
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            put(tname, {"pk": S("a")}),
            put("no-such-table-for-tx", {"pk": S("a")})])
    assert error(e) == ("ResourceNotFoundException", 400, "Requested resource not found")
    with pytest.raises(ClientError) as e:
        ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "no-such-table-for-tx", "Key": {"pk": S("a")}}}])
    assert error(e) == ("ResourceNotFoundException", 400, "Requested resource not found")
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": tname, "Key": {"pk": S("a")},
                        "UpdateExpression": "SET pk = :x",
                        "ExpressionAttributeValues": {":x": S("b")}}}])
    assert error(e) == ("ValidationException", 400, "One or more parameter values were invalid: "
                        "Cannot update attribute pk. This attribute is part of the key")
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": tname, "Item": {"pk": S("a")},
                     "ExpressionAttributeValues": {":x": S("b")}}}])
    assert error(e)[:2] == ("ValidationException", 400)
    assert ddb.scan(TableName=tname)["Count"] == 0


def test_client_request_token_idempotency(ddb, tname):
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("c"), "n": N(0)})
    request = {"TransactItems": [{"Update": {
        "TableName": tname, "Key": {"pk": S("c")}, "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": N(1)}}}], "ClientRequestToken": "token-1"}
    first = ddb.transact_write_items(**request, ReturnConsumedCapacity="TOTAL")
    assert first["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 2.0,
                                          "WriteCapacityUnits": 2.0}]
    again = ddb.transact_write_items(**request, ReturnConsumedCapacity="TOTAL")
    # the repeat writes nothing; it reads the item (one strongly consistent read unit)
    assert again["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 1.0,
                                          "ReadCapacityUnits": 1.0}]
    assert get(ddb, tname, {"pk": S("c")})["n"] == N(1)
    changed = json.loads(json.dumps(request))
    changed["TransactItems"][0]["Update"]["ExpressionAttributeValues"][":one"] = N(2)
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(**changed)
    assert error(e)[:2] == ("IdempotentParameterMismatchException", 400)
    # another token runs again
    ddb.transact_write_items(**{**request, "ClientRequestToken": "token-2"})
    assert get(ddb, tname, {"pk": S("c")})["n"] == N(2)


def test_token_expires_after_ten_minutes(manual_nuvem):
    ddb = manual_nuvem.client("dynamodb")
    name = "tx-token-expiry"
    make_table(ddb, name)
    request = {"TransactItems": [{"Update": {
        "TableName": name, "Key": {"pk": S("c")}, "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": N(1)}}}], "ClientRequestToken": "expiring"}
    ddb.transact_write_items(**request)
    ddb.transact_write_items(**request)
    assert get(ddb, name, {"pk": S("c")})["n"] == N(1)
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 601})
    ddb = manual_nuvem.client("dynamodb")
    ddb.transact_write_items(**request)
    assert get(ddb, name, {"pk": S("c")})["n"] == N(2)


def test_capacity_indexes_and_collection_metrics(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "S"), attrs=[("g", "S"), ("l", "S")],
               gsis=[("byg", "g", None, "ALL")], lsis=[("byl", "pk", "l", "KEYS_ONLY")])
    other = make_table(ddb, tname + "-o")
    out = ddb.transact_write_items(TransactItems=[
        put(tname, {"pk": S("p"), "sk": S("1"), "g": S("x"), "l": S("y")}),
        put(other, {"pk": S("q")})],
        ReturnConsumedCapacity="INDEXES", ReturnItemCollectionMetrics="SIZE")
    by_table = {c["TableName"]: c for c in out["ConsumedCapacity"]}
    # a transaction's figures are also given as WriteCapacityUnits, on every arm
    two = {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    assert by_table[tname] == {
        "TableName": tname, "CapacityUnits": 6.0, "WriteCapacityUnits": 6.0, "Table": two,
        "GlobalSecondaryIndexes": {"byg": two}, "LocalSecondaryIndexes": {"byl": two}}
    assert by_table[other] == {"TableName": other, **two, "Table": two}
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": other,
                                                         "Key": {"pk": S("q")}}}],
                                 ReturnConsumedCapacity="INDEXES")
    assert got["ConsumedCapacity"] == [{"TableName": other, "CapacityUnits": 2.0,
                                        "ReadCapacityUnits": 2.0,
                                        "Table": {"CapacityUnits": 2.0,
                                                  "ReadCapacityUnits": 2.0}}]
    assert list(out["ItemCollectionMetrics"]) == [tname]
    (m,) = out["ItemCollectionMetrics"][tname]
    assert m["ItemCollectionKey"] == {"pk": S("p")}
    assert m["SizeEstimateRangeGB"] == [0.0, 1.0]


def test_concurrent_transfers_keep_the_sum(nuvem, tname):
    """8 clients move money between 4 accounts with conditional transactions: the total never
    changes and no transfer half-applies (each transfer is also logged as its own item)."""
    ddb = nuvem.client("dynamodb")
    make_table(ddb, tname)
    accounts = [f"acct{i}" for i in range(4)]
    for a in accounts:
        ddb.put_item(TableName=tname, Item={"pk": S(a), "balance": N(100)})
    done, failures = [], []

    def worker(w):
        client = nuvem.client("dynamodb")
        for i in range(15):
            src, dst = accounts[(w + i) % 4], accounts[(w + 2 * i + 1) % 4]
            if src == dst:
                continue
            amount = 7 + (w * i) % 30
            try:
                client.transact_write_items(TransactItems=[
                    {"Update": {"TableName": tname, "Key": {"pk": S(src)},
                                "UpdateExpression": "SET balance = balance - :a",
                                "ConditionExpression": "balance >= :a",
                                "ExpressionAttributeValues": {":a": N(amount)}}},
                    {"Update": {"TableName": tname, "Key": {"pk": S(dst)},
                                "UpdateExpression": "SET balance = balance + :a",
                                "ExpressionAttributeValues": {":a": N(amount)}}},
                    put(tname, {"pk": S(f"log-{w}-{i}"), "amount": N(amount)})])
                done.append((src, dst, amount))
            except ClientError as e:
                code = e.response["Error"]["Code"]
                if code != "TransactionCanceledException":
                    failures.append(code)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    items = ddb.scan(TableName=tname, ConsistentRead=True)["Items"]
    balances = {i["pk"]["S"]: int(i["balance"]["N"]) for i in items if "balance" in i}
    logs = [i for i in items if i["pk"]["S"].startswith("log-")]
    assert sum(balances.values()) == 400
    assert all(b >= 0 for b in balances.values())
    assert len(logs) == len(done) > 0
    expected = {a: 100 for a in accounts}
    for src, dst, amount in done:
        expected[src] -= amount
        expected[dst] += amount
    assert balances == expected


def test_transactions_with_aws_cli(nuvem, ddb, tname):
    make_table(ddb, tname)
    items = [{"Put": {"TableName": tname, "Item": {"pk": {"S": "cli"}, "v": {"N": "1"}}}}]
    nuvem.aws_cli("dynamodb", "transact-write-items", "--transact-items", json.dumps(items))
    out = nuvem.aws_cli("dynamodb", "transact-get-items", "--transact-items",
                        json.dumps([{"Get": {"TableName": tname, "Key": {"pk": {"S": "cli"}}}}]))
    assert json.loads(out.stdout)["Responses"] == [{"Item": {"pk": {"S": "cli"}, "v": {"N": "1"}}}]
    failed = nuvem.aws_cli("dynamodb", "transact-write-items", "--transact-items", json.dumps([
        {"Put": {"TableName": tname, "Item": {"pk": {"S": "cli"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}}]), check=False)
    assert failed.returncode != 0
    assert "TransactionCanceledException" in failed.stderr
    assert "[ConditionalCheckFailed]" in failed.stderr


def test_aggregate_size_is_capped_at_4_mb(ddb, tname):
    make_table(ddb, tname)
    blob = "x" * 390_000
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            put(tname, {"pk": S(f"big{i}"), "d": S(blob)}) for i in range(11)])
    # AWS's words, twice (Alternator's test_transact.py::test_transact_write_items_put_5MB
    # checks "size cannot exceed")
    limit = "Transaction payload size cannot exceed 4MB. Payload Size: "
    code, status, message = error(e)
    assert (code, status) == ("ValidationException", 400)
    assert re.fullmatch(f"{limit}: {limit}[0-9]+", message)
    assert ddb.scan(TableName=tname, Select="COUNT")["Count"] == 0
    ddb.transact_write_items(TransactItems=[
        put(tname, {"pk": S(f"big{i}"), "d": S(blob)}) for i in range(10)])
    assert ddb.describe_table(TableName=tname)["Table"]["ItemCount"] == 10


def test_get_projection_names_and_arn(ddb, tname):
    make_table(ddb, tname)
    arn = ddb.describe_table(TableName=tname)["Table"]["TableArn"]
    ddb.put_item(TableName=tname, Item={"pk": S("a"), "size": N(3), "m": {"M": {"x": N(1),
                                                                               "y": N(2)}}})
    got = ddb.transact_get_items(TransactItems=[{"Get": {
        "TableName": arn, "Key": {"pk": S("a")}, "ProjectionExpression": "#s, m.y",
        "ExpressionAttributeNames": {"#s": "size"}}}])
    assert got["Responses"] == [{"Item": {"size": N(3), "m": {"M": {"y": N(2)}}}}]
    with pytest.raises(ClientError) as e:        # unused names are refused, as in GetItem
        ddb.transact_get_items(TransactItems=[{"Get": {
            "TableName": tname, "Key": {"pk": S("a")}, "ProjectionExpression": "pk",
            "ExpressionAttributeNames": {"#s": "size"}}}])
    assert error(e) == ("ValidationException", 400, "Value provided in "
                        "ExpressionAttributeNames unused in expressions: keys: {#s}")
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[{"ConditionCheck": {
            "TableName": tname, "Key": {"pk": S("a")}, "ConditionExpression": "size = :3"}}])
    assert error(e)[:2] == ("ValidationException", 400)
    assert "reserved keyword" in error(e)[2] or "not defined" in error(e)[2]


def test_empty_key_values_fail_the_request_other_types_cancel(ddb, tname):
    # as captured from AWS by the nubo-db/dynamodb-conformance suite: an empty key value (the
    # table's or an index's) refuses the request; a key of another type cancels the transaction
    make_table(ddb, tname, gsis=[("by_g", "g", None, "ALL")], attrs=[("g", "S")])
    empty_key = ("One or more parameter values are not valid. The AttributeValue for a key "
                 "attribute cannot contain an empty string value. Key: pk")
    refused = [
        ({"Put": {"TableName": tname, "Item": {"pk": {"S": ""}}}}, empty_key),
        ({"Delete": {"TableName": tname, "Key": {"pk": {"S": ""}}}}, empty_key),
        ({"Put": {"TableName": tname, "Item": {"pk": {"S": "a"}, "g": {"S": ""}}}},
         "One or more parameter values are not valid. A value specified for a secondary index key "
         "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
         "value. IndexName: by_g, IndexKey: g"),
        ({"Update": {"TableName": tname, "Key": {"pk": {"S": "a"}},
                     "UpdateExpression": "SET g = :g",
                     "ExpressionAttributeValues": {":g": {"S": ""}}}},
         "One or more parameter values are not valid. The update expression attempted to update a "
         "secondary index key to a value that is not supported. The AttributeValue for a key "
         "attribute cannot contain an empty string value."),
    ]
    for action, message in refused:
        with pytest.raises(ClientError) as e:
            ddb.transact_write_items(TransactItems=[action])
        assert error(e) == ("ValidationException", 400, message)
    for kind, extra in [("Delete", {}),
                        ("ConditionCheck", {"ConditionExpression": "attribute_exists(pk)"}),
                        ("Update", {"UpdateExpression": "SET a = :a",
                                    "ExpressionAttributeValues": {":a": {"S": "x"}}})]:
        for key in ({"N": "5"}, {"L": [{"S": "x"}]}):
            with pytest.raises(ClientError) as e:
                ddb.transact_write_items(TransactItems=[
                    {kind: {"TableName": tname, "Key": {"pk": key}, **extra}}])
            assert error(e)[:2] == ("TransactionCanceledException", 400)
            assert e.value.response["CancellationReasons"] == [{
                "Code": "ValidationError",
                "Message": "The provided key element does not match the schema"}]
    assert ddb.scan(TableName=tname)["Items"] == []


def test_oversized_put_fails_the_request_oversized_update_cancels(ddb, tname):
    # as paritysuite/dynamodb-conformance measured on AWS: a Put's size is known from the
    # request; an Update's depends on the stored item
    make_table(ddb, tname)
    big = {"S": "x" * (409_601 - len("pk") - 1 - len("p"))}      # one byte over with pk "a"
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": tname, "Item": {"pk": {"S": "a"}, "p": big}}}])
    assert error(e) == ("ValidationException", 400,
                        "Item size has exceeded the maximum allowed size")
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[{"Update": {
            "TableName": tname, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET p = :p",
            "ExpressionAttributeValues": {":p": big}}}])
    assert e.value.response["CancellationReasons"] == [{
        "Code": "ValidationError",
        "Message": "Item size to update has exceeded the maximum allowed size"}]


def test_get_key_not_matching_the_schema_cancels(ddb, tname):
    # as nubo-db/dynamodb-conformance captured from AWS: an action-level refusal
    make_table(ddb, tname)
    for key in ({}, {"pk": {"N": "1"}}):
        with pytest.raises(ClientError) as e:
            ddb.transact_get_items(TransactItems=[
                {"Get": {"TableName": tname, "Key": {"pk": {"S": "a"}}}},
                {"Get": {"TableName": tname, "Key": key}}])
        assert error(e) == ("TransactionCanceledException", 400,
                            CANCELLED + "[None, ValidationError]")
        assert e.value.response["CancellationReasons"][1] == {
            "Code": "ValidationError",
            "Message": "The provided key element does not match the schema"}
