"""The runtime's clocks: real time, an adjustable clock for demo and test stacks, a frozen one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.runtime.clock import Clock, ClockFixed, FrozenClock, SystemClock

VIETNAM = timezone(timedelta(hours=7))


def test_system_clock_reads_aware_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_adjustable_clock_runs_on_from_where_it_was_set() -> None:
    clock = Clock(adjustable=True, start=datetime(2026, 3, 10, 9, tzinfo=VIETNAM))
    assert abs(clock.now() - datetime(2026, 3, 10, 2, tzinfo=UTC)) < timedelta(seconds=1)
    moved = clock.advance(3600)
    assert abs(moved - datetime(2026, 3, 10, 3, tzinfo=UTC)) < timedelta(seconds=1)
    assert clock.now() >= moved


def test_production_clock_refuses_to_move() -> None:
    clock = Clock(adjustable=False)
    with pytest.raises(ClockFixed):
        clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ClockFixed):
        clock.advance(1)
    with pytest.raises(ClockFixed):
        Clock(adjustable=False, start=datetime(2026, 1, 1, tzinfo=UTC))


def test_frozen_clock_stands_still_until_moved() -> None:
    clock = FrozenClock(datetime(2026, 3, 10, 9, tzinfo=VIETNAM))
    assert clock.now() == clock.now() == datetime(2026, 3, 10, 2, tzinfo=UTC)
    assert clock.advance(90) == datetime(2026, 3, 10, 2, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        FrozenClock(datetime(2026, 3, 10, 9))
