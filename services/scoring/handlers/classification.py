"""Announcing the ward's classification of a period, and recording the chairman's decisions on
people tied at the edge of the cap on "xuất sắc" (in a unit of work; the events go out through
the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import SYSTEM, Actor, Event
from contracts.events import (
    ClassificationComputed,
    ClassificationComputedData,
    ClassificationDecided,
    ClassificationDecidedData,
)
from contracts.periods import Period
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork
from services.scoring.adapters import closes, locks, org
from services.scoring.domain.classification import Decision, decision_problem
from services.scoring.domain.exact import exact
from services.scoring.domain.policy import Policy
from services.scoring.views import people as person_views


async def classification_computed(
    session: AsyncSession,
    ward: str,
    period: Period,
    policy: Policy,
    now: datetime,
    actor: Actor = SYSTEM,
) -> ClassificationComputed:
    """The ward's classification of ``period`` as an event, with the policy's reading of the
    cap and the "tốt" income cap it was made with."""
    result = await person_views.classification(
        session, ward, period.key, [m.key for m in period.months()], policy
    )
    return ClassificationComputed(
        ward=ward,
        occurred_at=now,
        actor=actor,
        data=ClassificationComputedData(
            period=period.key,
            policy_version=policy.version,
            people=tuple(result.people),
            quota_base=policy.quota_base,
            quota_share=float(exact(policy.excellent_quota)),
            quotas=tuple(result.quotas),
            tot_income_cap=float(exact(policy.income.caps["tot"])),
        ),
    )


#: Why a decision cannot settle a tie (:func:`decision_problem`), as refusal codes.
_REFUSALS = {
    "no_tie": "decision_no_tie",
    "not_tied": "decision_not_tied",
    "over_quota": "decision_over_quota",
}


async def decide(
    uow: UnitOfWork,
    policy: Policy,
    ward: str,
    period: Period,
    excellent: Sequence[str],
    actor: Actor,
    duty_group: str | None = None,
    note: str | None = None,
) -> list[Event]:
    """Record the chairman's decision on the tie at the edge of ``duty_group``'s quota for
    ``period`` (the group whose tie names ``excellent``, or the only group with a tie, when
    None): the people named keep "xuất sắc", the others tied with them are "tốt".

    Emits ``scoring.classification.decided`` and, when every month of the period is closed,
    the classification re-issued with it; returns them. Refuses (:class:`Refusal`)
    ``INVALID decision_group`` when the group cannot be told, ``CONFLICT`` when the decision
    does not fit the current classification (no tie in the group, someone named is not tied,
    or more are named than the quota leaves room for)."""
    session = uow.session
    await locks.lock_wards(session, [ward])
    months = [m.key for m in period.months()]
    result = await person_views.classification(session, ward, period.key, months, policy)
    named = set(excellent)
    if duty_group is None:
        candidates = {g for g, tie in result.ties.items() if named & tie.tied} or (
            set(result.ties) if len(result.ties) == 1 else set()
        )
        if len(candidates) != 1:
            raise Refusal(Kind.INVALID, "decision_group", "duty_group")
        duty_group = candidates.pop()
    problem = decision_problem(result.ties.get(duty_group), named)
    if problem is not None:
        field = "duty_group" if problem == "no_tie" else "excellent"
        raise Refusal(Kind.CONFLICT, _REFUSALS[problem], field)
    now = uow.now
    decided = ClassificationDecided(
        ward=ward,
        occurred_at=now,
        actor=actor,
        data=ClassificationDecidedData(
            period=period.key, duty_group=duty_group, excellent=tuple(sorted(named)), note=note
        ),
    )
    await org.save_decision(
        session,
        ward,
        period.key,
        Decision(duty_group, frozenset(named)),
        actor.id or actor.kind,
        now,
        str(decided.event_id),
    )
    out: list[Event] = [decided]
    if await closes.all_closed(session, ward, months):
        computed = await classification_computed(session, ward, period, policy, now, actor)
        out.append(computed.model_copy(update={"correlation_id": decided.correlation_id}))
    uow.emit_all(out)
    return out
