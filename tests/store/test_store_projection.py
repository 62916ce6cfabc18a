"""`query(..., fields=...)`: views of a few fields that decode exactly as the whole records do."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
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
