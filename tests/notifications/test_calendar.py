"""The ward's working calendar reaches notifications as ``assessment.calendar.published`` and
every deadline, quiet hour and escalation of that ward counts it (issue 12, item 9): the
government's swapped days, a day off the ward declares. Real NATS and a real SMTP server."""

from __future__ import annotations

from datetime import date

import pytest

from services.notifications.domain import rules
from tests.notifications.harness import (
    audited,
    done,
    local,
    low_score,
    org_chart,
    submitted,
    ward_calendar,
    watching,
)

pytestmark = [pytest.mark.nats]

#: What assessment publishes from the shipped calendar files: 2025-04-26 worked, 2026-01-02 off,
#: Saturdays 2026-01-10 (VPCP notice 12729/VPCP-KGVX) and 2026-08-22 worked.
SHIPPED = {
    "days_off": (date(2026, 1, 2),),
    "working": (date(2025, 4, 26), date(2026, 1, 10), date(2026, 8, 22)),
}


async def test_a_review_submitted_thursday_24_april_2025_is_due_monday_28(notifications, mailbox):
    service = await notifications(clock_start=local(2025, 4, 24, 8), repeat_hours=1000)
    await service.publish(ward_calendar(1, **SHIPPED))
    await watching(service)
    await service.publish(submitted("p012", "2025-04", local(2025, 4, 24, 10)))
    await service.settled()
    assert await service.due_on(rules.REVIEW_OVERDUE, "p012", "2025-04") == "2025-04-28"

    # Fri 25, Sat 26 (worked), Mon 28: still in time on Monday evening, overdue on Tuesday.
    assert await service.at(local(2025, 4, 28, 17)) == 0
    assert await service.at(local(2025, 4, 29, 7, 5)) == 1
    (head,) = mailbox.to("p010")
    assert "nộp ngày 24/04/2025 chưa được duyệt; hạn duyệt là ngày 28/04/2025" in head.text


async def test_the_ward_calendar_moves_december_2025s_deadlines(notifications, mailbox):
    service = await notifications(clock_start=local(2025, 12, 15, 9), repeat_hours=1000)
    await watching(service)  # December watched on the national calendar alone
    december = local(2025, 12, 22)
    for person in ("p006", "p010", "p013"):
        await service.publish(*done(person, "2025-12", december))
    await service.publish(audited("vp", "2025-12", december))
    await service.settled()
    assert await service.due_on(rules.SELF_ASSESSMENT_MISSING, "p012", "2025-12") == "2026-01-06"
    assert await service.due_on(rules.AUDIT_MISSING, "kt", "2025-12") == "2026-01-08"

    # The ward's calendar declares 2 January off: both deadlines move one working day on.
    await service.publish(ward_calendar(1, **SHIPPED))
    await service.settled()
    assert await service.due_on(rules.SELF_ASSESSMENT_MISSING, "p012", "2025-12") == "2026-01-07"
    assert await service.due_on(rules.AUDIT_MISSING, "kt", "2025-12") == "2026-01-09"

    assert await service.at(local(2026, 1, 7, 17)) == 0
    assert await service.at(local(2026, 1, 8, 7, 5)) == 1
    (late,) = mailbox.to("p012")
    assert "hạn chót là ngày 07/01/2026" in late.text
    # The audits are missed from Saturday 10 January, a make-up working day: told at 07:00.
    assert await service.at(local(2026, 1, 9, 17)) == 0
    assert await service.at(local(2026, 1, 10, 7, 5)) == 2
    for leader in ("p006", "p002"):
        (mail,) = mailbox.to(leader)
        assert mail.subject == "[5S+] Chưa đánh giá 5S: Phòng Kinh tế, tháng 12/2025"
        assert "hạn chót là ngày 09/01/2026" in mail.text


async def test_a_declared_day_off_moves_the_due_day_and_an_older_calendar_does_not(
    notifications, mailbox
):
    service = await notifications(clock_start=local(2026, 3, 9, 8), repeat_hours=1000)
    await service.publish(ward_calendar(1, **SHIPPED))
    await watching(service)
    await service.publish(submitted("p012", "2026-03", local(2026, 3, 9, 9)))
    await service.settled()
    assert await service.due_on(rules.REVIEW_OVERDUE, "p012", "2026-03") == "2026-03-12"

    # The ward declares Wednesday 11 March off (version 2): the review is due Friday 13.
    declared = (*SHIPPED["days_off"], date(2026, 3, 11))
    await service.publish(ward_calendar(2, days_off=declared, working=SHIPPED["working"]))
    await service.settled()
    assert await service.due_on(rules.REVIEW_OVERDUE, "p012", "2026-03") == "2026-03-13"
    # Version 1 arriving late changes nothing.
    await service.publish(ward_calendar(1, **SHIPPED), msg_id="late-calendar")
    await service.settled()
    assert await service.due_on(rules.REVIEW_OVERDUE, "p012", "2026-03") == "2026-03-13"

    assert await service.at(local(2026, 3, 12, 9)) == 0
    assert await service.at(local(2026, 3, 13, 17)) == 0
    assert await service.at(local(2026, 3, 16, 7, 5)) == 1
    (head,) = mailbox.to("p010")
    assert "hạn duyệt là ngày 13/03/2026" in head.text


async def test_a_declared_day_off_holds_a_waiting_message_and_its_escalation(
    notifications, mailbox
):
    service = await notifications(clock_start=local(2026, 3, 13, 17, 45), repeat_hours=1000)
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="S1"))  # Friday evening: waits for Monday 07:00
    await service.settled()

    # The ward then declares Monday 16 March off: the message waits for Tuesday, and the
    # escalation counts Tuesday 17 and Wednesday 18 as the two working days.
    await service.publish(ward_calendar(1, days_off=(date(2026, 3, 16),)))
    await service.settled()
    assert await service.at(local(2026, 3, 16, 7, 5)) == 0
    assert await service.at(local(2026, 3, 17, 7, 5)) == 1
    assert len(mailbox.to("p010")) == 1
    assert await service.at(local(2026, 3, 18, 16)) == 0
    assert await service.at(local(2026, 3, 19, 7, 5)) == 1
    (deputy,) = mailbox.to("p002")
    assert deputy.subject.startswith("[5S+] [Chuyển cấp] Điểm 5S thấp: Phòng Kinh tế")


async def test_working_days_counted_past_9999_12_31_stop_there(notifications, mailbox):
    # Submitted Thu 30/12/9999: three working days later lies beyond the last day there is, so
    # the review is due on it and never missed; a new calendar counts it again the same way.
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    await service.publish(submitted("p012", "9999-12", local(9999, 12, 30, 10)))
    await service.settled()
    assert await service.due_on(rules.REVIEW_OVERDUE, "p012", "9999-12") == "9999-12-31"
    await service.publish(ward_calendar(1, days_off=(date(9999, 12, 31),)))
    await service.settled()
    assert await service.due_on(rules.REVIEW_OVERDUE, "p012", "9999-12") == "9999-12-31"
    await service.at(local(2026, 4, 10, 7, 5))
    assert not [m for m in mailbox.to("p010") if "9999" in m.text]
