"""The ward's working calendar, owned here and told to the others as an event.

Each ward's calendar is stored (``ward_calendars``: its version; ``calendar_days``: the declared
days). It starts from the shipped calendar files (``Policy.calendar_seed``) the first time the
ward needs it: when its org chart is first loaded, at start-up for wards that have none yet, or
at an administrator's first change. Every change bumps the version and stages
``assessment.calendar.published`` (the whole calendar) in the same transaction; the other
services build their ``WorkingCalendar`` from that event.

Until a ward's calendar is stored, its seed is what it would hold, so reading never writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.envelope import Actor
from contracts.events import CalendarDay, CalendarPublished, CalendarPublishedData
from services.assessment.adapters import calendar as stored
from services.assessment.domain.calendar import check_declaration
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import check_calendar_day
from services.assessment.handlers.common import Context
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork
from services.runtime.workdays import WorkingCalendar

#: Who declared the days that came with the shipped files.
SEEDED_BY = "calendar-file"


async def _publish(uow: UnitOfWork, ward: str, version: int, actor: Actor) -> None:
    days = await stored.stored_days(uow.session, ward) or ()
    uow.emit(
        CalendarPublished(
            **uow.envelope(ward, actor), data=CalendarPublishedData(version=version, days=days)
        )
    )


async def ensure_calendar(uow: UnitOfWork, ward: str, policy: Policy, actor: Actor) -> bool:
    """Store and publish the ward's calendar from the seed unless it is stored already;
    returns whether it did. Safe with several instances: only the one whose version row took
    seeds and publishes."""
    if not await stored.create(uow.session, ward, uow.now):
        return False
    await stored.insert_days(uow.session, ward, policy.calendar_seed, SEEDED_BY, uow.now)
    await _publish(uow, ward, 1, actor)
    return True


async def ensure_known_calendars(uow: UnitOfWork, policy: Policy, actor: Actor) -> list[str]:
    """Seed the calendar of every ward that has an org chart but no calendar yet (start-up)."""
    missing = await stored.wards_without_calendar(uow.session)
    return [ward for ward in missing if await ensure_calendar(uow, ward, policy, actor)]


async def declare_day(
    uow: UnitOfWork, context: Context, day: date, working: bool, reason: str
) -> dict[str, Any]:
    """Declare ``day`` a day off (``working`` False) or a make-up working day, replacing any
    declaration of that day; publishes the calendar when it changed. Errors: see
    ``check_declaration``."""
    ward, policy, actor = context.ward, context.policy, context.actor
    declared = check_declaration(day, working, reason, policy, uow.now)
    await ensure_calendar(uow, ward, policy, actor)
    current = await stored.declared(uow.session, ward, day)
    if current == declared:
        return _answer(declared, await stored.version_of(uow.session, ward) or 1)
    version = await stored.bump_version(uow.session, ward, uow.now)
    await stored.declare(uow.session, ward, declared, actor.id or actor.kind, uow.now)
    await _publish(uow, ward, version, actor)
    return _answer(declared, version)


async def remove_day(uow: UnitOfWork, context: Context, day: date) -> dict[str, Any]:
    """Remove the declaration of ``day`` (it follows the national calendar again) and publish
    the calendar. Errors: 422 ``past_day`` / ``calendar_year`` outside the calendar's window
    (``window.check_calendar_day``); 404 ``calendar_day_not_declared`` when it has none."""
    ward, policy, actor = context.ward, context.policy, context.actor
    check_calendar_day(day, policy, uow.now)
    await ensure_calendar(uow, ward, policy, actor)
    if not await stored.remove(uow.session, ward, day):
        raise Refusal(Kind.NOT_FOUND, "calendar_day_not_declared", "day")
    version = await stored.bump_version(uow.session, ward, uow.now)
    await _publish(uow, ward, version, actor)
    working = WorkingCalendar().is_working_day(day)
    return {"day": day.isoformat(), "declared": False, "working": working, "version": version}


def _answer(declared: CalendarDay, version: int) -> dict[str, Any]:
    return {
        "day": declared.day.isoformat(),
        "declared": True,
        "working": declared.working,
        "reason": declared.reason,
        "version": version,
    }
