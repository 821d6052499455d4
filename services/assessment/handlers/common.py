"""What every handler of this service shares: who asks and when (:class:`Context`), and the
checks of units, people, catalogues and open months that several aggregates make."""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import Catalog
from contracts.common import LOCAL_TZ
from contracts.envelope import Actor
from contracts.events import CalendarDay
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters import calendar as stored_calendar
from services.assessment.adapters import catalogs, org, periods
from services.assessment.domain.graders import Seat
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import check_month
from services.runtime.auth import Principal
from services.runtime.refusals import Kind, Refusal


def person_actor(principal: Principal) -> Actor:
    kind = {"kiosk": "device", "integration": "integration"}.get(principal.role.value, "person")
    return Actor(kind=kind, id=principal.subject_id)


@dataclass(frozen=True)
class Context:
    """Who asks, under which policy, at which moment (``now``: the unit of work's, read from the
    service's clock; the command pipeline builds it so), and the correlation id their events
    carry."""

    principal: Principal
    policy: Policy
    now: datetime
    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def ward(self) -> str:
        return self.principal.ward

    @property
    def seat(self) -> Seat:
        """The caller's seat in the org chart as it is now: the command pipeline's seat step
        (``handlers/seats.py``) resolved ``principal`` from the chart before the handler runs."""
        p = self.principal
        return Seat(p.subject_id, p.role.value, p.unit_id, p.units_in_charge)

    @property
    def actor(self) -> Actor:
        return person_actor(self.principal)

    def envelope(self, occurred_at: datetime | None = None) -> dict[str, Any]:
        """The envelope fields of an event this request causes."""
        return {
            "ward": self.ward,
            "occurred_at": occurred_at or self.now,
            "recorded_at": self.now,
            "actor": self.actor,
            "correlation_id": self.correlation_id,
        }


async def check_unit(
    session: AsyncSession, ward: str, unit_id: str, field: str = "unit_id"
) -> None:
    """422 ``unknown_unit`` unless the ward has the unit."""
    if not await org.has_unit(session, ward, unit_id):
        raise Refusal(Kind.INVALID, "unknown_unit", field)


async def find_person(session: AsyncSession, ward: str, person_id: str, field: str) -> Row[Any]:
    """The active person's row; 422 ``unknown_person`` (``field``) when there is none."""
    row = await org.active_person(session, ward, person_id)
    if row is None:
        raise Refusal(Kind.INVALID, "unknown_person", field)
    return row


#: What is kept between requests of rows that never change once stored (a catalogue version's
#: body, a ward's calendar at a version), per database (the engine: a test process has many):
#: parsing a catalogue (tens of kilobytes of JSON, then the contract's validation) cost every
#: submission more than all its other reads together. Bounded: a ward has a handful of each.
_KEPT: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()
_KEPT_MAX = 256


def _kept(session: AsyncSession) -> dict[Hashable, Any]:
    kept = _KEPT.setdefault(session.bind, {})
    if len(kept) >= _KEPT_MAX:
        kept.clear()
    return kept


async def get_catalog(session: AsyncSession, version: str | None = None) -> Catalog:
    """A stored catalogue version (the current one if None). Errors: 422 ``unknown_catalog``
    (``catalog_version``) for an unknown version; 404 when no catalogue is current."""
    return (await _stored_catalog(session, version))[0]


async def catalog_in_use(session: AsyncSession, version: str | None, now: datetime) -> Catalog:
    """:func:`get_catalog`, its first use recorded at ``now`` unless one already was: what a
    submission scored against it calls."""
    catalog, used = await _stored_catalog(session, version)
    if not used:
        await catalogs.mark_used(session, catalog.version, now)
    return catalog


async def _stored_catalog(session: AsyncSession, version: str | None) -> tuple[Catalog, bool]:
    stamp = await catalogs.stamp(session, version)
    if stamp is None:
        raise Refusal(
            Kind.NOT_FOUND if version is None else Kind.INVALID,
            "unknown_catalog",
            "catalog_version" if version else None,
            version=version or "",
        )
    kept = _kept(session)
    key = ("catalog", stamp.version)
    catalog = kept.get(key)
    if catalog is None:
        catalog = Catalog.model_validate(await catalogs.stored_body(session, stamp.version))
        kept[key] = catalog
    return catalog, stamp.first_used_at is not None


async def ward_days(session: AsyncSession, ward: str, policy: Policy) -> tuple[CalendarDay, ...]:
    """The ward's declared days: stored, or the policy's seed until they are."""
    days = await stored_calendar.stored_days(session, ward)
    return policy.calendar_seed if days is None else days


async def ward_policy(session: AsyncSession, ward: str, policy: Policy) -> Policy:
    """``policy`` counting the ward's own working days (every deadline of the ward uses it).
    Each change of the days moves the calendar's version: the days are read again only then."""
    version = await stored_calendar.version_of(session, ward)
    if version is None:
        return policy.with_calendar(policy.calendar_seed)
    kept = _kept(session)
    key = ("calendar", ward, version, id(policy))
    found: tuple[Policy, Policy] | None = kept.get(key)
    if found is None or found[0] is not policy:
        days = await stored_calendar.stored_days(session, ward)
        found = (policy, policy.with_calendar(policy.calendar_seed if days is None else days))
        kept[key] = found
    return found[1]


async def check_period_open(
    session: AsyncSession, context: Context, period: str, field: str = "period"
) -> None:
    """409 ``period_closed`` (``field``) unless ``period`` is open for submissions at
    ``context.now`` (:func:`period_is_open`)."""
    if not await period_is_open(session, context.ward, context.policy, period, context.now):
        raise Refusal(Kind.CONFLICT, "period_closed", field, period=period)


async def period_is_open(
    session: AsyncSession, ward: str, policy: Policy, period: str, now: datetime
) -> bool:
    """Whether ``period`` takes submissions at ``now``: a month an administrator reopened is
    open until the end of its last open day (``closes_on``, the ward's local date); one closed
    (by hand or by the automatic close) is not; any other is closed once its close day is over
    in the ward's calendar (``Policy.closed_by_date``), whether or not the automatic close has
    run for it yet."""
    decided = open_by_row(await periods.row_of(session, ward, period), now)
    if decided is not None:
        return decided
    calendar = await ward_policy(session, ward, policy)
    return not calendar.closed_by_date(Month.parse(period), now)


def open_by_row(row: Row[Any] | None, now: datetime) -> bool | None:
    """Whether a month whose ``periods`` row is ``row`` (None: nobody closed or reopened it)
    takes submissions at ``now``, as :func:`period_is_open` decides it; None when the row does
    not decide and the ward's calendar does."""
    status = row.status if row else None
    if status == "reopened":
        return row is None or row.closes_on is None or local_date(now) <= row.closes_on
    if status == "closed":
        return False
    return None


def closes_for(principal: Principal, owner_id: str, unit_id: str, admins: bool = True) -> bool:
    """Whether ``principal`` may mark a unit's task done (a corrective action, a review's
    follow-up, a citizen's call-back): its owner, the head of its unit, and (``admins``) an
    administrator."""
    return (
        principal.subject_id == owner_id
        or (admins and principal.role is Role.ADMIN)
        or (principal.role is Role.UNIT_HEAD and principal.unit_id == unit_id)
    )


def closer(
    principal: Principal, row: Row[Any], field: str, closed_code: str, admins: bool = True
) -> str:
    """Who closes a unit's task (``row``'s ``owner_id``, ``unit_id`` and ``status``: a
    corrective action, a review's follow-up, a citizen's call-back): ``principal``'s id.
    Errors, in this order: 403 ``not_action_owner`` unless :func:`closes_for` lets them; 409
    ``closed_code`` when the task is no longer ``open`` (closed, or a call-back done); both on
    ``field``."""
    if not closes_for(principal, row.owner_id, row.unit_id, admins):
        raise Refusal(Kind.FORBIDDEN, "not_action_owner", field)
    if row.status != "open":
        raise Refusal(Kind.CONFLICT, closed_code, field)
    return principal.subject_id


def local_date(moment: datetime) -> date:
    """The ward's local date at ``moment`` (Vietnam time)."""
    return moment.astimezone(LOCAL_TZ).date()


def check_period_in_window(period: str, context: Context) -> None:
    """422 unless ``period`` is within the window of months a person may send
    (``window.check_month``: from last January to the current month)."""
    check_month(period, context.policy, context.now)


def beyond(body: BaseModel, data: BaseModel) -> dict[str, Any]:
    """What a request ``body`` says that the event ``data`` made of it does not carry, by field:
    the columns its row keeps besides the event's (an initiative's or a review's accounts), as
    the contracts deliver them (stripped)."""
    return body.model_dump(exclude=set(type(data).model_fields))


def required_note(note: str) -> str:
    """The note a task is closed with, stripped; 422 ``required`` (``note``) when blank."""
    if not note.strip():
        raise Refusal(Kind.INVALID, "required", "note")
    return note.strip()


def optional_text(text: str | None) -> str | None:
    """An optional note or reason as kept: stripped, None when not given or blank."""
    return (text or "").strip() or None


def required_reason(reason: str) -> str:
    """The reason, stripped; 422 ``reason_required`` when blank."""
    if not reason.strip():
        raise Refusal(Kind.INVALID, "reason_required", "reason")
    return reason.strip()
