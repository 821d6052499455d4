"""The assessment service layer: one function per command, each given a session in an open
transaction. A handler checks the rules, writes the rows and stages the events; the caller
commits, so rows and events are saved together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import Catalog
from contracts.common import Text
from contracts.envelope import SYSTEM, Actor
from contracts.events import (
    AuditAmended,
    AuditAmendedData,
    AuditState,
    AuditSubmitted,
    AuditSubmittedData,
    AuditWithdrawn,
    AuditWithdrawnData,
    CorrectiveActionClosed,
    CorrectiveActionClosedData,
    CorrectiveActionOpened,
    CorrectiveActionOpenedData,
    FeedbackReceived,
    FeedbackReceivedData,
    OrgChartPublished,
    OrgChartPublishedData,
    OrgPerson,
    OrgUnit,
    PeriodClosed,
    PeriodClosedData,
    PeriodReopened,
    PeriodReopenedData,
    ScoredItem,
    SelfAssessmentReviewed,
    SelfAssessmentReviewedData,
    SelfAssessmentSubmitted,
    SelfAssessmentSubmittedData,
)
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters.tables import (
    audit_items,
    audit_revisions,
    audits,
    catalogs,
    corrective_actions,
    devices,
    feedback,
    idempotency,
    people,
    periods,
    plumbing,
    self_assessments,
    task_results,
    units,
    wards,
)
from services.assessment.calendar import ensure_calendar, shipped_policy, ward_policy
from services.assessment.domain import errors as _messages  # noqa: F401  (registers texts)
from services.assessment.domain.audits import (
    AuditDraft,
    ItemInput,
    check_auditor,
    check_period,
    findings,
    score_items,
)
from services.assessment.domain.graders import Seat, grading_refusal
from services.assessment.domain.org import OrgRow
from services.assessment.domain.policy import Policy
from services.assessment.domain.self_assessments import (
    PlusScore,
    check_review,
    score_plus_items,
)
from services.assessment.domain.window import check_month
from services.runtime import commands
from services.runtime.auth import Principal
from services.runtime.db import upsert
from services.runtime.errors import ApiError
from services.runtime.outbox import stage

__all__ = ["OrgRow"]  # re-exported: the demo loader and the admin API build org charts from it


def person_actor(principal: Principal) -> Actor:
    kind = {"kiosk": "device", "integration": "integration"}.get(principal.role.value, "person")
    return Actor(kind=kind, id=principal.subject_id)


@dataclass(frozen=True)
class Context:
    """Who asks, when, under which policy, and the correlation id their events carry."""

    principal: Principal
    policy: Policy = field(default_factory=Policy)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def ward(self) -> str:
        return self.principal.ward

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


# --- catalogue ------------------------------------------------------------------------------------


async def ensure_catalog(session: AsyncSession, catalog: Catalog, current: bool = True) -> bool:
    """Store a catalogue version if it is new; returns whether it was. A version is immutable:
    publishing a different body under a stored version is refused."""
    body = catalog.model_dump(mode="json", by_alias=True)
    stored = await session.scalar(
        select(catalogs.c.body).where(catalogs.c.version == catalog.version)
    )
    if stored is not None:
        if stored != body:
            raise ApiError(409, "catalog_version_exists", "version", version=catalog.version)
        return False
    if current:
        await session.execute(update(catalogs).values(current=False))
    await session.execute(
        catalogs.insert().values(
            version=catalog.version,
            body=body,
            published_at=datetime.now(UTC),
            current=current,
        )
    )
    return True


async def get_catalog(session: AsyncSession, version: str | None = None) -> Catalog:
    query = select(catalogs.c.body)
    query = (
        query.where(catalogs.c.version == version)
        if version
        else query.where(catalogs.c.current.is_(True))
    )
    body = await session.scalar(query)
    if body is None:
        raise ApiError(
            404 if version is None else 422,
            "unknown_catalog",
            "catalog_version" if version else None,
            version=version or "",
        )
    return Catalog.model_validate(body)


async def mark_catalog_used(session: AsyncSession, version: str, now: datetime) -> None:
    await session.execute(
        update(catalogs)
        .where(catalogs.c.version == version, catalogs.c.first_used_at.is_(None))
        .values(first_used_at=now)
    )


# --- lookups shared by the commands ---------------------------------------------------------------


async def check_unit(
    session: AsyncSession, ward: str, unit_id: str, field: str = "unit_id"
) -> None:
    found = await session.scalar(
        select(units.c.unit_id).where(units.c.ward == ward, units.c.unit_id == unit_id)
    )
    if found is None:
        raise ApiError(422, "unknown_unit", field)


async def find_person(session: AsyncSession, ward: str, person_id: str, field: str) -> Any:
    row = (
        await session.execute(
            select(people).where(
                people.c.ward == ward, people.c.person_id == person_id, people.c.active.is_(True)
            )
        )
    ).first()
    if row is None:
        raise ApiError(422, "unknown_person", field)
    return row


async def seat_of(session: AsyncSession, ward: str, person_id: str) -> Seat | None:
    """Where an active person of the ward sits in the org chart as it is now (None if they
    are not one): what grading decides by, rather than what a bearer token once said."""
    row = (
        await session.execute(
            select(people.c.role, people.c.unit_id, people.c.units_in_charge).where(
                people.c.ward == ward, people.c.person_id == person_id, people.c.active.is_(True)
            )
        )
    ).first()
    if row is None:
        return None
    return Seat(person_id, row.role, row.unit_id, tuple(row.units_in_charge or ()))


async def check_period_open(session: AsyncSession, context: Context, period: str) -> None:
    """409 ``period_closed`` unless ``period`` is open for submissions at ``context.now``: a
    month an administrator reopened is open; one closed (by hand or by the automatic close) is
    not; any other is closed once its close day is over in the ward's calendar
    (``Policy.closed_by_date``), whether or not the automatic close has run for it yet."""
    status = await session.scalar(
        select(periods.c.status).where(periods.c.ward == context.ward, periods.c.period == period)
    )
    if status == "reopened":
        return
    if status != "closed":
        policy = await ward_policy(session, context.ward, context.policy)
        if not policy.closed_by_date(Month.parse(period), context.now):
            return
    raise ApiError(409, "period_closed", "period", period=period)


def check_period_in_window(period: str, context: Context) -> None:
    """422 unless ``period`` is within the window of months a person may send
    (``window.check_month``: from last January to the current month)."""
    check_month(period, context.policy, context.now)


async def _locked(
    session: AsyncSession, table: Table, id_column: str, value: uuid.UUID, ward: str, code: str
) -> Any:
    """The ward's row with this id, locked for the change; 404 ``code`` when there is none."""
    row = (
        await session.execute(
            select(table)
            .where(table.c[id_column] == str(value), table.c.ward == ward)
            .with_for_update()
        )
    ).first()
    if row is None:
        raise ApiError(404, code, id_column)
    return row


# --- audits ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditAccepted:
    audit_id: uuid.UUID
    revision: int
    unit_id: str
    period: str
    status: str = "live"
    corrective_actions: tuple[uuid.UUID, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "audit_id": str(self.audit_id),
            "revision": self.revision,
            "unit_id": self.unit_id,
            "period": self.period,
            "status": self.status,
            "corrective_actions": [str(action) for action in self.corrective_actions],
        }


async def submit_audit(session: AsyncSession, context: Context, draft: AuditDraft) -> AuditAccepted:
    """A unit 5S audit; each finding (item scored 0–1) opens a corrective action."""
    principal = context.principal
    ward = context.ward
    await check_unit(session, ward, draft.unit_id)
    # The auditor's unit as the org chart has it now, not as their token had it when issued.
    auditor_unit = await session.scalar(
        select(people.c.unit_id).where(
            people.c.ward == ward,
            people.c.person_id == principal.subject_id,
            people.c.active.is_(True),
        )
    )
    check_auditor(auditor_unit or principal.unit_id, draft.unit_id)
    check_period(draft.period, draft.performed_at, context.policy, context.now)
    catalog = await get_catalog(session, draft.catalog_version)
    items = score_items(catalog, draft.items)
    await check_period_open(session, context, draft.period)

    audit_id = uuid.uuid4()
    await session.execute(
        audits.insert().values(
            audit_id=str(audit_id),
            ward=ward,
            unit_id=draft.unit_id,
            period=draft.period,
            performed_at=draft.performed_at,
            catalog_version=catalog.version,
            auditor_id=principal.subject_id,
            revision=1,
            status="live",
            created_at=context.now,
            updated_at=context.now,
        )
    )
    await mark_catalog_used(session, catalog.version, context.now)
    state = AuditState(
        revision=1,
        period=draft.period,
        performed_at=draft.performed_at,
        catalog_version=catalog.version,
        items=items,
    )
    await _record_revision(session, context, audit_id, "submitted", state, None)
    event = AuditSubmitted(
        **context.envelope(draft.performed_at),
        data=AuditSubmittedData(
            audit_id=audit_id,
            unit_id=draft.unit_id,
            auditor_id=principal.subject_id,
            **state.model_dump(),
        ),
    )
    opened = await _open_corrective_actions(
        session, context, audit_id, draft.unit_id, state, draft.items
    )
    await stage(session, plumbing.outbox, [event, *opened])
    return AuditAccepted(
        audit_id, 1, draft.unit_id, draft.period, "live", tuple(e.data.action_id for e in opened)
    )


async def _record_revision(
    session: AsyncSession,
    context: Context,
    audit_id: uuid.UUID,
    change: str,
    state: AuditState,
    reason: str | None,
) -> None:
    """Keep the audit's items as they now are, and the revision as it was, for the record."""
    await session.execute(audit_items.delete().where(audit_items.c.audit_id == str(audit_id)))
    if change != "withdrawn":
        await session.execute(
            audit_items.insert(),
            [
                {
                    "audit_id": str(audit_id),
                    "code": item.code,
                    "pillar": item.pillar,
                    "weight": item.weight,
                    "score": item.score,
                    "note": item.note,
                    "evidence": list(item.evidence),
                }
                for item in state.items
            ],
        )
    await session.execute(
        audit_revisions.insert().values(
            audit_id=str(audit_id),
            revision=state.revision,
            change=change,
            reason=reason,
            state=state.model_dump(mode="json"),
            actor_id=context.principal.subject_id,
            recorded_at=context.now,
        )
    )


async def _live_audit(session: AsyncSession, context: Context, audit_id: uuid.UUID) -> Any:
    """The audit to amend or withdraw, locked, with the rules every correction meets."""
    row = await _locked(session, audits, "audit_id", audit_id, context.ward, "unknown_audit")
    if row.status == "withdrawn":
        raise ApiError(409, "audit_withdrawn", "audit_id")
    if row.auditor_id != context.principal.subject_id:
        raise ApiError(403, "not_audit_author", "audit_id")
    await check_period_open(session, context, row.period)
    return row


async def _current_state(session: AsyncSession, audit_id: uuid.UUID, revision: int) -> AuditState:
    stored = await session.scalar(
        select(audit_revisions.c.state).where(
            audit_revisions.c.audit_id == str(audit_id), audit_revisions.c.revision == revision
        )
    )
    return AuditState.model_validate(stored)


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ApiError(422, "reason_required", "reason")
    return reason.strip()


async def amend_audit(
    session: AsyncSession,
    context: Context,
    audit_id: uuid.UUID,
    items: Sequence[ItemInput],
    reason: str,
) -> AuditAccepted:
    """Replace an audit's scores: the event carries the new state and the one it replaces."""
    reason = _reason(reason)
    row = await _live_audit(session, context, audit_id)
    previous = await _current_state(session, audit_id, row.revision)
    catalog = await get_catalog(session, row.catalog_version)
    state = previous.model_copy(
        update={"revision": row.revision + 1, "items": score_items(catalog, items)}
    )
    await session.execute(
        update(audits)
        .where(audits.c.audit_id == str(audit_id))
        .values(revision=state.revision, updated_at=context.now)
    )
    await _record_revision(session, context, audit_id, "amended", state, reason)
    event = AuditAmended(
        **context.envelope(),
        data=AuditAmendedData(
            audit_id=audit_id,
            unit_id=row.unit_id,
            auditor_id=row.auditor_id,
            reason=reason,
            replaces=previous,
            **state.model_dump(),
        ),
    )
    opened = await _open_corrective_actions(session, context, audit_id, row.unit_id, state, items)
    superseded = await _close_superseded_actions(
        session,
        context,
        audit_id,
        {item.code for item in findings(state.items)},
        f"Đóng tự động: phiếu đánh giá đã được sửa, tiêu chí không còn điểm thấp ({reason})",
    )
    await stage(session, plumbing.outbox, [event, *opened, *superseded])
    return AuditAccepted(
        audit_id,
        state.revision,
        row.unit_id,
        row.period,
        "live",
        tuple(e.data.action_id for e in opened),
    )


async def withdraw_audit(
    session: AsyncSession, context: Context, audit_id: uuid.UUID, reason: str
) -> AuditAccepted:
    reason = _reason(reason)
    row = await _live_audit(session, context, audit_id)
    previous = await _current_state(session, audit_id, row.revision)
    revision = row.revision + 1
    await session.execute(
        update(audits)
        .where(audits.c.audit_id == str(audit_id))
        .values(revision=revision, status="withdrawn", updated_at=context.now)
    )
    await _record_revision(
        session,
        context,
        audit_id,
        "withdrawn",
        previous.model_copy(update={"revision": revision}),
        reason,
    )
    event = AuditWithdrawn(
        **context.envelope(),
        data=AuditWithdrawnData(
            audit_id=audit_id,
            unit_id=row.unit_id,
            revision=revision,
            reason=reason,
            replaces=previous,
        ),
    )
    superseded = await _close_superseded_actions(
        session,
        context,
        audit_id,
        set(),
        f"Đóng tự động: phiếu đánh giá đã được rút lại ({reason})",
    )
    await stage(session, plumbing.outbox, [event, *superseded])
    return AuditAccepted(audit_id, revision, row.unit_id, row.period, "withdrawn")


# --- corrective actions ---------------------------------------------------------------------------


async def _unit_head(session: AsyncSession, ward: str, unit_id: str) -> str | None:
    head: str | None = await session.scalar(
        select(people.c.person_id)
        .where(
            people.c.ward == ward,
            people.c.unit_id == unit_id,
            people.c.role == Role.UNIT_HEAD.value,
            people.c.active.is_(True),
        )
        .order_by(people.c.person_id)
        .limit(1)
    )
    return head


async def _open_corrective_actions(
    session: AsyncSession,
    context: Context,
    audit_id: uuid.UUID,
    unit_id: str,
    state: AuditState,
    inputs: Sequence[ItemInput],
) -> list[CorrectiveActionOpened]:
    """One corrective action per finding (item scored 0–1) that has none yet on this audit; one
    closed because an amendment had lifted its score is opened again if a later one lowers it."""
    owners = {item.code: (index, item.owner_id) for index, item in enumerate(inputs)}
    rows = (
        await session.execute(
            select(corrective_actions.c.item_code, corrective_actions.c.superseded).where(
                corrective_actions.c.audit_id == str(audit_id)
            )
        )
    ).all()
    existing = {row.item_code for row in rows if not row.superseded}
    await session.execute(
        delete(corrective_actions).where(
            corrective_actions.c.audit_id == str(audit_id),
            corrective_actions.c.superseded.is_(True),
            corrective_actions.c.item_code.in_([item.code for item in findings(state.items)]),
        )
    )
    # Due from when the finding is recorded (this submission or amendment), not from when the
    # audit says it was performed: a late-entered audit must not open actions overdue at once.
    policy = await ward_policy(session, context.ward, context.policy)
    due_on = policy.corrective_action_due(context.now)
    head = await _unit_head(session, context.ward, unit_id)
    events = []
    for item in findings(state.items):
        if item.code in existing:
            continue
        index, owner_id = owners[item.code]
        if owner_id:
            await find_person(session, context.ward, owner_id, f"items[{index}].owner_id")
        owner_id = owner_id or head
        if owner_id is None:
            raise ApiError(422, "no_action_owner", f"items[{index}].owner_id")
        action_id = uuid.uuid4()
        await session.execute(
            corrective_actions.insert().values(
                action_id=str(action_id),
                ward=context.ward,
                audit_id=str(audit_id),
                unit_id=unit_id,
                period=state.period,
                item_code=item.code,
                score=item.score,
                owner_id=owner_id,
                due_on=due_on,
                status="open",
                opened_at=context.now,
                evidence=[],
            )
        )
        events.append(
            CorrectiveActionOpened(
                **context.envelope(),
                data=CorrectiveActionOpenedData(
                    action_id=action_id,
                    audit_id=audit_id,
                    unit_id=unit_id,
                    item_code=item.code,
                    score=item.score or 0,
                    owner_id=owner_id,
                    due_on=due_on,
                ),
            )
        )
    return events


async def _close_superseded_actions(
    session: AsyncSession,
    context: Context,
    audit_id: uuid.UUID,
    still_findings: set[str],
    note: str,
) -> list[CorrectiveActionClosed]:
    """Close the open actions of an audit whose finding is gone (withdrawn, or amended above 1):
    nobody should be asked to fix what the audit no longer says."""
    rows = (
        await session.execute(
            select(
                corrective_actions.c.action_id,
                corrective_actions.c.item_code,
                corrective_actions.c.unit_id,
            )
            .where(
                corrective_actions.c.audit_id == str(audit_id),
                corrective_actions.c.status == "open",
            )
            .order_by(corrective_actions.c.item_code)
        )
    ).all()
    gone = [row for row in rows if row.item_code not in still_findings]
    if not gone:
        return []
    await session.execute(
        update(corrective_actions)
        .where(corrective_actions.c.action_id.in_([row.action_id for row in gone]))
        .values(
            status="closed",
            superseded=True,
            closed_at=context.now,
            closed_by=context.principal.subject_id,
            note=note,
        )
    )
    return [
        CorrectiveActionClosed(
            **context.envelope(),
            data=CorrectiveActionClosedData(
                action_id=uuid.UUID(row.action_id),
                audit_id=audit_id,
                unit_id=row.unit_id,
                closed_by=context.principal.subject_id,
                note=note,
                superseded=True,
            ),
        )
        for row in gone
    ]


# --- "+" self-assessments -------------------------------------------------------------------------


async def submit_self_assessment(
    session: AsyncSession,
    context: Context,
    period: str,
    items: Sequence[PlusScore],
    catalog_version: str | None = None,
) -> dict[str, Any]:
    """A person scores themself on the "+" items, once a month; a returned one is resubmitted
    as the next revision of the same self-assessment."""
    principal = context.principal
    if principal.role in (Role.KIOSK, Role.INTEGRATION):
        raise ApiError(403, "not_a_person")
    person = await find_person(session, context.ward, principal.subject_id, "person_id")
    if not person.unit_id:
        raise ApiError(422, "no_unit", "person_id")
    check_period_in_window(period, context)
    catalog = await get_catalog(session, catalog_version)
    scored = score_plus_items(catalog, items)
    await check_period_open(session, context, period)
    existing = (
        await session.execute(
            select(self_assessments)
            .where(
                self_assessments.c.ward == context.ward,
                self_assessments.c.person_id == principal.subject_id,
                self_assessments.c.period == period,
            )
            .with_for_update()
        )
    ).first()
    values = {
        "unit_id": person.unit_id,
        "catalog_version": catalog.version,
        "status": "submitted",
        "items": [item.model_dump(mode="json") for item in scored],
        "approved_items": None,
        "reviewer_id": None,
        "reason": None,
        "submitted_at": context.now,
        "reviewed_at": None,
    }
    if existing is None:
        self_assessment_id, revision = uuid.uuid4(), 1
        await session.execute(
            self_assessments.insert().values(
                self_assessment_id=str(self_assessment_id),
                ward=context.ward,
                person_id=principal.subject_id,
                period=period,
                revision=revision,
                **values,
            )
        )
    elif existing.status == "returned":
        self_assessment_id, revision = uuid.UUID(existing.self_assessment_id), existing.revision + 1
        await session.execute(
            update(self_assessments)
            .where(self_assessments.c.self_assessment_id == existing.self_assessment_id)
            .values(revision=revision, **values)
        )
    else:
        raise ApiError(409, "already_submitted", "period", period=period)
    await mark_catalog_used(session, catalog.version, context.now)
    event = SelfAssessmentSubmitted(
        **context.envelope(),
        data=SelfAssessmentSubmittedData(
            self_assessment_id=self_assessment_id,
            person_id=principal.subject_id,
            unit_id=person.unit_id,
            period=period,
            catalog_version=catalog.version,
            revision=revision,
            items=scored,
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return {
        "self_assessment_id": str(self_assessment_id),
        "revision": revision,
        "period": period,
        "status": "submitted",
    }


async def review_self_assessment(
    session: AsyncSession,
    context: Context,
    self_assessment_id: uuid.UUID,
    outcome: str,
    reason: str | None,
    adjusted: Sequence[PlusScore] | None,
) -> dict[str, Any]:
    """Approve, adjust or return a submitted self-assessment. The reviewer is the person's
    grader in the org chart as it is now (``domain/graders.py``): 403 ``own_review`` for one's
    own, 403 ``not_reviewer`` for anyone else."""
    row = await _locked(
        session,
        self_assessments,
        "self_assessment_id",
        self_assessment_id,
        context.ward,
        "unknown_self_assessment",
    )
    person_role = await session.scalar(
        select(people.c.role).where(
            people.c.ward == context.ward, people.c.person_id == row.person_id
        )
    )
    reviewer = await seat_of(session, context.ward, context.principal.subject_id)
    refusal = grading_refusal(reviewer, row.person_id, person_role or "", row.unit_id)
    if refusal is not None:
        raise ApiError(403, "own_review" if refusal == "own" else "not_reviewer")
    check_review(outcome, reason, adjusted is not None)
    if row.status != "submitted":
        raise ApiError(409, "not_awaiting_review", "self_assessment_id")
    await check_period_open(session, context, row.period)
    approved: tuple[ScoredItem, ...] = ()
    if outcome == "approved":
        approved = tuple(ScoredItem.model_validate(item) for item in row.items)
    elif outcome == "adjusted":
        catalog = await get_catalog(session, row.catalog_version)
        approved = score_plus_items(catalog, adjusted or ())
    reason = reason.strip() if reason and reason.strip() else None
    await session.execute(
        update(self_assessments)
        .where(self_assessments.c.self_assessment_id == row.self_assessment_id)
        .values(
            status=outcome,
            approved_items=[item.model_dump(mode="json") for item in approved] or None,
            reviewer_id=context.principal.subject_id,
            reason=reason,
            reviewed_at=context.now,
        )
    )
    event = SelfAssessmentReviewed(
        **context.envelope(),
        data=SelfAssessmentReviewedData(
            self_assessment_id=self_assessment_id,
            person_id=row.person_id,
            unit_id=row.unit_id,
            period=row.period,
            reviewer_id=context.principal.subject_id,
            outcome=outcome,
            revision=row.revision,
            items=approved,
            reason=reason,
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return {
        "self_assessment_id": str(self_assessment_id),
        "revision": row.revision,
        "period": row.period,
        "status": outcome,
    }


# --- citizen feedback ------------------------------------------------------------------------


async def receive_feedback(
    session: AsyncSession,
    context: Context,
    unit_id: str,
    level: int,
    officer_id: str | None,
    procedure: str | None,
    comment: str | None,
) -> dict[str, Any]:
    """A citizen's rating from a kiosk or a QR link; the comment stays here, off the bus."""
    device = (
        await session.execute(
            select(devices).where(
                devices.c.ward == context.ward,
                devices.c.device_id == context.principal.subject_id,
                devices.c.active.is_(True),
            )
        )
    ).first()
    if device is None or device.role != Role.KIOSK.value:
        raise ApiError(403, "unknown_device")
    if device.channel == "qr" and device.unit_id and device.unit_id != unit_id:
        raise ApiError(422, "wrong_unit", "unit_id")
    await check_unit(session, context.ward, unit_id)
    if officer_id:
        await find_person(session, context.ward, officer_id, "officer_id")
    period = Month.of(context.now).key
    await check_period_open(session, context, period)
    feedback_id = uuid.uuid4()
    await session.execute(
        feedback.insert().values(
            feedback_id=str(feedback_id),
            ward=context.ward,
            unit_id=unit_id,
            period=period,
            level=level,
            officer_id=officer_id,
            procedure=procedure,
            comment=comment,
            channel=device.channel,
            device_id=device.device_id,
            received_at=context.now,
        )
    )
    event = FeedbackReceived(
        **context.envelope(),
        data=FeedbackReceivedData(
            feedback_id=feedback_id,
            unit_id=unit_id,
            level=level,
            officer_id=officer_id,
            procedure=procedure,
            channel=device.channel,
            period=period,
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return {"feedback_id": str(feedback_id), "unit_id": unit_id, "period": period}


# --- periods --------------------------------------------------------------------------------------


async def close_period(session: AsyncSession, context: Context, period: str) -> dict[str, Any]:
    """Close a month by hand (an administrator): submissions for it are refused from now on.
    Errors: 422 ``period_not_over`` (the current month), ``period_out_of_window``; 409
    ``period_already_closed``."""
    check_period_in_window(period, context)
    if Month.parse(period) >= Month.of(context.now):
        raise ApiError(422, "period_not_over", "period", period=period)
    values = {"status": "closed", "closed_at": context.now, "reason": None}
    statement = upsert(session, periods).values(ward=context.ward, period=period, **values)
    changed = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[periods.c.ward, periods.c.period],
            set_=values,
            where=periods.c.status != "closed",
        ).returning(periods.c.period)
    )
    if changed.first() is None:
        raise ApiError(409, "period_already_closed", "period", period=period)
    await stage(
        session,
        plumbing.outbox,
        [PeriodClosed(**context.envelope(), data=PeriodClosedData(period=period))],
    )
    return {"period": period, "status": "closed"}


async def reopen_period(
    session: AsyncSession, context: Context, period: str, reason: str
) -> dict[str, Any]:
    """Reopen a closed month (an administrator), with a reason. Errors: 422 ``reason_required``,
    ``future_period`` / ``period_out_of_window``; 409 ``period_not_closed``."""
    reason = _reason(reason)
    check_period_in_window(period, context)
    status = await session.scalar(
        select(periods.c.status).where(periods.c.ward == context.ward, periods.c.period == period)
    )
    if status is None:
        # Closed by its date alone (the automatic close has not run for it yet).
        policy = await ward_policy(session, context.ward, context.policy)
        if not policy.closed_by_date(Month.parse(period), context.now):
            raise ApiError(409, "period_not_closed", "period", period=period)
    values = {"status": "reopened", "reason": reason}
    statement = upsert(session, periods).values(ward=context.ward, period=period, **values)
    changed = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[periods.c.ward, periods.c.period],
            set_=values,
            where=periods.c.status == "closed",
        ).returning(periods.c.period)
    )
    if changed.first() is None:
        raise ApiError(409, "period_not_closed", "period", period=period)
    await stage(
        session,
        plumbing.outbox,
        [
            PeriodReopened(
                **context.envelope(), data=PeriodReopenedData(period=period, reason=reason)
            )
        ],
    )
    return {"period": period, "status": "reopened"}


async def first_active_month(session: AsyncSession, ward: str) -> Month | None:
    """The earliest month of the ward's audits, self-assessments, citizen ratings and task
    results (None when it has none): the automatic close looks back to it."""
    firsts = [
        await session.scalar(select(func.min(table.c.period)).where(table.c.ward == ward))
        for table in (audits, self_assessments, feedback, task_results)
    ]
    found = [Month.parse(period) for period in firsts if period]
    return min(found) if found else None


async def close_due_periods(
    session: AsyncSession, policy: Policy, now: datetime | None = None
) -> list[tuple[str, str]]:
    """Close every month whose close day (``Policy.close_day``, in the ward's own working
    days) is over and that nobody closed or reopened yet, back to the ward's first activity
    (``Policy.months_due_to_close``); submissions are refused after the close day even before
    this runs (``check_period_open``), so this records the close and tells the others.

    Safe with several instances: the row is inserted with ON CONFLICT DO NOTHING, so only the
    instance whose insert took stages the event. Returns the (ward, period) pairs it closed.
    """
    now = now or datetime.now(UTC)
    closed: list[tuple[str, str]] = []
    for ward in (await session.scalars(select(wards.c.ward))).all():
        since = await first_active_month(session, ward)
        due = (await ward_policy(session, ward, policy)).months_due_to_close(now, since)
        for month in due:
            taken = await session.execute(
                upsert(session, periods)
                .values(ward=ward, period=month.key, status="closed", closed_at=now)
                .on_conflict_do_nothing(index_elements=[periods.c.ward, periods.c.period])
                .returning(periods.c.period)
            )
            if taken.first() is None:
                continue
            event = PeriodClosed(
                ward=ward,
                occurred_at=now,
                recorded_at=now,
                actor=SYSTEM,
                data=PeriodClosedData(period=month.key),
            )
            await stage(session, plumbing.outbox, [event])
            closed.append((ward, month.key))
    return closed


async def forget_old_keys(session: AsyncSession, before: datetime) -> int:
    """Drop idempotency records older than ``before``: retries come within minutes, and the
    stream's own duplicate window is two hours."""
    return await commands.forget_old_keys(session, idempotency, before)


# --- organisation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    role: Role
    unit_id: str | None
    label: Text
    channel: str = "kiosk"
    active: bool = True


async def load_org_chart(
    session: AsyncSession,
    ward: str,
    ward_name: str | None,
    rows: Sequence[OrgRow],
    device_rows: Sequence[DeviceRow] = (),
    *,
    actor: Actor,
    policy: Policy | None = None,
) -> int:
    """Replace a ward's org chart and publish it; returns the new org chart version. A ward's
    first org chart also stores and publishes its working calendar, from ``policy``'s seed
    (default: the shipped calendar files)."""
    now = datetime.now(UTC)
    current = (
        await session.execute(select(wards.c.org_version, wards.c.name).where(wards.c.ward == ward))
    ).first()
    version = (current.org_version if current else 0) + 1
    name = ward_name or (current.name if current else ward)
    if current is None:
        await session.execute(wards.insert().values(ward=ward, name=name, org_version=1))
    else:
        await session.execute(
            update(wards).where(wards.c.ward == ward).values(name=name, org_version=version)
        )
    unit_names = {row.unit_id: row.unit_name for row in rows if row.unit_id and row.unit_name}
    for unit_id, unit_name in unit_names.items():
        await _upsert(
            session,
            units,
            {"ward": ward, "unit_id": unit_id},
            {"name_vi": unit_name.vi, "name_en": unit_name.en},
        )
    await session.execute(update(people).where(people.c.ward == ward).values(active=False))
    for row in rows:
        await _upsert(
            session,
            people,
            {"ward": ward, "person_id": row.person_id},
            {
                "full_name": row.full_name,
                "email": row.email,
                "role": row.role.value,
                "unit_id": row.unit_id,
                "units_in_charge": list(row.units_in_charge),
                "active": True,
                "duty_group": row.duty_group,
                "employment_type": row.employment_type,
            },
        )
    for device in device_rows:
        await save_device(session, ward, device)
    all_units = (await session.execute(select(units).where(units.c.ward == ward))).all()
    event = OrgChartPublished(
        ward=ward,
        occurred_at=now,
        recorded_at=now,
        actor=actor,
        data=OrgChartPublishedData(
            version=version,
            units=tuple(
                OrgUnit(unit_id=u.unit_id, name=Text(vi=u.name_vi, en=u.name_en)) for u in all_units
            ),
            people=tuple(
                OrgPerson(
                    person_id=r.person_id,
                    full_name=r.full_name,
                    email=r.email,
                    role=r.role,
                    unit_id=r.unit_id,
                    units_in_charge=r.units_in_charge,
                    duty_group=r.duty_group,
                    employment_type=r.employment_type,
                )
                for r in rows
            ),
        ),
    )
    await stage(session, plumbing.outbox, [event])
    await ensure_calendar(session, ward, policy or shipped_policy(), actor, now)
    return version


async def person_principal(session: AsyncSession, ward: str, person_id: str) -> Principal:
    """Who an active person of the ward is, as their bearer token names them."""
    row = await find_person(session, ward, person_id, "person_id")
    return Principal(
        row.person_id, ward, Role(row.role), row.unit_id, tuple(row.units_in_charge or ())
    )


async def save_device(session: AsyncSession, ward: str, device: DeviceRow) -> None:
    """Register or change a kiosk, QR link or integration of the ward."""
    if device.unit_id:
        await check_unit(session, ward, device.unit_id)
    await _upsert(
        session,
        devices,
        {"ward": ward, "device_id": device.device_id},
        {
            "role": device.role.value,
            "unit_id": device.unit_id,
            "label_vi": device.label.vi,
            "label_en": device.label.en,
            "channel": device.channel,
            "active": device.active,
        },
    )


async def org_chart(session: AsyncSession, ward: str) -> dict[str, Any]:
    unit_rows = (await session.execute(select(units).where(units.c.ward == ward))).all()
    person_rows = (
        await session.execute(
            select(people).where(people.c.ward == ward, people.c.active.is_(True))
        )
    ).all()
    device_rows = (await session.execute(select(devices).where(devices.c.ward == ward))).all()
    return {
        "units": [
            {"unit_id": u.unit_id, "name_vi": u.name_vi, "name_en": u.name_en} for u in unit_rows
        ],
        "people": [
            {
                "person_id": p.person_id,
                "full_name": p.full_name,
                "role": p.role,
                "unit_id": p.unit_id,
                "units_in_charge": p.units_in_charge,
                "duty_group": p.duty_group,
                "employment_type": p.employment_type,
            }
            for p in person_rows
        ],
        "devices": [
            {
                "device_id": d.device_id,
                "role": d.role,
                "unit_id": d.unit_id,
                "channel": d.channel,
                "active": d.active,
            }
            for d in device_rows
        ],
    }


async def _upsert(
    session: AsyncSession,
    table: Table,
    key: dict[str, object],
    values: dict[str, object],
) -> None:
    where = [table.c[name] == value for name, value in key.items()]
    found = await session.execute(update(table).where(*where).values(**values))
    if found.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(table.insert().values(**key, **values))
