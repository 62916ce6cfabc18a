"""How items are stored (models.py): one JSON text in the wire's form, B values as base64, read
back by json.loads alone unless a B or BS value is in it; and items stored by the first format
(tagged untyped JSON) still read after an upgrade."""
import json

import pytest

from nuvem.services.dynamodb.models import IndexItem, Item, decode_attrs, encode_attrs
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
