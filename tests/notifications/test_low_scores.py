"""Low scores from scoring reach the unit head (and the vice-chairman for a unit total) as one
e-mail each, in Vietnamese; duplicates, redeliveries and restarts send nothing more; recovery
sends a resolved notice. Real NATS, a real SMTP server, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.notifications.harness import finalized, local, low_score, org_chart

pytestmark = [pytest.mark.nats]


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_low_total_reaches_head_and_deputy_once(
    notifications, mailbox, nats_client, database, request
) -> None:
    overrides = {"clock_start": local(2026, 3, 10, 9)}  # a Tuesday morning
    if database == "postgres":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    service = await notifications(**overrides)
    detected = low_score(metric="total", value=42.5)
    await service.publish(org_chart(), detected)
    await service.wait_mail(2)

    head, deputy = mailbox.to("p010"), mailbox.to("p002")
    assert len(head) == 1 and len(deputy) == 1
    assert head[0].subject == "[5S+] Điểm 5S thấp: Phòng Kinh tế, tháng 03/2026"
    assert head[0].text.startswith("Kính gửi Hồ Văn Phúc,")
    assert "Tổng điểm 5S đạt 42,5%, dưới ngưỡng 60,0%" in head[0].text
    assert "Tổng điểm 5S đạt 42,5%" in head[0].html and '<html lang="vi">' in head[0].html
    assert "5S total is 42.5%" in head[0].text  # English below the Vietnamese

    # The same event redelivered (stored twice under another message id), the same cause seen
    # again in a new event, and a pillar of another unit nobody leads: nothing more is sent.
    await service.publish(detected, msg_id="redelivered-copy")
    await service.publish(low_score(metric="total", value=41.0))
    await service.settled()
    await service.service.scheduler.tick()
    assert mailbox.count() == 2
    assert len(await service.alerts("p010", "unit_head")) == 1

    # March becomes final while still low: the alert's text, raised on a provisional result,
    # gains that it is final now (the alerts page reads it), and no one is mailed again.
    assert "Kết quả tạm tính tại thời điểm cảnh báo của Phòng Kinh tế" in head[0].text
    await service.publish(finalized("kt", "2026-03"))
    await service.settled()
    (alert,) = await service.alerts("p010", "unit_head")
    assert alert["body"].endswith(
        "Cập nhật: tháng 03/2026 đã khóa sổ, kết quả của Phòng Kinh tế nay là chính thức."
    )
    assert mailbox.count() == 2

    # Recovery: both are told it is resolved, once, and the inbox is empty again.
    await service.publish(low_score(metric="total", recovered=True))
    await service.wait_mail(4)
    assert [m.subject for m in mailbox.to("p010")][1] == (
        "[5S+] Đã khắc phục: Điểm 5S thấp: Phòng Kinh tế, tháng 03/2026"
    )
    assert await service.alerts("p010", "unit_head") == []


async def test_a_pillar_goes_to_the_head_only_and_restarts_resend_nothing(
    notifications, mailbox, nats_client
) -> None:
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart(), low_score(metric="S3", value=30.0))
    await service.wait_mail(1)
    (mail,) = mailbox.to("p010")
    assert "S3 Sạch sẽ đạt 30,0%, dưới ngưỡng 50,0%" in mail.text
    assert mailbox.to("p002") == []

    # A restart that replays the whole stream from the start (its durable consumers deleted):
    # every event is seen again, and nobody gets a second message.
    await service.service.runtime.stop()
    js = nats_client.jetstream()
    for consumer in service.service.runtime.consumers:
        await js.delete_consumer(consumer.spec.stream.name, consumer.spec.name)
    again = await notifications(
        clock_start=local(2026, 3, 10, 11), database_url=service.service.settings.database_url
    )
    # Rarely, a fetch that starts before the runtime's fetch fix is in place fails and its
    # messages wait for the server's 30 s redelivery: allow for it.
    await again.settled(within=45)
    await again.service.scheduler.tick()
    assert mailbox.count() == 1


async def test_quiet_hours_hold_a_warning_but_not_a_critical_alert(notifications, mailbox) -> None:
    service = await notifications(clock_start=local(2026, 3, 10, 19))  # Tuesday evening
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="S1", value=20.0, final=False))
    await service.publish(low_score(unit="kt", metric="total", value=30.0, final=True))
    await service.wait_mail(2)  # the final (critical) total goes at once, to head and deputy
    await service.settled()
    assert {m.subject for m in mailbox.messages} == {
        "[5S+] Điểm 5S thấp: Phòng Kinh tế, tháng 03/2026"
    }
    assert all("chính thức" in m.text for m in mailbox.messages)
    assert await service.at(local(2026, 3, 11, 6, 59)) == 0  # still quiet before 07:00
    assert await service.at(local(2026, 3, 11, 7, 0)) == 1  # released at the opening
    assert "S1 Sàng lọc đạt 20,0%" in mailbox.to("p010")[-1].text
