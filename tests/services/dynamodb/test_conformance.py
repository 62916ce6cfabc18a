"""Edge cases of DynamoDB's item API that independent conformance suites (written to pass against
DynamoDB itself) check: error codes and messages, and results AWS gives in corner cases."""
import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import error, make_table


def test_nested_remove_on_missing_item_creates_it(ddb, tname):
    # DynamoDB ignores a nested REMOVE when the item does not exist (but not when only the
    # attribute is missing)
    make_table(ddb, tname)
    ddb.update_item(TableName=tname, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE x.y, z[0]")
    assert ddb.get_item(TableName=tname, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
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
