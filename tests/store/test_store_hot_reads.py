"""The store's reads for hot paths (get_shared, get_document, query(documents=True), FieldCodec
fields) and its in-place counters (Tx.add)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated

import pytest

from nuvem.store import sqlite
from nuvem.store.records import FieldCodec, Scope, record, record_type
from tests.store.models import Queue


def _queue(name="q", url=""):
    return Queue(account="111122223333", region="us-east-1", name=name, url=url)


def test_get_shared_gives_one_instance_per_stored_version(store):
    with store.tx() as tx:
        tx.put(_queue(url="one"))
    with store.read() as read:
        first = read.get_shared(Queue, "111122223333", "us-east-1", "q")
        assert read.get_shared(Queue, "111122223333", "us-east-1", "q") is first
        assert read.get(Queue, "111122223333", "us-east-1", "q") is not first
        assert read.get_shared(Queue, "111122223333", "us-east-1", "missing") is None
    with store.tx() as tx:
        tx.put(_queue(url="two"))
    with store.read() as read:
        second = read.get_shared(Queue, "111122223333", "us-east-1", "q")
    assert second is not first and second.url == "two"
    assert first.url == "one"


def test_a_changed_shared_record_is_caught_when_checking(store, monkeypatch):
    # the suite runs with NUVEM_CHECK_SHARED=1: a caller that changes a shared record fails loudly
    monkeypatch.setattr(sqlite, "CHECK_SHARED", True)
    with store.tx() as tx:
        tx.put(_queue(url="one"))
    with store.read() as read:
        read.get_shared(Queue, "111122223333", "us-east-1", "q").url = "changed"
        with pytest.raises(RuntimeError, match="shared test.Queue record was changed"):
            read.get_shared(Queue, "111122223333", "us-east-1", "q")


class _Undone(Exception):
    pass


def test_a_transaction_reuses_the_shared_record_until_its_kind_is_written(store, monkeypatch):
    # without the suite's check, which reads the stored record again to compare
    monkeypatch.setattr(sqlite, "CHECK_SHARED", False)
    key = ("111122223333", "us-east-1", "q")
    statements: list[str] = []
    store._writer.set_trace_callback(statements.append)

    def shared(tx):
        statements.clear()
        return tx.get_shared(Queue, *key)

    with store.tx() as tx:
        tx.put(_queue(url="one"))
    with store.tx() as tx:
        first = shared(tx)
    with store.tx() as tx:
        assert shared(tx) is first and statements == []        # SQLite not asked
    with store.tx() as tx:
        tx.put(_queue(name="other", url="x"))                    # any write of the kind
    with store.tx() as tx:
        assert shared(tx) is first and statements != []
    with pytest.raises(_Undone):
        with store.tx() as tx:
            tx.put(_queue(url="undone"))
            assert shared(tx).url == "undone"
            raise _Undone
    with store.tx() as tx:
        assert shared(tx).url == "one"
        with pytest.raises(_Undone):
            with store.tx() as inner:
                inner.put(_queue(url="undone too"))
                assert shared(inner).url == "undone too"
                raise _Undone
        assert shared(tx).url == "one"
    with store.tx() as tx:
        tx.delete(Queue, *key)
    with store.tx() as tx:
        assert shared(tx) is None
        tx.put(_queue(url="again"))
    with store.tx() as tx:
        assert shared(tx).url == "again"
    store.reset()
    with store.tx() as tx:
        assert shared(tx) is None


def test_a_stale_shared_record_is_caught_when_checking(store, monkeypatch):
    # the suite runs with NUVEM_CHECK_SHARED=1: a transaction's reused record is compared with
    # the stored one, so a write that failed to invalidate it fails loudly
    monkeypatch.setattr(sqlite, "CHECK_SHARED", True)
    with store.tx() as tx:
        tx.put(_queue(url="one"))
    with store.tx() as tx:
        tx.get_shared(Queue, "111122223333", "us-east-1", "q")
    with store.tx() as tx:       # written behind the transactions' back
        tx._conn().execute("UPDATE records SET doc = json_set(doc, '$.url', 'two')")
    with store.tx() as tx, pytest.raises(RuntimeError, match="is not the stored one"):
        tx.get_shared(Queue, "111122223333", "us-east-1", "q")


def test_get_document_gives_the_stored_text(store):
    with store.tx() as tx:
        tx.put(_queue(url="one"))
        assert tx.get_document(Queue, "111122223333", "us-east-1", "missing") is None
    with store.read() as read:
        version, doc = read.get_document(Queue, "111122223333", "us-east-1", "q")
    assert record_type(Queue).decode(version, doc) == _queue(url="one")


def test_query_documents_yields_the_stored_text(store):
    with store.tx() as tx:
        for name in ("b", "a"):
            tx.put(_queue(name, url=name))
    meta = record_type(Queue)
    with store.read() as read:
        docs = list(read.query(Queue, account="111122223333", region="us-east-1",
                               documents=True))
    assert [version for version, _ in docs] == [meta.version] * 2
    assert [json.loads(doc)["name"] for _, doc in docs] == ["a", "b"]
    assert meta.decode(*docs[0]) == _queue("a", url="a")


@record("test.Coded", scope=Scope.GLOBAL, key=("name",))
@dataclass
class Coded:
    name: str
    value: Annotated[list, FieldCodec(lambda v: ",".join(v), lambda s: s.split(","))]


def test_a_field_codec_gives_a_field_its_stored_form(store):
    with store.tx() as tx:
        tx.put(Coded(name="c", value=["x", "y"]))
    with store.read() as read:
        assert read.get(Coded, "c").value == ["x", "y"]
        (_, doc), = read.query(Coded, documents=True)
        assert json.loads(doc)["value"] == "x,y"
        (view,) = read.query(Coded, fields=("value",))
        assert view.value == ["x", "y"]


def test_query_shared_gives_the_instances_get_shared_gives(store):
    with store.tx() as tx:
        for name in ("b", "a", "c"):
            tx.put(_queue(name, url=name))
    scope = {"account": "111122223333", "region": "us-east-1"}
    with store.read() as read:
        first = list(read.query(Queue, shared=True, **scope))
        assert [q.name for q in first] == ["a", "b", "c"]
        again = list(read.query(Queue, shared=True, start_after=("a",), **scope))
        assert [id(q) for q in again] == [id(q) for q in first[1:]]
        assert read.get_shared(Queue, "111122223333", "us-east-1", "b") is first[1]
        plain = list(read.query(Queue, **scope))
        assert plain == first and not any(p is q for p, q in zip(plain, first))
    with store.tx() as tx:
        tx.put(_queue("b", url="changed"))
        # a transaction reads its own writes: the new version, decoded anew
        b, = [q for q in tx.query(Queue, shared=True, **scope) if q.name == "b"]
        assert b is not first[1] and b.url == "changed"
    assert first[1].url == "b"


def test_query_shared_pages_and_limits_as_query_does(store, monkeypatch):
    from nuvem.store import sqlite
    monkeypatch.setattr(sqlite, "PAGE", 2)
    with store.tx() as tx:
        for i in range(5):
            tx.put(_queue(f"q{i}"))
    scope = {"account": "111122223333", "region": "us-east-1"}
    with store.read() as read:
        assert [q.name for q in read.query(Queue, shared=True, **scope)] == \
            [f"q{i}" for i in range(5)]
        assert [q.name for q in read.query(Queue, shared=True, limit=3, reverse=True,
                                           **scope)] == ["q4", "q3", "q2"]


@record("test.Counts", scope=Scope.GLOBAL, key=("name",), version=2,
        migrations={1: lambda d: {**d, "total": d.pop("count")}})
@dataclass
class Counts:
    name: str
    total: int = 0
    per: dict[str, list[int]] = field(default_factory=dict)
    note: str = "kept"


def test_add_changes_counters_in_place_and_creates_what_is_missing(store):
    with store.tx() as tx:
        tx.add(Counts, "c", counts={("total",): 3, ("per", "a.b", 0): 1, ("per", "a.b", 1): 10})
    with store.tx() as tx:
        tx.add(Counts, "c", counts={("total",): -1, ("per", "a.b", 1): 5, ("per", "x", 0): 0})
        assert tx.get(Counts, "c") == Counts(name="c", total=2, per={"a.b": [1, 15]})
        assert tx.wrote is False          # set on commit
    assert tx.wrote is True
    with pytest.raises(ZeroDivisionError):
        with store.tx() as tx:
            tx.add(Counts, "c", counts={("total",): 100})
            1 / 0
    with store.tx() as tx:
        tx.add(Counts, "c", counts={("total",): 0})      # nothing to add: nothing written
    assert tx.wrote is False
    with store.read() as read:
        assert read.get(Counts, "c").total == 2


def test_add_migrates_a_record_stored_at_an_older_version_first(store):
    with store.tx() as tx:
        tx.put(Counts(name="old", note="n"))
        tx._conn().execute("UPDATE records SET version = 1, doc = ? WHERE kind = 'test.Counts'",
                           ('{"name": "old", "count": 7, "per": {}, "note": "n"}',))
        tx.add(Counts, "old", counts={("total",): 1})
        assert tx.get(Counts, "old") == Counts(name="old", total=8, note="n")


def test_add_refuses_what_is_no_counter(store):
    with store.tx() as tx:
        for path in [("name",), ("missing",), (), ("per", 'a"b', 0)]:
            with pytest.raises(ValueError):
                tx.add(Counts, "c", counts={path: 1})
