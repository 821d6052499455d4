"""The one clock of a service: every handler, job and rule asks it for ``now`` instead of the
wall clock, so a test or a demo stack can set and move time.

- :class:`SystemClock` reads real time (production).
- :class:`Clock` reads real time plus an offset that a demo or test stack may set or advance
  (an admin endpoint does, so deadlines, quiet hours and escalations show without waiting); the
  clock keeps running from wherever it was set. A production clock is built with
  ``adjustable=False`` and refuses to move (:class:`ClockFixed`).
- :class:`FrozenClock` stands still until told otherwise: for fast unit tests.

Usage::

    clock = Clock(adjustable=settings.environment != "production", start=settings.clock_start)
    uow = UnitOfWork(sessions, outbox, clock)  # handlers read ``uow.now``
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class ClockFixed(Exception):
    """Raised when something tries to move the clock of a production service."""


class Now(Protocol):
    """Anything that tells the time: an aware UTC ``datetime``."""

    def now(self) -> datetime: ...


class SystemClock:
    """Real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Clock:
    """Real time shifted by an offset; ``set``/``advance`` move it when ``adjustable``."""

    def __init__(self, adjustable: bool, start: datetime | None = None) -> None:
        self.adjustable = adjustable
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> datetime:
        """Make ``now`` read ``moment`` (aware) from here on; returns the new now."""
        if not self.adjustable:
            raise ClockFixed
        self._offset = moment.astimezone(UTC) - datetime.now(UTC)
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
