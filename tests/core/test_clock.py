"""Clocks: real and manual time, and waiting on either without sleeping in tests."""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from nuvem.core.clock import ManualClock, RealClock

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
BOUND = 5.0   # real seconds a test allows a woken thread to finish; never reached when correct


def in_thread(fn):
    """Run `fn` in a thread; returns (thread, result dict)."""
    result = {}

    def run():
        result["value"] = fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_real_clock_is_utc_and_monotonic():
    clock = RealClock()
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5
    first = clock.monotonic()
    assert clock.monotonic() >= first


def test_real_clock_wait_returns_at_once_when_true_and_on_a_zero_timeout():
    clock = RealClock()
    assert clock.wait(lambda: True, timeout=100) is True
    assert clock.wait(lambda: False, timeout=0) is False
    clock.sleep(0)


def test_real_clock_notify_wakes_a_waiter():
    clock = RealClock()
    flag = threading.Event()
    thread, result = in_thread(lambda: clock.wait(flag.is_set, timeout=60))
    flag.set()
    clock.notify()
    thread.join(BOUND)
    assert not thread.is_alive() and result["value"] is True


def test_poll_sees_changes_nobody_notifies():
    for clock in (RealClock(), ManualClock(START)):
        flag = threading.Event()
        thread, result = in_thread(lambda: clock.wait(flag.is_set, timeout=3600, poll=0.01))
        flag.set()            # no notify: another process changed the state
        thread.join(BOUND)
        assert not thread.is_alive() and result["value"] is True


def test_manual_clock_starts_where_told_and_moves_only_when_told():
    clock = ManualClock(START)
    assert clock.now() == START and clock.monotonic() == 0.0
    assert clock.now() == START
    clock.advance(30)
    assert clock.now() == START + timedelta(seconds=30) and clock.monotonic() == 30.0
    clock.advance(timedelta(minutes=1))
    clock.advance(minutes=1, hours=1, days=1)
    assert clock.now() == START + timedelta(days=1, hours=1, minutes=2, seconds=30)


def test_manual_clock_keeps_whole_microseconds():
    clock = ManualClock(START)
    for _ in range(10):
        clock.advance(0.1)
    assert clock.monotonic() == 1.0
    assert clock.now() == START + timedelta(seconds=1)


def test_manual_clock_default_start_is_about_now():
    assert abs((ManualClock().now() - datetime.now(timezone.utc)).total_seconds()) < 5


def test_manual_clock_set_forward_and_back():
    clock = ManualClock(START)
    clock.set(START + timedelta(hours=2))
    assert clock.now() == START + timedelta(hours=2) and clock.monotonic() == 7200.0
    clock.set(START - timedelta(hours=1))          # wall time goes back, monotonic does not
    assert clock.now() == START - timedelta(hours=1) and clock.monotonic() == 7200.0
    clock.advance(60)
    assert clock.now() == START - timedelta(minutes=59)


def test_manual_clock_rejects_naive_times_and_going_backwards():
    with pytest.raises(ValueError):
        ManualClock(datetime(2024, 1, 1))
    clock = ManualClock(START)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(datetime(2024, 1, 1))


def test_manual_clock_converts_other_zones_to_utc():
    plus_two = timezone(timedelta(hours=2))
    clock = ManualClock(datetime(2024, 5, 1, 14, 0, tzinfo=plus_two))
    assert clock.now() == START and clock.now().tzinfo == timezone.utc


def test_a_timeout_on_manual_time_ends_exactly_when_the_clock_gets_there():
    clock = ManualClock(START)
    thread, result = in_thread(lambda: clock.wait(lambda: False, timeout=60))
    clock.advance(59)
    thread.join(0.05)          # a negative check: it must still be waiting
    assert thread.is_alive()
    clock.advance(1)
    thread.join(BOUND)
    assert not thread.is_alive() and result["value"] is False


def test_sleep_until_on_manual_time():
    clock = ManualClock(START)
    wake_at = START + timedelta(minutes=10)
    thread, result = in_thread(lambda: (clock.sleep_until(wake_at), clock.now())[1])
    clock.set(wake_at)
    thread.join(BOUND)
    assert not thread.is_alive() and result["value"] == wake_at


def test_manual_clock_waiter_wakes_on_notify_without_time_moving():
    clock = ManualClock(START)
    items = []
    thread, result = in_thread(lambda: clock.wait(lambda: bool(items), timeout=20))
    items.append("message")
    clock.notify()
    thread.join(BOUND)
    assert result["value"] is True and clock.now() == START


def test_many_waiters_with_different_deadlines():
    clock = ManualClock(START)
    threads = {t: in_thread(lambda t=t: (clock.sleep(t), clock.monotonic())[1]) for t in (5, 10, 20)}
    clock.advance(10)
    for t in (5, 10):
        threads[t][0].join(BOUND)
        assert threads[t][1]["value"] >= t
    threads[20][0].join(0.05)
    assert threads[20][0].is_alive()
    clock.advance(10)
    threads[20][0].join(BOUND)
    assert not threads[20][0].is_alive()


def test_a_predicate_may_take_a_lock_that_the_notifier_holds():
    clock = RealClock()
    lock, state = threading.Lock(), []

    def predicate():
        with lock:
            return bool(state)

    waiter, result = in_thread(lambda: clock.wait(predicate, timeout=60))

    def notifier():
        for _ in range(100):
            with lock:          # e.g. a store lock held while committing and notifying
                time.sleep(0.001)   # let the woken waiter run into the predicate meanwhile
                clock.notify()
        with lock:
            state.append("ready")
            clock.notify()

    notifying, _ = in_thread(notifier)
    notifying.join(BOUND)
    waiter.join(BOUND)
    assert not notifying.is_alive() and result["value"] is True


@pytest.mark.parametrize("step", [float("nan"), float("inf"), 1e300, 10_000 * 365 * 86400])
def test_manual_clock_refuses_steps_past_its_range_and_stays_put(step):
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ValueError):
        clock.advance(seconds=step)
    assert clock.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)
