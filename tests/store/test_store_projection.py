"""`query(..., fields=...)`: views of a few fields that decode exactly as the whole records do."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from nuvem.store import Scope, record

from .models import Attachment, Color, Doc, Numbered, Rich


def _rich(**over) -> Rich:
    values = dict(id="1", created=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc),
                  day=date(2024, 5, 1), raw=b"\x00\xff", price=Decimal("1.10"), color=Color.RED,
                  attachments=[Attachment("a", b"1")], by_name={"x": Attachment("x", b"2")},
                  counts={3: 4}, tags={"b", "a"}, extra={"when": datetime(2020, 1, 1)},
                  maybe=None)
    values.update(over)
    return Rich(**values)


def _fields(cls) -> tuple[str, ...]:
    return tuple(cls.__dataclass_fields__)


def test_views_match_whole_records(store):
    records = [_rich(), _rich(id="a\x00b", maybe=Attachment("m", b"3", datetime(2021, 1, 1))),
               _rich(id="3", extra={"n": 2 ** 70, "s": "é漢😀\x01"})]
    with store.tx() as tx:
        for rec in records:
            tx.put(rec)
    fields = _fields(Rich)
    with store.read() as r:
        whole = list(r.query(Rich))
        views = list(r.query(Rich, fields=fields))
        single = list(r.query(Rich, fields=("created",)))
    assert [tuple(getattr(w, f) for f in fields) for w in whole] == [tuple(v) for v in views]
    assert [v.created for v in single] == [w.created for w in whole]
    assert type(views[0]).__name__ == "RichFields" and views[0].color is Color.RED


def test_views_of_records_at_an_older_version_are_migrated(store):
    with store.tx() as tx:
        tx.put(Doc("new", "NEW", 3))
        # a version-1 document, as an older Nuvem wrote it
        tx._conn().execute("INSERT INTO records (kind, pk, version, doc) VALUES (?, ?, 1, ?)",
                           ("test.Doc", b"\x03old\x00\x01",
                            json.dumps({"id": "old", "title": "ab"})))
    with store.read() as r:
        views = {v.id: v for v in r.query(Doc, fields=("id", "display", "size"))}
    assert views["old"] == ("old", "AB", 2) and views["new"] == ("new", "NEW", 3)


@record("test.Defaults", scope=Scope.GLOBAL, key=("id",))
@dataclass
class Defaults:
    id: str
    ratio: float = 0.0
    note: str | None = "default"
    items: list[int] = field(default_factory=list)


def test_nulls_and_missing_values_read_as_the_whole_record_does(store):
    with store.tx() as tx:
        tx.put(Defaults("nan", ratio=math.nan, note=None))   # JSON SQLite cannot read
        tx._conn().execute("INSERT INTO records (kind, pk, version, doc) VALUES (?, ?, 1, ?)",
                           ("test.Defaults", b"\x03old\x00\x01", '{"id": "old"}'))
    with store.read() as r:
        whole = {w.id: (w.id, w.ratio, w.note, w.items) for w in r.query(Defaults)}
        views = {v.id: tuple(v) for v in r.query(Defaults, fields=("id", "ratio", "note", "items"))}
    assert views["old"] == whole["old"] == ("old", 0.0, "default", [])
    assert views["nan"][2] is None and math.isnan(views["nan"][1])


def test_projection_keeps_query_bounds_and_limit(store):
    with store.tx() as tx:
        for n in range(600):
            tx.put(Numbered("g", n))
    with store.read() as r:
        got = [v.n for v in r.query(Numbered, prefix=("g",), gt=("g", 10), limit=300,
                                    reverse=False, fields=("n",))]
        back = [v.n for v in r.query(Numbered, prefix=("g",), reverse=True, limit=3, fields=("n",))]
    assert got == list(range(11, 311)) and back == [599, 598, 597]


def test_unknown_fields_are_refused(store):
    with store.read() as r, pytest.raises(ValueError):
        list(r.query(Numbered, fields=("nope",)))


# -- summaries: fields a kind also stores as a small array, read without parsing documents -------

@record("test.Summarized", scope=Scope.GLOBAL, key=("id",), version=2,
        migrations={1: lambda doc: {**doc, "label": doc["label"].upper()}},
        summary=("label", "when", "ratio", "color", "meta", "note", "id"))
@dataclass
class Summarized:
    id: str
    label: str
    when: datetime
    ratio: float = 0.0
    color: Color = Color.RED
    meta: dict[str, Any] = field(default_factory=dict)
    note: str | None = "default"
    body: str = ""


def _summarized(**over) -> Summarized:
    values = dict(id="1", label="a", when=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc),
                  ratio=1.5, color=Color.RED, meta={"n": 2 ** 70, "s": "é漢😀\x01"}, note=None,
                  body="x" * 1000)
    values.update(over)
    return Summarized(**values)


def _summary_of(store, rec_id: str):
    with store.read() as r:
        return r._conn().execute("SELECT summary FROM records WHERE kind = 'test.Summarized' "
                                 "AND pk = ?", (b"\x03" + rec_id.encode() + b"\x00\x01",)).fetchone()


SUBSETS = [("label", "when", "ratio"),          # a prefix of the summary
           ("id", "color", "note"),             # picked out of it
           ("when",), ("id",),
           ("label", "when", "ratio", "color", "meta", "note", "id")]


def test_views_read_from_summaries_match_whole_records(store):
    records = [_summarized(), _summarized(id="2", ratio=math.nan, color=Color.BLUE, note="n"),
               _summarized(id="a\x00b", meta={}, label='quo"te\\')]
    with store.tx() as tx:
        for rec in records:
            tx.put(rec)
    assert _summary_of(store, "1") is not None
    with store.read() as r:
        whole = list(r.query(Summarized))
        for fields in SUBSETS:
            views = list(r.query(Summarized, fields=fields))
            expected = [tuple(getattr(w, f) for f in fields) for w in whole]
            # NaN != NaN: compare the float by its text
            assert [repr(tuple(v)) for v in views] == [repr(e) for e in expected], fields
    with store.read() as r:   # a field outside the summary reads documents as before
        assert [v.body for v in r.query(Summarized, fields=("id", "body"))] == ["x" * 1000] * 3


def test_rows_without_a_usable_summary_read_their_documents(store):
    with store.tx() as tx:
        tx.put(_summarized(id="none"))
        tx.put(_summarized(id="short"))
        tx.put(_summarized(id="current"))
        db = tx._conn()
        # written before summaries existed, and a summary of another length (changed fields)
        db.execute("UPDATE records SET summary = NULL WHERE pk = ?", (b"\x03none\x00\x01",))
        db.execute("UPDATE records SET summary = '[\"stale\"]' WHERE pk = ?",
                   (b"\x03short\x00\x01",))
        # a version-1 document, whose summary (if any) predates the migration
        db.execute("INSERT INTO records (kind, pk, version, doc, summary) VALUES (?, ?, 1, ?, ?)",
                   ("test.Summarized", b"\x03old\x00\x01",
                    json.dumps({"id": "old", "label": "low", "when": "2020-01-01T00:00:00+00:00"}),
                    json.dumps(["low", "2020-01-01T00:00:00+00:00", 0.0, "red", {}, None, "old"])))
    with store.read() as r:
        views = {v.id: v for v in r.query(Summarized, fields=("id", "label", "note"))}
    assert views["none"] == ("none", "a", None) and views["short"] == ("short", "a", None)
    assert views["old"] == ("old", "LOW", "default") and views["current"].label == "a"


def test_a_replaced_record_replaces_its_summary(store):
    with store.tx() as tx:
        tx.put(_summarized(label="first"))
    with store.tx() as tx:
        tx.put(_summarized(label="second"))
    with store.read() as r:
        assert [v.label for v in r.query(Summarized, fields=("label",))] == ["second"]
    assert json.loads(_summary_of(store, "1")[0])[0] == "second"


def test_summary_fields_must_exist():
    with pytest.raises(TypeError, match="summarize"):
        record("test.BadSummary", scope=Scope.GLOBAL, key=("id",), summary=("nope",))(
            dataclass(type("BadSummary", (), {"__annotations__": {"id": str}})))


def test_views_within_the_summary_do_not_read_documents(store):
    with store.tx() as tx:
        tx.put(_summarized())
        # the summary alone says "from-summary": a view that shows it read no document
        tx._conn().execute("UPDATE records SET summary = json_set(summary, '$[0]', 'from-summary')")
    with store.read() as r:
        assert [v.label for v in r.query(Summarized, fields=("label", "id"))] == ["from-summary"]
        assert [v.label for v in r.query(Summarized, fields=("label", "body"))] == ["a"]


def test_stored_fields_are_views_of_their_stored_values_on_every_path(store):
    when = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    with store.tx() as tx:
        tx.put(_summarized(id="summary", when=when))
        tx.put(_summarized(id="nan", when=when, ratio=math.nan))   # decoded in full
        tx._conn().execute(       # a version-1 document, migrated before its view is made
            "INSERT INTO records (kind, pk, version, doc) VALUES (?, ?, 1, ?)",
            ("test.Summarized", b"\x03old\x00\x01",
             json.dumps({"id": "old", "label": "low", "when": when.isoformat()})))
    with store.read() as r:
        for fields in (("id", "when", "label"), ("id", "when", "body")):   # summary, documents
            views = list(r.query(Summarized, fields=fields, stored=("when",)))
            assert [(v.id, v.when) for v in views] == [
                ("nan", when.isoformat()), ("old", when.isoformat()), ("summary", when.isoformat())]
        assert [v.label for v in r.query(Summarized, fields=("label", "when"), stored=("when",))
                ] == ["a", "LOW", "a"]
        with pytest.raises(ValueError):
            list(r.query(Summarized, fields=("id",), stored=("when",)))


@record("test.WithListedForm", scope=Scope.GLOBAL, key=("id",), summary=("id", "initials"))
@dataclass
class WithListedForm:
    id: str
    names: list[str] = field(default_factory=list)

    @property
    def initials(self) -> list[str]:
        return [name[0] for name in self.names]


def test_a_summarized_property_is_read_from_the_summary_or_the_whole_record(store):
    with store.tx() as tx:
        tx.put(WithListedForm("current", ["Ada", "Lovelace"]))
        tx.put(WithListedForm("stale", ["Grace", "Hopper"]))
        tx._conn().execute("UPDATE records SET summary = NULL WHERE pk = ?",
                           (b"\x03stale\x00\x01",))      # read from its document instead
    with store.read() as r:
        assert [tuple(v) for v in r.query(WithListedForm, fields=("id", "initials"))] == [
            ("current", ["A", "L"]), ("stale", ["G", "H"])]
        assert [v.initials for v in r.query(WithListedForm, fields=("initials",))] == [
            ["A", "L"], ["G", "H"]]
        with pytest.raises(ValueError):     # documents do not hold it
            list(r.query(WithListedForm, fields=("initials", "names")))
        with pytest.raises(ValueError):
            list(r.query(WithListedForm, fields=("id", "initials"), stored=("initials",)))


def test_summary_properties_must_exist():
    with pytest.raises(TypeError, match="summarize"):
        record("test.BadProperty", scope=Scope.GLOBAL, key=("id",), summary=("id", "nope"))(
            dataclass(type("BadProperty", (), {"__annotations__": {"id": str},
                                               "nope": 1})))


def test_positional_views_hold_the_same_values_in_order(store):
    with store.tx() as tx:
        tx.put(WithListedForm("1", ["Ada"]))
        tx.put(WithListedForm("2", ["Grace", "Hopper"]))
        tx.put(_summarized())
    fields = ("label", "when", "ratio", "color", "meta", "note", "id")
    with store.read() as r:
        plain = list(r.query(WithListedForm, fields=("id", "initials"), positional=True))
        assert plain == [["1", ["A"]], ["2", ["G", "H"]]]      # the summaries as parsed
        views = list(r.query(Summarized, fields=fields))       # values to decode: views as ever
        assert len(views) == 1
        assert list(r.query(Summarized, fields=fields, positional=True)) == views


@record("test.Relisted", scope=Scope.GLOBAL, key=("id",), version=2,
        migrations={1: lambda doc: doc}, summary=("id", "initials"),
        summary_migrations={1: lambda summary: [summary[0], [n[0] for n in summary[1]]]})
@dataclass
class Relisted:
    id: str
    names: list[str] = field(default_factory=list)

    @property
    def initials(self) -> list[str]:
        return [name[0] for name in self.names]


def test_summaries_of_an_older_version_are_migrated_without_reading_documents(store):
    with store.tx() as tx:
        tx.put(Relisted("new", ["Ada", "Lovelace"]))
        # version 1's summary held the names themselves
        tx._conn().execute(
            "INSERT INTO records (kind, pk, version, doc, summary) VALUES (?, ?, 1, ?, ?)",
            ("test.Relisted", b"\x03old\x00\x01", json.dumps({"id": "old", "names": ["x"]}),
             json.dumps(["old", ["Grace", "Hopper"]])))
    with store.read() as r:
        # the summary alone says G. H.: a view that shows it read no document
        assert [tuple(v) for v in r.query(Relisted, fields=("id", "initials"))] == [
            ("new", ["A", "L"]), ("old", ["G", "H"])]
