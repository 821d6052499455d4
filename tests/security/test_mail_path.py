"""The two-service mail path, as processes: an invitation issued by assessment reaches the SMTP
server through notifications, and the link in it sets a password that then signs in; the
session's access token is answered by all three services until its person signs out, and
refused by every one of them from then on."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import WardStack, sign_in_through_mail
from tests.support.http import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

PERSON = "p020"
PASSWORD = "Phường Bình Đông 5S+ 2026"
READS = {
    "assessment": "/v1/units",
    "scoring": f"/v1/people/{PERSON}/scores?period=2026",
    "notifications": "/v1/alerts",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_invitation_mailed_through_notifications_sets_a_password_that_signs_in(
    ward_stack: WardStack,
) -> None:
    assessment = ward_stack.url("assessment")
    async with httpx.AsyncClient(timeout=10) as http:
        session = await sign_in_through_mail(ward_stack, http, PERSON, PASSWORD)
        (mail,) = [m for m in ward_stack.mailbox.messages if m.to.startswith(PERSON)]
        assert "mật khẩu" in mail.text and "password" in mail.text
        token = bearer(session["access_token"])
        for service, path in READS.items():
            answer = await http.get(ward_stack.url(service) + path, headers=token)
            assert answer.status_code == 200, (service, answer.text)

        # Signed out: the access token, 15 minutes long, is refused by every service, at once
        # by assessment and as soon as the revocation reaches scoring and notifications.
        out = await http.post(
            f"{assessment}/v1/auth/sign-out", json={"refresh_token": session["refresh_token"]}
        )
        assert out.status_code == 204
        for service, path in READS.items():

            async def refused(service: str = service, path: str = path) -> bool:
                answer = await http.get(ward_stack.url(service) + path, headers=token)
                return answer.status_code == 401

            assert await eventually(refused, within=10), service
        again = await http.post(
            f"{assessment}/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert again.status_code == 401
