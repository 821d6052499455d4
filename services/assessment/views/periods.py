"""The months a person may send for, for the pages' month lists: each month of the window (from
``window.first_day`` up to the current month, newest first) and whether it takes submissions
now, so that a page offers only open months and says so before sending for a closed one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.periods import Month
from services.assessment.adapters import periods
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import first_day
from services.assessment.handlers.common import open_by_row, ward_policy


async def months(session: AsyncSession, ward: str, policy: Policy, now: datetime) -> dict[str, Any]:
    """``{"months": [{"period": "YYYY-MM", "open": bool}, ...]}``, the current month first,
    back to the window's first month; ``open`` as ``common.period_is_open`` decides it for a
    submission at ``now``."""
    first = Month.of_date(first_day(policy, now))
    # Two reads for the whole window (the months' rows, the ward's calendar), not two a month.
    rows = await periods.rows_of(session, ward)
    calendar = await ward_policy(session, ward, policy)
    month, listed = Month.of(now), []
    while month >= first:
        is_open = open_by_row(rows.get(month.key), now)
        if is_open is None:
            is_open = not calendar.closed_by_date(month, now)
        listed.append({"period": month.key, "open": is_open})
        month = month.shift(-1)
    return {"months": listed}
