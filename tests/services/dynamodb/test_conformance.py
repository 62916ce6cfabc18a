"""Edge cases of DynamoDB's item API that independent conformance suites (written to pass against
DynamoDB itself) check: error codes and messages, and results AWS gives in corner cases."""
import functools

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import NESTING, error, make_table, nested


def test_removing_from_a_missing_item_creates_nothing(ddb, tname):
    # a nested REMOVE is no error when the item does not exist (but is when only the attribute
    # is missing), and an update that only removes does not create the item
    make_table(ddb, tname)
    key = {"pk": {"S": "a"}}
    for update in ("REMOVE x.y, z[0]", "REMOVE x"):
        ddb.update_item(TableName=tname, Key=key, UpdateExpression=update)
    ddb.update_item(TableName=tname, Key=key, UpdateExpression="DELETE s :v",
                    ExpressionAttributeValues={":v": {"SS": ["x"]}})
    ddb.update_item(TableName=tname, Key=key, AttributeUpdates={"x": {"Action": "DELETE"}})
    ddb.transact_write_items(TransactItems=[{"Update": {
        "TableName": tname, "Key": key, "UpdateExpression": "REMOVE x"}}])
    assert "Item" not in ddb.get_item(TableName=tname, Key=key)
    ddb.update_item(TableName=tname, Key=key, UpdateExpression="SET b = :v REMOVE x",
                    ExpressionAttributeValues={":v": {"S": "b"}})
    assert ddb.get_item(TableName=tname, Key=key)["Item"] == {**key, "b": {"S": "b"}}
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE x.y")
    assert error(e) == ("ValidationException", 400, "The document path provided in the update "
                        "expression is invalid for update")


@pytest.mark.parametrize("value,message", [
    ({"NS": []}, "One or more parameter values were invalid: An number set  may not be empty"),
    ({"SS": ["a", "a"]},
     "One or more parameter values were invalid: Input collection [a, a] contains duplicates."),
    ({"N": "abc"}, "The parameter cannot be converted to a numeric value: abc"),
    ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
])
def test_expression_values_are_checked_up_front(ddb, tname, value, message):
    # even where the value is only compared (a condition) or removed from a set (DELETE)
    make_table(ddb, tname)
    expected = ("ValidationException", 400,
                f"ExpressionAttributeValues contains invalid value: {message} for key :v")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}}, ConditionExpression="a = :v",
                     ExpressionAttributeValues={":v": value})
    assert error(e) == expected
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}}, UpdateExpression="DELETE s :v",
                        ExpressionAttributeValues={":v": value})
    assert error(e) == expected


def test_query_start_key_must_lie_within_the_key_conditions(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    for i in range(10):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}})

    def query(condition, start, **values):
        return ddb.query(TableName=tname, KeyConditionExpression=condition,
                         ExclusiveStartKey={"pk": {"S": start[0]}, "sk": {"N": start[1]}},
                         ExpressionAttributeValues={":p": {"S": "a"}, **{
                             f":{k}": {"N": v} for k, v in values.items()}})

    with pytest.raises(ClientError) as e:
        query("pk = :p", ("b", "3"))
    assert error(e) == ("ValidationException", 400, "The provided starting key is outside query "
                        "boundaries based on provided conditions")
    with pytest.raises(ClientError) as e:
        query("pk = :p AND sk > :s", ("a", "3"), s="5")
    assert error(e) == ("ValidationException", 400,
                        "The provided starting key does not match the range key predicate")
    assert query("pk = :p AND sk > :s", ("a", "7"), s="5")["Count"] == 2
    assert query("pk = :p AND sk BETWEEN :s AND :t", ("a", "7"), s="2", t="8")["Count"] == 1


def test_legacy_parameter_values_are_checked(ddb, tname):
    make_table(ddb, tname)
    key = {"pk": {"S": "a"}}
    empty = ("ValidationException", 400,
             "One or more parameter values were invalid: An number set  may not be empty")
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=tname, Key=key,
                        AttributeUpdates={"s": {"Action": "DELETE", "Value": {"NS": []}}})
    assert error(e) == empty
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=tname, Item=key, Expected={"s": {"Value": {"NS": []}}})
    assert error(e) == empty
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=tname, ScanFilter={"s": {"ComparisonOperator": "EQ",
                                                    "AttributeValueList": [{"N": "x"}]}})
    assert error(e) == ("ValidationException", 400,
                        "The parameter cannot be converted to a numeric value: x")


def test_arithmetic_past_38_digits_is_an_overflow(ddb, tname):
    make_table(ddb, tname)
    for update in ("SET n = :a + :b", "SET n = :a - :b", "ADD n :b"):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "n": {"N": "1e50"}})
        with pytest.raises(ClientError) as e:
            ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}}, UpdateExpression=update,
                            ExpressionAttributeValues={":a": {"N": "1e50"}, ":b": {"N": "1"}}
                            if ":a" in update else {":b": {"N": "1"}})
        assert error(e) == ("ValidationException", 400, "Number overflow. Attempting to store a "
                            "number with magnitude larger than supported range")


def test_index_names_must_match_the_pattern(ddb, tname):
    index = {"IndexName": "bad@name", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}}
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=tname, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         GlobalSecondaryIndexes=[index])
    assert error(e) == ("ValidationException", 400, "1 validation error detected: Value "
                        "'bad@name' at 'globalSecondaryIndexes.1.member.indexName' failed to "
                        "satisfy constraint: Member must satisfy regular expression pattern: "
                        "[a-zA-Z0-9_.-]+")
    make_table(ddb, tname)
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=tname, GlobalSecondaryIndexUpdates=[{"Create": index}])
    assert error(e)[2] == ("1 validation error detected: Value 'bad@name' at "
                           "'globalSecondaryIndexUpdates.1.member.create.indexName' failed to "
                           "satisfy constraint: Member must satisfy regular expression pattern: "
                           "[a-zA-Z0-9_.-]+")


def test_document_paths_into_key_attributes_are_refused(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "S"), lsis=[("by-x", "pk", "x", "ALL")],
               attrs=[("x", "S")])
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    message = ("Key attributes must be scalars; list random access '[]' and map lookup '.' are "
               "not allowed: ")
    calls = [
        (lambda: ddb.get_item(TableName=tname, Key=key, ProjectionExpression="sk.y"), "Key: sk"),
        (lambda: ddb.scan(TableName=tname, ProjectionExpression="x[0]"), "IndexKey: x"),
        (lambda: ddb.scan(TableName=tname, FilterExpression="attribute_exists(pk.y)"),
         "Key: pk"),
        (lambda: ddb.query(TableName=tname, KeyConditionExpression="pk = :p",
                           FilterExpression="x.y = :p",
                           ExpressionAttributeValues={":p": {"S": "a"}}), "IndexKey: x"),
        (lambda: ddb.update_item(TableName=tname, Key=key, UpdateExpression="SET x.y = :v",
                                 ExpressionAttributeValues={":v": {"S": "v"}}), "IndexKey: x"),
        (lambda: ddb.update_item(TableName=tname, Key=key, UpdateExpression="SET z = x[1]"),
         "IndexKey: x"),
    ]
    for call, which in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error(e) == ("ValidationException", 400, message + which)


def test_table_key_has_at_most_two_attributes(ddb, tname):
    with pytest.raises(ClientError) as e:
        ddb.create_table(TableName=tname, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": n, "KeyType": t} for n, t in
                                    (("a", "HASH"), ("b", "RANGE"), ("c", "RANGE"))],
                         AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                                               for n in "abc"])
    assert error(e) == ("ValidationException", 400, "1 validation error detected: Value "
                        "'[KeySchemaElement(attributeName=a, keyType=HASH), KeySchemaElement("
                        "attributeName=b, keyType=RANGE), KeySchemaElement(attributeName=c, "
                        "keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member "
                        "must have length less than or equal to 2")


def test_on_demand_since_creation(ddb, tname):
    make_table(ddb, tname)
    table = ddb.describe_table(TableName=tname)["Table"]
    assert table["BillingModeSummary"] == {
        "BillingMode": "PAY_PER_REQUEST",
        "LastUpdateToPayPerRequestDateTime": table["CreationDateTime"]}


def test_key_size_limits(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "B"))
    ddb.put_item(TableName=tname, Item={"pk": {"S": "é" * 1024}, "sk": {"B": b"x" * 1024}})
    cases = [({"pk": {"S": "é" * 1024 + "x"}, "sk": {"B": b"x"}},
              "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
             ({"pk": {"S": "a"}, "sk": {"B": b"x" * 1025}},
              "Aggregated size of all range keys has exceeded the size limit of 1024 bytes")]
    for key, message in cases:
        for call in (lambda: ddb.put_item(TableName=tname, Item=key),
                     lambda: ddb.get_item(TableName=tname, Key=key)):
            with pytest.raises(ClientError) as e:
                call()
            assert error(e) == ("ValidationException", 400,
                                "One or more parameter values were invalid: " + message)


def test_conditions_have_at_most_300_operators(ddb, tname):
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "a": {"N": "1"}, "b": {"N": "2"}})

    def update(condition):
        return ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}},
                               UpdateExpression="SET z = :v", ConditionExpression=condition,
                               ExpressionAttributeValues={":v": {"N": "1"}})

    update("a<b " + "or (a<b " * 149 + ")" * 149)        # 299 operators
    for condition in ("a<b " + "or (a<b " * 454 + ")" * 454, "not " * 1000 + "a<b"):
        with pytest.raises(ClientError) as e:
            update(condition)
        assert error(e) == ("ValidationException", 400, "Invalid ConditionExpression: The "
                            "expression contains too many operators; operator count: 301")


def test_conditional_operator_needs_two_conditions(ddb, tname):
    make_table(ddb, tname)
    key = {"pk": {"S": "a"}}
    one = {"x": {"ComparisonOperator": "NULL"}}
    two = {**one, "y": {"ComparisonOperator": "NULL"}}
    without = "ConditionalOperator cannot be used without Filter or Expected"
    single = "ConditionalOperator can only be used when Filter or Expected has two or more elements"
    calls = [
        (lambda: ddb.put_item(TableName=tname, Item=key, ConditionalOperator="OR"), without),
        (lambda: ddb.delete_item(TableName=tname, Key=key, Expected={}, ConditionalOperator="OR"),
         without),
        (lambda: ddb.update_item(TableName=tname, Key=key, Expected={"x": {"Exists": False}},
                                 ConditionalOperator="AND"), single),
        (lambda: ddb.scan(TableName=tname, ScanFilter=one, ConditionalOperator="OR"), single),
        (lambda: ddb.query(TableName=tname, ConditionalOperator="OR",
                           KeyConditions={"pk": {"ComparisonOperator": "EQ",
                                                 "AttributeValueList": [{"S": "a"}]}}), without),
    ]
    for call, message in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error(e) == ("ValidationException", 400, message)
    assert ddb.scan(TableName=tname, ScanFilter=two, ConditionalOperator="OR")["Count"] == 0


def test_tag_characters_and_duplicates(ddb, tname):
    make_table(ddb, tname)
    arn = ddb.describe_table(TableName=tname)["Table"]["TableArn"]
    # letters, spaces and digits of any script, and _ . : / = + - @
    good = [{"Key": "ключ 表\u00a0café", "Value": "a+b-c=d.e_f:g/h@i 7"}]
    ddb.tag_resource(ResourceArn=arn, Tags=good)
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == good
    for tags, message in [
            ([{"Key": "a&b", "Value": "v"}], "The Tag Key provided is invalid, Key: a&b"),
            ([{"Key": "k", "Value": "100%"}], "The Tag Value provided is invalid, Value: 100%"),
            ([{"Key": "k", "Value": "🔑"}], "The Tag Value provided is invalid, Value: 🔑"),
            ([{"Key": "d", "Value": "1"}, {"Key": "d", "Value": "2"}],
             "Duplicate Tag Keys provided as input: Duplicate Tag Key found d")]:
        with pytest.raises(ClientError) as e:
            ddb.tag_resource(ResourceArn=arn, Tags=tags)
        assert error(e) == ("ValidationException", 400, message)
    with pytest.raises(ClientError) as e:
        ddb.untag_resource(ResourceArn=arn, TagKeys=[str(i) for i in range(51)])
    assert error(e) == ("ValidationException", 400, "Number of Tags exceed the current limit for "
                        "the provided ResourceArn")


def test_documents_nest_at_most_32_levels(ddb, tname):
    make_table(ddb, tname)

    def nested(levels):                 # the attribute is level 1, its leaf level `levels`
        value = {"S": "leaf"}
        for _ in range(levels - 1):
            value = {"M": {"n": value}}
        return value

    message = ("Nesting Levels have exceeded supported limits: Attributes in the item have "
               "nested levels beyond supported limit")
    ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "d": nested(32)})
    assert ddb.get_item(TableName=tname, Key={"pk": {"S": "a"}})["Item"]["d"] == nested(32)
    with pytest.raises(ClientError) as e:   # PutItem's in the validation envelope (nubo-db's)
        ddb.put_item(TableName=tname, Item={"pk": {"S": "b"}, "d": nested(33)})
    assert error(e) == ("ValidationException", 400, f"1 validation error detected: {message}")
    for call in (
            lambda: ddb.batch_write_item(RequestItems={tname: [
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "d": nested(33)}}}]}),
            lambda: ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": tname, "Item": {"pk": {"S": "b"}, "d": nested(33)}}}]),
            lambda: ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}},
                                    UpdateExpression="SET d.n = :v",
                                    ExpressionAttributeValues={":v": nested(32)})):
        with pytest.raises(ClientError) as e:
            call()
        assert error(e) == ("ValidationException", 400, message)


def _refused(call):
    with pytest.raises(ClientError) as e:
        call()
    return error(e)


def test_single_item_operations_word_nesting_by_depth(ddb, tname):
    # nubo-db/dynamodb-conformance tier3 limits/nestingDepth (us-east-1, 2026-10): PutItem and
    # UpdateItem put the refusal in the validation envelope, until the request reader refuses
    # the value itself (past about 62 levels)
    make_table(ddb, tname)
    envelope = ("ValidationException", 400, f"1 validation error detected: {NESTING}")
    for wraps, answer in ((32, envelope), (61, envelope),
                          (63, ("ValidationException", 400, NESTING))):
        assert _refused(lambda: ddb.put_item(TableName=tname, Item={
            "pk": {"S": "deep"}, "d": nested(wraps)})) == answer
    ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}})

    def update(deep):
        return ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}},
                               UpdateExpression="SET touched = :t",
                               ConditionExpression="#d = :deep",
                               ExpressionAttributeNames={"#d": "data"},
                               ExpressionAttributeValues={":t": {"S": "y"}, ":deep": deep})
    assert _refused(lambda: update(nested(31)))[0] == "ConditionalCheckFailedException"
    assert _refused(lambda: update(nested(32))) == envelope
    assert _refused(lambda: update(nested(63))) == (
        "ValidationException", 400,
        f"ExpressionAttributeValues contains invalid value: {NESTING} for key :deep")


def test_transactions_take_expression_values_a_level_deeper(ddb, tname):
    # nubo-db/dynamodb-conformance tier3 limits/nestingDepth, TransactWriteItems (us-east-1)
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}})

    def check(deep, table=tname):
        return ddb.transact_write_items(TransactItems=[{"ConditionCheck": {
            "TableName": table, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "#d = :deep",
            "ExpressionAttributeNames": {"#d": "data"}, "ExpressionAttributeValues": {
                ":deep": deep}}}])
    with pytest.raises(ClientError) as e:       # the condition is evaluated
        check(nested(32))
    assert [r["Code"] for r in e.value.response["CancellationReasons"]] == [
        "ConditionalCheckFailed"]
    named = ("ValidationException", 400,
             f"ExpressionAttributeValues contains invalid value: {NESTING} for key :deep")
    deep_list = {"S": "leaf"}
    for _ in range(61):
        deep_list = {"L": [deep_list]}
    assert _refused(lambda: check(nested(33))) == named
    assert _refused(lambda: check(deep_list)) == named
    assert _refused(lambda: check(nested(61), table="no-such-table")) == named
    with pytest.raises(ClientError) as e:       # writing it into the item cancels
        ddb.transact_write_items(TransactItems=[{"Update": {
            "TableName": tname, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET deep = :deep",
            "ExpressionAttributeValues": {":deep": nested(32)}}}])
    assert e.value.response["CancellationReasons"] == [{
        "Code": "ValidationError", "Message": "Nesting Levels have exceeded supported limits"}]


def test_update_table_index_keys_are_declared_again_with_their_type(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "S"), gsis=[("by-x", "x", None, "ALL")],
               attrs=[("x", "S")])

    def create(definitions, key):
        ddb.update_table(TableName=tname, AttributeDefinitions=definitions,
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "by-new", "KeySchema": key,
                             "Projection": {"ProjectionType": "ALL"}}}])
    x_hash = [{"AttributeName": "x", "KeyType": "HASH"}]
    with pytest.raises(ClientError) as e:      # the table knows x, but the request must say it
        create([], x_hash)
    assert error(e) == ("ValidationException", 400, "One or more parameter values were invalid: "
                        "Some index key attributes are not defined in AttributeDefinitions. "
                        "Keys: [x], AttributeDefinitions: []")
    with pytest.raises(ClientError) as e:
        create([{"AttributeName": "x", "AttributeType": "N"}],
               x_hash + [{"AttributeName": "sk", "KeyType": "RANGE"}])
    assert error(e)[2] == ("One or more parameter values were invalid: Some index key attributes "
                           "are not defined in AttributeDefinitions. Keys: [x, sk], "
                           "AttributeDefinitions: [x]")
    with pytest.raises(ClientError) as e:
        create([{"AttributeName": "x", "AttributeType": "N"}], x_hash)
    assert error(e) == ("ValidationException", 400, "One or more parameter values were invalid: "
                        "Attributes cannot be redefined. Please check that your attribute has "
                        "the same type as previously defined. Existing schema: "
                        "Schema:[SchemaElement: key{x:S:HASH}] New schema: "
                        "Schema:[SchemaElement: key{x:N:HASH}]")
    create([{"AttributeName": "x", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"}],
           x_hash + [{"AttributeName": "sk", "KeyType": "RANGE"}])
    table = ddb.describe_table(TableName=tname)["Table"]
    assert [d["AttributeName"] for d in table["AttributeDefinitions"]] == ["pk", "sk", "x"]


def test_table_class_summary_shown_once_a_request_names_the_class(ddb, tname):
    make_table(ddb, tname)
    assert "TableClassSummary" not in ddb.describe_table(TableName=tname)["Table"]
    ddb.update_table(TableName=tname, TableClass="STANDARD_INFREQUENT_ACCESS")
    ddb.update_table(TableName=tname, TableClass="STANDARD")
    summary = ddb.describe_table(TableName=tname)["Table"]["TableClassSummary"]
    assert summary["TableClass"] == "STANDARD" and "LastUpdateDateTime" in summary
    other = tname + "-explicit"
    ddb.create_table(TableName=other, BillingMode="PAY_PER_REQUEST", TableClass="STANDARD",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    assert ddb.describe_table(TableName=other)["Table"]["TableClassSummary"] == {
        "TableClass": "STANDARD"}
    ddb.delete_table(TableName=other)


def test_warm_throughput_reported_and_only_raised(ddb, tname):
    make_table(ddb, tname)
    table = ddb.describe_table(TableName=tname)["Table"]    # every table has the baseline
    assert table["WarmThroughput"] == {"ReadUnitsPerSecond": 12000,
                                       "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    ddb.update_table(TableName=tname, WarmThroughput={"ReadUnitsPerSecond": 13000})
    assert ddb.describe_table(TableName=tname)["Table"]["WarmThroughput"] == {
        "ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    for units, reason in [({"ReadUnitsPerSecond": 12500}, "lower than current WarmThroughput"),
                          ({"WriteUnitsPerSecond": 3999}, "lower than the minimum")]:
        with pytest.raises(ClientError) as e:
            ddb.update_table(TableName=tname, WarmThroughput=units)
        assert error(e)[:2] == ("ValidationException", 400)
        assert next(iter(units)) in error(e)[2] and reason in error(e)[2]
    schema = dict(BillingMode="PAY_PER_REQUEST",
                  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    created = ddb.create_table(TableName=tname + "-warm", **schema, WarmThroughput={
        "ReadUnitsPerSecond": 12240, "WriteUnitsPerSecond": 4080})["TableDescription"]
    assert created["WarmThroughput"]["ReadUnitsPerSecond"] == 12240
    ddb.delete_table(TableName=tname + "-warm")
    # CreateTable echoes only a warm throughput the request configured
    created = ddb.create_table(TableName=tname + "-plain", **schema)["TableDescription"]
    assert "WarmThroughput" not in created
    ddb.delete_table(TableName=tname + "-plain")


def test_expression_attribute_names_cannot_be_empty(ddb, tname):
    make_table(ddb, tname)
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}}, UpdateExpression="SET #n = :v",
                        ExpressionAttributeNames={"#n": ""},
                        ExpressionAttributeValues={":v": {"S": "v"}})
    assert error(e) == ("ValidationException", 400, "ExpressionAttributeNames contains invalid "
                        "value: Empty attribute name for key #n")


def test_key_conditions_go_with_filter_and_projection_expressions(ddb, tname):
    # Alternator's AWS-run test_projection_expression.py::test_projection_expression_query and
    # test_limits.py::test_limit_expression_len query with KeyConditions beside a
    # ProjectionExpression or FilterExpression: only KeyConditionExpression clashes with it
    make_table(ddb, tname, range_key=("sk", "S"))
    for i in range(3):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "a"}, "sk": {"S": str(i)},
                                            "m": {"M": {"x": {"N": str(i)}}}, "b": {"S": "b"}})
    key = {"pk": {"AttributeValueList": [{"S": "a"}], "ComparisonOperator": "EQ"}}
    got = ddb.query(TableName=tname, KeyConditions=key, ProjectionExpression="m.x, #b",
                    FilterExpression="m.x > :v", ExpressionAttributeNames={"#b": "b"},
                    ExpressionAttributeValues={":v": {"N": "0"}})
    assert got["Items"] == [{"m": {"M": {"x": {"N": str(i)}}}, "b": {"S": "b"}} for i in (1, 2)]
    mixes = [({"ProjectionExpression": "m", "AttributesToGet": ["m"]},
              "Non-expression parameters: {AttributesToGet} "
              "Expression parameters: {ProjectionExpression}"),
             ({"KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": {":v": {"S": "a"}}},
              "Non-expression parameters: {KeyConditions} "
              "Expression parameters: {KeyConditionExpression}")]
    for extra, parameters in mixes:
        with pytest.raises(ClientError) as e:
            ddb.query(TableName=tname, KeyConditions=key, **extra)
        assert error(e) == ("ValidationException", 400, "Can not use both expression and "
                            "non-expression parameters in the same request: " + parameters)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=tname, KeyConditions=key, FilterExpression="sk = :v",
                  ExpressionAttributeValues={":v": {"S": "1"}})
    assert error(e) == ("ValidationException", 400, "Filter Expression can only contain "
                        "non-primary key attributes: Primary key attribute: sk")


def refused(ddb, table: str, operation: str, **params) -> str:
    """The message of the ValidationException (400) that a call on `table` gets."""
    with pytest.raises(ClientError) as e:
        getattr(ddb, operation)(TableName=table, **params)
    code, status, message = error(e)
    assert (code, status) == ("ValidationException", 400)
    return message


def test_request_checked_before_the_table_key_schema(nuvem, tname):
    # dynalite's AWS-recorded updateItem.js, getItem.js and putItem.js validations: the Key's
    # (or Item's) values, then the expressions, then the key matched to the table's schema
    ddb = nuvem.client("dynamodb", parameter_validation=False)
    make_table(ddb, tname)

    refusal = functools.partial(refused, ddb, tname)

    # the expressions before the key schema ("syntax errors in UpdateExpression", ...)
    assert refusal("update_item", Key={}, UpdateExpression="set a b").startswith(
        "Invalid UpdateExpression: Syntax error; ")
    assert refusal("update_item", Key={}, UpdateExpression="remove a",
                   ExpressionAttributeNames={"#a": "a"}) == (
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}")
    assert refusal("delete_item", Key={}, ConditionExpression="") == (
        "Invalid ConditionExpression: The expression can not be empty;")
    assert refusal("get_item", Key={}, AttributesToGet=["a", "a"]) == (
        "One or more parameter values were invalid: Duplicate value in attribute name: a")
    assert refusal("put_item", Item={}, Expected={"a": {}}) == (
        "One or more parameter values were invalid: Value must be provided when Exists is null "
        "for Attribute: a")
    # the Key's values before the expressions, but after the mixing check
    assert refusal("update_item", Key={"pk": {}}, ConditionExpression="", UpdateExpression="",
                   ExpressionAttributeNames={}, ExpressionAttributeValues={}) == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    assert refusal("update_item", Key={"pk": {}}, Expected={"a": {}},
                   ExpressionAttributeNames={}) == (
        "ExpressionAttributeNames can only be specified when using expressions")
    # the schema last
    assert refusal("update_item", Key={"pk": {"N": "1"}}, UpdateExpression="set a = :v",
                   ExpressionAttributeValues={":v": {"S": "a"}}) == (
        "The provided key element does not match the schema")
    # a number beside another type is read first ("empty/invalid numbers in Key")
    assert refusal("update_item", Key={"pk": {"S": "a", "N": "b"}}) == (
        "The parameter cannot be converted to a numeric value: b")


def test_list_elements_past_the_end_are_appended_by_index_across_clauses(ddb, tname):
    # dynalite's AWS-recorded updateItem.js 'should update nested attributes': SET and ADD
    # elements past a list's end are appended in index order, whichever clause names them
    make_table(ddb, tname)
    key = {"pk": {"S": "a"}}
    ddb.update_item(TableName=tname, Key=key, UpdateExpression="SET b = :b, c = :c",
                    ExpressionAttributeValues={
                        ":b": {"M": {"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "3"}}},
                        ":c": {"L": [{"N": "1"}, {"N": "3"}]}})
    got = ddb.update_item(
        TableName=tname, Key=key, ReturnValues="UPDATED_NEW",
        UpdateExpression="SET b.c = ((c[1]) + (b.a)), b.a = pk, c[1] = pk, c[4] = b.a - b.b, "
                         "c[2] = b.c ADD c[8] :s, c[6] :n",
        ExpressionAttributeValues={":n": {"N": "2"}, ":s": {"SS": ["a"]}})
    assert got["Attributes"] == {"b": {"M": {"a": key["pk"], "c": {"N": "4"}}},
                                 "c": {"L": [key["pk"], {"N": "3"}, {"N": "2"}]}}
    item = ddb.get_item(TableName=tname, Key=key)["Item"]
    assert item["c"] == {"L": [{"N": "1"}, key["pk"], {"N": "3"}, {"N": "-1"}, {"N": "2"},
                               {"SS": ["a"]}]}


def test_expected_value_and_list_clash_without_an_operator(ddb, tname):
    # dynalite's AWS-recorded deleteItem.js 'AttributeValueList and Value are used together'
    make_table(ddb, tname)
    with pytest.raises(ClientError) as e:
        ddb.delete_item(TableName=tname, Key={"pk": {"S": "a"}},
                        Expected={"a": {"Value": {"S": "a"}, "AttributeValueList": []}})
    assert error(e) == ("ValidationException", 400, "One or more parameter values were invalid: "
                        "Value and AttributeValueList cannot be used together for Attribute: a")


def test_query_and_scan_check_the_request_in_dynamodbs_order(nuvem, tname):
    # dynalite's AWS-recorded scan.js and query.js validations: after the mixing check,
    # AttributesToGet, the legacy conditions, the ExclusiveStartKey's values, the segments, and
    # only then the expression attribute names and values and the table's schema
    ddb = nuvem.client("dynamodb", parameter_validation=False)
    make_table(ddb, tname, range_key=("sk", "S"))

    refusal = functools.partial(refused, ddb, tname)

    bad_filter = {"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{}]}}
    assert refusal("scan", Segment=1, ScanFilter=bad_filter, ExclusiveStartKey={"a": {}},
                   AttributesToGet=["a", "a"]) == (
        "One or more parameter values were invalid: Duplicate value in attribute name: a")
    assert refusal("scan", Segment=1, ScanFilter=bad_filter, ExclusiveStartKey={"a": {}}) == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    assert refusal("scan", TotalSegments=1, FilterExpression="", ExpressionAttributeNames={},
                   ExclusiveStartKey={"a": {"S": "a", "N": "b"}}) == (
        "The provided starting key is invalid: The parameter cannot be converted to a numeric "
        "value: b")
    assert refusal("scan", Segment=1, FilterExpression="", ExpressionAttributeNames={}) == (
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present")
    # names and values given without expressions come before ConditionalOperator's count
    assert refusal("scan", ScanFilter=bad_filter, ConditionalOperator="OR",
                   ExpressionAttributeNames={}) == (
        "ExpressionAttributeNames can only be specified when using expressions")
    # KeyConditions: each condition's values and argument count, then how many there are
    # (worded apart from the filters'), all before the key schema and the start key's
    null = {"ComparisonOperator": "NULL"}
    assert refusal("query", KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "b"}]},
        "sk": null, "c": null}) == "The parameter cannot be converted to a numeric value: b"
    assert refusal("query", KeyConditions={"pk": {"ComparisonOperator": "EQ"}, "sk": null}) == (
        "The attempted filter operation is not supported for the provided filter argument count")
    assert refusal("query", KeyConditions={}) == "Conditions can be of length 1 or 2 only"
    assert refusal("query", KeyConditions={"pk": null}, ExclusiveStartKey={"pk": {}}) == (
        "The provided starting key is invalid: Supplied AttributeValue is empty, must contain "
        "exactly one of the supported datatypes")
    assert refusal("query", KeyConditions={"pk": null}, AttributesToGet=["a", "a"]) == (
        "One or more parameter values were invalid: Duplicate value in attribute name: a")
    assert refusal("query", KeyConditions={"pk": null}) == (
        "Attempted conditional constraint is not an indexable operation")


def test_scan_start_keys_of_an_index_are_checked_first_by_size_and_index_keys(nuvem, tname):
    # dynalite's AWS-recorded scan.js 'ExclusiveStartKey is invalid for local index', '... does
    # not match schema for global index', 'global hash in ExclusiveStartKey but bad in query',
    # 'ExclusiveStartKey does not match schema', 'specifying ALL_ATTRIBUTES when global index
    # does not have ALL'
    ddb = nuvem.client("dynamodb", parameter_validation=False)
    make_table(ddb, tname, range_key=("sk", "S"), attrs=[("g", "S")],
               gsis=[("by-g", "g", None, "KEYS_ONLY")])

    def refusal(**params):
        with pytest.raises(ClientError) as e:
            ddb.scan(TableName=tname, **params)
        code, status, message = error(e)
        assert (code, status) == ("ValidationException", 400)
        return message

    s, n = {"S": "a"}, {"N": "1"}
    invalid, mismatch = "The provided starting key is invalid", \
        "The provided key element does not match the schema"
    for start, message in (({"pk": s, "sk": s}, invalid),                 # a key short
                           ({"pk": s, "sk": s, "x": s}, invalid),         # the index key missing
                           ({"x": s, "y": s, "g": n}, mismatch),          # the index key's type
                           ({"x": n, "y": n, "g": s}, f"{invalid}: {mismatch}"),
                           ({"pk": n, "sk": s, "g": s}, f"{invalid}: {mismatch}")):
        assert refusal(IndexName="by-g", ExclusiveStartKey=start) == message
    assert refusal(IndexName="by-g", Select="ALL_ATTRIBUTES",
                   ExclusiveStartKey={"x": n, "y": n, "g": s}).startswith(
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported")
    assert refusal(IndexName="by-g", Select="ALL_ATTRIBUTES",
                   ExclusiveStartKey={"pk": s, "g": s}) == invalid
    # the table's start key comes before the filter's paths into a key
    assert refusal(FilterExpression="attribute_exists(pk.b)", ExclusiveStartKey={"pk": n}) == (
        f"{invalid}: {mismatch}")


def test_a_bad_request_on_a_missing_table_gets_the_validation_error(nuvem):
    # dynalite's AWS-recorded putItem.js, getItem.js, deleteItem.js, updateItem.js, query.js and
    # scan.js validations run against a table that does not exist: DynamoDB checks the request
    # before it looks for the table
    ddb = nuvem.client("dynamodb", parameter_validation=False)
    name = "no-such-table-for-validation"

    def refusal(operation, **params):
        with pytest.raises(ClientError) as e:
            getattr(ddb, operation)(TableName=name, **params)
        return error(e)

    def invalid(message):
        return ("ValidationException", 400, message)

    empty = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    assert refusal("put_item", Item={"a": {}}) == invalid(empty)
    assert refusal("put_item", Item={"a": {"S": "k"}, "b": {"S": "x" * 409600}}) == invalid(
        "Item size has exceeded the maximum allowed size")
    assert refusal("get_item", Key={"a": {"N": "b"}}) == invalid(
        "The parameter cannot be converted to a numeric value: b")
    assert refusal("get_item", Key={}, AttributesToGet=["a", "a"]) == invalid(
        "One or more parameter values were invalid: Duplicate value in attribute name: a")
    assert refusal("delete_item", Key={}, Expected={"a": {"ComparisonOperator": "LT"}}) == \
        invalid("One or more parameter values were invalid: Value or AttributeValueList must be "
                "used with ComparisonOperator: LT for Attribute: a")
    assert refusal("update_item", Key={}, UpdateExpression="set a b")[2].startswith(
        "Invalid UpdateExpression: Syntax error; ")
    assert refusal("query", KeyConditions={}) == invalid("Conditions can be of length 1 or 2 only")
    assert refusal("scan", ExclusiveStartKey={"a": {}}) == invalid(
        "The provided starting key is invalid: " + empty)
    # a valid request is answered that the table is missing
    assert refusal("get_item", Key={"a": {"S": "k"}})[:2] == ("ResourceNotFoundException", 400)
