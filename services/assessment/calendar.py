"""The ward's working calendar, owned here and told to the others as an event.

Each ward's calendar is stored (``ward_calendars``: its version; ``calendar_days``: the declared
days). It starts from the shipped calendar files (``Policy.calendar_seed``) the first time the
ward needs it: when its org chart is first loaded, at start-up for wards that have none yet, or
at an administrator's first change. Every change bumps the version and stages
``assessment.calendar.published`` (the whole calendar) in the same transaction; the other
services build their ``WorkingCalendar`` from that event.

Until a ward's calendar is stored, its seed is what it would hold, so reading never writes.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import holidays
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Actor
from contracts.events import CalendarDay, CalendarPublished, CalendarPublishedData
from services.assessment.adapters.tables import calendar_days, plumbing, ward_calendars, wards
from services.assessment.domain.calendar import check_declaration
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import check_calendar_day
from services.runtime.db import upsert
from services.runtime.errors import ApiError
from services.runtime.outbox import stage
from services.runtime.workdays import WorkingCalendar, read_calendar_days

#: Who declared the days that came with the shipped files.
SEEDED_BY = "calendar-file"


async def stored_days(session: AsyncSession, ward: str) -> tuple[CalendarDay, ...] | None:
    """The ward's declared days by date, or None when its calendar is not stored yet."""
    version = await session.scalar(
        select(ward_calendars.c.version).where(ward_calendars.c.ward == ward)
    )
    if version is None:
        return None
    rows = (
        await session.execute(
            select(calendar_days).where(calendar_days.c.ward == ward).order_by(calendar_days.c.day)
        )
    ).all()
    return tuple(CalendarDay(day=r.day, working=r.working, reason=r.reason) for r in rows)


async def ward_days(session: AsyncSession, ward: str, policy: Policy) -> tuple[CalendarDay, ...]:
    """The ward's declared days: stored, or the seed until they are."""
    days = await stored_days(session, ward)
    return policy.calendar_seed if days is None else days


async def ward_policy(session: AsyncSession, ward: str, policy: Policy) -> Policy:
    """``policy`` counting the ward's own working days (every deadline of the ward uses it)."""
    return policy.with_calendar(await ward_days(session, ward, policy))


async def ward_calendar(session: AsyncSession, ward: str, policy: Policy) -> WorkingCalendar:
    return WorkingCalendar.from_days(await ward_days(session, ward, policy))


async def _publish(
    session: AsyncSession, ward: str, version: int, actor: Actor, now: datetime
) -> None:
    days = await stored_days(session, ward) or ()
    event = CalendarPublished(
        ward=ward,
        occurred_at=now,
        recorded_at=now,
        actor=actor,
        data=CalendarPublishedData(version=version, days=days),
    )
    await stage(session, plumbing.outbox, [event])


async def ensure_calendar(
    session: AsyncSession, ward: str, policy: Policy, actor: Actor, now: datetime
) -> bool:
    """Store and publish the ward's calendar from the seed unless it is stored already;
    returns whether it did. Safe with several instances: the version row is inserted with ON
    CONFLICT DO NOTHING, and only the instance whose insert took seeds and publishes."""
    taken = await session.execute(
        upsert(session, ward_calendars)
        .values(ward=ward, version=1, updated_at=now)
        .on_conflict_do_nothing(index_elements=[ward_calendars.c.ward])
        .returning(ward_calendars.c.version)
    )
    if taken.first() is None:
        return False
    if policy.calendar_seed:
        await session.execute(
            calendar_days.insert(),
            [
                {
                    "ward": ward,
                    "day": d.day,
                    "working": d.working,
                    "reason": d.reason,
                    "declared_by": SEEDED_BY,
                    "declared_at": now,
                }
                for d in policy.calendar_seed
            ],
        )
    await _publish(session, ward, 1, actor, now)
    return True


async def ensure_known_calendars(
    session: AsyncSession, policy: Policy, actor: Actor, now: datetime
) -> list[str]:
    """Seed the calendar of every ward that has an org chart but no calendar yet (start-up)."""
    missing = (
        await session.scalars(
            select(wards.c.ward).where(
                wards.c.ward.not_in(select(ward_calendars.c.ward)),
            )
        )
    ).all()
    return [ward for ward in missing if await ensure_calendar(session, ward, policy, actor, now)]


async def _next_version(
    session: AsyncSession, ward: str, policy: Policy, actor: Actor, now: datetime
) -> int:
    """The ward's calendar row, seeded if need be and locked for the change: its next version."""
    await ensure_calendar(session, ward, policy, actor, now)
    version = await session.scalar(
        select(ward_calendars.c.version).where(ward_calendars.c.ward == ward).with_for_update()
    )
    next_version = int(version or 0) + 1
    await session.execute(
        update(ward_calendars)
        .where(ward_calendars.c.ward == ward)
        .values(version=next_version, updated_at=now)
    )
    return next_version


async def declare_day(
    session: AsyncSession,
    ward: str,
    policy: Policy,
    actor: Actor,
    now: datetime,
    day: date,
    working: bool,
    reason: str,
) -> dict[str, object]:
    """Declare ``day`` a day off (``working`` False) or a make-up working day, replacing any
    declaration of that day; publishes the calendar when it changed. Errors: see
    ``check_declaration``."""
    declared = check_declaration(day, working, reason, policy, now)
    await ensure_calendar(session, ward, policy, actor, now)
    current = (
        await session.execute(
            select(calendar_days).where(calendar_days.c.ward == ward, calendar_days.c.day == day)
        )
    ).first()
    if current is not None and (current.working, current.reason) == (working, declared.reason):
        version = await session.scalar(
            select(ward_calendars.c.version).where(ward_calendars.c.ward == ward)
        )
        return _answer(declared, int(version or 1))
    version = await _next_version(session, ward, policy, actor, now)
    values = {
        "working": working,
        "reason": declared.reason,
        "declared_by": actor.id,
        "declared_at": now,
    }
    statement = upsert(session, calendar_days).values(ward=ward, day=day, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[calendar_days.c.ward, calendar_days.c.day], set_=values
        )
    )
    await _publish(session, ward, version, actor, now)
    return _answer(declared, version)


async def remove_day(
    session: AsyncSession, ward: str, policy: Policy, actor: Actor, now: datetime, day: date
) -> dict[str, object]:
    """Remove the declaration of ``day`` (it follows the national calendar again) and publish
    the calendar. Errors: 422 ``past_day`` / ``calendar_year`` outside the calendar's window
    (``window.check_calendar_day``); 404 ``calendar_day_not_declared`` when it has none."""
    check_calendar_day(day, policy, now)
    await ensure_calendar(session, ward, policy, actor, now)
    removed = await session.execute(
        delete(calendar_days)
        .where(calendar_days.c.ward == ward, calendar_days.c.day == day)
        .returning(calendar_days.c.day)
    )
    if removed.first() is None:
        raise ApiError(404, "calendar_day_not_declared", "day")
    version = await _next_version(session, ward, policy, actor, now)
    await _publish(session, ward, version, actor, now)
    working = WorkingCalendar().is_working_day(day)
    return {"day": day.isoformat(), "declared": False, "working": working, "version": version}


def _answer(declared: CalendarDay, version: int) -> dict[str, object]:
    return {
        "day": declared.day.isoformat(),
        "declared": True,
        "working": declared.working,
        "reason": declared.reason,
        "version": version,
    }


async def calendar_year(
    session: AsyncSession, ward: str, policy: Policy, year: int
) -> dict[str, object]:
    """The ward's calendar for ``year``: its version (0 before it is stored), the days it
    declares, and the national public holidays and make-up weekend days it builds on."""
    version = await session.scalar(
        select(ward_calendars.c.version).where(ward_calendars.c.ward == ward)
    )
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


#: The calendar files shipped with the service (one per year; see docs/OPERATIONS.md).
SHIPPED_CALENDAR_DIR = Path(__file__).resolve().parent / "calendar_files"


@lru_cache(maxsize=1)
def shipped_policy() -> Policy:
    """The default policy with the shipped calendar files as every ward's seed."""
    seed = read_calendar_days(SHIPPED_CALENDAR_DIR)
    return Policy(calendar=WorkingCalendar.from_days(seed), calendar_seed=seed)
