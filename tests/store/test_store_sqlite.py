"""The SQLite store: records, queries, scopes, transactions, indexes, resources, format guard."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass

import pytest

from nuvem.store import FormatTooNew, Scope, SqliteStore, UnknownKind, record
from nuvem.store.sqlite import FORMAT_VERSION

from .models import BucketName, Doc, Item, Numbered, Queue, User

A, B = "111111111111", "222222222222"
E1, W2 = "us-east-1", "eu-west-2"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _items(store, table="t", sorts=()):
    with store.tx() as tx:
        for s in sorts:
            tx.put(Item(A, E1, table, s))


def _sorts(items):
    return [i.sort for i in items]


def test_put_get_replace_delete(store):
    with store.tx() as tx:
        tx.put(Item(A, E1, "t", "1", owner="ann"))
    with store.read() as r:
        assert r.get(Item, A, E1, "t", "1") == Item(A, E1, "t", "1", owner="ann")
        assert r.get(Item, A, E1, "t", "2") is None
    with store.tx() as tx:
        item = tx.get(Item, A, E1, "t", "1")
        item.n = 5
        tx.put(item)
        assert tx.get(Item, A, E1, "t", "1").n == 5      # a tx reads its own writes
    with store.tx() as tx:
        assert tx.delete(Item, A, E1, "t", "1") is True
        assert tx.delete(Item, A, E1, "t", "1") is False
    with store.read() as r:
        assert r.get(Item, A, E1, "t", "1") is None


def test_insert_stores_only_at_a_free_key(store):
    with store.tx() as tx:
        assert tx.insert(Item(A, E1, "t", "1", owner="ann")) is True
        assert tx.insert(Item(A, E1, "t", "1", owner="bob")) is False
        assert tx.insert(BucketName("b", A)) is True     # a kind without indexes
        assert tx.insert(BucketName("b", B)) is False
    with store.read() as r:
        assert r.get(Item, A, E1, "t", "1").owner == "ann"
        assert [i.sort for i in r.query(Item, account=A, region=E1,
                                         index=("owner", "ann"))] == ["1"]
        assert r.count(Item, account=A, region=E1, index=("owner", "bob")) == 0
        assert r.get(BucketName, "b").owner == A


def test_get_checks_key_arity(store):
    with store.read() as r, pytest.raises(TypeError):
        r.get(Item, A, E1, "t")


def test_query_order_prefix_reverse_and_pagination(store):
    sorts = ["b", "a", "a/1", "a/2", "é", "中", "😀", "Z", "", "a\x00"]
    _items(store, "t", sorts)
    _items(store, "u", ["x"])
    with store.read() as r:
        everything = _sorts(r.query(Item, account=A, region=E1, prefix=("t",)))
        assert everything == sorted(sorts)
        assert _sorts(r.query(Item, account=A, region=E1, prefix=("t",), reverse=True)) == \
            sorted(sorts, reverse=True)
        assert _sorts(r.query(Item, account=A, region=E1, prefix=("t",), startswith="a/")) == \
            ["a/1", "a/2"]
        # pagination: pages of 3, resumed with start_after, forward and backward
        for reverse in (False, True):
            seen, after = [], None
            while True:
                page = list(r.query(Item, account=A, region=E1, prefix=("t",), limit=3,
                                    start_after=after, reverse=reverse))
                seen += page
                if len(page) < 3:
                    break
                after = ("t", page[-1].sort)
            assert _sorts(seen) == sorted(sorts, reverse=reverse)
        assert _sorts(r.query(Item, account=A, region=E1, ge=("t", "a"), lt=("t", "b"))) == \
            ["a", "a\x00", "a/1", "a/2"]
        assert r.count(Item, account=A, region=E1, prefix=("t",)) == len(sorts)
        assert r.count(Item, account=A, region=E1, prefix=("t",), startswith="a") == 4


def test_query_many_pages_and_integer_keys(store):
    with store.tx() as tx:
        for n in range(-300, 700):
            tx.put(Numbered("g", n))
        tx.put(Numbered("h", 0))
    with store.read() as r:
        assert [x.n for x in r.query(Numbered, prefix=("g",))] == list(range(-300, 700))
        assert [x.n for x in r.query(Numbered, prefix=("g",), reverse=True, limit=600)] == \
            list(range(699, 99, -1))
        assert [x.n for x in r.query(Numbered, prefix=("g",), gt=("g", 5), le=("g", 8))] == \
            [6, 7, 8]
        assert r.count(Numbered) == 1001


def test_writing_while_iterating_a_query(store):
    with store.tx() as tx:
        for n in range(600):
            tx.put(Numbered("g", n))
    with store.tx() as tx:
        for x in tx.query(Numbered, prefix=("g",)):
            tx.delete(x)
            tx.put(Numbered("h", x.n))
    with store.read() as r:
        assert r.count(Numbered, prefix=("g",)) == 0
        assert r.count(Numbered, prefix=("h",)) == 600


def test_scopes_isolate_accounts_and_regions(store):
    with store.tx() as tx:
        for account in (A, B):
            for region in (E1, W2):
                tx.put(Item(account, region, "t", "k", owner=f"{account}/{region}"))
                tx.put(User(account, "bob"))
        tx.put(BucketName("shared", owner=A))
    with store.read() as r:
        assert r.get(Item, B, W2, "t", "k").owner == f"{B}/{W2}"
        assert [i.owner for i in r.query(Item, account=A, region=E1)] == [f"{A}/{E1}"]
        assert [i.region for i in r.query(Item, account=A)] == [W2, E1]   # key order
        assert len(list(r.query(Item))) == 4
        assert [u.account for u in r.query(User)] == [A, B]
        assert r.get(User, B, "bob") == User(B, "bob")
        assert r.get(BucketName, "shared").owner == A
        with pytest.raises(ValueError):
            list(r.query(Item, account=A, prefix=("t",)))            # region missing
        with pytest.raises(ValueError):
            list(r.query(User, account=A, region=E1))                # not region-scoped
        with pytest.raises(ValueError):
            list(r.query(BucketName, account=A))


def test_rollback_on_exception_writes_nothing(store):
    from nuvem.core.events import event

    @event("test.Happened")
    class Happened:
        n: int

    with store.tx() as tx:
        tx.put(Queue(A, E1, "keep"))
    with pytest.raises(RuntimeError):
        with store.tx() as tx:
            tx.put(Item(A, E1, "t", "1"))
            tx.put(Queue(A, E1, "q"))
            tx.tag(Queue(A, E1, "keep").arn, {"k": "v"})
            tx.delete(Queue, A, E1, "keep")
            tx.emit(Happened(1))
            raise RuntimeError("boom")
    with store.read() as r:
        assert r.get(Item, A, E1, "t", "1") is None
        assert r.get(Queue, A, E1, "keep") is not None
        assert r.resource(Queue(A, E1, "keep").arn).tags == {}
        assert r.resource(Queue(A, E1, "q").arn) is None
    assert store.outbox_size() == 0


def test_transaction_objects_are_unusable_after_the_block(store):
    with store.tx() as tx:
        pass
    with pytest.raises(RuntimeError):
        tx.put(Item(A, E1, "t", "1"))


def test_a_transaction_begins_at_its_first_statement(store):
    """A call that never touches the store (STS GetCallerIdentity) pays for no BEGIN/COMMIT."""
    with store.tx() as tx:
        assert not store._writer.in_transaction
        assert tx.get(Item, A, E1, "t", "x") is None
        assert store._writer.in_transaction
    with pytest.raises(ValueError):
        with store.tx() as tx:
            raise ValueError("failed before any statement")
    assert not tx.wrote and not store._writer.in_transaction
    with store.tx() as tx:
        tx.put(Item(A, E1, "t", "x"))
    assert tx.wrote


def test_nested_transactions_are_savepoints(store):
    with store.tx() as outer:
        outer.put(Item(A, E1, "t", "outer"))
        with store.tx() as inner:                       # joins: an internal call
            inner.put(Item(A, E1, "t", "inner"))
        with pytest.raises(ValueError):
            with store.tx() as failed:
                failed.put(Item(A, E1, "t", "undone"))
                raise ValueError("inner call failed")
        assert _sorts(outer.query(Item, account=A, region=E1)) == ["inner", "outer"]
    with store.read() as r:
        assert _sorts(r.query(Item, account=A, region=E1)) == ["inner", "outer"]
    with pytest.raises(ValueError):
        with store.tx() as outer:
            with store.tx() as inner:
                inner.put(Item(A, E1, "t", "lost"))
            raise ValueError("outer failed")
    with store.read() as r:
        assert r.get(Item, A, E1, "t", "lost") is None


def test_on_commit_runs_after_the_commit_under_the_write_lock(store):
    ran = []

    def note(label):
        def callback():
            assert store._write_lock.locked()         # no other transaction in between
            with store.read() as r:                   # and what it follows is committed
                ran.append((label, r.get(Item, A, E1, "t", label) is not None))
        return callback

    with store.tx() as outer:
        outer.put(Item(A, E1, "t", "kept"))
        outer.on_commit(note("kept"))
        with pytest.raises(ValueError):
            with store.tx() as failed:                  # a savepoint that rolls back
                failed.put(Item(A, E1, "t", "undone"))
                failed.on_commit(note("undone"))
                raise ValueError("inner call failed")
        assert ran == []
    assert ran == [("kept", True)]
    with pytest.raises(ValueError):
        with store.tx() as tx:
            tx.put(Item(A, E1, "t", "lost"))
            tx.on_commit(note("lost"))
            raise ValueError("outer failed")
    assert ran == [("kept", True)]


def test_concurrent_writers_and_readers(file_store):
    store = file_store
    with store.tx() as tx:
        tx.put(Item(A, E1, "counter", "c", n=0))
    errors = []

    def writer(w):
        try:
            for i in range(200):
                with store.tx() as tx:         # read-modify-write: lost updates would show
                    c = tx.get(Item, A, E1, "counter", "c")
                    c.n += 1
                    tx.put(c)
                    tx.put(Numbered(f"w{w}", i))
        except Exception as e:                 # surfaced by the assert below
            errors.append(e)

    def reader():
        try:
            for _ in range(50):
                with store.read() as r:
                    n = r.count(Numbered)
                    assert n == len(list(r.query(Numbered)))     # a consistent snapshot
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.read() as r:
        assert r.get(Item, A, E1, "counter", "c").n == 1200
        for w in range(6):
            assert [x.n for x in r.query(Numbered, prefix=(f"w{w}",))] == list(range(200))


def test_snapshot_does_not_see_later_commits(file_store):
    with file_store.tx() as tx:
        tx.put(Numbered("g", 1))
    with file_store.read() as r:
        assert r.count(Numbered) == 1
        with file_store.tx() as tx:
            tx.put(Numbered("g", 2))
        assert r.count(Numbered) == 1
    with file_store.read() as r:
        assert r.count(Numbered) == 2


def test_index_queries_follow_updates_and_deletes(store):
    with store.tx() as tx:
        tx.put(Item(A, E1, "t", "1", owner="ann", labels=["red", "blue"]))
        tx.put(Item(A, E1, "t", "2", owner="bob", labels=["red"]))
        tx.put(Item(A, E1, "t", "3", owner="ann"))
        tx.put(Item(B, E1, "t", "1", owner="ann"))
    with store.read() as r:
        assert _sorts(r.query(Item, account=A, region=E1, index=("owner", "ann"))) == ["1", "3"]
        assert _sorts(r.query(Item, account=A, region=E1, index=("labels", "red"))) == ["1", "2"]
        assert len(list(r.query(Item, index=("owner", "ann")))) == 3     # all accounts
        assert _sorts(r.query(Item, account=A, region=E1, index=("owner", "ann"),
                              reverse=True, limit=1)) == ["3"]
        assert r.count(Item, account=A, region=E1, index=("owner", "ann")) == 2
        with pytest.raises(ValueError):
            list(r.query(Item, index=("table", "t")))                   # not declared
    with store.tx() as tx:
        item = tx.get(Item, A, E1, "t", "1")
        item.owner, item.labels = "bob", []
        tx.put(item)
        tx.delete(Item, A, E1, "t", "3")
    with store.read() as r:
        assert _sorts(r.query(Item, account=A, region=E1, index=("owner", "ann"))) == []
        assert _sorts(r.query(Item, account=A, region=E1, index=("owner", "bob"))) == ["1", "2"]
        assert _sorts(r.query(Item, account=A, region=E1, index=("labels", "red"))) == ["2"]


def test_resources_and_tags_stay_in_sync(store):
    q1, q2 = Queue(A, E1, "q1"), Queue(A, W2, "q2")
    with store.tx() as tx:
        tx.put(q1)
        tx.put(q2)
        tx.put(User(A, "bob", arn=f"arn:aws:iam::{A}:user/bob"))
        tx.put(User(A, "nobody"))                       # empty arn: not a resource
        tx.tag(q1.arn, {"env": "prod", "team": "a"})
        tx.tag(q2.arn, {"env": "dev"})
    with store.read() as r:
        res = r.resource(q1.arn)
        assert (res.kind, res.account, res.region, res.key) == ("test.Queue", A, E1, ("q1",))
        assert res.tags == {"env": "prod", "team": "a"}
        assert r.by_arn(q2.arn) == q2
        assert r.by_arn("arn:aws:sqs:x:y:z") is None
        assert r.resource(f"arn:aws:iam::{A}:user/bob").region is None
        assert [x.arn for x in r.resources(account=A)] == sorted(
            [q1.arn, q2.arn, f"arn:aws:iam::{A}:user/bob"])
        assert [x.arn for x in r.resources(tags={"env": ["prod", "dev"]})] == [q2.arn, q1.arn]
        assert [x.arn for x in r.resources(tags={"env": None, "team": None})] == [q1.arn]
        assert [x.arn for x in r.resources(region=W2)] == [q2.arn]
        assert [x.arn for x in r.resources(kinds=["test.User"])] == [f"arn:aws:iam::{A}:user/bob"]
        assert [x.arn for x in r.resources(limit=1, start_after=q2.arn)] == [q1.arn]
        with pytest.raises(KeyError):
            r.tags("arn:aws:sqs:nowhere")
    with store.tx() as tx:
        tx.put(Queue(A, E1, "q1", url="changed"))        # replace keeps tags
        tx.untag(q1.arn, ["team", "missing"])
        with pytest.raises(KeyError):
            tx.tag("arn:aws:sqs:nowhere", {"a": "b"})
    with store.read() as r:
        assert r.tags(q1.arn) == {"env": "prod"}
    with store.tx() as tx:
        tx.delete(q1)
    with store.read() as r:
        assert r.resource(q1.arn) is None
        assert [x.arn for x in r.resources(tags={"env": None})] == [q2.arn]


def test_changing_arn_moves_the_resource_row(store):
    with store.tx() as tx:
        tx.put(User(A, "bob", arn="arn:old"))
        tx.tag("arn:old", {"k": "v"})
        tx.put(User(A, "bob", arn="arn:new"))
    with store.read() as r:
        assert r.resource("arn:old") is None
        assert r.resource("arn:new").tags == {}


def test_by_arn_needs_the_kind_registered(file_store, tmp_path):
    with file_store.tx() as tx:
        tx.put(Queue(A, E1, "q"))
    file_store.close()
    again = SqliteStore(tmp_path / "state")
    try:
        with again.read() as r:
            with pytest.raises(UnknownKind):
                r.by_arn(Queue(A, E1, "q").arn)
        again.register(Queue)
        with again.read() as r:
            assert r.by_arn(Queue(A, E1, "q").arn).name == "q"
    finally:
        again.close()


def test_two_classes_cannot_share_a_kind(store):
    @record("test.Queue", scope=Scope.GLOBAL, key=("name",))
    @dataclass
    class Impostor:
        name: str

    store.register(Queue)
    with pytest.raises(TypeError):
        store.register(Impostor)


def test_migrations_run_on_load(tmp_path):
    @record("test.Doc", scope=Scope.GLOBAL, key=("id",), version=1)
    @dataclass
    class DocV1:
        id: str
        title: str

    old = SqliteStore(tmp_path)
    with old.tx() as tx:
        tx.put(DocV1("d", "hello"))
    old.close()
    new = SqliteStore(tmp_path)
    try:
        with new.read() as r:
            assert r.get(Doc, "d") == Doc("d", "HELLO", 5)
            assert list(r.query(Doc)) == [Doc("d", "HELLO", 5)]
        with new.tx() as tx:
            tx.put(tx.get(Doc, "d"))                     # written back at version 3
        with new.read() as r:
            version, = r._conn().execute("SELECT version FROM records").fetchone()
            assert version == 3
    finally:
        new.close()
    # and an older Nuvem refuses a record newer than it knows
    older = SqliteStore(tmp_path)
    try:
        with older.read() as r, pytest.raises(FormatTooNew):
            r.get(DocV1, "d")
    finally:
        older.close()


def test_downgrade_guard(tmp_path):
    SqliteStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / "nuvem.db")
    db.execute("UPDATE meta SET value = ? WHERE name = 'format'", (str(FORMAT_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(FormatTooNew, match="newer Nuvem"):
        SqliteStore(tmp_path)


def test_file_store_uses_wal_and_persists(tmp_path):
    s = SqliteStore(tmp_path, synchronous="FULL")
    with s.tx() as tx:
        tx.put(BucketName("b", "o"))
    with s.read() as r:
        assert r._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()
    s = SqliteStore(tmp_path)
    with s.read() as r:
        assert r.get(BucketName, "b").owner == "o"
    s.close()
    with pytest.raises(ValueError):
        SqliteStore(tmp_path, synchronous="SOMETIMES")


def test_ephemeral_store_removes_its_files():
    s = SqliteStore(None)
    path = s.path
    assert path.exists()
    s.close()
    s.close()                                           # idempotent
    assert not path.parent.exists()
    with pytest.raises(RuntimeError):
        s.tx().__enter__()


def test_reset_wipes_everything(store):
    with store.tx() as tx:
        tx.put(Queue(A, E1, "q"))
        tx.tag(Queue(A, E1, "q").arn, {"a": "b"})
    digest = store.blobs.put(b"data").digest
    store.reset()
    with store.read() as r:
        assert list(r.query(Queue)) == []
        assert list(r.resources()) == []
    assert not store.blobs.exists(digest)
    with store.tx() as tx:                              # still usable
        tx.put(Queue(A, E1, "q"))


CRASH_CHILD = textwrap.dedent("""
    import os, signal, sys
    from nuvem.store import SqliteStore
    from tests.store.models import Queue
    store = SqliteStore(sys.argv[1])
    with store.tx() as tx:
        tx.put(Queue("111111111111", "us-east-1", "survivor"))
    with store.tx() as tx:
        tx.put(Queue("111111111111", "us-east-1", "in-flight"))
        os.kill(os.getpid(), signal.SIGKILL)            # dies mid-transaction
""")


def test_committed_record_survives_sigkill(tmp_path):
    child = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(tmp_path)], cwd=REPO,
                           env={**os.environ, "PYTHONPATH": REPO}, capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    store = SqliteStore(tmp_path)
    try:
        with store.read() as r:
            assert [q.name for q in r.query(Queue)] == ["survivor"]
            assert r.resource(Queue(A, E1, "survivor").arn) is not None
    finally:
        store.close()


def test_a_format_1_store_is_upgraded_in_place(tmp_path):
    # the format-1 records table: no summary column
    db = sqlite3.connect(tmp_path / "nuvem.db")
    db.executescript("""
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
        INSERT INTO meta VALUES ('format', '1');
        CREATE TABLE records (
            kind TEXT NOT NULL, pk BLOB NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
            PRIMARY KEY (kind, pk)) WITHOUT ROWID;
    """)
    s = SqliteStore(None)
    try:     # the other tables as format 1 had them (unchanged since)
        for name, sql in s._writer.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT "
                                           "NULL AND name NOT IN ('meta', 'records') AND name NOT LIKE 'sqlite%'"):
            db.execute(sql)
    finally:
        s.close()
    db.execute("INSERT INTO records VALUES ('test.Name', ?, 1, ?)",
               (b"\x03b\x00\x01", '{"name": "b", "owner": "o"}'))
    db.commit()
    db.close()
    s = SqliteStore(tmp_path)
    try:
        with s.read() as r:
            assert r.get(BucketName, "b").owner == "o"
            assert r._conn().execute("SELECT value FROM meta").fetchone()[0] == str(FORMAT_VERSION)
        with s.tx() as tx:
            tx.put(BucketName("c", "p"))
    finally:
        s.close()


def test_the_checkpoint_thread_copies_the_wal_back_after_commits(tmp_path, monkeypatch):
    from nuvem.store import sqlite as sqlite_module
    monkeypatch.setattr(sqlite_module, "CHECKPOINT_EVERY", 0.05)
    store = SqliteStore(tmp_path / "state")
    db_file = tmp_path / "state" / "nuvem.db"
    try:
        before = db_file.stat().st_size
        with store.tx() as tx:
            for n in range(300):
                tx.put(Doc(id=f"d{n:03}", display="x" * 500, size=n))
        deadline = time.monotonic() + 5
        while db_file.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert db_file.stat().st_size > before + 100_000     # the rows are in the file now
        thread = store._checkpointer
        assert thread.is_alive()
    finally:
        store.close()
    assert not thread.is_alive()
    reopened = SqliteStore(tmp_path / "state")
    try:
        with reopened.read() as read:
            assert len(list(read.query(Doc))) == 300
    finally:
        reopened.close()
