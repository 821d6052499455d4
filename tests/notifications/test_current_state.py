"""An obligation is met by what is true now, not by what was once submitted (issue 12, item 10):
a withdrawn audit leaves its unit's month unaudited again, a returned self-assessment must be
submitted again (and its review is over), a reopened corrective action is overdue again by its
new due date. Late or redelivered events change nothing. Real NATS and a real SMTP server."""

from __future__ import annotations

from datetime import date

import pytest

from services.notifications.domain import rules
from tests.notifications.harness import (
    SELF_ASSESSORS,
    action_closed,
    action_opened,
    action_reopened,
    audited,
    done,
    local,
    reviewed,
    submitted,
    watching,
    withdrawn,
)

pytestmark = [pytest.mark.nats]


async def test_the_only_audit_withdrawn_leaves_the_unit_unaudited(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    march = local(2026, 3, 20)
    for person in SELF_ASSESSORS:
        await service.publish(*done(person, "2026-03", march))
    kt = audited("kt", "2026-03", march)
    office = audited("vp", "2026-03", march), audited("vp", "2026-03", local(2026, 3, 24))
    await service.publish(kt, *office)
    await service.settled()

    # The only audit of kt is withdrawn; one of the office's two is, and the other stands.
    await service.publish(withdrawn(kt, local(2026, 3, 25)), withdrawn(office[0], march))
    await service.settled()
    # The submission redelivered after its withdrawal is older: kt stays unaudited.
    await service.publish(kt, msg_id="redelivered-audit")
    await service.settled()

    # Due by the 5th working day of April (Tue 7): the audit lead and the vice-chairman in
    # charge are told on Wednesday 8 April, about kt only.
    assert await service.at(local(2026, 4, 7, 17)) == 0
    assert await service.at(local(2026, 4, 8, 7, 5)) == 2
    for leader in ("p006", "p002"):
        (mail,) = mailbox.to(leader)
        assert mail.subject == "[5S+] Chưa đánh giá 5S: Phòng Kinh tế, tháng 03/2026"
        assert "hạn chót là ngày 07/04/2026" in mail.text

    # A new audit of kt for March resolves it: both are told.
    await service.publish(audited("kt", "2026-03", local(2026, 4, 8, 9)))
    await service.wait_mail(4)
    assert mailbox.to("p006")[-1].subject.startswith("[5S+] Đã khắc phục: Chưa đánh giá 5S")


async def test_a_returned_self_assessment_is_missing_again_and_its_review_is_over(
    notifications, mailbox
):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    march = local(2026, 3, 20)
    for person in ("p006", "p010", "p013"):
        await service.publish(*done(person, "2026-03", march))
    await service.publish(audited("kt", "2026-03", march), audited("vp", "2026-03", march))
    await service.publish(submitted("p012", "2026-03", local(2026, 3, 30, 9)))
    await service.publish(reviewed("p012", "2026-03", local(2026, 3, 31, 9), "returned"))
    await service.settled()
    # The submission redelivered after the return is older: still to be submitted again.
    await service.publish(
        submitted("p012", "2026-03", local(2026, 3, 30, 9)), msg_id="redelivered-submission"
    )
    await service.settled()

    # The return ended the review (due Thu 2 April): nothing for the head on Friday 3.
    assert await service.at(local(2026, 4, 3, 7, 5)) == 0
    # The self-assessment is due again by the 3rd working day of April (Fri 3): An is told on
    # Monday 6 April.
    assert await service.at(local(2026, 4, 6, 7, 5)) == 1
    (an,) = mailbox.to("p012")
    assert an.subject == "[5S+] Chưa nộp tự đánh giá: Nguyễn Văn An, tháng 03/2026"
    assert "hạn chót là ngày 03/04/2026" in an.text

    # Submitted again (revision 2): the missing one resolves, and the new revision's review is
    # owed from its own submission (Tue 7, Wed 8, Thu 9; overdue on Friday 10).
    await service.publish(submitted("p012", "2026-03", local(2026, 4, 6, 9), revision=2))
    await service.wait_mail(2)
    assert mailbox.to("p012")[-1].subject.startswith("[5S+] Đã khắc phục: Chưa nộp tự đánh giá")
    assert await service.at(local(2026, 4, 9, 17)) == 0
    assert await service.at(local(2026, 4, 10, 7, 5)) == 1
    (head,) = mailbox.to("p010")
    assert "nộp ngày 06/04/2026 chưa được duyệt; hạn duyệt là ngày 09/04/2026" in head.text


async def test_a_reopened_corrective_action_is_overdue_again_by_its_new_date(
    notifications, mailbox
):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    opened = action_opened(date(2026, 3, 10), local(2026, 3, 2, 9))
    await service.publish(opened)
    await service.settled()
    assert await service.at(local(2026, 3, 11, 8)) == 1
    assert "đến hạn ngày 10/03/2026 nhưng chưa hoàn thành" in mailbox.to("p012")[0].text

    closed = action_closed(opened, local(2026, 3, 11, 9))
    await service.publish(closed)
    await service.wait_mail(2)
    assert mailbox.to("p012")[-1].subject.startswith("[5S+] Đã khắc phục: Quá hạn khắc phục")

    # Found not done after all: open again, due Tuesday 17 March.
    await service.publish(action_reopened(opened, date(2026, 3, 17), local(2026, 3, 12, 9)))
    await service.settled()
    # The close redelivered after the reopening is older: the action stays open.
    await service.publish(closed, msg_id="redelivered-close")
    await service.settled()
    assert await service.at(local(2026, 3, 17, 17)) == 0
    assert await service.at(local(2026, 3, 18, 7, 5)) == 1
    again = mailbox.to("p012")[-1]
    assert again.subject == "[5S+] Quá hạn khắc phục: Phòng Kinh tế, tiêu chí S1.01"
    assert "đến hạn ngày 17/03/2026 nhưng chưa hoàn thành" in again.text


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_a_corrective_action_reopened_until_9999_12_31_is_kept_and_never_overdue(
    notifications, mailbox, database, request
):
    # A due date at the contract's last day has no "next day"; it must not kill the event, and
    # its "never" moment is stored as it is in either database.
    overrides = {"clock_start": local(2026, 3, 2, 9), "repeat_hours": 1000}
    if database == "postgres":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    service = await notifications(**overrides)
    await watching(service)
    opened = action_opened(date(2026, 3, 10), local(2026, 3, 2, 9))
    await service.publish(opened)
    await service.settled()
    await service.publish(action_closed(opened, local(2026, 3, 9, 9)))
    await service.settled()

    await service.publish(action_reopened(opened, date(9999, 12, 31), local(2026, 3, 12, 9)))
    await service.settled()
    subject = str(opened.data.action_id)
    assert await service.due_on(rules.ACTION_OVERDUE, subject, "") == "9999-12-31"
    assert await service.at(local(2026, 3, 18, 7, 5)) == 0
    await service.at(local(2027, 1, 4, 7, 5))  # other months' obligations are missed by now
    assert not [m for m in mailbox.to("p012") if "Quá hạn khắc phục" in m.subject]

    # The reopening was kept: a later one with a real date is overdue by it.
    await service.publish(action_reopened(opened, date(2027, 1, 5), local(2027, 1, 4, 9)))
    await service.settled()
    assert await service.due_on(rules.ACTION_OVERDUE, subject, "") == "2027-01-05"
    await service.at(local(2027, 1, 6, 7, 5))
    (overdue,) = [m for m in mailbox.to("p012") if "Quá hạn khắc phục" in m.subject]
    assert "đến hạn ngày 05/01/2027 nhưng chưa hoàn thành" in overdue.text
