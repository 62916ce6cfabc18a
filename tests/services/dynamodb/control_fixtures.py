"""Fixtures and helpers of the control-plane tests (tables, streams, TTL, backups); the test
modules import them by name."""
import itertools
import re

import pytest

from tests.services.dynamodb.conftest import error

_names = itertools.count()


@pytest.fixture
def dynamodb(nuvem):
    return nuvem.client("dynamodb")


@pytest.fixture
def streams(nuvem):
    return nuvem.client("dynamodbstreams")


@pytest.fixture
def table_name(request):
    """A table name unique in the session (tests share one server)."""
    return f"c-{re.sub(r'[^A-Za-z0-9_.-]', '-', request.node.name[:40])}-{next(_names)}"


fail = error     # (code, HTTP status, message) of a botocore ClientError


def advance(server, seconds: float) -> None:
    server.admin("POST", "/_nuvem/clock", {"advance": seconds})


def simple_table(client, name, *, range_key=False, **kwargs):
    """An on-demand table keyed pk (S) [and sk (S)]."""
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    defs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        defs.append({"AttributeName": "sk", "AttributeType": "S"})
    kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
    kwargs.setdefault("AttributeDefinitions", defs)
    return client.create_table(TableName=name, KeySchema=schema, **kwargs)["TableDescription"]
