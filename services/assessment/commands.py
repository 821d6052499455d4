"""Every submission the assessment service accepts, as one table of commands that HTTP and the
NATS intake both go through: the same body model, the same roles, the same handler, the same
idempotency and rate limits, so a front-end gets the same answer whichever way it submits.

Idempotency: a request with a key (``Idempotency-Key`` over HTTP, ``Nats-Msg-Id`` on the intake)
stores (ward, caller, key, request hash) -> (status, answer) in the transaction of the submission.
A retry finds it and gets the first answer back without a second record or event; the same key
with a different body is refused (409 ``idempotency_key_reused``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import Role
from services.assessment import calendar, corrective_actions, handlers, task_results
from services.assessment.adapters.tables import idempotency, rate_buckets
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.domain.policy import Policy
from services.assessment.domain.self_assessments import PlusScore
from services.assessment.entrypoints import schemas
from services.runtime.auth import Principal
from services.runtime.db import SessionFactory, transaction, upsert
from services.runtime.errors import ApiError
from services.runtime.refusals import Refusal

Run = Callable[[AsyncSession, handlers.Context, Any], Awaitable[dict[str, Any]]]

SUBMISSIONS = Counter(
    "ward5s_assessment_submissions_total",
    "Submissions by kind and outcome (accepted, replayed for a repeated idempotency key, "
    "refused_<status>), whether they came by HTTP or by the NATS intake.",
    ["kind", "outcome"],
)

#: Keys are opaque to us; this bounds what we store.
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Command:
    kind: str  # also the intake subject's last tokens: ward5s.<ward>.intake.<kind>
    model: type[BaseModel]
    roles: frozenset[Role]
    run: Run
    status: int = 201
    rate_limited: bool = False


def _items(items: list[schemas.AuditItemIn]) -> list[ItemInput]:
    return [ItemInput(i.code, i.score, i.note, tuple(i.evidence), i.owner_id) for i in items]


def _plus(items: list[schemas.PlusItemIn] | None) -> list[PlusScore] | None:
    return None if items is None else [PlusScore(i.code, i.score) for i in items]


async def _audit(session: AsyncSession, context: handlers.Context, body: Any) -> dict[str, Any]:
    draft = AuditDraft(
        body.unit_id, body.period, body.performed_at, body.catalog_version, _items(body.items)
    )
    accepted = await handlers.submit_audit(session, context, draft)
    return accepted.as_json()


async def _amend(session: AsyncSession, context: handlers.Context, body: Any) -> dict[str, Any]:
    accepted = await handlers.amend_audit(
        session, context, body.audit_id, _items(body.items), body.reason
    )
    return accepted.as_json()


async def _withdraw(session: AsyncSession, context: handlers.Context, body: Any) -> dict[str, Any]:
    accepted = await handlers.withdraw_audit(session, context, body.audit_id, body.reason)
    return accepted.as_json()


async def _close_action(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await corrective_actions.close_corrective_action(
        session, context, body.action_id, body.note, body.evidence
    )


async def _reopen_action(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await corrective_actions.reopen_corrective_action(
        session, context, body.action_id, body.reason, body.due_on
    )


async def _self_assessment(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await handlers.submit_self_assessment(
        session, context, body.period, _plus(body.items) or [], body.catalog_version
    )


async def _review(session: AsyncSession, context: handlers.Context, body: Any) -> dict[str, Any]:
    return await handlers.review_self_assessment(
        session, context, body.self_assessment_id, body.outcome, body.reason, _plus(body.items)
    )


async def _feedback(session: AsyncSession, context: handlers.Context, body: Any) -> dict[str, Any]:
    return await handlers.receive_feedback(
        session, context, body.unit_id, body.level, body.officer_id, body.procedure, body.comment
    )


async def _task_result(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await task_results.record_task_result(
        session, context, body.person_id, body.period, body.points, body.disqualified, body.note
    )


async def _close_period(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await handlers.close_period(session, context, body.period)


async def _reopen_period(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await handlers.reopen_period(session, context, body.period, body.reason)


async def _declare_day(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await calendar.declare_day(
        session,
        context.ward,
        context.policy,
        context.actor,
        context.now,
        body.day,
        body.working,
        body.reason,
    )


async def _remove_day(
    session: AsyncSession, context: handlers.Context, body: Any
) -> dict[str, Any]:
    return await calendar.remove_day(
        session, context.ward, context.policy, context.actor, context.now, body.day
    )


PEOPLE = frozenset(Role) - {Role.KIOSK, Role.INTEGRATION}
ADMIN = frozenset({Role.ADMIN})

COMMANDS: dict[str, Command] = {
    command.kind: command
    for command in (
        Command("audit", schemas.AuditIn, frozenset({Role.AUDITOR}), _audit),
        Command("audit.amend", schemas.AuditAmendCommand, frozenset({Role.AUDITOR}), _amend, 200),
        Command(
            "audit.withdraw",
            schemas.AuditWithdrawCommand,
            frozenset({Role.AUDITOR}),
            _withdraw,
            200,
        ),
        Command("corrective_action.close", schemas.ActionCloseCommand, PEOPLE, _close_action, 200),
        Command(
            "corrective_action.reopen",
            schemas.ActionReopenCommand,
            frozenset({Role.AUDITOR, Role.CHAIRMAN, Role.VICE_CHAIRMAN}),
            _reopen_action,
            200,
        ),
        Command("self_assessment", schemas.SelfAssessmentIn, PEOPLE, _self_assessment),
        Command(
            "self_assessment.review",
            schemas.ReviewCommand,
            frozenset({Role.UNIT_HEAD, Role.VICE_CHAIRMAN, Role.CHAIRMAN}),
            _review,
            200,
        ),
        Command(
            "feedback", schemas.FeedbackIn, frozenset({Role.KIOSK}), _feedback, rate_limited=True
        ),
        Command("task_result", schemas.TaskResultIn, task_results.RECORDERS, _task_result),
        Command("period.close", schemas.PeriodCloseCommand, ADMIN, _close_period, 200),
        Command("period.reopen", schemas.PeriodReopenCommand, ADMIN, _reopen_period, 200),
        Command("calendar.declare", schemas.CalendarDayCommand, ADMIN, _declare_day, 200),
        Command("calendar.remove", schemas.CalendarRemoveCommand, ADMIN, _remove_day, 200),
    )
}


def request_hash(kind: str, body: BaseModel) -> str:
    canonical = f"{kind}\n{body.model_dump_json()}".encode()
    return hashlib.sha256(canonical).hexdigest()


class Submissions:
    """Runs commands: role check, idempotency, rate limit, handler, all in one transaction."""

    def __init__(self, sessions: SessionFactory, policy: Policy) -> None:
        self.sessions = sessions
        self.policy = policy

    async def execute(
        self,
        command: Command,
        principal: Principal,
        body: BaseModel,
        key: str | None = None,
        *,
        now: datetime | None = None,
    ) -> tuple[int, dict[str, Any]]:
        try:
            status, answer, outcome = await self._execute(command, principal, body, key, now)
        except Refusal as refused:
            SUBMISSIONS.labels(command.kind, f"refused_{refused.status}").inc()
            raise
        SUBMISSIONS.labels(command.kind, outcome).inc()
        return status, answer

    async def _execute(
        self,
        command: Command,
        principal: Principal,
        body: BaseModel,
        key: str | None,
        now: datetime | None,
    ) -> tuple[int, dict[str, Any], str]:
        if principal.role not in command.roles:
            raise ApiError(403, "forbidden")
        if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
            raise ApiError(422, "bad_format", "Idempotency-Key")
        digest = request_hash(command.kind, body)
        if key:
            async with self.sessions() as session:
                prior = await self._recall(session, principal, key, digest)
            if prior:
                return (*prior, "replayed")
        if command.rate_limited:
            await self.take_token(principal, now or datetime.now(UTC))
        context = handlers.Context(principal, self.policy, now or datetime.now(UTC), uuid.uuid4())
        try:
            async with transaction(self.sessions) as session:
                answer = await command.run(session, context, body)
                if key:
                    await session.execute(
                        idempotency.insert().values(
                            ward=principal.ward,
                            caller=principal.subject_id,
                            key=key,
                            kind=command.kind,
                            request_hash=digest,
                            status=command.status,
                            response=answer,
                            created_at=context.now,
                        )
                    )
        except IntegrityError:
            # A concurrent request won the race: with the same key, answer as it did.
            if key:
                async with self.sessions() as session:
                    prior = await self._recall(session, principal, key, digest)
                if prior:
                    return (*prior, "replayed")
            raise ApiError(409, "conflict") from None
        return command.status, answer, "accepted"

    async def _recall(
        self, session: AsyncSession, principal: Principal, key: str, digest: str
    ) -> tuple[int, dict[str, Any]] | None:
        row = (
            await session.execute(
                select(idempotency).where(
                    idempotency.c.ward == principal.ward,
                    idempotency.c.caller == principal.subject_id,
                    idempotency.c.key == key,
                )
            )
        ).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise ApiError(409, "idempotency_key_reused", "Idempotency-Key")
        return int(row.status), dict(row.response)

    async def take_token(self, principal: Principal, now: datetime) -> None:
        """Take one token from the caller's bucket in a single atomic statement (so instances
        sharing the database share the limit), committed at once so that refused submissions
        count too; 429 when the bucket is empty.

        The bucket refills ``1 / feedback_refill_s`` tokens a second up to ``feedback_burst``:
        an upsert computes the refilled amount and takes one only where at least one is there.
        """
        table = rate_buckets
        burst = float(self.policy.feedback_burst)
        refilled = table.c.tokens + (now.timestamp() - table.c.refilled_at_s) / float(
            self.policy.feedback_refill_s
        )
        available = case((refilled > burst, burst), else_=refilled)
        async with transaction(self.sessions) as session:
            statement = upsert(session, table).values(
                ward=principal.ward,
                bucket=principal.subject_id,
                tokens=burst - 1,
                refilled_at_s=now.timestamp(),
            )
            taken = await session.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.ward, table.c.bucket],
                    set_={"tokens": available - 1, "refilled_at_s": now.timestamp()},
                    where=available >= 1,
                ).returning(table.c.tokens)
            )
            if taken.first() is None:
                raise ApiError(429, "rate_limited")
