"""A ward's working calendar for the screens: what it declares, on top of the national one."""

from __future__ import annotations

import holidays
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import calendar as stored
from services.assessment.domain.policy import Policy
from services.assessment.handlers.common import ward_days


async def calendar_year(
    session: AsyncSession, ward: str, policy: Policy, year: int
) -> dict[str, object]:
    """The ward's calendar for ``year``: its version (0 before it is stored), the days it
    declares, and the national public holidays and make-up weekend days it builds on."""
    version = await stored.version_of(session, ward)
    days = await ward_days(session, ward, policy)
    national = holidays.country_holidays("VN", years=year, language="vi")
    weekend_workdays = sorted(
        d for d in getattr(national, "weekend_workdays", ()) if d.year == year
    )
    return {
        "year": year,
        "version": int(version or 0),
        "declared": [
            {"day": d.day.isoformat(), "working": d.working, "reason": d.reason}
            for d in days
            if d.day.year == year
        ],
        "public_holidays": [
            {"day": d.isoformat(), "name": str(name)} for d, name in sorted(national.items())
        ],
        "weekend_workdays": [d.isoformat() for d in weekend_workdays],
    }
