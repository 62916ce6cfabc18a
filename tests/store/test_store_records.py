"""Key encoding, the JSON codec and @record declarations (no database)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from nuvem.store import Scope, from_json, record, record_type, to_json
from nuvem.store.records import decode_key, encode_key, encode_partial, key_range, prefix_end

from .models import Attachment, Color, Doc, Item, Rich

part = st.one_of(st.text(), st.integers(-(2 ** 63), 2 ** 63 - 1), st.binary())
keys = st.lists(st.one_of(st.text(), st.integers(-(2 ** 63), 2 ** 63 - 1)), max_size=4).map(tuple)


def _order(t):
    """Python tuple order, with types ranked int < bytes < str as the encoding ranks them."""
    rank = {int: 0, bytes: 1, str: 2}
    return tuple((rank[type(p)], p) for p in t)


@given(st.lists(part, max_size=4).map(tuple), st.lists(part, max_size=4).map(tuple))
def test_encoding_preserves_tuple_order(a, b):
    ea, eb = encode_key(a), encode_key(b)
    assert (ea < eb) == (_order(a) < _order(b))
    assert (ea == eb) == (a == b)
    assert decode_key(ea) == a


@given(st.text(), st.text())
def test_partial_string_is_a_byte_prefix_exactly_when_startswith(s, p):
    assert encode_key((s,)).startswith(encode_partial(p)) == s.startswith(p)


def test_tricky_strings_order():
    words = ["", "\x00", "a", "a\x00", "a\x00b", "a\x01", "ab", "é", "z", "中文", "😀", "\uffff"]
    assert sorted(words, key=lambda w: encode_key((w,))) == sorted(words)


def test_prefix_end():
    assert prefix_end(b"ab") == b"ac"
    assert prefix_end(b"a\xff\xff") == b"b"
    assert prefix_end(b"\xff") == b"\xff"


def test_key_range_bounds_follow_tuple_semantics():
    keys_ = [("a",), ("a", 1), ("a", 2), ("b",), ("b", 0)]
    def within(**kw):
        lo, hi = key_range((), **kw)
        return [k for k in keys_ if lo <= encode_key(k) < hi]
    assert within(gt=("a",)) == [("a", 1), ("a", 2), ("b",), ("b", 0)]
    assert within(ge=("a", 1), le=("b",)) == [("a", 1), ("a", 2), ("b",)]
    assert within(lt=("a", 2)) == [("a",), ("a", 1)]
    assert within(prefix=("a",)) == [("a",), ("a", 1), ("a", 2)]
    assert within(start_after=("a", 1)) == [("a", 2), ("b",), ("b", 0)]
    assert within(start_after=("a", 2), reverse=True) == [("a",), ("a", 1)]


def test_rich_record_round_trips_through_json():
    when = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    att = Attachment("x", b"\x00\xffbin", when)
    r = Rich(id="r1", created=when, day=date(2026, 3, 1), raw=b"\x01\x02", price=Decimal("1.10"),
             color=Color.BLUE, attachments=[att, Attachment("y", b"")], by_name={"x": att},
             counts={3: 4}, tags={"b", "a"}, pair=("z", 9),
             extra={"when": when, "blob": b"\x00", "nested": [{"n": 1, "d": Decimal("2")}]},
             maybe=None)
    text = to_json(r)
    assert "pickle" not in text
    json.loads(text)                           # plain JSON
    assert from_json(Rich, text) == r
    assert json.loads(text)["tags"] == ["a", "b"]  # sets stored sorted


def test_untyped_values_must_be_json_or_tagged():
    @dataclass
    class Loose:
        extra: dict

    with pytest.raises(TypeError):
        to_json(Loose({"x": object()}))


def test_unknown_stored_fields_are_ignored_and_missing_ones_defaulted():
    item = from_json(Item, json.dumps({"account": "1", "region": "r", "table": "t", "sort": "s",
                                       "gone": 1}))
    assert item.labels == [] and item.n == 0


def test_a_document_with_every_field_decodes_as_one_with_some_of_them():
    stored = {"account": "1", "region": "r", "table": "t", "sort": "s", "owner": None,
              "labels": ["a"], "n": 2}
    whole = from_json(Item, json.dumps({**stored, "gone": 1}))
    assert whole == Item("1", "r", "t", "s", None, ["a"], 2)
    assert from_json(Item, json.dumps({k: v for k, v in stored.items() if k != "n"})) == \
        Item("1", "r", "t", "s", None, ["a"], 0)


def test_record_metadata():
    meta = record_type(Item)
    assert meta.kind == "test.Item" and meta.scope is Scope.REGION
    assert meta.storage_fields == ("account", "region", "table", "sort")
    assert not meta.has_arn
    assert record_type(Doc).version == 3


def test_declaration_errors():
    with pytest.raises(TypeError):
        @record("bad.NotDataclass", scope=Scope.GLOBAL, key=("id",))
        class NotDataclass:
            id: str

    with pytest.raises(TypeError):                       # region scope needs account + region
        @record("bad.NoRegion", scope=Scope.REGION, key=("id",))
        @dataclass
        class NoRegion:
            account: str
            id: str

    with pytest.raises(TypeError):
        @record("bad.Index", scope=Scope.GLOBAL, key=("id",), indexes=("nope",))
        @dataclass
        class BadIndex:
            id: str

    with pytest.raises(TypeError):
        @record("bad.Migration", scope=Scope.GLOBAL, key=("id",), version=2,
                migrations={2: lambda d: d})
        @dataclass
        class BadMigration:
            id: str
