"""Every submission the assessment service accepts, registered on the runtime's command pipeline
(``services.runtime.commands``) by its body model: HTTP and the NATS intake both dispatch the
body they parsed, so a front-end gets the same roles, idempotency, rate limit and answer
whichever way it submits. Each entry's ``name`` is also the intake subject's last tokens
(``ward5s.<ward>.intake.<name>``) and the metrics' ``kind`` label.

People's submissions are here; the administrators' commands in ``admin_commands.py``, the
registry and the context in ``pipeline.py``. :class:`Submissions` binds them all for the edges.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from contracts import intake as schemas
from contracts.roles import Role
from services.assessment.adapters.photo_store import PhotoStore
from services.assessment.adapters.scoring_figures import ScoringFigures
from services.assessment.adapters.tables import plumbing
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.domain.policy import Policy
from services.assessment.domain.self_assessments import PlusScore
from services.assessment.handlers import (  # programme_commands registers on import
    audits,
    corrective_actions,
    feedback,
    programme_commands,  # noqa: F401
    self_assessments,
    task_results,
)
from services.assessment.handlers.admin_commands import (
    CatalogPublication,
    DeviceRegistration,
    DeviceRotation,
    Invitation,
    OrgChartUpload,
)
from services.assessment.handlers.evidence import EvidenceUpload, store_photo
from services.assessment.handlers.pipeline import (
    AUDITORS,
    COMMANDS,
    PEOPLE,
    SUBMISSIONS,
    Submission,
    command,
    take_token,
)
from services.assessment.handlers.sign_in import SignInConfig
from services.runtime.auth import Principal
from services.runtime.clock import Now, SystemClock
from services.runtime.commands import Answer, Commands
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal

#: What the edges and the tests import from here (the administrators' bodies register their
#: commands on import).
__all__ = [
    "COMMANDS",
    "PEOPLE",
    "SUBMISSIONS",
    "CatalogPublication",
    "DeviceRegistration",
    "DeviceRotation",
    "Invitation",
    "OrgChartUpload",
    "Submission",
    "Submissions",
    "take_token",
]


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
    return (await context.run(audits.submit_audit, draft)).as_json()


@COMMANDS.register(EvidenceUpload, name="evidence.upload", roles=PEOPLE, status=201)
async def upload_evidence(context: Submission, body: EvidenceUpload) -> Answer:
    """A photo as evidence for the caller's audits, or for closing a corrective action (any
    person may own one), HTTP only: the edge cleans it first."""
    if context.photos is None:
        raise Refusal(Kind.UNAVAILABLE, "evidence_store_unavailable")
    return await context.run(store_photo, body.photo, context.photos)


@command(schemas.AuditAmendCommand, roles=AUDITORS)
async def amend_audit(context: Submission, body: schemas.AuditAmendCommand) -> Answer:
    accepted = await context.run(audits.amend_audit, body.audit_id, _items(body.items), body.reason)
    return accepted.as_json()


@command(schemas.AuditWithdrawCommand, roles=AUDITORS)
async def withdraw_audit(context: Submission, body: schemas.AuditWithdrawCommand) -> Answer:
    return (await context.run(audits.withdraw_audit, body.audit_id, body.reason)).as_json()


@command(schemas.ActionCloseCommand, roles=PEOPLE)
async def close_action(context: Submission, body: schemas.ActionCloseCommand) -> Answer:
    return await context.run(
        corrective_actions.close_corrective_action, body.action_id, body.note, body.evidence
    )


@command(
    schemas.ActionReopenCommand,
    roles=frozenset({Role.AUDITOR, Role.CHAIRMAN, Role.VICE_CHAIRMAN}),
)
async def reopen_action(context: Submission, body: schemas.ActionReopenCommand) -> Answer:
    return await context.run(
        corrective_actions.reopen_corrective_action, body.action_id, body.reason, body.due_on
    )


@command(schemas.SelfAssessmentIn, roles=PEOPLE, status=201)
async def submit_self_assessment(context: Submission, body: schemas.SelfAssessmentIn) -> Answer:
    return await context.run(
        self_assessments.submit_self_assessment,
        body.period,
        _plus(body.items) or [],
        body.catalog_version,
    )


# Whom a reviewer reviews is the graders' one rule (``domain/graders.py``), from the org chart:
# the policy may name anyone to review the chairman's "+", and the HR integration records a
# review made outside the ward.
@command(schemas.ReviewCommand, roles=PEOPLE | {Role.INTEGRATION})
async def review_self_assessment(context: Submission, body: schemas.ReviewCommand) -> Answer:
    return await context.run(
        self_assessments.review_self_assessment,
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
    return await context.run(feedback.receive_feedback, body)


@COMMANDS.register(
    schemas.RatingCodesIn, name="rating_codes", roles=feedback.CODE_ISSUERS, status=201
)
async def issue_rating_codes(context: Submission, body: schemas.RatingCodesIn) -> Answer:
    return await context.run(feedback.issue_rating_codes, body.unit_id, body.count)


@command(schemas.TaskResultIn, roles=task_results.RECORDERS, status=201)
async def record_task_result(context: Submission, body: schemas.TaskResultIn) -> Answer:
    return await context.run(task_results.record_task_result, body)


@dataclass(eq=False)
class Submissions(Commands[Submission]):
    """The command table bound to this service's database, policy and clock (for the edges),
    sign-in's configuration (for invitations), the photo store (for evidence) and scoring's
    figures (for periodic reviews)."""

    sessions: SessionFactory
    policy: Policy
    clock: Now = field(default_factory=SystemClock)
    sign_in: SignInConfig | None = None
    photos: PhotoStore | None = None
    scoring: ScoringFigures | None = None

    def __post_init__(self) -> None:
        super().__init__(COMMANDS, self._context)

    def _context(self, principal: Principal, key: str | None) -> Submission:
        context = Submission.read_clock(principal, key, self.sessions, plumbing.outbox, self.clock)
        context.policy, context.correlation_id = self.policy, uuid.uuid4()
        context.sign_in = self.sign_in
        context.photos = self.photos
        context.scoring = self.scoring
        return context
