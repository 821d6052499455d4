"""The months a person may send for, for the pages' month lists: each month of the window (from
``window.first_day`` up to the current month, newest first) and whether it takes submissions
now, so that a page offers only open months and says so before sending for a closed one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.periods import Month
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import first_day
from services.assessment.handlers.common import period_is_open


async def months(session: AsyncSession, ward: str, policy: Policy, now: datetime) -> dict[str, Any]:
    """``{"months": [{"period": "YYYY-MM", "open": bool}, ...]}``, the current month first,
    back to the window's first month; ``open`` as ``common.period_is_open`` decides it for a
    submission at ``now``."""
    first = Month.of_date(first_day(policy, now))
    month, listed = Month.of(now), []
    while month >= first:
        is_open = await period_is_open(session, ward, policy, month.key, now)
        listed.append({"period": month.key, "open": is_open})
        month = month.shift(-1)
    return {"months": listed}
