import itertools
import re

import pytest

_names = itertools.count()


@pytest.fixture
def ddb(nuvem):
    return nuvem.client("dynamodb")


@pytest.fixture
def tname(request):
    """A table name unique in the session (tests share one server)."""
    return f"{re.sub(r'[^A-Za-z0-9_.-]', '-', request.node.name[:40])}-{next(_names)}"


def error(e):
    """(code, HTTP status, message) of a botocore ClientError."""
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def make_table(ddb, name, hash_key=("pk", "S"), range_key=None, *, lsis=(), gsis=(),
               attrs=()):
    """CreateTable with on-demand billing. lsis/gsis: (name, hash, range|None, projection)
    where projection is "ALL", "KEYS_ONLY" or a list of INCLUDE attributes; attrs: extra
    AttributeDefinitions as (name, type)."""
    defs = {hash_key[0]: hash_key[1]}
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        defs[range_key[0]] = range_key[1]
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    for n, t in attrs:
        defs[n] = t
    kwargs = {}

    def index(spec):
        iname, h, r, proj = spec
        ks = [{"AttributeName": h, "KeyType": "HASH"}]
        if r:
            ks.append({"AttributeName": r, "KeyType": "RANGE"})
        if isinstance(proj, list):
            p = {"ProjectionType": "INCLUDE", "NonKeyAttributes": proj}
        else:
            p = {"ProjectionType": proj}
        return {"IndexName": iname, "KeySchema": ks, "Projection": p}

    if lsis:
        kwargs["LocalSecondaryIndexes"] = [index(s) for s in lsis]
    if gsis:
        kwargs["GlobalSecondaryIndexes"] = [index(s) for s in gsis]
    ddb.create_table(TableName=name, KeySchema=schema, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                                           for n, t in defs.items()], **kwargs)
    return name


# DynamoDB's refusal of an item (or a value) nested beyond 32 levels
NESTING = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested "
           "levels beyond supported limit")


def nested(wraps: int, leaf: dict | None = None) -> dict:
    """`wraps` single-key maps around a leaf: the leaf sits at level wraps + 1."""
    value = leaf or {"S": "leaf"}
    for _ in range(wraps):
        value = {"M": {"n": value}}
    return value
