"""Every submission the assessment service accepts, registered on the runtime's command pipeline
(``services.runtime.commands``) by its body model: HTTP and the NATS intake both dispatch the
body they parsed, so a front-end gets the same roles, idempotency, rate limit and answer
whichever way it submits. Each entry's ``name`` is also the intake subject's last tokens
(``ward5s.<ward>.intake.<name>``) and the metrics' ``kind`` label.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from prometheus_client import Counter
from pydantic import BaseModel

from contracts import intake as schemas
from contracts.catalog import Catalog
from contracts.roles import PERSON_ROLES, Role
from services.assessment.adapters import rate_buckets
from services.assessment.adapters.photo_store import PhotoStore
from services.assessment.adapters.tables import plumbing
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.domain.credentials import Lifetimes
from services.assessment.domain.org import DeviceRow, OrgRow
from services.assessment.domain.policy import Policy
from services.assessment.domain.self_assessments import PlusScore
from services.assessment.handlers import (
    audits,
    calendar,
    catalog,
    corrective_actions,
    devices,
    feedback,
    org,
    periods,
    self_assessments,
    sign_in,
    task_results,
)
from services.assessment.handlers.admin_actions import record_admin_action
from services.assessment.handlers.common import Context
from services.assessment.handlers.evidence import EvidenceUpload, store_photo
from services.assessment.handlers.seats import resolve_seat
from services.assessment.handlers.sign_in import SignInConfig
from services.runtime.auth import Principal
from services.runtime.clock import Now, SystemClock
from services.runtime.commands import Answer, CommandContext, Commands, command_registry
from services.runtime.db import SessionFactory
from services.runtime.dispatch import Handler
from services.runtime.refusals import Kind, Refusal

SUBMISSIONS = Counter(
    "ward5s_assessment_submissions_total",
    "Submissions by kind and outcome (accepted, replayed for a repeated idempotency key, "
    "refused_<status>), whether they came by HTTP or by the NATS intake.",
    ["kind", "outcome"],
)


class Submission(CommandContext):
    """A command's context in this service: the pipeline's, plus the policy, the correlation
    id its events carry and sign-in's configuration (given by :class:`Submissions`)."""

    policy: Policy
    correlation_id: uuid.UUID
    sign_in: SignInConfig | None
    photos: PhotoStore | None

    @property
    def handler_context(self) -> Context:
        """Who asks, under which policy, at the unit of work's moment."""
        return Context(self.principal, self.policy, self.uow.now, self.correlation_id)


async def take_token(
    sessions: SessionFactory, policy: Policy, principal: Principal, now: datetime
) -> None:
    """Take one token from the caller's bucket (``feedback_burst`` at once, then one every
    ``feedback_refill_s``); 429 ``rate_limited`` when it is empty."""
    taken = await rate_buckets.take_token(
        sessions,
        principal.ward,
        principal.subject_id,
        policy.feedback_burst,
        policy.feedback_refill_s,
        now,
    )
    if not taken:
        raise Refusal(Kind.RATE_LIMITED, "rate_limited")


async def _take_token(context: Submission) -> None:
    await take_token(context.sessions, context.policy, context.principal, context.now)


COMMANDS = command_registry(
    "assessment commands",
    SUBMISSIONS,
    plumbing.idempotency,
    take_token=_take_token,
    seat=resolve_seat,
)

M = TypeVar("M", bound=schemas.Body)


def command(
    model: type[M], **options: Any
) -> Callable[[Handler[Any, M, Answer]], Handler[Any, M, Answer]]:
    """Register a handler of ``model``, named by its intake subject (``INTAKE_KINDS``)."""
    return COMMANDS.register(model, name=schemas.INTAKE_KINDS[model], **options)


PEOPLE = PERSON_ROLES
ADMIN = frozenset({Role.ADMIN})
AUDITORS = frozenset({Role.AUDITOR})


def _items(items: list[schemas.AuditItemIn]) -> list[ItemInput]:
    return [
        ItemInput(i.code, i.score, i.note, tuple(i.evidence), i.owner_id, tuple(i.evidence_ids))
        for i in items
    ]


def _plus(items: list[schemas.PlusItemIn] | None) -> list[PlusScore] | None:
    return None if items is None else [PlusScore(i.code, i.score) for i in items]


@command(schemas.AuditIn, roles=AUDITORS, status=201)
async def submit_audit(context: Submission, body: schemas.AuditIn) -> Answer:
    draft = AuditDraft(
        body.unit_id, body.period, body.performed_at, body.catalog_version, _items(body.items)
    )
    uow, ctx = context.uow, context.handler_context
    return (await audits.submit_audit(uow, ctx, draft)).as_json()


@COMMANDS.register(EvidenceUpload, name="evidence.upload", roles=AUDITORS, status=201)
async def upload_evidence(context: Submission, body: EvidenceUpload) -> Answer:
    """A photo as evidence for the caller's audits (HTTP only: the edge cleans it first)."""
    if context.photos is None:
        raise Refusal(Kind.UNAVAILABLE, "evidence_store_unavailable")
    return await store_photo(context.uow, context.handler_context, body.photo, context.photos)


@command(schemas.AuditAmendCommand, roles=AUDITORS)
async def amend_audit(context: Submission, body: schemas.AuditAmendCommand) -> Answer:
    uow, ctx = context.uow, context.handler_context
    accepted = await audits.amend_audit(uow, ctx, body.audit_id, _items(body.items), body.reason)
    return accepted.as_json()


@command(schemas.AuditWithdrawCommand, roles=AUDITORS)
async def withdraw_audit(context: Submission, body: schemas.AuditWithdrawCommand) -> Answer:
    uow, ctx = context.uow, context.handler_context
    return (await audits.withdraw_audit(uow, ctx, body.audit_id, body.reason)).as_json()


@command(schemas.ActionCloseCommand, roles=PEOPLE)
async def close_action(context: Submission, body: schemas.ActionCloseCommand) -> Answer:
    return await corrective_actions.close_corrective_action(
        context.uow, context.handler_context, body.action_id, body.note, body.evidence
    )


@command(
    schemas.ActionReopenCommand,
    roles=frozenset({Role.AUDITOR, Role.CHAIRMAN, Role.VICE_CHAIRMAN}),
)
async def reopen_action(context: Submission, body: schemas.ActionReopenCommand) -> Answer:
    return await corrective_actions.reopen_corrective_action(
        context.uow, context.handler_context, body.action_id, body.reason, body.due_on
    )


@command(schemas.SelfAssessmentIn, roles=PEOPLE, status=201)
async def submit_self_assessment(context: Submission, body: schemas.SelfAssessmentIn) -> Answer:
    return await self_assessments.submit_self_assessment(
        context.uow,
        context.handler_context,
        body.period,
        _plus(body.items) or [],
        body.catalog_version,
    )


# Whom a reviewer reviews is the graders' one rule (``domain/graders.py``), from the org chart:
# the policy may name anyone to review the chairman's "+", and the HR integration records a
# review made outside the ward.
@command(schemas.ReviewCommand, roles=PEOPLE | {Role.INTEGRATION})
async def review_self_assessment(context: Submission, body: schemas.ReviewCommand) -> Answer:
    return await self_assessments.review_self_assessment(
        context.uow,
        context.handler_context,
        body.self_assessment_id,
        body.outcome,
        body.reason,
        _plus(body.items),
    )


@command(
    schemas.FeedbackIn,
    roles=frozenset({Role.KIOSK}),
    status=201,
    rate_limited=True,
)
async def receive_feedback(context: Submission, body: schemas.FeedbackIn) -> Answer:
    return await feedback.receive_feedback(
        context.uow,
        context.handler_context,
        body.unit_id,
        body.level,
        body.officer_id,
        body.procedure,
        body.comment,
        body.captured_at,
    )


@command(schemas.TaskResultIn, roles=task_results.RECORDERS, status=201)
async def record_task_result(context: Submission, body: schemas.TaskResultIn) -> Answer:
    return await task_results.record_task_result(
        context.uow,
        context.handler_context,
        body.person_id,
        body.period,
        body.points,
        body.disqualified,
        body.note,
    )


# --- administrators' commands: each is recorded with its actor and reason (admin_actions.py) ----


@command(schemas.PeriodCloseCommand, roles=ADMIN)
async def close_period(context: Submission, body: schemas.PeriodCloseCommand) -> Answer:
    ctx = context.handler_context
    answer = await periods.close_period(context.uow, ctx, body.period)
    await record_admin_action(context.uow, ctx, "period.closed", body.period, None)
    return answer


@command(schemas.PeriodReopenCommand, roles=ADMIN)
async def reopen_period(context: Submission, body: schemas.PeriodReopenCommand) -> Answer:
    ctx = context.handler_context
    answer = await periods.reopen_period(context.uow, ctx, body.period, body.reason, body.closes_on)
    await record_admin_action(
        context.uow, ctx, "period.reopened", body.period, body.reason, closes_on=answer["closes_on"]
    )
    return answer


@command(schemas.CalendarDayCommand, roles=ADMIN)
async def declare_day(context: Submission, body: schemas.CalendarDayCommand) -> Answer:
    ctx, day = context.handler_context, body.day.isoformat()
    answer = await calendar.declare_day(context.uow, ctx, body.day, body.working, body.reason)
    working = "true" if body.working else "false"
    await record_admin_action(
        context.uow, ctx, "calendar.day_declared", day, body.reason, working=working
    )
    return answer


@command(schemas.CalendarRemoveCommand, roles=ADMIN)
async def remove_day(context: Submission, body: schemas.CalendarRemoveCommand) -> Answer:
    ctx, day = context.handler_context, body.day.isoformat()
    answer = await calendar.remove_day(context.uow, ctx, body.day)
    await record_admin_action(context.uow, ctx, "calendar.day_removed", day, None)
    return answer


# --- administrators' commands by HTTP only (no intake subject), each with the reason given -------


class CatalogPublication(BaseModel):
    """Publish ``catalog`` (``current``: the version submissions default to from now on)."""

    catalog: Catalog
    current: bool = True
    reason: str | None = None


class OrgChartUpload(BaseModel):
    """Replace the ward's org chart with ``rows`` (read from the upload and checked)."""

    ward_name: str | None = None
    reason: str | None = None
    rows: tuple[OrgRow, ...]
    #: The ward's city: given, it replaces the stored one ("" clears it); None keeps it.
    city: str | None = None


class DeviceRegistration(BaseModel):
    """Register or change a kiosk, a QR link or an integration (``handlers/devices.py``)."""

    device: DeviceRow
    reason: str | None = None


class DeviceRotation(BaseModel):
    """Issue a device a new credential, revoking its current one."""

    device_id: str
    reason: str | None = None


@COMMANDS.register(CatalogPublication, name="catalog.publish", roles=ADMIN, status=201)
async def publish_catalog(context: Submission, body: CatalogPublication) -> Answer:
    """201 with ``created`` true for a new version, 200 with false for one stored already."""
    created = await catalog.ensure_catalog(context.uow, body.catalog, current=body.current)
    context.status = None if created else 200
    if created:
        version, current = body.catalog.version, "true" if body.current else "false"
        ctx = context.handler_context
        await record_admin_action(
            context.uow, ctx, "catalog.published", version, body.reason, current=current
        )
    return {"version": body.catalog.version, "created": created}


@COMMANDS.register(OrgChartUpload, name="org.chart", roles=ADMIN)
async def load_org_chart(context: Submission, body: OrgChartUpload) -> Answer:
    ctx = context.handler_context
    version = await org.load_org_chart(
        context.uow,
        ctx.ward,
        body.ward_name,
        body.rows,
        actor=ctx.actor,
        policy=ctx.policy,
        city=body.city,
    )
    await record_admin_action(
        context.uow, ctx, "org_chart.loaded", str(version), body.reason, people=str(len(body.rows))
    )
    return {"org_version": version, "people": len(body.rows)}


@COMMANDS.register(DeviceRegistration, name="org.device", roles=ADMIN)
async def save_device(context: Submission, body: DeviceRegistration) -> Answer:
    """The device's id and the credential issued to it, if any (the HTTP edge mints its token,
    which is never stored)."""
    device = body.device
    credential = await devices.register(
        context.uow, context.handler_context, device, body.reason, _device_life(context)
    )
    return devices.answer(device.device_id, device.role.value, device.unit_id, credential)


@COMMANDS.register(DeviceRotation, name="org.device.credential", roles=ADMIN)
async def rotate_device_credential(context: Submission, body: DeviceRotation) -> Answer:
    """The device's id and its new credential (the HTTP edge mints its token)."""
    return await devices.rotate(
        context.uow, context.handler_context, body.device_id, body.reason, _device_life(context)
    )


def _device_life(context: Submission) -> timedelta:
    """How long a device's token lives (the sign-in configuration's, else the default)."""
    return (context.sign_in.lifetimes if context.sign_in else Lifetimes()).device


class Invitation(BaseModel):
    """Invite a person of the org chart to set their password (e-mailed a one-time link)."""

    person_id: str
    reason: str | None = None


@COMMANDS.register(Invitation, name="sign_in.invite", roles=ADMIN, status=202)
async def invite(context: Submission, body: Invitation) -> Answer:
    """202: the link goes by e-mail (through notifications), never in the answer."""
    ctx, uow = context.handler_context, context.uow
    if context.sign_in is None:
        raise Refusal(Kind.UNAVAILABLE, "unavailable")
    person, _ = await sign_in.invite(uow, ctx.ward, body.person_id, context.sign_in, ctx.actor)
    await record_admin_action(
        uow, ctx, "invitation.issued", body.person_id, body.reason, holder="person"
    )
    expires_at = uow.now + context.sign_in.lifetimes.invitation
    return {"person_id": person.person_id, "sent_to": "email", "expires_at": expires_at.isoformat()}


class Submissions(Commands[Submission]):
    """The command table bound to this service's database, policy and clock (for the edges),
    sign-in's configuration (for invitations) and the photo store (for evidence)."""

    def __init__(
        self,
        sessions: SessionFactory,
        policy: Policy,
        clock: Now | None = None,
        sign_in: SignInConfig | None = None,
        photos: PhotoStore | None = None,
    ) -> None:
        super().__init__(COMMANDS, self._context)
        self.sessions = sessions
        self.policy = policy
        self.clock = clock or SystemClock()
        self.sign_in = sign_in
        self.photos = photos

    def _context(self, principal: Principal, key: str | None) -> Submission:
        context = Submission.read_clock(principal, key, self.sessions, plumbing.outbox, self.clock)
        context.policy, context.correlation_id = self.policy, uuid.uuid4()
        context.sign_in = self.sign_in
        context.photos = self.photos
        return context
