"""The API: signed links in the e-mail acknowledge and snooze; events go out for every step of
an alert's life; the demo clock is for admins and refused in production; bad input gets a 4xx
with a Vietnamese message. Real NATS and SMTP."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from nats.aio.client import Client as NatsClient
from pydantic import SecretStr

from contracts.roles import Role
from contracts.subjects import context_subjects
from services.notifications.bootstrap import build_app
from services.notifications.settings import DEMO_SIGNING_SECRET
from services.runtime.auth import Principal
from tests.conftest import bearer
from tests.notifications.harness import Harness, local, low_score, org_chart, settings_for
from tests.support.keys import keys_in

pytestmark = [pytest.mark.nats]


def link(text: str, label: str) -> str:
    """The API address of the link labelled ``label`` in a message (which points at the web
    pages' confirmation page, ``/alerts/link/{token}``)."""
    found = re.search(rf"{label}: http://127.0.0.1:8000/alerts/link/(\S+)", text)
    assert found, text
    return f"/v1/links/{found.group(1)}"


async def notification_types(nats_client: NatsClient, count: int) -> list[str]:
    js = nats_client.jetstream()
    subscription = await js.pull_subscribe(
        context_subjects("notifications"), stream="NOTIFICATIONS"
    )
    messages = await subscription.fetch(count, timeout=5)
    return [m.subject.split(".", 2)[2] for m in messages]


async def test_links_in_the_mail_acknowledge_and_snooze(notifications, mailbox, nats_client):
    service: Harness = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="total"))
    await service.wait_mail(2)
    head, deputy = mailbox.to("p010")[0], mailbox.to("p002")[0]

    tampered = link(head.text, "Xác nhận đã nhận")[:-3] + "abc"
    for method in ("GET", "POST"):
        refused = await service.http.request(method, tampered)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "link_invalid"

    # Opening the link (as a mail scanner does) only says what it is for.
    opened = await service.http.get(link(head.text, "Xác nhận đã nhận"))
    assert opened.status_code == 200, opened.text
    assert opened.json()["action"] == "ack"
    assert opened.json()["alert"]["title"].startswith("Điểm 5S thấp")
    (alert,) = await service.alerts("p010", "unit_head")
    assert alert["status"] == "open"

    answer = await service.http.post(link(head.text, "Xác nhận đã nhận"))
    assert answer.status_code == 200, answer.text
    (alert,) = await service.alerts("p010", "unit_head")
    assert alert["status"] == "acknowledged"

    snoozed = await service.http.post(link(deputy.text, "Nhắc lại sau"))
    assert snoozed.status_code == 200, snoozed.text
    (alert,) = await service.alerts("p002", "vice_chairman")
    assert alert["status"] == "open" and alert["snoozed_until"] is not None

    # Links expire (72 hours by default, on the service's clock).
    service.clock.advance(73 * 3600)
    expired = await service.http.post(link(deputy.text, "Xác nhận đã nhận"))
    assert expired.status_code == 403

    await service.publish(low_score(metric="total", recovered=True))
    await service.wait_mail(4)  # both were told, so both hear it is resolved
    assert mailbox.to("p010")[-1].subject.startswith("[5S+] Đã khắc phục:")
    types = await notification_types(nats_client, 7)
    assert types.count("notifications.alert.raised") == 2
    assert types.count("notifications.alert.delivered") == 2
    assert types.count("notifications.alert.acknowledged") == 1
    assert types.count("notifications.alert.resolved") == 2


async def test_escalation_is_published(notifications, mailbox, nats_client):
    service: Harness = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="S1"))
    await service.wait_mail(1)
    await service.at(local(2026, 3, 13, 8))
    types = await notification_types(nats_client, 5)
    assert "notifications.alert.escalated" in types


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_each_day_of_dissatisfaction_reaches_head_and_deputy(
    notifications, mailbox, database, request
):
    overrides = {"clock_start": local(2026, 3, 10, 9)}
    if database == "postgres":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    service: Harness = await notifications(**overrides)
    await service.publish(org_chart())
    await service.settled()

    def spike(day: int, count: int) -> object:
        return low_score(metric="dissatisfaction_spike", value=count, day=date(2026, 3, day))

    await service.publish(spike(10, 4))
    await service.wait_mail(2)
    for leader in ("p010", "p002"):
        (mail,) = mailbox.to(leader)
        assert mail.subject == "[5S+] Người dân phản ánh không hài lòng: Phòng Kinh tế"
        assert "nhận 4 đánh giá “Rất không hài lòng” trong một ngày (ngày 10/03/2026)" in mail.text
    # The same day again is the same alert; the next day is news of its own.
    await service.publish(spike(10, 5))
    await service.settled()
    await service.at(local(2026, 3, 10, 15))
    assert mailbox.count() == 2
    await service.publish(spike(11, 3))
    await service.wait_mail(4)
    assert "(ngày 11/03/2026)" in mailbox.to("p010")[-1].text


async def test_clock_is_for_admins_and_bad_input_is_a_4xx(notifications, mailbox):
    service: Harness = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.settled()
    staff = bearer("staff", "p012", "kt")
    admin = bearer("admin", "p006", "vp")

    assert (
        await service.http.post("/v1/clock", json={"advance_seconds": 60}, headers=staff)
    ).status_code == 403
    assert (await service.http.post("/v1/clock", json={"advance_seconds": 60})).status_code == 401
    moved = await service.http.post("/v1/clock", json={"advance_seconds": 3600}, headers=admin)
    assert moved.status_code == 200 and moved.json()["now"].startswith("2026-03-10T03:")
    empty = await service.http.post("/v1/clock", json={}, headers=admin)
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "clock_change_required"

    await service.publish(low_score(metric="S1"))
    await service.wait_mail(1)
    (alert,) = await service.alerts("p010", "unit_head")
    path = f"/v1/alerts/{alert['alert_id']}"
    # Someone else's alert does not exist for them; a bad snooze is named in Vietnamese.
    assert (await service.http.post(f"{path}/ack", headers=staff)).status_code == 404
    head = bearer("unit_head", "p010", "kt")
    bad = await service.http.post(f"{path}/snooze", json={"hours": -1}, headers=head)
    assert bad.status_code == 422
    assert bad.json()["error"] == {
        "code": "out_of_range",
        "message": "Giá trị nằm ngoài khoảng cho phép.",
        "field": "hours",
    }
    other = await service.http.put("/v1/preferences/p013", json={"email": False}, headers=staff)
    assert other.status_code == 403
    wrong = await service.http.put(
        "/v1/preferences/me", json={"webhook_url": "not a url"}, headers=staff
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "webhook_url"
    nobody = await service.http.put("/v1/preferences/p999", json={}, headers=admin)
    assert nobody.status_code == 404


async def test_the_clock_cannot_move_in_production(nats_server, sqlite_url, mailbox, tmp_path):
    keys = keys_in(tmp_path)  # production trusts no test key
    settings = settings_for(
        nats_server.url,
        sqlite_url,
        mailbox,
        environment="production",
        signing_secret=SecretStr("another-production-secret-32-bytes-long"),
        sign_in_mail_key=SecretStr("a-production-sign-in-mail-key-32-bytes"),
        **keys.settings(),
    )
    with pytest.raises(SystemExit, match="SIGNING_SECRET"):
        build_app(settings.model_copy(update={"signing_secret": DEMO_SIGNING_SECRET}))
    app = build_app(settings)
    token = keys.sign(Principal("p006", "binh-dong", Role.ADMIN, "vp"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        answer = await http.post(
            "/v1/clock",
            json={"advance_seconds": 60},
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        )
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "The clock cannot be moved in production."
