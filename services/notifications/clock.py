"""The one clock of the service. Production reads real time; a demo or test stack may move it
forward (an admin endpoint does) so deadlines, quiet hours and escalations show without waiting.
The clock keeps running from wherever it was set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ClockFixed(Exception):
    """Raised when something tries to move the clock of a production service."""


class Clock:
    def __init__(self, adjustable: bool, start: datetime | None = None) -> None:
        self.adjustable = adjustable
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> datetime:
        if not self.adjustable:
            raise ClockFixed
        self._offset = moment.astimezone(UTC) - datetime.now(UTC)
        return self.now()

    def advance(self, seconds: float) -> datetime:
        if not self.adjustable:
            raise ClockFixed
        self._offset += timedelta(seconds=seconds)
        return self.now()
