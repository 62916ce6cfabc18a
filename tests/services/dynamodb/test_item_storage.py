"""How items are stored (models.py): one JSON text in the wire's form, B values as base64, read
back by json.loads alone unless a B or BS value is in it; and items stored by the first format
(tagged untyped JSON) still read after an upgrade."""
import json

import pytest

from nuvem.services.dynamodb.models import (IndexItem, Item, decode_attrs, encode_attrs,
                                            stored_attrs)
from nuvem.store.records import record_type
from nuvem.store.sqlite import SqliteStore

ITEMS = [
    {"pk": {"S": "a"}, "n": {"N": "1.5"}, "t": {"BOOL": True}, "z": {"NULL": True}},
    {"pk": {"S": "a"}, "b": {"B": b"\x00\xff"}, "bs": {"BS": [b"1", b""]}},
    {"m": {"M": {"inner": {"B": b"x"}, "l": {"L": [{"B": b"y"}, {"S": "s"}, {"BS": [b"z"]}]}}}},
    {"B": {"S": "an attribute named B"}, "BS": {"N": "2"}},
    {"s": {"S": 'a string holding "B": and "BS": as text'}, "u": {"S": "ação ✓"}},
    {"$bytes": {"S": "named like a tag"}, "$dict": {"M": {"$bytes": {"B": b"q"}}}},
    {"ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]}, "empty": {"M": {}}, "el": {"L": []}},
]


@pytest.mark.parametrize("attrs", ITEMS)
def test_attributes_round_trip(attrs):
    text = encode_attrs(attrs)
    assert isinstance(text, str)
    assert decode_attrs(text) == attrs


def test_binary_is_base64_in_the_stored_text():
    assert json.loads(encode_attrs({"b": {"B": b"\x00\xff"}})) == {"b": {"B": "AP8="}}


@pytest.mark.parametrize("attrs", ITEMS + [{"attrs": {"S": '"attrs":"x","size":7'},
                                             "size": {"M": {"size": {"N": "3"}}}}])
@pytest.mark.parametrize("cls", [Item, IndexItem])
def test_stored_attrs_reads_the_text_and_size_a_full_parse_does(cls, attrs):
    key = {"account": "000000000000", "region": "us-east-1", "table_id": "t1", "pk": b"\x00p",
           "sk": b"\xff"}
    if cls is IndexItem:
        key.update(index="by.x-y_1", ipk=b"i", isk=b"")
    meta = record_type(cls)
    doc = meta.encode(cls(**key, attrs=attrs, size=1234))
    stored = json.loads(doc)
    assert stored_attrs(cls, meta.version, doc) == (stored["attrs"], 1234)


@pytest.mark.parametrize("cls", [Item, IndexItem])
def test_items_of_the_first_format_still_read(tmp_path, cls):
    """Version 1 kept attrs as the store's untyped JSON ({"$bytes": ...} tags); reading one
    migrates it, and writing it back stores the current form."""
    store = SqliteStore(tmp_path)
    try:
        meta = record_type(cls)
        key = {"account": "000000000000", "region": "us-east-1", "table_id": "t1",
               "pk": "cGs=", "sk": ""}
        if cls is IndexItem:
            key.update(index="i", ipk="aXBr", isk="")
        old_doc = {**key, "size": 9, "attrs": {
            "pk": {"S": "pk"}, "b": {"B": {"$bytes": "AP8="}},
            "m": {"M": {"$dict": {"$bytes": {"BS": [{"$bytes": "eQ=="}]}}}}}}
        storage_key = tuple((b"pk" if k == "pk" else b"ipk" if k == "ipk" else
                             b"" if k in ("sk", "isk") else key[k]) for k in meta.storage_fields)
        with store.tx() as tx:
            tx._conn().execute("INSERT INTO records (kind, pk, version, doc) VALUES (?, ?, 1, ?)",
                               (meta.kind, meta.pk_of(storage_key), json.dumps(old_doc)))
        with store.read() as read:
            got = read.get(cls, *storage_key)
        assert got.attrs == {"pk": {"S": "pk"}, "b": {"B": b"\x00\xff"},
                             "m": {"M": {"$bytes": {"BS": [b"y"]}}}}
        assert got.size == 9
        with store.tx() as tx:
            tx.put(got)
        with store.read() as read:
            version, doc = read._conn().execute(
                "SELECT version, doc FROM records WHERE kind = ? AND pk = ?",
                (meta.kind, meta.pk_of(storage_key))).fetchone()
            assert version == meta.version == 2
            assert isinstance(json.loads(doc)["attrs"], str)
            assert read.get(cls, *storage_key).attrs == got.attrs
    finally:
        store.close()


# -- pages that send stored items as they are (queries.plain_page) -------------------------------
from tests.services.dynamodb.conftest import make_table  # noqa: E402

WEIRD = {"b": {"B": b"\x00\xff"}, "bs": {"BS": [b"1", b"2"]}, "B": {"S": "named B"},
         "m": {"M": {"x": {"L": [{"B": b"y"}, {"NULL": True}, {"BOOL": False}]}}},
         "u": {"S": "ação \"B\": ✓"}, "n": {"N": "-1.50"}}


def _pages(call, **kwargs):
    items, start = [], None
    while True:
        got = call(**kwargs, **({"ExclusiveStartKey": start} if start else {}))
        items.append([i["sk"]["N"] for i in got["Items"]])
        start = got.get("LastEvaluatedKey")
        if not start:
            return items, got


@pytest.mark.parametrize("op", ["query", "scan"])
def test_plain_pages_answer_what_filtered_pages_do(ddb, tname, op):
    make_table(ddb, tname, range_key=("sk", "N"))
    for i in range(7):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, **WEIRD})
    args = {"TableName": tname, "Limit": 3}
    if op == "query":
        args.update(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    call = getattr(ddb, op)
    plain, _ = _pages(call, **args)
    # a filter that keeps everything takes the general path: the same pages, the same items
    filtered, _ = _pages(call, **args, FilterExpression="attribute_exists(b)")
    assert plain == filtered == [["0", "1", "2"], ["3", "4", "5"], ["6"]]
    every = call(**{k: v for k, v in args.items() if k != "Limit"})["Items"]
    assert len(every) == 7
    for item in every:
        assert {k: v for k, v in item.items() if k not in ("pk", "sk")} == {
            **WEIRD, "n": {"N": "-1.5"}}


def test_a_plain_page_stops_at_one_megabyte(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    blob = b"z" * 300_000
    for i in range(5):
        ddb.put_item(TableName=tname, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"B": blob}})
    got = ddb.query(TableName=tname, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "p"}})
    assert got["Count"] == 4 and got["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "3"}}
    assert all(i["v"]["B"] == blob for i in got["Items"])


@pytest.mark.parametrize("text", [
    "0", "-0", "00", "1", "-1", "10", "01", "1.5", "1.50", "-0.5", "0.5", ".5", "5.", "1e3",
    "1E-3", "+1", "0.000001", "-12345678901234567890123456789012345678",
    "12345678901234567890123456789012345678", "1234567890123456789012345678901234567.8",
    "0.0000000000000000000000000000000000001", "100", "-100.25"])
def test_numbers_already_canonical_are_taken_as_they_are(text):
    from nuvem.services.dynamodb import values
    assert values.canonical_number(text) == values.number_text(values.parse_number(text))


@pytest.mark.parametrize("text", ["", " 1", "1 ", "abc", "1" * 39, "NaN", "Infinity"])
def test_numbers_that_are_not_canonical_still_fail(text):
    from nuvem.services.dynamodb import values
    from nuvem.services.dynamodb.errors import ValidationException
    with pytest.raises(ValidationException):
        values.canonical_number(text)


def test_get_item_sends_the_stored_item(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    item = {"pk": {"S": "p"}, "sk": {"N": "1"}, **WEIRD}
    ddb.put_item(TableName=tname, Item=item)
    got = ddb.get_item(TableName=tname, Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
                       ReturnConsumedCapacity="TOTAL")
    assert got["Item"] == {**item, "n": {"N": "-1.5"}}
    assert got["ConsumedCapacity"]["CapacityUnits"] == 0.5
    projected = ddb.get_item(TableName=tname, Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
                             ProjectionExpression="b, m.x[0]")
    assert projected["Item"] == {"b": WEIRD["b"], "m": {"M": {"x": {"L": [{"B": b"y"}]}}}}
    assert "Item" not in ddb.get_item(TableName=tname, Key={"pk": {"S": "p"}, "sk": {"N": "2"}})
