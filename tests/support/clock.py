"""The tests' one "now": the runtime's wall clock (``services.runtime.clock.wall``), the same
the services under test read, so ``WARD5S_WALL_CLOCK_START`` moves a test and the services it drives
together (the date-bound tests are run at a month's first day, its last minutes and at Tết)."""

from __future__ import annotations

from datetime import datetime

from contracts.common import LOCAL_TZ
from contracts.periods import Month
from services.runtime.clock import wall


def now_local() -> datetime:
    """Now in Vietnam time, to the second (aware)."""
    return wall().astimezone(LOCAL_TZ).replace(microsecond=0)


def this_month() -> str:
    """The current month's key (``YYYY-MM``), in Vietnam time."""
    return Month.of(now_local()).key
