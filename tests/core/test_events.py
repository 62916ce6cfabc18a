"""The events outbox and dispatcher: order, rollback, retries, dead letters, restart, thread."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from nuvem.core.events import Dispatcher, GiveUp, RetryAfter, Subscribers, event
from nuvem.store import SqliteStore


@event("test.Created")
class Created:
    name: str
    at: datetime | None = None


@event("test.Deleted")
class Deleted:
    name: str


class FakeClock:
    def __init__(self):
        self.t = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += timedelta(**kw)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(clock):
    s = SqliteStore(None, clock=clock)
    yield s
    s.close()


def make(store, clock, **kw):
    return Dispatcher(store, clock=clock, **kw)


def test_committed_events_are_delivered_in_commit_order(store, clock):
    got = []
    d = make(store, clock)
    d.subscribe(Created, lambda e: got.append(("created", e.name)))
    d.subscribe(Deleted, lambda e: got.append(("deleted", e.name)), name="deleted-log")
    when = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    with store.tx() as tx:
        tx.emit(Created("a", at=when))
        tx.emit(Deleted("a"))
    for n in range(150):                                  # more than one batch
        with store.tx() as tx:
            tx.emit(Created(f"n{n}"))
    assert store.outbox_size() == 152
    assert d.drain() == 152
    assert got[:3] == [("created", "a"), ("deleted", "a"), ("created", "n0")]
    assert got[2:] == [("created", f"n{n}") for n in range(150)]
    assert store.outbox_size() == 0


def test_payload_round_trips(store, clock):
    got = []
    d = make(store, clock)
    d.subscribe(Created, got.append)
    when = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    with store.tx() as tx:
        tx.emit(Created("a", at=when))
    d.drain()
    assert got == [Created("a", at=when)]


def test_rolled_back_events_are_never_delivered(store, clock):
    got = []
    d = make(store, clock)
    d.subscribe(Created, got.append)
    with pytest.raises(ValueError):
        with store.tx() as tx:
            tx.emit(Created("ghost"))
            raise ValueError("request failed")
    assert store.outbox_size() == 0
    assert d.drain() == 0 and got == []


def test_events_nobody_subscribes_to_are_dropped(store, clock):
    with store.tx() as tx:
        tx.emit(Deleted("x"))
    assert make(store, clock).drain() == 1
    assert store.outbox_size() == 0


def test_emit_rejects_non_events(store):
    with store.tx() as tx, pytest.raises(TypeError):
        tx.emit(object())


def test_retry_with_backoff_then_success(store, clock):
    calls = []
    healthy = []

    def flaky(e):
        calls.append(clock.now())
        if len(calls) < 3:
            raise ConnectionError("target down")

    d = make(store, clock, base_delay=timedelta(seconds=2))
    d.subscribe(Created, flaky)
    d.subscribe(Created, healthy.append, name="healthy")
    with store.tx() as tx:
        tx.emit(Created("a"))
    assert d.drain() == 1 and len(calls) == 1
    assert d.drain() == 0                                 # not due yet: nothing happens
    clock.advance(seconds=1)
    assert d.drain() == 0
    clock.advance(seconds=1)                              # 2 s after the first failure
    assert d.drain() == 1 and len(calls) == 2
    clock.advance(seconds=3)
    assert d.drain() == 0                                 # second backoff is 4 s
    clock.advance(seconds=1)
    assert d.drain() == 1 and len(calls) == 3
    assert len(healthy) == 1                              # only the failing handler retried
    assert store.outbox_size() == 0 and store.dead_letters() == []


def test_dead_letter_after_max_attempts(store, clock, caplog):
    attempts = []
    other = []

    def broken(e):
        attempts.append(e.name)
        raise RuntimeError(f"cannot deliver {e.name}")

    d = make(store, clock, max_attempts=3, base_delay=timedelta(seconds=1))
    d.subscribe(Created, broken, name="broken")
    d.subscribe(Created, other.append, name="other")
    with store.tx() as tx:
        tx.emit(Created("poison"))
        tx.emit(Created("fine"))
    d.drain()
    assert other == [Created("poison"), Created("fine")]  # the failure holds nothing back
    for _ in range(5):
        clock.advance(minutes=10)
        d.drain()
    assert attempts == ["poison", "fine"] * 3
    assert store.outbox_size() == 0
    dead = store.dead_letters()
    assert [x.subscribers for x in dead] == [("broken",), ("broken",)]
    assert dead[0].attempts == 3 and dead[0].type == "test.Created"
    assert "RuntimeError: cannot deliver poison" in dead[0].error
    assert "Traceback" in dead[0].error
    assert any("dead-lettered" in r.message for r in caplog.records)
    assert len(other) == 2


def test_a_handler_keeps_its_own_schedule_with_retry_after_until_it_gives_up(store, clock):
    calls = []

    def scheduled(e):                 # no delay, then 30 s, then 30 s, then it gives up
        calls.append(clock.now())
        if len(calls) == 4:
            raise GiveUp("policy exhausted")
        raise RetryAfter(timedelta(seconds=0 if len(calls) == 1 else 30))

    d = make(store, clock, max_attempts=2, base_delay=timedelta(seconds=1))
    d.subscribe(Created, scheduled, name="scheduled")
    with store.tx() as tx:
        tx.emit(Created("a"))
    assert d.drain() == 2 and len(calls) == 2             # the no-delay retry comes at once
    clock.advance(seconds=29)
    assert d.drain() == 0                                 # not the dispatcher's 1 s backoff
    clock.advance(seconds=1)
    assert d.drain() == 1 and len(calls) == 3             # past the dispatcher's max_attempts
    clock.advance(seconds=30)
    assert d.drain() == 1 and len(calls) == 4
    assert store.outbox_size() == 0
    dead = store.dead_letters()
    assert [x.subscribers for x in dead] == [("scheduled",)] and dead[0].attempts == 4
    assert "GiveUp: policy exhausted" in dead[0].error


def test_undecodable_events_are_dead_lettered_at_once(store, clock):
    d = make(store, clock)
    d.subscribe(Deleted, lambda e: None, name="h")
    with store.tx() as tx:
        tx._conn().execute("INSERT INTO outbox (type, payload, created_us) VALUES (?, ?, 0)",
                           ("test.Deleted", "{not json"))
    d.drain()
    assert [x.attempts for x in store.dead_letters()] == [1]


def test_undelivered_events_survive_a_restart(tmp_path, clock):
    first = SqliteStore(tmp_path, clock=clock)
    with first.tx() as tx:
        tx.emit(Created("1"))
        tx.emit(Created("2"))
    failing = make(first, clock)
    failing.subscribe(Created, lambda e: 1 / 0, name="h")
    failing.drain()                                       # both wait for a retry
    first.close()                                         # the process "dies" here

    second = SqliteStore(tmp_path, clock=clock)
    try:
        got = []
        d = make(second, clock)
        d.subscribe(Created, got.append, name="h")
        clock.advance(minutes=1)
        d.drain()
        assert [e.name for e in got] == ["1", "2"]
        assert second.outbox_size() == 0
    finally:
        second.close()


def test_thread_delivers_after_commit_and_stops_cleanly(store):
    delivered = threading.Event()
    got = []

    def handler(e):
        got.append(e.name)
        if len(got) == 3:
            delivered.set()

    d = Dispatcher(store, poll_interval=30)              # a commit must wake it, not polling
    d.subscribe(Created, handler)
    d.start()
    try:
        with pytest.raises(RuntimeError):
            d.start()
        for name in "abc":
            with store.tx() as tx:
                tx.emit(Created(name))
        assert delivered.wait(10)
        assert got == ["a", "b", "c"]
    finally:
        d.stop()
    assert not any(t.name == "nuvem-events" for t in threading.enumerate())
    d.stop()                                              # idempotent


def test_handlers_can_write_and_emit(store, clock):
    seen = []
    d = make(store, clock)

    def cascade(e):
        with store.tx() as tx:
            tx.emit(Deleted(e.name))

    d.subscribe(Created, cascade)
    d.subscribe(Deleted, lambda e: seen.append(e.name), name="seen")
    with store.tx() as tx:
        tx.emit(Created("x"))
    d.drain()
    assert seen == ["x"]


def test_subscription_rules():
    subs = Subscribers()
    subs.subscribe(Created, print, name="p")
    with pytest.raises(ValueError):
        subs.subscribe(Created, print, name="p")
    with pytest.raises(TypeError):
        subs.subscribe(object, print)
    assert [s.name for s in subs.of("test.Created")] == ["p"]
    assert subs.of("nothing") == ()
