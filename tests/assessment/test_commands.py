"""Assessment's rules through the one command pipeline, on an in-memory SQLite unit of work: no
NATS, no PostgreSQL, a frozen clock. Each test reads what a command left behind: its answer, its
rows and the events staged in the outbox in the same transaction (what the relay would publish).

The real-server tests (``test_events``, ``test_rules``) show the same rules end to end; these
show them at the service layer, in milliseconds, for the fast tier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from contracts import intake
from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ
from contracts.envelope import Event
from contracts.events import (
    AuditSubmitted,
    CorrectiveActionOpened,
    FeedbackReceived,
    SelfAssessmentReviewed,
    parse_event,
)
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters.tables import (
    audits,
    corrective_actions,
    feedback,
    plumbing,
)
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import Submissions
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from tests.conftest import WARD

#: The moment every command of these tests happens at (a Tuesday, mid-month).
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=LOCAL_TZ)
MONTH = Month.of(NOW).key

AUDITOR_KT = Principal("p011", WARD, Role.AUDITOR, "kt")  # audits any unit but kt
HEAD_KT = Principal("p010", WARD, Role.UNIT_HEAD, "kt")
STAFF_KT = Principal("p012", WARD, Role.STAFF, "kt")
ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")


@dataclass
class Ward:
    """The demo ward's org chart on an in-memory database, and its command table."""

    sessions: SessionFactory
    clock: FrozenClock

    async def run(
        self, principal: Principal, body: BaseModel, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        commands = Submissions(self.sessions, Policy(), self.clock)
        return await commands.execute(principal, body, key)

    async def staged(self) -> list[Event]:
        """Every event staged in the outbox so far, in order."""
        async with self.sessions() as session:
            payloads = await session.scalars(
                select(plumbing.outbox.c.payload).order_by(plumbing.outbox.c.id)
            )
            return [parse_event(p) for p in payloads]

    async def count(self, table: Any) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def ward(demo_sessions: SessionFactory) -> Ward:
    return Ward(demo_sessions, FrozenClock(NOW))


def audit(
    unit_id: str = "vhxh",
    score: Callable[[str], int] = lambda code: 3,
    performed: datetime = NOW,
) -> intake.AuditIn:
    catalog = default_catalog()
    return intake.AuditIn.model_validate(
        {
            "unit_id": unit_id,
            "period": Month.of(performed).key,
            "performed_at": performed.isoformat(),
            "catalog_version": catalog.version,
            "items": [{"code": code, "score": score(code)} for code in catalog.audit_items],
        }
    )


def plus(score: int) -> intake.SelfAssessmentIn:
    items = [{"code": code, "score": score} for code in default_catalog().plus_items]
    return intake.SelfAssessmentIn.model_validate({"period": MONTH, "items": items})


async def after_load(ward: Ward) -> int:
    """How many events loading the org chart staged (the chart, the calendar...)."""
    return len(await ward.staged())


async def test_an_audit_stages_its_event_and_one_action_per_low_item(ward: Ward) -> None:
    before = await after_load(ward)
    low = {"S1.1", "S2.1"}
    status, answer = await ward.run(AUDITOR_KT, audit(score=lambda c: 1 if c in low else 3))

    assert status == 201 and len(answer["corrective_actions"]) == 2
    events = (await ward.staged())[before:]
    assert [e.type for e in events] == [
        "assessment.audit.submitted",
        "assessment.corrective_action.opened",
        "assessment.corrective_action.opened",
    ]
    submitted, *opened = events
    assert isinstance(submitted, AuditSubmitted)
    assert all(isinstance(e, CorrectiveActionOpened) for e in opened)
    assert str(submitted.data.audit_id) == answer["audit_id"]
    assert submitted.data.revision == 1 and submitted.actor.id == "p011"
    assert {e.data.item_code for e in opened} == low  # type: ignore[attr-defined]
    assert {e.data.owner_id for e in opened} == {"p017"}  # type: ignore[attr-defined]  # vhxh's head
    # One command, one moment and one correlation for all it raised.
    assert {e.occurred_at for e in events} == {NOW}
    assert len({e.correlation_id for e in events}) == 1


async def test_a_refused_audit_leaves_no_row_and_no_event(ward: Ward) -> None:
    before = await after_load(ward)
    with pytest.raises(Refusal) as refused:
        await ward.run(AUDITOR_KT, audit("kt", lambda c: 1))  # kt is the auditor's own unit
    assert (refused.value.kind, refused.value.code, refused.value.field) == (
        Kind.FORBIDDEN,
        "own_unit",
        "unit_id",
    )
    with pytest.raises(Refusal) as refused:
        await ward.run(STAFF_KT, audit())
    assert refused.value.code == "forbidden"
    assert len(await ward.staged()) == before
    assert await ward.count(audits) == 0 and await ward.count(corrective_actions) == 0


async def test_a_retry_gets_the_first_answer_and_raises_nothing_more(ward: Ward) -> None:
    first = await ward.run(AUDITOR_KT, audit(), key="k-1")
    staged = len(await ward.staged())

    assert await ward.run(AUDITOR_KT, audit(), key="k-1") == first
    assert len(await ward.staged()) == staged and await ward.count(audits) == 1
    with pytest.raises(Refusal) as refused:
        await ward.run(AUDITOR_KT, audit(score=lambda c: 2), key="k-1")
    assert (refused.value.kind, refused.value.code) == (Kind.CONFLICT, "idempotency_key_reused")


async def test_a_closed_month_takes_no_audit_until_it_is_reopened(ward: Ward) -> None:
    before = await after_load(ward)
    with pytest.raises(Refusal) as refused:
        await ward.run(ADMIN, intake.PeriodCloseCommand(period=MONTH))
    assert refused.value.code == "period_not_over"

    # Thursday 2 April: March's audits are due by its 5th working day; an administrator
    # closes March by hand before that.
    ward.clock.set(datetime(2026, 4, 2, 9, 0, tzinfo=LOCAL_TZ))
    last_of_march = datetime(2026, 3, 31, 15, 0, tzinfo=LOCAL_TZ)
    await ward.run(ADMIN, intake.PeriodCloseCommand(period=MONTH))
    with pytest.raises(Refusal) as refused:
        await ward.run(AUDITOR_KT, audit(performed=last_of_march))
    assert (refused.value.kind, refused.value.code, refused.value.field) == (
        Kind.CONFLICT,
        "period_closed",
        "period",
    )

    reopen = intake.PeriodReopenCommand(period=MONTH, reason="Bổ sung phiếu")
    await ward.run(ADMIN, reopen)
    status, _ = await ward.run(AUDITOR_KT, audit(performed=last_of_march))
    assert status == 201
    assert [e.type for e in (await ward.staged())[before:]] == [
        "assessment.period.closed",
        "assessment.admin.action_recorded",
        "assessment.period.reopened",
        "assessment.admin.action_recorded",
        "assessment.audit.submitted",
    ]


async def test_a_returned_self_assessment_is_submitted_again_as_its_next_revision(
    ward: Ward,
) -> None:
    before = await after_load(ward)
    _, first = await ward.run(STAFF_KT, plus(4))
    sa = first["self_assessment_id"]
    review = intake.ReviewCommand(
        self_assessment_id=sa, outcome="returned", reason="Chưa có minh chứng"
    )
    _, returned = await ward.run(HEAD_KT, review)
    assert returned["status"] == "returned"
    _, again = await ward.run(STAFF_KT, plus(3))
    assert again == {**first, "revision": 2}

    events = (await ward.staged())[before:]
    assert [(e.type, e.data.revision) for e in events] == [  # type: ignore[attr-defined]
        ("assessment.self_assessment.submitted", 1),
        ("assessment.self_assessment.reviewed", 1),
        ("assessment.self_assessment.submitted", 2),
    ]
    review_event = events[1]
    assert isinstance(review_event, SelfAssessmentReviewed)
    assert review_event.data.reviewer_id == "p010"


async def test_a_kiosk_s_comment_stays_in_the_ward_and_its_burst_is_rate_limited(
    ward: Ward,
) -> None:
    before = await after_load(ward)
    kiosk = Principal("kiosk-01", WARD, Role.KIOSK, "ttphcc")
    rating = {"unit_id": "ttphcc", "level": 1, "officer_id": "p026", "comment": "Chờ quá lâu"}
    _, answer = await ward.run(kiosk, intake.FeedbackIn.model_validate(rating))

    (received,) = (await ward.staged())[before:]
    assert isinstance(received, FeedbackReceived)
    assert received.data.level == 1 and received.data.period == MONTH
    assert "Chờ quá lâu" not in received.model_dump_json()
    async with ward.sessions() as session:
        stored = await session.scalar(
            select(feedback.c.comment).where(feedback.c.feedback_id == answer["feedback_id"])
        )
    assert stored == "Chờ quá lâu"

    # The rest of the burst at the same moment, then one more: refused until a token refills.
    policy = Policy()
    quick = intake.FeedbackIn(unit_id="ttphcc", level=5)
    for _ in range(policy.feedback_burst - 1):
        await ward.run(kiosk, quick)
    with pytest.raises(Refusal) as refused:
        await ward.run(kiosk, quick)
    assert (refused.value.kind, refused.value.code) == (Kind.RATE_LIMITED, "rate_limited")
    ward.clock.advance(policy.feedback_refill_s)
    status, _ = await ward.run(kiosk, quick)
    assert status == 201
    assert await ward.count(feedback) == policy.feedback_burst + 1
