"""The one clock of a service: every handler, job and rule asks it for ``now`` instead of the
wall clock, so a test or a demo stack can set and move time.

- :class:`SystemClock` reads real time (production).
- :class:`Clock` reads real time plus an offset that a demo or test stack may set or advance
  (an admin endpoint does, so deadlines, quiet hours and escalations show without waiting); the
  clock keeps running from wherever it was set. A production clock is built with
  ``adjustable=False`` and refuses to move (:class:`ClockFixed`).
- :class:`FrozenClock` stands still until told otherwise: for fast unit tests.

A demo or test process may start the wall clock itself somewhere else with
``WARD5S_WALL_CLOCK_START`` (ISO 8601 with its offset, e.g. ``2026-12-01T00:30+07:00``): every
clock of the process, and of the processes it starts, then runs on from there, so a whole suite
can be run on the first of a month, a month's last minutes or at Tết. A production service
refuses to start with it set (``ServiceSettings.check_production``). (Not notifications'
``WARD5S_CLOCK_START``, which sets that service's adjustable clock alone, at its own start.)

Usage::

    clock = Clock(adjustable=settings.environment != "production", start=settings.clock_start)
    uow = UnitOfWork(sessions, outbox, clock)  # handlers read ``uow.now``
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Protocol

#: The variable that moves the process's wall clock (demo and test processes only).
START_VARIABLE = "WARD5S_WALL_CLOCK_START"
#: Written by the first process that reads :data:`START_VARIABLE`, read by those it starts: the
#: same offset from real time, so that a service started a minute into a test run is not a
#: minute behind the test (each working it out from the start again would be).
OFFSET_VARIABLE = "WARD5S_WALL_CLOCK_OFFSET_S"


def start_offset(value: str | None) -> timedelta:
    """How far ``value`` (ISO 8601 with an offset; None or empty: unset) is from real time now.

    Errors: ``ValueError`` for a moment that is not ISO 8601 or carries no time zone."""
    if not value:
        return timedelta(0)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{START_VARIABLE} must carry a time zone: {value!r}")
    return moment.astimezone(UTC) - datetime.now(UTC)


def _process_offset() -> timedelta:
    """The offset of this process's wall clock: its parent's, or worked out from the start
    moment and handed down (an offset alone, without the start moment, moves nothing)."""
    start = os.environ.get(START_VARIABLE)
    inherited = os.environ.get(OFFSET_VARIABLE)
    if start and inherited:
        return timedelta(seconds=float(inherited))
    offset = start_offset(start)
    if start:
        os.environ[OFFSET_VARIABLE] = repr(offset.total_seconds())
    return offset


#: Read once when the process starts: every clock below runs on from that moment.
_WALL_OFFSET = _process_offset()


def wall() -> datetime:
    """The process's real time (aware, UTC), moved by ``WARD5S_WALL_CLOCK_START`` if set."""
    return datetime.now(UTC) + _WALL_OFFSET


class ClockFixed(Exception):
    """Raised when something tries to move the clock of a production service."""


class Now(Protocol):
    """Anything that tells the time: an aware UTC ``datetime``."""

    def now(self) -> datetime: ...


class SystemClock:
    """Real time, in UTC (the process's wall: ``wall``)."""

    def now(self) -> datetime:
        return wall()


class Clock:
    """Real time shifted by an offset; ``set``/``advance`` move it when ``adjustable``."""

    def __init__(self, adjustable: bool, start: datetime | None = None) -> None:
        self.adjustable = adjustable
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return wall() + self._offset

    def set(self, moment: datetime) -> datetime:
        """Make ``now`` read ``moment`` (aware) from here on; returns the new now."""
        if not self.adjustable:
            raise ClockFixed
        self._offset = moment.astimezone(UTC) - wall()
        return self.now()

    def advance(self, seconds: float) -> datetime:
        """Move time forward by ``seconds``; returns the new now."""
        if not self.adjustable:
            raise ClockFixed
        self._offset += timedelta(seconds=seconds)
        return self.now()


class FrozenClock:
    """A clock that stands still at ``moment`` (aware) until ``set`` or ``advance`` moves it."""

    adjustable = True

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock's moment must carry a time zone")
        self._now = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> datetime:
        self._now = moment.astimezone(UTC)
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now
