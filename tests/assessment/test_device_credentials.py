"""Devices and integrations have credentials of their own (issue 14, item 3): registering one
answers its token, bound to its credential (the token's ``sid``); rotating it or deactivating
the device refuses the old token at its next request, read or write, and leaves the other
devices' alone; a kiosk or QR link is registered for its unit and rates only that unit."""

from __future__ import annotations

import jwt
import pytest

from tests.assessment.conftest import ADMIN, KIOSK

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

WHY = {"reason": "Ki-ốt mới ở quầy 5"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(service, device_id: str, **fields) -> dict:
    body = {"role": "kiosk", "label_vi": "Ki-ốt", "label_en": "Kiosk", **fields}
    answer = await service.http.put(
        f"/v1/org/devices/{device_id}", json=body, headers=ADMIN, params=WHY
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def rate(service, token: str, unit_id: str = "kt") -> int:
    answer = await service.http.post(
        "/v1/feedback", json={"unit_id": unit_id, "level": 5}, headers=bearer(token)
    )
    return answer.status_code


async def reads(service, token: str) -> int:
    return (await service.http.get("/v1/catalog", headers=bearer(token))).status_code


async def test_a_device_registered_gets_its_own_token_bound_to_its_credential(service) -> None:
    first = await register(service, "qr-kt-5", unit_id="kt", channel="qr")
    claims = jwt.decode(first["token"], options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["unit"], claims["ward"]) == (
        "qr-kt-5",
        "kiosk",
        "kt",
        "binh-dong",
    )
    assert claims["aud"] == ["assessment"] and claims["sid"]
    assert await rate(service, first["token"]) == 201
    # A change of label keeps the credential: no new token, the old one still works.
    again = await register(service, "qr-kt-5", unit_id="kt", channel="qr", label_vi="QR mới")
    assert again == {"device_id": "qr-kt-5", "token": None}
    assert await reads(service, first["token"]) == 200


async def test_rotating_refuses_the_old_token_at_once_and_only_that_device(service) -> None:
    old = (await register(service, "kiosk-kt-6", unit_id="kt"))["token"]
    rotated = await service.http.post(
        "/v1/org/devices/kiosk-kt-6/credential", headers=ADMIN, params=WHY
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["token"]
    old_sid = jwt.decode(old, options={"verify_signature": False})["sid"]
    assert jwt.decode(new, options={"verify_signature": False})["sid"] != old_sid
    assert await reads(service, old) == 401
    assert await rate(service, old) == 401
    assert await rate(service, new) == 201
    # Another device's token is untouched.
    assert (await service.http.get("/v1/catalog", headers=KIOSK)).status_code == 200
    # Scoring and notifications are told: the old credential, revoked.
    events = await service.settled_events(1, subject_id="kiosk-kt-6")
    revoked = [m for m in events if m["event"]["type"] == "assessment.credential.revoked"]
    assert [m["event"]["data"]["credential_ids"] for m in revoked] == [[old_sid]]
    # Both recorded as the administrator's actions, with the reason.
    actions = await service.http.get("/v1/admin/actions", headers=ADMIN)
    rotation = [
        (a["action"], a["reason"])
        for a in actions.json()["actions"]
        if a["subject"] == "kiosk-kt-6"
    ]
    assert rotation == [
        ("device.registered", WHY["reason"]),
        ("credential.issued", WHY["reason"]),
        ("credential.revoked", WHY["reason"]),
        ("credential.issued", WHY["reason"]),
    ]
    missing = await service.http.post(
        "/v1/org/devices/no-such-device/credential", headers=ADMIN, params=WHY
    )
    assert missing.status_code == 404


async def test_deactivating_a_device_refuses_its_next_request(service) -> None:
    token = (await register(service, "kiosk-kt-7", unit_id="kt"))["token"]
    assert await rate(service, token) == 201
    off = await register(service, "kiosk-kt-7", unit_id="kt", active=False)
    assert off["token"] is None
    assert await rate(service, token) == 401
    assert await reads(service, token) == 401
    # Reactivated, it gets a new credential; the old token stays refused.
    back = await register(service, "kiosk-kt-7", unit_id="kt")
    assert back["token"] and await rate(service, back["token"]) == 201
    assert await rate(service, token) == 401


async def test_a_kiosk_is_registered_for_its_unit_and_rates_only_it(service) -> None:
    body = {"role": "kiosk", "label_vi": "Ki-ốt", "label_en": "Kiosk"}
    answer = await service.http.put("/v1/org/devices/kiosk-x", json=body, headers=ADMIN, params=WHY)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "unit_id"
    token = (await register(service, "kiosk-kt-8", unit_id="kt"))["token"]
    other = await service.http.post(
        "/v1/feedback", json={"unit_id": "vhxh", "level": 5}, headers=bearer(token)
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "wrong_unit"
