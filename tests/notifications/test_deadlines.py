"""Deadline rules against the working calendar, driven by the service's clock: a missing
self-assessment (the person, then the unit head), an overdue review (the unit head, then the
vice-chairman, across Tết), a missing audit (the audit lead and the vice-chairman), an overdue
corrective action (its owner). Real NATS and a real SMTP server."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from prometheus_client import REGISTRY

from contracts.envelope import Actor
from contracts.events import (
    CorrectiveActionClosed,
    CorrectiveActionClosedData,
    CorrectiveActionOpened,
    CorrectiveActionOpenedData,
)
from tests.conftest import WARD, bearer
from tests.notifications.harness import (
    SELF_ASSESSORS,
    audited,
    done,
    local,
    reviewed,
    submitted,
    watching,
)

pytestmark = [pytest.mark.nats]


def overdue_reviews(unit: str) -> float | None:
    return REGISTRY.get_sample_value("ward5s_overdue_reviews", {"ward": WARD, "unit": unit})


async def test_missing_self_assessment_tells_the_person_then_the_head(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 1, 12, 9), repeat_hours=1000)
    await watching(service)
    january = local(2026, 1, 20)
    await service.publish(*done("p006", "2026-01", january), *done("p010", "2026-01", january))
    await service.publish(audited("kt", "2026-01", january), audited("vp", "2026-01", january))
    await service.settled()

    # Due by the 3rd working day of February (Wed 4 Feb 2026): missed from Thursday.
    assert await service.at(local(2026, 2, 4, 17)) == 0
    assert await service.at(local(2026, 2, 5, 7, 30)) == 2
    (an,) = mailbox.to("p012")
    assert an.subject == "[5S+] Chưa nộp tự đánh giá: Nguyễn Văn An, tháng 01/2026"
    assert "chưa nộp bản tự đánh giá tiêu chí “+” tháng 01/2026" in an.text
    assert "hạn chót là ngày 04/02/2026" in an.text
    # The footer names the ward's People's Committee.
    assert "Hệ thống 5S+ của UBND Phường Bình Đông (thư tự động" in an.text
    assert len(mailbox.to("p013")) == 1
    assert mailbox.to("p010") == mailbox.to("p006") == []

    # An Phạm acknowledges; Hoa does not. Two working days later (Fri 6, Mon 9) only Hoa's
    # goes up to the unit head, saying who was told and when.
    (alert,) = await service.alerts("p012")
    answer = await service.http.post(
        f"/v1/alerts/{alert['alert_id']}/ack", headers=bearer("staff", "p012", "kt")
    )
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    assert await service.at(local(2026, 2, 9, 16)) == 0
    assert await service.at(local(2026, 2, 10, 7)) == 1
    (up,) = mailbox.to("p010")
    assert up.subject == "[5S+] [Chuyển cấp] Chưa nộp tự đánh giá: Phạm Thị Hoa, tháng 01/2026"
    assert "Đã báo Phạm Thị Hoa (Cán bộ, công chức) lúc 07:30 ngày 05/02/2026" in up.text
    assert mailbox.count() == 3

    # A late submission resolves both of Hoa's alerts: each of them is told once.
    await service.publish(*done("p013", "2026-01", local(2026, 2, 10, 9)))
    await service.wait_mail(5)
    assert mailbox.to("p013")[-1].subject.startswith("[5S+] Đã khắc phục: Chưa nộp tự đánh giá")
    assert mailbox.to("p010")[-1].subject.startswith("[5S+] Đã khắc phục: [Chuyển cấp]")
    assert mailbox.to("p012") == [an]  # acknowledged and still missing: no notice


async def test_overdue_reviews_are_grouped_and_escalate_after_tet(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 2, 9, 8), repeat_hours=1000)
    await watching(service)
    await service.publish(submitted("p012", "2026-02", local(2026, 2, 9, 9)))
    await service.publish(submitted("p013", "2026-02", local(2026, 2, 9, 10)))
    await service.settled()

    # Review due within 3 working days (Thu 12 Feb): overdue from Friday, held until 07:00.
    assert await service.at(local(2026, 2, 12, 17)) == 0
    assert await service.at(local(2026, 2, 13, 6)) == 0
    assert len(await service.alerts("p010", "unit_head")) == 2
    assert overdue_reviews("kt") == 2
    assert await service.at(local(2026, 2, 13, 7, 1)) == 1
    (both,) = mailbox.to("p010")  # one message for the two overdue reviews
    assert both.subject == "[5S+] 2 cảnh báo"
    assert "Quá hạn duyệt tự đánh giá: Nguyễn Văn An, tháng 02/2026" in both.text
    assert "Quá hạn duyệt tự đánh giá: Phạm Thị Hoa, tháng 02/2026" in both.text
    assert "nộp ngày 09/02/2026 chưa được duyệt; hạn duyệt là ngày 12/02/2026" in both.text

    # Two more working days skip the Tết holiday (16–20 Feb) and the weekends: Mon 23 and
    # Tue 24. Nothing goes up before Wednesday 25.
    assert await service.at(local(2026, 2, 18, 10)) == 0
    assert await service.at(local(2026, 2, 24, 16)) == 0
    assert mailbox.to("p002") == []
    assert await service.at(local(2026, 2, 25, 7, 5)) == 1
    (deputy,) = mailbox.to("p002")
    assert "[Chuyển cấp] Quá hạn duyệt tự đánh giá: Nguyễn Văn An" in deputy.text
    assert "Đã báo Hồ Văn Phúc (Trưởng đơn vị) lúc 07:01 ngày 13/02/2026" in deputy.text

    # The head reviews An: An's alerts resolve (head and deputy told), Hoa's stay.
    await service.publish(reviewed("p012", "2026-02", local(2026, 2, 25, 8)))
    await service.wait_mail(4)
    await service.service.scheduler.tick()
    assert overdue_reviews("kt") == 1
    assert mailbox.to("p010")[-1].subject == (
        "[5S+] Đã khắc phục: Quá hạn duyệt tự đánh giá: Nguyễn Văn An, tháng 02/2026"
    )


async def test_missing_audit_tells_the_audit_lead_and_the_deputy(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 1, 12, 9), repeat_hours=1000)
    await watching(service)
    january = local(2026, 1, 20)
    for person in SELF_ASSESSORS:
        await service.publish(*done(person, "2026-01", january))
    await service.publish(audited("vp", "2026-01", january))
    await service.settled()

    # Due by the 5th working day of February (Fri 6): missed on Saturday, held to Monday.
    assert await service.at(local(2026, 2, 7, 10)) == 0
    assert await service.at(local(2026, 2, 9, 7)) == 2
    for leader in ("p006", "p002"):
        (mail,) = mailbox.to(leader)
        assert mail.subject == "[5S+] Chưa đánh giá 5S: Phòng Kinh tế, tháng 01/2026"
        assert "hạn chót là ngày 06/02/2026" in mail.text
    assert mailbox.count() == 2

    await service.publish(audited("kt", "2026-01", local(2026, 2, 9, 9)))
    await service.wait_mail(4)
    assert {m.to for m in mailbox.messages[2:]} == {
        "p006@binhdong.example.vn",
        "p002@binhdong.example.vn",
    }


async def test_overdue_corrective_action_tells_its_owner(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 2, 9), repeat_hours=1000)
    await watching(service)
    action = uuid.uuid4()
    opened = CorrectiveActionOpened(
        ward=WARD,
        occurred_at=local(2026, 3, 2, 9),
        actor=Actor(kind="person", id="p011"),
        data=CorrectiveActionOpenedData(
            action_id=action,
            audit_id=uuid.uuid4(),
            unit_id="kt",
            item_code="S1.01",
            score=1,
            owner_id="p012",
            due_on=date(2026, 3, 10),
        ),
    )
    await service.publish(opened, opened.model_copy(update={"event_id": uuid.uuid4()}))
    await service.settled()
    assert await service.at(local(2026, 3, 10, 16)) == 0
    assert await service.at(local(2026, 3, 11, 8)) == 1
    (mail,) = mailbox.to("p012")
    assert mail.subject == "[5S+] Quá hạn khắc phục: Phòng Kinh tế, tiêu chí S1.01"
    assert "đến hạn ngày 10/03/2026 nhưng chưa hoàn thành" in mail.text

    closed = CorrectiveActionClosed(
        ward=WARD,
        occurred_at=local(2026, 3, 11, 9),
        actor=Actor(kind="person", id="p012"),
        data=CorrectiveActionClosedData(
            action_id=action,
            audit_id=opened.data.audit_id,
            unit_id="kt",
            closed_by="p012",
            note="ok",
        ),
    )
    await service.publish(closed)
    await service.wait_mail(2)
    assert mailbox.to("p012")[-1].subject.startswith("[5S+] Đã khắc phục: Quá hạn khắc phục")
