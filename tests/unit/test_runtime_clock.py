"""The runtime's clocks: real time, an adjustable clock for demo and test stacks, a frozen one."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.runtime.clock import (
    OFFSET_VARIABLE,
    START_VARIABLE,
    Clock,
    ClockFixed,
    FrozenClock,
    SystemClock,
    start_offset,
    wall,
)
from services.runtime.settings import ServiceSettings

VIETNAM = timezone(timedelta(hours=7))


def test_system_clock_reads_aware_utc() -> None:
    before = wall()
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert before <= now <= wall()


def clock_of_a_process(env: dict[str, str]) -> tuple[datetime, datetime, str]:
    """What a new process with ``env`` reads from its system clock and from an adjustable one,
    and the offset it hands down to the processes it would start."""
    shown = "import os; from services.runtime.clock import Clock, SystemClock, OFFSET_VARIABLE; "
    shown += "print(SystemClock().now().isoformat()); print(Clock(adjustable=False).now()); "
    shown += "print(os.environ.get(OFFSET_VARIABLE, ''))"
    printed = subprocess.run(
        [sys.executable, "-c", shown], env=env, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    return datetime.fromisoformat(printed[0]), datetime.fromisoformat(printed[1]), printed[2]


def test_a_process_started_at_a_moment_of_its_choosing_runs_on_from_there() -> None:
    """``WARD5S_WALL_CLOCK_START`` moves every clock of a new process: the first of a month at
    00:30 in Vietnam, the instant the date-bound tests are run at to show they do not depend
    on the real date; the processes it starts take its offset rather than starting again."""
    start = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    moved = {START_VARIABLE: "2026-12-01T00:30:00+07:00", "PATH": ""}
    system, adjustable, handed_down = clock_of_a_process(moved)
    for read in (system, adjustable):
        assert timedelta(0) <= read - start < timedelta(seconds=30)
    # A child of it, started an hour later by its parent's clock, reads the parent's time.
    later = str(float(handed_down) + 3600)
    child, _, _ = clock_of_a_process({**moved, OFFSET_VARIABLE: later})
    assert timedelta(hours=1) <= child - start < timedelta(hours=1, seconds=30)
    # An offset alone moves nothing.
    alone, _, _ = clock_of_a_process({OFFSET_VARIABLE: later, "PATH": ""})
    assert abs(alone - datetime.now(UTC)) < timedelta(seconds=30)
    assert start_offset(None) == start_offset("") == timedelta(0)
    with pytest.raises(ValueError, match="time zone"):
        start_offset("2026-12-01T00:30:00")


def test_production_refuses_a_moved_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ServiceSettings(service="scoring", http_port=1, environment="production")
    monkeypatch.delenv(START_VARIABLE, raising=False)
    settings.check_production()  # no exit
    monkeypatch.setenv(START_VARIABLE, "2026-12-01T00:30:00+07:00")
    with pytest.raises(SystemExit, match=START_VARIABLE):
        settings.check_production()
    settings.model_copy(update={"environment": "test"}).check_production()  # no exit


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
