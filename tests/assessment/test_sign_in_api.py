"""Sign-in over HTTP (issue 14, item 2), on the service with real PostgreSQL and NATS: the
administrator's invitation (202, the link only on the stream, sealed), the password set through
it, sign-in to an access token the services accept, refresh, sign-out; the refusals in
Vietnamese and English, alike for an unknown address and a wrong password; a reset answered the
same whether the address exists or not."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest

from services.runtime.sealing import DEMO_MAIL_KEY, unseal
from tests.assessment.conftest import ADMIN, Service

pytestmark = [pytest.mark.nats]

EMAIL = "p013@binhdong.example.vn"
PASSWORD = "Sàng lọc, sắp xếp, sạch sẽ 2026"


async def secret_from_stream(service: Service, person_id: str, count: int = 1) -> str:
    """The secret of the newest link issued to ``person_id``, opened from the stream's event."""
    events = [
        e
        for e in await service.settled_events(count, person_id=person_id)
        if e["event"]["type"] == "assessment.sign_in.link_issued"
    ]
    link = unseal(DEMO_MAIL_KEY, events[-1]["event"]["data"]["sealed"])["link"]
    assert link not in str(events[-1]["event"])
    return parse_qs(urlparse(link).query)["secret"][0]


async def post(service: Service, path: str, body: dict[str, Any], **headers: str) -> Any:
    return await service.http.post(f"/v1/auth/{path}", json=body, headers=headers)


async def test_invitation_to_sign_out_over_http(service: Service) -> None:
    invited = await service.http.post(
        "/v1/auth/invitations",
        params={"reason": "new staff"},
        json={"person_id": "p013"},
        headers=ADMIN,
    )
    assert invited.status_code == 202, invited.text
    assert "link" not in invited.json() and "secret" not in invited.text
    actions = await service.http.get("/v1/admin/actions", headers=ADMIN)
    assert ("invitation.issued", "p013", "new staff") in [
        (a["action"], a["subject"], a["reason"]) for a in actions.json()["actions"]
    ]
    secret = await secret_from_stream(service, "p013")

    weak = await post(service, "password", {"secret": secret, "password": "matkhau123"})
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "password_weak"
    assert "dễ đoán" in weak.json()["error"]["message"]
    done = await post(service, "password", {"secret": secret, "password": PASSWORD})
    assert done.status_code == 200, done.text
    again = await post(
        service, "password", {"secret": secret, "password": PASSWORD}, **{"Accept-Language": "en"}
    )
    assert again.status_code == 422
    assert again.json()["error"] == {
        "code": "link_invalid",
        "message": "The password link is invalid, used or expired. Ask for a new one.",
        "field": "secret",
    }

    signed = await post(service, "sign-in", {"email": EMAIL, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    session = signed.json()
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["unit"]) == ("p013", "staff", "kt")
    assert claims["exp"] - claims["iat"] == 15 * 60 == session["expires_in"]
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    mine = await service.http.get("/v1/self-assessments?period=2026-01", headers=bearer)
    assert mine.status_code == 200, mine.text  # the services accept it
    assert (await service.http.get("/v1/self-assessments?period=2026-01")).status_code == 401

    renewed = await post(service, "refresh", {"refresh_token": session["refresh_token"]})
    assert renewed.status_code == 200
    replayed = await post(service, "refresh", {"refresh_token": session["refresh_token"]})
    assert (replayed.status_code, replayed.json()["error"]["code"]) == (401, "session_invalid")
    family = await post(service, "refresh", {"refresh_token": renewed.json()["refresh_token"]})
    assert family.status_code == 401  # the reuse revoked the whole family

    other = (await post(service, "sign-in", {"email": EMAIL, "password": PASSWORD})).json()
    out = await post(service, "sign-out", {"refresh_token": other["refresh_token"]})
    assert out.status_code == 204
    gone = await post(service, "refresh", {"refresh_token": other["refresh_token"]})
    assert gone.status_code == 401


async def test_failures_say_nothing_of_the_address(service: Service) -> None:
    answers = []
    for email in ("p014@binhdong.example.vn", "nobody@binhdong.example.vn"):
        for lang in ("vi", "en"):
            refused = await post(
                service,
                "sign-in",
                {"email": email, "password": "wrong one!"},
                **{"Accept-Language": lang},
            )
            assert refused.status_code == 401
            answers.append((email, lang, refused.json()))
    vi = [a for _, lang, a in answers if lang == "vi"]
    en = [a for _, lang, a in answers if lang == "en"]
    assert vi[0] == vi[1] and en[0] == en[1]
    assert vi[0]["error"]["code"] == "sign_in_failed"
    assert vi[0]["error"]["message"].startswith("Đăng nhập không thành công")
    assert en[0]["error"]["message"].startswith("Sign-in failed")

    resets = [
        await post(service, "reset", {"email": email})
        for email in ("p014@binhdong.example.vn", "nobody@binhdong.example.vn")
    ]
    assert [(r.status_code, r.json()) for r in resets] == [(202, {"accepted": True})] * 2
    await secret_from_stream(service, "p014")  # the known address got its link

    bad = await post(service, "sign-in", {"email": "not an address", "password": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"


async def test_only_an_administrator_invites(service: Service) -> None:
    from tests.assessment.conftest import HEAD_KT

    refused = await service.http.post(
        "/v1/auth/invitations", params={"reason": "x"}, json={"person_id": "p012"}, headers=HEAD_KT
    )
    assert refused.status_code == 403
    unknown = await service.http.post(
        "/v1/auth/invitations", params={"reason": "x"}, json={"person_id": "p999"}, headers=ADMIN
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_person")


async def test_sign_in_bodies_refuse_what_cannot_be_stored_or_hashed(service: Service) -> None:
    """A NUL in a sign-in body (found by schemathesis: a 500 from the database) is refused like
    a command's, 422 ``control_character``; a lone surrogate, which cannot be stored or hashed
    either, is refused by the body's validation (422 ``invalid``)."""
    for path, body, code in (
        ("/v1/auth/reset", '{"email": "a\\u0000b@binhdong.example.vn"}', "control_character"),
        ("/v1/auth/reset", '{"email": "a\\udb53b@binhdong.example.vn"}', "invalid"),
        (
            "/v1/auth/sign-in",
            '{"email": "p001@binhdong.example.vn", "password": "x\\u0000y"}',
            "control_character",
        ),
        ("/v1/auth/refresh", '{"refresh_token": "\\ud800"}', "invalid"),
        ("/v1/auth/refresh", '{"refresh_token": "a\\u0007b"}', "control_character"),
        (
            "/v1/auth/password",
            '{"secret": "s", "password": "0123456789\\u0000"}',
            "control_character",
        ),
    ):
        answer = await service.http.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.json()["error"]["code"] == code, (path, answer.text)
