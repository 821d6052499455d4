"""Citizens' comments are personal data kept only for their purpose (issue 17, item 6): the
housekeeping loop (runtime's ``housekeeping_forever`` with the service's chores) erases a
comment ``Policy.comment_retention`` (400 days) after the rating was given; the rating itself
stays and counts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.assessment.adapters.tables import feedback, metadata, plumbing
from services.assessment.domain.policy import Policy
from services.assessment.jobs import chores
from services.runtime.clock import FrozenClock
from services.runtime.commands import housekeeping_forever
from services.runtime.uow import UnitOfWork, in_memory
from tests.support.http import eventually

NOW = datetime(2027, 3, 10, 3, tzinfo=UTC)


def rating(comment: str, given: datetime, captured: bool = True) -> dict[str, object]:
    return {
        "feedback_id": str(uuid.uuid4()),
        "ward": "binh-dong",
        "unit_id": "kt",
        "period": given.strftime("%Y-%m"),
        "level": 4,
        "comment": comment,
        "channel": "qr",
        "device_id": "qr-kt",
        "captured_at": given if captured else None,
        "received_at": given if not captured else given + timedelta(hours=3),
    }


async def test_comments_past_their_retention_are_erased_and_the_ratings_stay() -> None:
    retention = Policy().comment_retention
    assert retention == timedelta(days=400)
    rows = [
        rating("Cán bộ Nguyễn Văn An rất tận tình", NOW - retention - timedelta(minutes=1)),
        rating("Chờ lâu, gọi tôi số 0909 123 456", NOW - retention - timedelta(days=30), False),
        rating("Hướng dẫn rõ ràng", NOW - retention + timedelta(minutes=1)),
    ]
    async with in_memory(metadata) as sessions:
        async with sessions() as session, session.begin():
            await session.execute(feedback.insert(), rows)
        units = UnitOfWork.factory(sessions, plumbing.outbox, FrozenClock(NOW))
        stop = asyncio.Event()
        keep = timedelta(days=30)
        loop = asyncio.create_task(
            housekeeping_forever(units, plumbing.idempotency, keep, 0.05, stop, chores(Policy()))
        )

        async def comments() -> dict[str, str | None] | None:
            async with sessions() as session:
                found = dict(
                    (
                        await session.execute(select(feedback.c.feedback_id, feedback.c.comment))
                    ).all()
                )
            return found if list(found.values()).count(None) == 2 else None

        try:
            kept = await eventually(comments, within=5)
        finally:
            stop.set()
            await loop
    assert kept == {
        rows[0]["feedback_id"]: None,
        rows[1]["feedback_id"]: None,
        rows[2]["feedback_id"]: "Hướng dẫn rõ ràng",
    }
