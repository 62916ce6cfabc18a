"""IAM decides DynamoDB calls with the actions AWS names: per item for transactions
(dynamodb:ConditionCheckItem, PutItem, ...), per statement for PartiQL (PartiQLSelect, ...)."""
import itertools
import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import make_table

_accounts = itertools.count(1)


@pytest.fixture
def limited(nuvem):
    """(root client, a client of a user who may only PartiQLSelect and PutItem on table `allowed`
    and ConditionCheckItem on it, in an account of its own)."""
    account = f"{700000000000 + next(_accounts) * 7919 + uuid.uuid4().int % 7000:012d}"
    iam = nuvem.client("iam", key=account)
    root = nuvem.client("dynamodb", key=account)
    for name in ("allowed", "denied"):
        make_table(root, name)
    arn = f"arn:aws:dynamodb:us-east-1:{account}:table/allowed"
    iam.create_user(UserName="app")
    iam.put_user_policy(UserName="app", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Resource": arn,
            "Action": ["dynamodb:PartiQLSelect", "dynamodb:PutItem",
                       "dynamodb:ConditionCheckItem"]}]}))
    key = iam.create_access_key(UserName="app")["AccessKey"]
    user = boto3.client("dynamodb", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))
    return root, user


def denied(call) -> str:
    with pytest.raises(ClientError) as e:
        call()
    error = e.value.response["Error"]
    assert (error["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("AccessDeniedException", 400)
    return error["Message"]


def test_partiql_needs_the_statements_action(limited):
    root, user = limited
    root.put_item(TableName="allowed", Item={"pk": {"S": "a"}})
    got = user.execute_statement(Statement='SELECT * FROM "allowed" WHERE pk = ?',
                                 Parameters=[{"S": "a"}])
    assert got["Items"] == [{"pk": {"S": "a"}}]
    message = denied(lambda: user.execute_statement(
        Statement="INSERT INTO \"allowed\" VALUE {'pk': 'b'}"))
    assert "dynamodb:PartiQLInsert" in message
    assert "dynamodb:PartiQLSelect" in denied(lambda: user.execute_statement(
        Statement='SELECT * FROM "denied"'))
    assert root.scan(TableName="allowed", Select="COUNT")["Count"] == 1


def test_transactions_need_each_items_action(limited):
    root, user = limited
    user.transact_write_items(TransactItems=[
        {"Put": {"TableName": "allowed", "Item": {"pk": {"S": "t1"}}}},
        {"ConditionCheck": {"TableName": "allowed", "Key": {"pk": {"S": "zz"}},
                            "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert "dynamodb:DeleteItem" in denied(lambda: user.transact_write_items(TransactItems=[
        {"Put": {"TableName": "allowed", "Item": {"pk": {"S": "t2"}}}},
        {"Delete": {"TableName": "allowed", "Key": {"pk": {"S": "t1"}}}}]))
    assert "dynamodb:PutItem" in denied(lambda: user.transact_write_items(TransactItems=[
        {"Put": {"TableName": "denied", "Item": {"pk": {"S": "t3"}}}}]))
    keys = {i["pk"]["S"] for i in root.scan(TableName="allowed")["Items"]}
    assert keys == {"t1"}
    assert "dynamodb:GetItem" in denied(lambda: user.transact_get_items(TransactItems=[
        {"Get": {"TableName": "allowed", "Key": {"pk": {"S": "t1"}}}}]))


def test_a_table_policy_deny_stops_the_owners_root_too(nuvem, tname):
    root = nuvem.client("dynamodb")
    make_table(root, tname)
    arn = root.describe_table(TableName=tname)["Table"]["TableArn"]
    root.put_item(TableName=tname, Item={"pk": {"S": "a"}})
    root.put_resource_policy(ResourceArn=arn, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "dynamodb:PutItem", "Resource": arn}]}))
    assert "dynamodb:PutItem" in denied(
        lambda: root.put_item(TableName=tname, Item={"pk": {"S": "b"}}))
    assert root.get_item(TableName=tname, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
