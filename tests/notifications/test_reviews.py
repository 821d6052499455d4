"""Periodic reviews in notifications: a unit's review of a month, quarter or year not written by
its deadline (the policy's working day after the period) is alerted to the unit head; a
follow-up the review set is overdue by its due date while open, alerted to its owner, and
resolved when it is closed; so is a dissatisfied citizen's call-back until it is done. Real NATS
and a real SMTP server."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from contracts.envelope import Actor
from contracts.events import (
    CitizenFollowUpData,
    CitizenFollowUpDone,
    CitizenFollowUpOpened,
    PeriodReviewWritten,
    PeriodReviewWrittenData,
    ReviewFollowUp,
    ReviewFollowUpClosed,
    ReviewFollowUpClosedData,
)
from services.notifications.domain import rules
from tests.notifications.harness import WARD, local, watching

pytestmark = [pytest.mark.nats]

HEAD = Actor(kind="person", id="p010")


def written(unit: str, period: str, when: datetime, *tasks: ReviewFollowUp) -> PeriodReviewWritten:
    return PeriodReviewWritten(
        ward=WARD,
        occurred_at=when,
        actor=HEAD,
        data=PeriodReviewWrittenData(
            review_id=uuid.uuid4(),
            unit_id=unit,
            period=period,
            written_by="p010",
            follow_ups=tasks,
        ),
    )


async def test_a_follow_up_is_overdue_by_its_date_until_closed(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    task = ReviewFollowUp(follow_up_id=uuid.uuid4(), owner_id="p012", due_on=date(2026, 3, 10))
    review = written("kt", "2026-02", local(2026, 3, 2, 9), task)
    await service.publish(review)
    await service.settled()
    subject = str(task.follow_up_id)
    assert await service.due_on(rules.FOLLOW_UP_OVERDUE, subject, "") == "2026-03-10"
    assert await service.at(local(2026, 3, 10, 17)) == 0
    assert await service.at(local(2026, 3, 11, 8)) == 1
    (overdue,) = mailbox.to("p012")
    assert overdue.subject == "[5S+] Quá hạn việc sau họp đánh giá, rút kinh nghiệm: Phòng Kinh tế"
    assert "(người thực hiện: Nguyễn Văn An)" in overdue.text
    assert "đến hạn ngày 10/03/2026 nhưng chưa hoàn thành" in overdue.text

    closed = ReviewFollowUpClosed(
        ward=WARD,
        occurred_at=local(2026, 3, 11, 9),
        actor=Actor(kind="person", id="p012"),
        data=ReviewFollowUpClosedData(
            follow_up_id=task.follow_up_id,
            review_id=review.data.review_id,
            unit_id="kt",
            closed_by="p012",
            note="Đã thay bình chữa cháy",
        ),
    )
    await service.publish(closed)
    await service.wait_mail(2)
    assert mailbox.to("p012")[-1].subject.startswith("[5S+] Đã khắc phục: Quá hạn việc sau họp")


async def test_a_review_not_written_by_its_working_day_is_alerted_to_the_unit_head(
    notifications, mailbox
):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    # March ends the first quarter: the month's review and the quarter's are both watched, by
    # the 10th working day of April 2026 (1-3, 6-10, 13, 14 April).
    for period in ("2026-03", "2026-Q1"):
        assert await service.due_on(rules.PERIOD_REVIEW_MISSING, "kt", period) == "2026-04-14"
    await service.publish(written("kt", "2026-03", local(2026, 4, 3, 15)))
    await service.settled()

    await service.at(local(2026, 4, 14, 17))
    assert not [m for m in mailbox.to("p010") if "Chưa họp đánh giá" in m.subject]
    await service.at(local(2026, 4, 15, 7, 5))
    missing = [m for m in mailbox.to("p010") if "Chưa họp đánh giá" in m.subject]
    # The month's review was written; the quarter's was not.
    assert [m.subject for m in missing] == [
        "[5S+] Chưa họp đánh giá, rút kinh nghiệm: Phòng Kinh tế, quý I/2026"
    ]
    assert "hạn chót là ngày 14/04/2026" in missing[0].text


async def test_a_dissatisfied_citizen_not_called_back_in_time_is_alerted(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    data = CitizenFollowUpData(
        follow_up_id=uuid.uuid4(),
        feedback_id=uuid.uuid4(),
        unit_id="kt",
        owner_id="p010",
        due_on=date(2026, 3, 4),
    )
    kiosk = Actor(kind="device", id="kiosk-1")
    opened = CitizenFollowUpOpened(
        ward=WARD, occurred_at=local(2026, 3, 2, 9), actor=kiosk, data=data
    )
    await service.publish(opened)
    await service.settled()
    assert await service.at(local(2026, 3, 4, 17)) == 0
    assert await service.at(local(2026, 3, 5, 8)) == 1
    (late,) = mailbox.to("p010")
    assert late.subject == "[5S+] Chưa liên hệ lại người dân không hài lòng: Phòng Kinh tế"
    assert "đến hạn ngày 04/03/2026" in late.text

    done = CitizenFollowUpDone(
        ward=WARD,
        occurred_at=local(2026, 3, 5, 9),
        actor=HEAD,
        data=data.model_copy(update={"done_by": "p010"}),
    )
    await service.publish(done)
    await service.wait_mail(2)
    assert mailbox.to("p010")[-1].subject.startswith("[5S+] Đã khắc phục: Chưa liên hệ lại")
