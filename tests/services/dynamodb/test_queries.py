"""Query and Scan over the wire: sort-key order on S, N and B keys, paging, Select, filters,
parallel scans."""
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error, make_table

S_KEYS = ["a", "ab", "abc", "b", "B", "é", "z", "aa", "a b", "~", "ab\u00e9", "abd"]
N_KEYS = ["-1E10", "-5.5", "-5", "-0.001", "0", "0.001", "1E-5", "1", "1.5", "2", "10", "1E2",
          "123.456", "9.99E125", "-9.99E125", "-1E-130", "1E-130", "0.1", "0.12", "-0.12",
          "-0.123", "99", "100.5"]
B_KEYS = [b"\x00", b"\x00\x00", b"\x01", b"\xff", b"a", b"ab", b"\x7f", b"\x00\x01", b"ab\x00"]
PARTITIONS = ["p0", "p1", "p2", "p3", "p4"]


def _order(kind, v):
    return {"S": lambda x: x.encode(), "N": Decimal, "B": lambda x: x}[kind](v)


def _fill(ddb, name, kind, keys):
    for p in PARTITIONS:
        for i, k in enumerate(keys):
            ddb.put_item(TableName=name, Item={"pk": {"S": p}, "sk": {kind: k},
                                               "i": {"N": str(i)}, "p": {"S": p}})


def _query_all(ddb, **kwargs):
    items, start = [], None
    while True:
        page = ddb.query(**kwargs, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _ops(kind, keys):
    """(expression, values, predicate) for each sort-key operator."""
    ordered = sorted(keys, key=lambda k: _order(kind, k))
    lo, mid, hi = ordered[2], ordered[len(ordered) // 2], ordered[-3]
    o = lambda x: _order(kind, x)
    cases = [
        ("sk = :a", {":a": mid}, lambda k: o(k) == o(mid)),
        ("sk < :a", {":a": mid}, lambda k: o(k) < o(mid)),
        ("sk <= :a", {":a": mid}, lambda k: o(k) <= o(mid)),
        ("sk > :a", {":a": mid}, lambda k: o(k) > o(mid)),
        ("sk >= :a", {":a": mid}, lambda k: o(k) >= o(mid)),
        ("sk BETWEEN :a AND :b", {":a": lo, ":b": hi}, lambda k: o(lo) <= o(k) <= o(hi)),
    ]
    if kind == "S":
        cases.append(("begins_with(sk, :a)", {":a": "ab"}, lambda k: k.startswith("ab")))
    if kind == "B":
        cases.append(("begins_with(sk, :a)", {":a": b"\x00"}, lambda k: k.startswith(b"\x00")))
        cases.append(("begins_with(sk, :a)", {":a": b"ab"}, lambda k: k.startswith(b"ab")))
    return cases


@pytest.mark.parametrize("kind,keys", [("S", S_KEYS), ("N", N_KEYS), ("B", B_KEYS)])
def test_sort_key_order_and_operators(ddb, tname, kind, keys):
    make_table(ddb, tname, range_key=("sk", kind))
    _fill(ddb, tname, kind, keys)
    expected_all = sorted(keys, key=lambda k: _order(kind, k))
    for expr, vals, pred in [("pk = :p", {}, lambda k: True)] + _ops(kind, keys):
        want = [k for k in expected_all if pred(k)]
        for forward in (True, False):
            for limit in (None, 2):
                kwargs = dict(TableName=tname, ScanIndexForward=forward,
                              KeyConditionExpression=expr if expr == "pk = :p" else f"pk = :p AND {expr}",
                              ExpressionAttributeValues={":p": {"S": "p2"},
                                                         **{k: {kind: v} for k, v in vals.items()}})
                if limit:
                    kwargs["Limit"] = limit
                got = _query_all(ddb, **kwargs)
                assert all(g["p"] == {"S": "p2"} for g in got)
                got_keys = [g["sk"][kind] for g in got]
                if kind == "N":
                    got_keys = [Decimal(x) for x in got_keys]
                    exp = [Decimal(x) for x in want]
                else:
                    exp = list(want)
                assert got_keys == (exp if forward else exp[::-1]), (expr, forward, limit)


def test_query_counts_limit_and_filter(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    for i in range(10):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "sk": {"N": str(i)},
                                            "even": {"BOOL": i % 2 == 0}})
    ddb.put_item(TableName=tname, Item={"pk": {"S": "b"}, "sk": {"N": "1"}})
    base = dict(TableName=tname, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "a"}, ":t": {"BOOL": True}},
                FilterExpression="even = :t")
    out = ddb.query(**base)
    assert (out["Count"], out["ScannedCount"]) == (5, 10) and "LastEvaluatedKey" not in out
    out = ddb.query(**base, Limit=3)
    assert (out["Count"], out["ScannedCount"]) == (2, 3)
    assert out["LastEvaluatedKey"] == {"pk": {"S": "a"}, "sk": {"N": "2"}}
    out = ddb.query(**base, Select="COUNT")
    assert out["Count"] == 5 and "Items" not in out
    out = ddb.query(TableName=tname, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "a"}}, ProjectionExpression="sk",
                    ReturnConsumedCapacity="TOTAL")
    assert out["Items"][0] == {"sk": {"N": "0"}}
    assert out["ConsumedCapacity"] == {"TableName": tname, "CapacityUnits": 0.5}


def test_query_legacy_key_conditions(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    for i in range(5):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}})
    out = ddb.query(TableName=tname, KeyConditions={
        "pk": {"AttributeValueList": [{"S": "a"}], "ComparisonOperator": "EQ"},
        "sk": {"AttributeValueList": [{"N": "1"}, {"N": "3"}], "ComparisonOperator": "BETWEEN"}})
    assert [i["sk"]["N"] for i in out["Items"]] == ["1", "2", "3"]


def test_query_errors(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=tname)
    assert error(e) == ("ValidationException", 400, "Either the KeyConditions or "
                        "KeyConditionExpression parameter must be specified in the request.")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=tname, IndexName="nope", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "a"}})
    assert error(e) == ("ValidationException", 400,
                        "The table does not have the specified index: nope")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=tname, KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"N": "1"}})
    assert error(e)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=tname, KeyConditionExpression="pk = :p", Select="BOGUS",
                  ExpressionAttributeValues={":p": {"S": "a"}})
    # AWS lists the enum's values in its own order, not the model's
    assert error(e) == ("ValidationException", 400, "1 validation error detected: Value 'BOGUS' "
                        "at 'select' failed to satisfy constraint: Member must satisfy enum value "
                        "set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
                        "ALL_PROJECTED_ATTRIBUTES]")


def test_key_condition_counts(ddb, tname):
    """Two conditions on one key, or more than the key has attributes (paritysuite/
    dynamodb-conformance's AWS-run cases)."""
    make_table(ddb, tname, range_key=("sk", "N"))
    values = {":p": {"S": "q"}, ":a": {"N": "1"}, ":b": {"N": "5"}}
    for expression, message in (
            ("pk = :p AND sk > :a AND sk < :b", "Invalid KeyConditionExpression: "
             "KeyConditionExpressions must only contain one condition per key"),
            ("pk = :p AND sk > :a AND extra = :b", "The number of query conditions (3) exceeds "
             "the number of key attributes defined in the schema (2)")):
        with pytest.raises(ClientError) as e:
            ddb.query(TableName=tname, KeyConditionExpression=expression,
                      ExpressionAttributeValues=values)
        assert error(e) == ("ValidationException", 400, message)


def test_limit_below_one(nuvem, tname):
    """Query words a Limit below 1 without the value (nubo-db/dynamodb-conformance's
    AWS-run case); Scan's is the validator's usual message."""
    ddb = nuvem.client("dynamodb", parameter_validation=False)
    make_table(ddb, tname)
    for limit in (0, -1):
        with pytest.raises(ClientError) as e:
            ddb.query(TableName=tname, KeyConditionExpression="pk = :p", Limit=limit,
                      ExpressionAttributeValues={":p": {"S": "a"}})
        assert error(e) == ("ValidationException", 400, "1 validation error detected: Value at "
                            "'Limit' failed to satisfy constraint: Member must have value "
                            "greater than or equal to 1")
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=tname, Limit=0)
    assert error(e) == ("ValidationException", 400, "1 validation error detected: Value '0' at "
                        "'limit' failed to satisfy constraint: Member must have value greater "
                        "than or equal to 1")


def test_one_megabyte_pages(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    blob = "x" * 200_000
    for i in range(12):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}, "d": {"S": blob}})
    first = ddb.query(TableName=tname, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "a"}})
    assert 5 <= first["Count"] <= 6 and "LastEvaluatedKey" in first
    items = _query_all(ddb, TableName=tname, KeyConditionExpression="pk = :p",
                       ExpressionAttributeValues={":p": {"S": "a"}})
    assert [int(i["sk"]["N"]) for i in items] == list(range(12))
    scanned = ddb.scan(TableName=tname)
    assert "LastEvaluatedKey" in scanned and scanned["Count"] < 12


def test_scan_paging_and_filter(ddb, tname):
    make_table(ddb, tname, ("id", "N"))
    for i in range(30):
        ddb.put_item(TableName=tname, Item={"id": {"N": str(i)}, "m": {"N": str(i % 3)}})
    seen, start, pages = [], None, 0
    while True:
        page = ddb.scan(TableName=tname, Limit=7, **({"ExclusiveStartKey": start} if start else {}))
        seen += [int(i["id"]["N"]) for i in page["Items"]]
        pages += 1
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert sorted(seen) == list(range(30)) and pages == 5
    out = ddb.scan(TableName=tname, FilterExpression="m = :z",
                   ExpressionAttributeValues={":z": {"N": "0"}})
    assert (out["Count"], out["ScannedCount"]) == (10, 30)
    out = ddb.scan(TableName=tname, ScanFilter={
        "m": {"AttributeValueList": [{"N": "1"}], "ComparisonOperator": "EQ"}}, Select="COUNT")
    assert out["Count"] == 10 and "Items" not in out


def test_parallel_scan(ddb, tname):
    make_table(ddb, tname, ("id", "S"), ("sk", "N"))
    for i in range(40):
        for j in range(2):
            ddb.put_item(TableName=tname, Item={"id": {"S": f"k{i}"}, "sk": {"N": str(j)}})
    parts = [ddb.scan(TableName=tname, Segment=s, TotalSegments=4)["Items"] for s in range(4)]
    ids = [(i["id"]["S"], i["sk"]["N"]) for part in parts for i in part]
    assert len(ids) == 80 and len(set(ids)) == 80
    assert sum(1 for p in parts if p) >= 2
    # a partition never spans segments
    owners = {}
    for s, part in enumerate(parts):
        for i in part:
            assert owners.setdefault(i["id"]["S"], s) == s
    for kwargs, message in [
        ({"Segment": 1}, "The TotalSegments parameter is required but was not present in the "
                         "request when Segment parameter is present"),
        ({"TotalSegments": 2}, "The Segment parameter is required but was not present in the "
                               "request when parameter TotalSegments is present"),
        ({"Segment": 3, "TotalSegments": 3}, "The Segment parameter is zero-based and must be "
         "less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3"),
    ]:
        with pytest.raises(ClientError) as e:
            ddb.scan(TableName=tname, **kwargs)
        assert error(e) == ("ValidationException", 400, message)
    # a segment's pages chain through its own keys; another segment's key is refused
    for s, part in enumerate(parts):
        seen = []
        page = {"Limit": 7}
        while True:
            out = ddb.scan(TableName=tname, Segment=s, TotalSegments=4, **page)
            seen += out["Items"]
            if "LastEvaluatedKey" not in out:
                break
            page["ExclusiveStartKey"] = out["LastEvaluatedKey"]
        assert sorted(map(str, seen)) == sorted(map(str, part))
    theirs = next(p for p in parts[1:] if p)[0]
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=tname, Segment=0, TotalSegments=4, ExclusiveStartKey=theirs)
    assert error(e) == ("ValidationException", 400, "The provided starting key is invalid: "
                        "Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct "
                        "Segment. TotalSegments: 4 Segment: 0")


def test_query_cost_independent_of_other_partitions(ddb, tname):
    """Reads one partition's range: ScannedCount and capacity depend on it alone."""
    make_table(ddb, tname, range_key=("sk", "N"))
    for p in range(50):
        for j in range(3):
            ddb.put_item(TableName=tname, Item={"pk": {"S": f"p{p:02}"}, "sk": {"N": str(j)}})
    out = ddb.query(TableName=tname, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "p25"}}, Select="COUNT")
    assert (out["Count"], out["ScannedCount"]) == (3, 3)


def test_scan_with_aws_cli(nuvem, ddb, tname):
    import json
    make_table(ddb, tname)
    for i in range(3):
        ddb.put_item(TableName=tname, Item={"pk": {"S": f"k{i}"}})
    out = nuvem.aws_cli("dynamodb", "scan", "--table-name", tname)
    body = json.loads(out.stdout)
    assert body["Count"] == 3 and sorted(i["pk"]["S"] for i in body["Items"]) == ["k0", "k1", "k2"]


def test_select_and_projection_combinations(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    base = dict(TableName=tname, KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "a"}})
    for kwargs, message in [
        ({"Select": "COUNT", "ProjectionExpression": "x"},
         "Cannot specify the ProjectionExpression when choosing to get only the Count"),
        ({"Select": "ALL_ATTRIBUTES", "ProjectionExpression": "x"},
         "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
        ({"Select": "ALL_PROJECTED_ATTRIBUTES"},
         "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"),
    ]:
        with pytest.raises(ClientError) as e:
            ddb.query(**base, **kwargs)
        assert error(e) == ("ValidationException", 400, message)
    with pytest.raises(ClientError) as e:
        ddb.query(**base, Select="SPECIFIC_ATTRIBUTES")
    assert error(e)[:2] == ("ValidationException", 400)


def test_query_filter_may_not_use_key_attributes(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=tname, KeyConditionExpression="pk = :p", FilterExpression="sk > :s",
                  ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"N": "1"}})
    assert error(e) == ("ValidationException", 400, "Filter Expression can only contain "
                        "non-primary key attributes: Primary key attribute: sk")


def test_key_condition_value_errors(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    base = dict(TableName=tname)
    cases = [
        ("pk = :p AND begins_with(sk, :s)", {":p": {"S": "a"}, ":s": {"N": "1"}},
         "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
         "operator or function: begins_with, operand type: N"),
        ("pk = :p AND sk BETWEEN :a AND :b", {":p": {"S": "a"}, ":a": {"N": "5"}, ":b": {"N": "-1"}},
         "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
         "than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound "
         "operand: AttributeValue: {N:-1}"),
        ("pk = :p AND sk > :s", {":p": {"S": "a"}, ":s": {"S": "x"}},
         "One or more parameter values were invalid: Condition parameter type does not match "
         "schema type"),
    ]
    for expr, vals, message in cases:
        with pytest.raises(ClientError) as e:
            ddb.query(**base, KeyConditionExpression=expr, ExpressionAttributeValues=vals)
        assert error(e) == ("ValidationException", 400, message), expr


def test_scan_lists_the_front_ends_problems_in_aws_order(nuvem):
    # dynalite's scan.js 'should return ValidationException for incorrect attributes': AWS's
    # problems in its own order (select, totalSegments, returnConsumedCapacity,
    # conditionalOperator, scanFilter, segment, attributesToGet), ConditionalOperator's values
    # as [OR, AND] and ComparisonOperator's in AWS's order too
    unchecked = nuvem.client("dynamodb", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        unchecked.scan(TableName="abc", ReturnConsumedCapacity="hi", AttributesToGet=[],
                       Segment=-1, TotalSegments=-1, Select="hi", ConditionalOperator="AN",
                       ScanFilter={"a": {}, "b": {"ComparisonOperator": ""}})
    assert error(e) == ("ValidationException", 400, (
        "8 validation errors detected: Value 'hi' at 'select' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
        "ALL_PROJECTED_ATTRIBUTES]; Value '-1' at 'totalSegments' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; Value 'hi' at 'returnConsumedCapacity' "
        "failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; "
        "Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy "
        "enum value set: [OR, AND]; Value null at 'scanFilter.a.member.comparisonOperator' failed "
        "to satisfy constraint: Member must not be null; Value '' at "
        "'scanFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must "
        "satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, "
        "BEGINS_WITH, GE, CONTAINS]; Value '-1' at 'segment' failed to satisfy constraint: Member "
        "must have value greater than or equal to 0; Value '[]' at 'attributesToGet' failed to "
        "satisfy constraint: Member must have length greater than or equal to 1"))


def test_query_and_scan_word_the_same_refusals_apart(ddb, tname):
    # nubo-db/dynamodb-conformance tier3 error-messages query.test.ts and scan.test.ts (Scan's
    # us-east-1 wording in paritysuite's registry rows scan-specific-attributes-message and
    # scan-bad-start-key-message): Query puts SPECIFIC_ATTRIBUTES' refusal in the validation
    # envelope and answers a start key off the schema in short
    make_table(ddb, tname, range_key=("sk", "S"))
    query = {"KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": {":v": {"S": "v"}}}
    specific = ("Must specify the AttributesToGet or ProjectionExpression when choosing to get "
                "SPECIFIC_ATTRIBUTES")
    for call, message in (
            (lambda: ddb.query(TableName=tname, Select="SPECIFIC_ATTRIBUTES", **query),
             f"1 validation error detected: {specific}"),
            (lambda: ddb.scan(TableName=tname, Select="SPECIFIC_ATTRIBUTES"), specific),
            (lambda: ddb.query(TableName=tname, ExclusiveStartKey={"bad": {"S": "p"}}, **query),
             "The provided starting key is invalid"),
            (lambda: ddb.scan(TableName=tname, ExclusiveStartKey={"bad": {"S": "p"}}),
             "The provided starting key is invalid: The provided key element does not match "
             "the schema")):
        with pytest.raises(ClientError) as e:
            call()
        assert error(e) == ("ValidationException", 400, message)
