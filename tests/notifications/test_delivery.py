"""Delivery: an SMTP outage delays and then delivers every alert exactly once; an address
refused for good is reported, not retried; the webhook posts signed JSON; repeats stop when
acknowledged; a snooze holds them; the daily digest waits for its hour. Real NATS, a real SMTP
server and a real HTTP server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from services.notifications.adapters.tables import deliveries
from tests.conftest import bearer
from tests.notifications.harness import Harness, local, low_score, org_chart
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]


async def ready(service: Harness) -> None:
    await service.publish(org_chart())
    await service.settled()


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_smtp_outage_delays_then_delivers_everything_once(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await ready(service)
    failures_before = metric(
        "ward5s_alert_delivery_failures_total", channel="email", kind="transient"
    )
    mailbox.stop()
    await service.publish(low_score(metric="total"), low_score(metric="S1"), low_score(metric="S2"))
    await service.settled()
    await service.service.scheduler.tick()

    async def tried() -> bool:
        async with service.service.runtime.sessions() as session:
            rows = (await session.execute(select(deliveries))).all()
        return len(rows) == 4 and all(r.attempts >= 1 and r.status == "pending" for r in rows)

    await eventually(tried)
    assert mailbox.count() == 0
    assert (
        metric("ward5s_alert_delivery_failures_total", channel="email", kind="transient")
        >= failures_before + 4
    )

    mailbox.start()  # the server is back on the same port

    async def delivered() -> bool:
        await service.service.scheduler.tick()
        async with service.service.runtime.sessions() as session:
            rows = (await session.execute(select(deliveries.c.status))).all()
        return all(r.status == "sent" for r in rows)

    await eventually(delivered)
    head_text = "\n".join(m.text for m in mailbox.to("p010"))
    for title in ("Tổng điểm 5S đạt", "S1 Sàng lọc đạt", "S2 Sắp xếp đạt"):
        assert head_text.count(title) == 1, title  # each alert once, none lost
    assert len(mailbox.to("p002")) == 1
    await service.service.scheduler.tick()
    assert len(mailbox.to("p002")) == 1


async def test_a_refused_address_is_reported_not_retried(notifications, mailbox):
    mailbox.refused.add("p010@binhdong.example.vn")
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await ready(service)
    await service.publish(low_score(metric="S4"))

    async def failed() -> list[dict[str, Any]]:
        answer = await service.http.get(
            "/v1/deliveries/failed", headers=bearer("admin", "p006", "vp")
        )
        assert answer.status_code == 200
        return answer.json()["deliveries"]  # type: ignore[no-any-return]

    (report,) = await eventually(failed)
    assert report["recipient_id"] == "p010" and report["channel"] == "email"
    assert report["error"] == "recipient refused (550)" and report["attempts"] == 1
    for _ in range(3):
        service.clock.advance(120)
        await service.service.scheduler.tick()
    assert (await failed())[0]["attempts"] == 1
    staff = await service.http.get("/v1/deliveries/failed", headers=bearer("staff", "p012", "kt"))
    assert staff.status_code == 403


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver.received
    server.shutdown()
    server.server_close()


async def test_webhook_gets_json_signed_with_its_own_secret_instead_of_email(
    notifications, mailbox, webhook_server
):
    """Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature "v1,<base64
    HMAC-SHA256 of id.timestamp.body>" under the receiver's own secret, not the links' one."""
    url, received = webhook_server
    # The receiver is on this machine: the operator allow-lists loopback for it.
    service = await notifications(
        clock_start=local(2026, 3, 10, 9), webhook_allowed_networks="127.0.0.0/8"
    )
    await ready(service)
    answer = await service.http.put(
        "/v1/preferences/me",
        json={"email": False, "webhook_url": url},
        headers=bearer("unit_head", "p010", "kt"),
    )
    assert answer.status_code == 200, answer.text
    chosen = answer.json()
    secret = chosen.pop("webhook_secret")
    assert chosen == {"person_id": "p010", "email": False, "webhook_url": url, "digest": False}
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    await service.publish(low_score(metric="S5", value=10.0))

    async def posted() -> bool:
        return bool(received)

    await eventually(posted)
    headers, body = received[0]
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60  # wall time: the receiver can refuse replays
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(base64.b64decode(secret[6:]), signed, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
    links_secret = service.service.settings.signing_secret.get_secret_value().encode()
    shared = hmac.new(links_secret, signed, hashlib.sha256).digest()
    assert base64.b64encode(shared).decode() not in headers["webhook-signature"]
    assert "X-Ward5s-Signature" not in headers
    payload = json.loads(body)
    (alert,) = payload["alerts"]
    assert alert["rule"] == "low_score.S5" and alert["kind"] == "alert"
    assert alert["title"]["vi"] == "Điểm 5S thấp: Phòng Kinh tế, tháng 03/2026"
    assert alert["ack_url"].startswith("http://127.0.0.1:8000/alerts/link/")
    await service.service.scheduler.tick()
    assert mailbox.to("p010") == []  # e-mail switched off for this person


async def test_repeats_until_acknowledged_and_acknowledging_stops_escalation(
    notifications, mailbox
):
    service = await notifications(clock_start=local(2026, 3, 10, 9), repeat_hours=24)
    await ready(service)
    await service.publish(low_score(metric="S1"), low_score(metric="S2"))
    await service.wait_mail(1)
    await service.settled()
    assert len(mailbox.to("p010")) == 1  # both in one message

    # A day later, still open: sent again.
    assert await service.at(local(2026, 3, 11, 9, 30)) == 1
    head = bearer("unit_head", "p010", "kt")
    alerts = {a["rule"]: a for a in await service.alerts("p010", "unit_head")}
    ack = await service.http.post(
        f"/v1/alerts/{alerts['low_score.S1']['alert_id']}/ack", headers=head
    )
    assert ack.status_code == 200
    snooze = await service.http.post(
        f"/v1/alerts/{alerts['low_score.S2']['alert_id']}/snooze", json={"hours": 48}, headers=head
    )
    assert snooze.status_code == 200, snooze.text

    # Acknowledged: no more repeats; snoozed: none while the snooze lasts.
    assert await service.at(local(2026, 3, 12, 10)) == 0
    # Unacknowledged S2 goes up to the vice-chairman on Friday 13 (two working days after
    # Tuesday); the acknowledged S1 does not.
    assert await service.at(local(2026, 3, 13, 8)) == 1
    (deputy,) = mailbox.to("p002")
    assert "S2 Sắp xếp" in deputy.text and "S1 Sàng lọc" not in deputy.text
    # Handed up, the head's S2 no longer repeats once the snooze ends; the deputy's has its own.
    assert await service.at(local(2026, 3, 13, 10)) == 0
    assert mailbox.count() == 3


async def test_the_daily_digest_waits_for_its_hour(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await ready(service)
    answer = await service.http.put(
        "/v1/preferences/p010", json={"digest": True}, headers=bearer("admin", "p006", "vp")
    )
    assert answer.status_code == 200
    await service.publish(low_score(metric="S3"))
    await service.settled()
    assert await service.at(local(2026, 3, 10, 16)) == 0
    assert await service.at(local(2026, 3, 11, 7, 29)) == 0
    assert await service.at(local(2026, 3, 11, 7, 30)) == 1


async def test_a_name_with_a_line_break_fails_its_own_mail_and_the_rest_go_once(
    notifications, mailbox
):
    """One bad message never stalls the pass (issue 17, item 2): the unit head's name carries a
    CR/LF (an org chart loaded before the boundary refused it), so his mail cannot be built; it
    alone fails, for good, and the vice-chairman's goes out, once."""
    people = tuple(
        p.model_copy(update={"full_name": "Hồ Văn Phúc\r\nBcc: someone@evil.example"})
        if p.person_id == "p010"
        else p
        for p in org_chart().data.people
    )
    service = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart(people=people))
    await service.settled()
    await service.publish(low_score(metric="total"))
    await service.settled()
    await service.wait_mail(1)
    for _ in range(3):
        service.clock.advance(120)
        await service.service.scheduler.tick()
    assert len(mailbox.to("p002")) == 1 and mailbox.to("p010") == []
    assert mailbox.count() == 1
    async with service.service.runtime.sessions() as session:
        rows = {r.recipient_id: r for r in (await session.execute(select(deliveries))).all()}
    assert rows["p010"].status == "failed" and rows["p010"].attempts == 1
    assert rows["p010"].last_error == "message could not be built or sent (ValueError)"
    assert rows["p002"].status == "sent" and rows["p002"].attempts == 1
