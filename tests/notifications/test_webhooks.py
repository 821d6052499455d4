"""Webhooks cannot hurt others (issue 17, item 1): a slow receiver does not hold up anyone
else's message, an endless answer is not read, an internal address is refused when saved and
when sent to (after resolution), and a receiver that keeps failing is turned off and its owner
told. Real NATS, a real SMTP server (aiosmtpd) and real HTTP receivers on this machine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from services.notifications.adapters.channels import Mailer, Unavailable
from services.notifications.adapters.tables import deliveries, preferences
from services.notifications.adapters.webhooks import AddressGuard, Webhook
from services.notifications.domain.mail import Mail
from services.runtime.settings import networks
from tests.conftest import WARD, bearer
from tests.notifications.harness import Harness, action_opened, local, low_score, org_chart
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

LOOPBACK = "127.0.0.0/8"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    return head + await reader.readexactly(length)


async def serve(handler: Handler) -> AsyncIterator[tuple[str, list[bytes]]]:
    """An HTTP receiver on 127.0.0.1 answering with ``handler``; its URL and what it got."""
    received: list[bytes] = []

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            received.append(await _read_request(reader))
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        server.close()


async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers one byte every 9 seconds, for as long as the other side listens."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(9)


async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers 200 with a body that never ends."""
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    while True:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()


async def failing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()


@pytest.fixture
async def slow_receiver() -> AsyncIterator[tuple[str, list[bytes]]]:
    async for receiver in serve(drip):
        yield receiver


@pytest.fixture
async def endless_receiver() -> AsyncIterator[tuple[str, list[bytes]]]:
    async for receiver in serve(endless):
        yield receiver


@pytest.fixture
async def failing_receiver() -> AsyncIterator[tuple[str, list[bytes]]]:
    async for receiver in serve(failing):
        yield receiver


async def choose_webhook(service: Harness, pid: str, role: str, unit: str, url: str) -> Any:
    answer = await service.http.put(
        "/v1/preferences/me",
        json={"email": False, "webhook_url": url},
        headers=bearer(role, pid, unit),
    )
    return answer


async def test_a_slow_webhook_does_not_delay_the_chairmans_critical_mail(
    notifications, mailbox, slow_receiver
):
    """The case: a staff member's webhook answers one byte every 9 s; in the same pass the
    chairman's critical e-mail (a final low score handed up to him) goes out at once, and the
    webhook's message is cut off at its deadline and retried later."""
    url, received = slow_receiver
    service = await notifications(
        clock_start=local(2026, 3, 10, 9), webhook_allowed_networks=LOOPBACK
    )
    await service.publish(org_chart())
    await service.settled()
    answer = await choose_webhook(service, "p012", "staff", "kt", url)
    assert answer.status_code == 200, answer.text
    # Tuesday 10/03: a final low total for the Economic Division (critical), told to its head
    # and the vice-chairman; Nguyễn Văn An's corrective action is due Thursday 12/03.
    await service.publish(
        low_score(metric="total", final=True, value=41.0),
        action_opened(date(2026, 3, 12), local(2026, 3, 10, 9)),
    )
    await service.settled()
    await service.wait_mail(2)
    assert mailbox.to("p001") == []

    # Friday 13/03, 07:00: the action is overdue (told to An's webhook) and the low score,
    # unacknowledged for two working days, goes up to the chairman; both in one pass, An's
    # message first in the outbox.
    service.clock.set(local(2026, 3, 13, 7))
    started = time.monotonic()
    tick = asyncio.create_task(service.service.scheduler.tick())

    async def chairman_told() -> list[Any]:
        return mailbox.to("p001")

    (mail,) = await eventually(chairman_told, within=8.0)
    assert mail.at - started < 3.0, f"the chairman waited {mail.at - started:.1f} s"
    assert "Tổng điểm 5S" in mail.text
    assert received and not tick.done()  # An's receiver is still dripping meanwhile

    await asyncio.wait_for(tick, timeout=15.0)
    assert time.monotonic() - started < 12.0  # cut off at the 10 s deadline
    async with service.service.runtime.sessions() as session:
        row = (
            await session.execute(select(deliveries).where(deliveries.c.channel == "webhook"))
        ).one()
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "no answer within 10 s"


async def test_an_endless_answer_is_read_only_up_to_the_limit(endless_receiver):
    """A 2xx answer is a delivery: its first few KiB are read, the rest never fetched."""
    url, received = endless_receiver
    webhook = Webhook(AddressGuard(networks(LOOPBACK)), deadline_s=5.0, max_answer_bytes=4096)
    started = time.monotonic()
    await webhook.post(url, "whsec_" + "A" * 44, "msg-1", int(time.time()), b"{}")
    assert time.monotonic() - started < 2.0
    assert len(received) == 1


async def test_the_deadline_covers_the_whole_exchange(slow_receiver):
    url, _ = slow_receiver
    webhook = Webhook(AddressGuard(networks(LOOPBACK)), deadline_s=1.5)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"no answer within 1\.5 s"):
        await webhook.post(url, "whsec_" + "A" * 44, "msg-1", int(time.time()), b"{}")
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/v1/org/chart",
        "http://localhost:4222/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "http://172.16.4.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://0.0.0.0:8003/",
        "ftp://example.org/hook",
    ],
)
async def test_a_webhook_to_an_internal_address_is_refused_when_saved(notifications, url):
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.settled()
    head = bearer("unit_head", "p010", "kt")
    answer = await service.http.put("/v1/preferences/me", json={"webhook_url": url}, headers=head)
    if url.startswith("ftp"):
        assert answer.status_code == 422  # not even an http(s) URL
        return
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "webhook_address_refused" and error["field"] == "webhook_url"
    assert error["message"].startswith("Địa chỉ webhook phải là http(s)")
    english = await service.http.put(
        "/v1/preferences/me",
        json={"webhook_url": url},
        headers={**head, "Accept-Language": "en"},
    )
    assert english.json()["error"]["message"].startswith("A webhook address must be http(s)")
    assert (await service.http.get("/v1/preferences/me", headers=head)).json()[
        "webhook_url"
    ] is None


async def test_a_name_resolving_to_an_internal_address_is_refused_at_send_time(
    notifications, mailbox, failing_receiver
):
    """The address saved was allowed then; at send time its name resolves to loopback, which
    this stack does not allow-list (a DNS rebinding): nothing is posted, the delivery is
    refused for good."""
    url, received = failing_receiver
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.settled()
    rebound = url.replace("127.0.0.1", "localhost")
    async with service.service.runtime.sessions() as session, session.begin():
        await session.execute(
            preferences.insert().values(
                ward=WARD,
                person_id="p010",
                email=False,
                webhook_url=rebound,
                digest=False,
                updated_at=local(2026, 3, 10, 9),
                webhook_secret="whsec_" + "A" * 44,
            )
        )
    await service.publish(low_score(metric="S3"))
    await service.settled()

    async def failed() -> Any:
        async with service.service.runtime.sessions() as session:
            return (
                await session.execute(
                    select(deliveries).where(
                        deliveries.c.channel == "webhook", deliveries.c.status == "failed"
                    )
                )
            ).first()

    row = await eventually(failed)
    assert row.last_error.startswith("address not permitted (127.0.0.1")
    assert received == []


async def test_a_webhook_that_keeps_failing_is_turned_off_and_its_owner_told(
    notifications, mailbox, failing_receiver
):
    url, received = failing_receiver
    service = await notifications(
        clock_start=local(2026, 3, 10, 9),
        webhook_allowed_networks=LOOPBACK,
        webhook_disable_after=3,
    )
    await service.publish(org_chart())
    await service.settled()
    head = bearer("unit_head", "p010", "kt")
    assert (await choose_webhook(service, "p010", "unit_head", "kt", url)).status_code == 200
    await service.publish(low_score(metric="S2"))
    await service.settled()

    async def told() -> list[Any]:
        service.clock.advance(5)
        await service.service.scheduler.tick()
        return mailbox.to("p010")

    (notice,) = await eventually(told, within=20.0)
    assert notice.subject == "[5S+] Webhook nhận cảnh báo đã bị tắt"
    assert "Máy nhận 127.0.0.1 không nhận được 3 lần liên tiếp" in notice.text
    assert "failed 3 times in a row" in notice.text
    assert len(received) == 3
    chosen = (await service.http.get("/v1/preferences/me", headers=head)).json()
    assert chosen["webhook_disabled_at"] is not None
    # Turned off: no more posts, and the alert stays in the in-app inbox.
    for _ in range(3):
        service.clock.advance(60)
        await service.service.scheduler.tick()
    assert len(received) == 3
    rules = {a["rule"] for a in await service.alerts("p010", "unit_head")}
    assert {"low_score.S2", "webhook.disabled"} <= rules
    # Saved again, it is on again and the notice is resolved.
    assert (await choose_webhook(service, "p010", "unit_head", "kt", url)).status_code == 200
    chosen = (await service.http.get("/v1/preferences/me", headers=head)).json()
    assert chosen["webhook_disabled_at"] is None
    rules = {a["rule"] for a in await service.alerts("p010", "unit_head")}
    assert "webhook.disabled" not in rules


def compose_test_mail() -> Mail:
    return Mail(subject="[5S+] Kiểm tra", text="Nội dung", html="<p>Nội dung</p>")


async def test_an_smtp_server_dripping_its_answers_is_cut_off_at_the_deadline() -> None:
    """The same fault on the e-mail channel: each reply's timeout never fires on a server that
    sends a byte every second; the exchange's one deadline does."""

    async def banner_drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for byte in b"220 mail.binhdong.example.vn ESMTP ready\r\n" * 10:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(banner_drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    mailer = Mailer("127.0.0.1", port, "5S+ <no-reply@ward5s.invalid>", deadline_s=2.0)
    started = time.monotonic()
    try:
        with pytest.raises(Unavailable, match=r"no answer within 2 s"):
            await mailer.send("Trần Quốc Khải", "p001@binhdong.example.vn", compose_test_mail())
    finally:
        server.close()
    assert time.monotonic() - started < 3.5
