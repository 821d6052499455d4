"""Assessment's command pipeline: the registry every command of the service is registered on
(``services.runtime.commands``: roles, the caller's seat, idempotency, the kiosk's rate limit,
``ward5s_assessment_submissions_total``), the context a command runs in and the roles entries
name. The commands themselves: ``commands.py`` (people's submissions) and ``admin_commands.py``
(administrators')."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from prometheus_client import Counter

from contracts import intake as schemas
from contracts.roles import PERSON_ROLES, Role
from services.assessment.adapters import rate_buckets
from services.assessment.adapters.photo_store import PhotoStore
from services.assessment.adapters.scoring_figures import ScoringFigures
from services.assessment.adapters.tables import plumbing
from services.assessment.domain.policy import Policy
from services.assessment.handlers.common import Context
from services.assessment.handlers.seats import resolve_seat
from services.assessment.handlers.sign_in import SignInConfig
from services.runtime.auth import Principal
from services.runtime.commands import Answer, CommandContext, command_registry
from services.runtime.db import SessionFactory
from services.runtime.dispatch import Handler
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")

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
    scoring: ScoringFigures | None

    @property
    def handler_context(self) -> Context:
        """Who asks, under which policy, at the unit of work's moment."""
        return Context(self.principal, self.policy, self.uow.now, self.correlation_id)

    def run(
        self,
        handler: Callable[Concatenate[UnitOfWork, Context, P], Awaitable[R]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Awaitable[R]:
        """``handler`` (a service-layer function: unit of work, context, then its own
        arguments) called in this command's unit of work and :attr:`handler_context`."""
        return handler(self.uow, self.handler_context, *args, **kwargs)


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
