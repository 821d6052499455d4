"""Sign-in links by e-mail (issue 14, item 2): ``assessment.sign_in.link_issued`` arrives on the
real NATS stream with the link sealed; notifications opens it only to send it to the real SMTP
server (aiosmtpd), in Vietnamese with English below, once; an expired link or one sealed with
another key is not sent; nothing usable stays stored once it is handled."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from contracts.envelope import SYSTEM
from contracts.events import SignInLinkIssued, SignInLinkIssuedData
from services.notifications.adapters.tables import sign_in_mails
from services.runtime.sealing import DEMO_MAIL_KEY, seal
from tests.conftest import WARD
from tests.notifications.harness import Harness, address, local, org_chart
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

LINK = "https://ward.example/set-password?secret=s3cr3t-0ne-t1me"


def link_issued(
    expires_at: datetime, purpose: str = "invitation", key: SecretStr = DEMO_MAIL_KEY
) -> SignInLinkIssued:
    sealed = seal(key, {"link": LINK, "email": address("p012"), "full_name": "Nguyễn Văn An"})
    return SignInLinkIssued(
        ward=WARD,
        occurred_at=local(2026, 3, 10, 9),
        actor=SYSTEM,
        data=SignInLinkIssuedData(
            person_id="p012",
            purpose=purpose,  # type: ignore[arg-type]
            expires_at=expires_at,
            sealed=sealed,
        ),
    )


async def stored(service: Harness) -> list[tuple[str, str]]:
    async with service.service.runtime.sessions() as session:
        rows = (await session.execute(select(sign_in_mails))).all()
    return [(row.status, row.sealed) for row in rows]


async def test_an_invitation_is_mailed_once_in_vietnamese_then_english(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    event = link_issued(local(2026, 3, 13, 9, 30))
    await service.publish(event)
    await service.publish(event)  # redelivered
    await service.settled()
    await service.service.scheduler.tick()
    await service.wait_mail(1)
    (mail,) = mailbox.to("p012")
    assert mail.subject == "[5S+] Mời đặt mật khẩu đăng nhập"
    assert mail.text.startswith("Kính gửi Nguyễn Văn An,")
    vietnamese, english = mail.text.split("-- English --")
    assert LINK in vietnamese and LINK in english
    assert "đến 13/03/2026 09:30 (giờ Việt Nam)" in vietnamese
    assert "until 13/03/2026 09:30 (Vietnam time)" in english
    assert LINK.replace("&", "&amp;") in mail.html
    assert await stored(service) == [("sent", "")]  # the sealed link is erased once sent
    await service.service.scheduler.tick()
    assert mailbox.count() == 1


async def test_an_expired_link_or_another_key_sends_nothing(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.publish(link_issued(local(2026, 3, 10, 8), purpose="reset"))
    await service.publish(
        link_issued(local(2026, 3, 10, 10), key=SecretStr("another key of 32 characters, at least"))
    )
    await service.settled()

    async def handled() -> list[tuple[str, str]] | None:
        await service.service.scheduler.tick()
        rows = await stored(service)
        return rows if len(rows) == 2 and all(s != "pending" for s, _ in rows) else None

    rows = await eventually(handled)
    assert sorted(rows) == [("expired", ""), ("failed", "")]
    assert mailbox.count() == 0


async def test_a_reset_mail_waits_out_an_smtp_outage(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    mailbox.stop()
    await service.publish(link_issued(local(2026, 3, 10, 10), purpose="reset"))
    await service.settled()
    await service.service.scheduler.tick()
    assert [status for status, _ in await stored(service)] == ["pending"]
    mailbox.start()
    service.clock.set(local(2026, 3, 10, 9) + timedelta(seconds=5))

    async def delivered() -> bool:
        await service.service.scheduler.tick()
        return mailbox.count() == 1

    await eventually(delivered)
    assert mailbox.to("p012")[0].subject == "[5S+] Đặt lại mật khẩu"
