"""Timers on the manual clock fire synchronously when time is advanced; on real time, a thread."""
import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest

from nuvem.core.clock import ManualClock, RealClock
from nuvem.core.scheduler import Scheduler

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
BOUND = 5.0   # real seconds allowed for a background thread to act; never reached when correct


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def scheduler(clock):
    scheduler = Scheduler(clock)
    yield scheduler
    scheduler.stop()


def recorder(clock, log, name):
    return lambda: log.append((name, clock.now()))


def test_after_fires_once_at_its_time(clock, scheduler):
    fired = []
    scheduler.after(10, recorder(clock, fired, "a"))
    clock.advance(9.999)
    assert fired == []
    clock.advance(0.001)
    assert fired == [("a", START + timedelta(seconds=10))]
    clock.advance(3600)
    assert len(fired) == 1 and scheduler.pending == 0


def test_at_fires_at_a_wall_time(clock, scheduler):
    fired = []
    scheduler.at(START + timedelta(hours=1), recorder(clock, fired, "at"))
    scheduler.at(START - timedelta(hours=1), recorder(clock, fired, "past"))   # due now
    assert scheduler.run_due() == 1 and fired == [("past", START)]
    clock.set(START + timedelta(hours=2))
    assert fired[1] == ("at", START + timedelta(hours=1))
    assert clock.now() == START + timedelta(hours=2)


def test_timers_fire_in_deadline_order_ties_in_scheduling_order(clock, scheduler):
    fired = []
    scheduler.after(5, recorder(clock, fired, "five"))
    scheduler.after(3, recorder(clock, fired, "three-a"))
    scheduler.after(3, recorder(clock, fired, "three-b"))
    scheduler.after(1, recorder(clock, fired, "one"))
    clock.advance(10)
    assert [name for name, _ in fired] == ["one", "three-a", "three-b", "five"]
    assert [when for _, when in fired] == [START + timedelta(seconds=s) for s in (1, 3, 3, 5)]


def test_every_fires_at_each_period_within_one_advance(clock, scheduler):
    fired = []
    timer = scheduler.every(60, recorder(clock, fired, "tick"))
    clock.advance(hours=1)
    assert [when for _, when in fired] == [START + timedelta(minutes=m) for m in range(1, 61)]
    assert timer.fired == 60
    assert timer.cancel() is True
    clock.advance(hours=1)
    assert len(fired) == 60 and scheduler.pending == 0


def test_a_coalescing_timer_runs_once_more_at_the_end_of_a_jump(clock, scheduler):
    fired = []
    scheduler.every(3600, recorder(clock, fired, "sweep"), coalesce=True)
    clock.advance(days=365)
    # its first due time, then the end of the jump: not 8,760 hourly runs
    assert [when for _, when in fired] == [START + timedelta(hours=1), START + timedelta(days=365)]
    clock.advance(hours=1)
    assert len(fired) == 3 and fired[-1][1] == START + timedelta(days=365, hours=1)


def test_every_with_a_first_delay(clock, scheduler):
    fired = []
    scheduler.every(10, recorder(clock, fired, "tick"), first=0)
    assert scheduler.run_due() == 1
    clock.advance(25)
    assert [when for _, when in fired] == [START + timedelta(seconds=s) for s in (0, 10, 20)]


def test_every_needs_a_positive_interval(scheduler):
    with pytest.raises(ValueError):
        scheduler.every(0, lambda: None)


def test_cancel_before_due(clock, scheduler):
    fired = []
    timer = scheduler.after(5, recorder(clock, fired, "x"))
    assert timer.cancel() is True
    assert timer.cancel() is False and timer.cancelled
    clock.advance(10)
    assert fired == [] and scheduler.next_due() is None


def test_a_callback_can_schedule_and_cancel_timers(clock, scheduler):
    fired = []
    later = scheduler.after(30, recorder(clock, fired, "cancelled"))

    def first():
        fired.append(("first", clock.now()))
        later.cancel()
        scheduler.after(5, recorder(clock, fired, "chained"))

    scheduler.after(10, first)
    clock.advance(60)          # the chained timer, due inside this advance, fires in it too
    assert fired == [("first", START + timedelta(seconds=10)),
                     ("chained", START + timedelta(seconds=15))]


def test_a_periodic_timer_can_cancel_itself(clock, scheduler):
    fired = []
    holder = {}

    def tick():
        fired.append(clock.now())
        if len(fired) == 3:
            holder["timer"].cancel()

    holder["timer"] = scheduler.every(1, tick)
    clock.advance(10)
    assert len(fired) == 3


def test_a_failing_timer_is_logged_and_the_rest_still_run(clock, scheduler, caplog):
    fired = []

    def boom():
        raise RuntimeError("kaput")

    scheduler.after(1, boom)
    ticker = scheduler.every(1, recorder(clock, fired, "after-boom"))
    with caplog.at_level(logging.ERROR, logger="nuvem.scheduler"):
        clock.advance(3)
    assert len(fired) == 3 and ticker.fired == 3
    failure = next(r for r in caplog.records if "failed" in r.getMessage())
    assert failure.exc_info and "kaput" in caplog.text and "Traceback" in caplog.text


def test_periodic_timer_survives_its_own_failures(clock, scheduler, caplog):
    calls = []

    def flaky():
        calls.append(clock.now())
        raise ValueError("again")

    scheduler.every(5, flaky)
    with caplog.at_level(logging.ERROR, logger="nuvem.scheduler"):
        clock.advance(20)
    assert len(calls) == 4


def test_several_schedulers_share_one_manual_clock(clock):
    fired = []
    a, b = Scheduler(clock), Scheduler(clock)
    try:
        a.after(2, recorder(clock, fired, "a2"))
        b.after(1, recorder(clock, fired, "b1"))
        a.after(3, recorder(clock, fired, "a3"))
        clock.advance(5)
        assert [name for name, _ in fired] == ["b1", "a2", "a3"]
    finally:
        a.stop()
        b.stop()


def test_background_thread_on_manual_time_fires_what_is_due_without_an_advance(clock):
    done = threading.Event()
    with Scheduler(clock) as scheduler:
        scheduler.after(0, done.set)
        assert done.wait(BOUND)
        fired = []
        scheduler.after(60, recorder(clock, fired, "later"))
        clock.advance(60)      # fired by advance itself, synchronously
        assert fired == [("later", START + timedelta(seconds=60))]


def test_background_thread_on_real_time():
    clock = RealClock()
    done = threading.Event()
    failures = []
    with Scheduler(clock) as scheduler:
        scheduler.after(0.01, lambda: failures.append(1) or 1 / 0)   # a failure does not kill it
        scheduler.after(0.02, done.set)
        assert done.wait(BOUND)
        thread = scheduler._thread
        assert thread.is_alive() and failures == [1]
    assert not thread.is_alive()


def test_real_time_thread_picks_up_an_earlier_timer_added_while_waiting():
    clock = RealClock()
    done = threading.Event()
    with Scheduler(clock) as scheduler:
        scheduler.after(3600, lambda: None)     # the thread now waits an hour...
        scheduler.after(0.01, done.set)         # ...and must re-plan for this one
        assert done.wait(BOUND)


def test_start_and_stop_are_clean_and_idempotent(clock):
    scheduler = Scheduler(clock)
    scheduler.start()
    thread = scheduler._thread
    assert scheduler.start() is scheduler and scheduler._thread is thread
    scheduler.stop()
    assert not thread.is_alive()
    scheduler.stop()
    fired = []
    scheduler.after(1, recorder(clock, fired, "after-stop"))
    clock.advance(5)            # a stopped scheduler is detached from the clock
    assert fired == []
    scheduler.start()           # and can start again
    clock.advance(0)
    assert scheduler.run_due() == 0 and len(fired) == 1
    scheduler.stop()


def test_a_source_that_never_fires_cannot_hang_advance(clock):
    class Stuck:
        def next_due(self):
            return clock.monotonic()

        def run_due(self):
            return 0

    clock.attach(Stuck())
    with pytest.raises(RuntimeError):
        clock.advance(1)
