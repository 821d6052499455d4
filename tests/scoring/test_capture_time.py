"""A rating counts in the month and on the day it was given, not when it arrived: assessment
dates ``assessment.feedback.received`` by its capture time (``occurred_at``) and month
(``period``); the live projection and the rebuild's fold both count from them. In-memory SQLite,
as the consumer applies a batch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest
from sqlalchemy import select

from contracts.common import LOCAL_TZ
from contracts.events import FeedbackReceived
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.uow import UnitOfWork, in_memory
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import (
    metadata,
    plumbing,
    unit_day_very_dissatisfied,
    unit_month_feedback,
)
from services.scoring.domain.facts import fact_of
from services.scoring.domain.fold import Fold
from services.scoring.handlers import Scoring
from tests.scoring.events import KIOSK, WARD

#: Given at 23:50 on 31 March 2026 (local), sent when the kiosk came back at 00:10 on 1 April.
GIVEN = datetime(2026, 3, 31, 23, 50, tzinfo=LOCAL_TZ)
SENT = datetime(2026, 4, 1, 0, 10, tzinfo=LOCAL_TZ)


def given_offline(level: int) -> FeedbackReceived:
    """A rating as assessment publishes one sent late: its capture time and month."""
    return FeedbackReceived(
        ward=WARD,
        occurred_at=GIVEN,
        recorded_at=SENT,
        actor=KIOSK,
        data={
            "feedback_id": uuid.uuid4(),
            "unit_id": "ttphcc",
            "level": level,
            "channel": "kiosk",
            "period": "2026-03",
        },
    )


@pytest.fixture
async def sessions() -> AsyncIterator[SessionFactory]:
    async with in_memory(metadata) as made:
        yield made


async def test_a_rating_sent_after_midnight_counts_on_the_day_and_month_it_was_given(
    sessions: SessionFactory,
) -> None:
    ratings = [given_offline(1), given_offline(1), given_offline(5)]
    async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(SENT)) as uow:
        await Scoring(default_policy()).apply(uow, ratings)
    async with sessions() as session:
        months = (await session.execute(select(unit_month_feedback))).all()
        days = (await session.execute(select(unit_day_very_dissatisfied))).all()
    assert {(r.month, r.level, r.ratings) for r in months} == {("2026-03", 1, 2), ("2026-03", 5, 1)}
    assert [(r.day, r.ratings) for r in days] == [(date(2026, 3, 31), 2)]

    # The rebuild's fold reads the same facts the same way.
    fold = Fold()
    fold.add(fact_of(sequence, event) for sequence, event in enumerate(ratings, 1))
    assert sorted(fold.unit_day_very_dissatisfied()) == [(WARD, "ttphcc", date(2026, 3, 31), 2)]
    assert {row[2] for row in fold.unit_month_feedback()} == {"2026-03"}
