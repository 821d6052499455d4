"""Photo evidence end to end, on a real nats-server (the EVIDENCE object store) and PostgreSQL:
an auditor uploads a photo, which is kept re-encoded without its metadata as
``<ward>/<evidence id>``; an audit cites it by id; it is served only to those who may read that
audit; hostile uploads are refused with a clear reason and leave nothing behind."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from contracts.streams import EVIDENCE
from contracts.subjects import intake_subject
from services.assessment.adapters.tables import evidence
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    AUDITOR_VP,
    HEAD_KT,
    KIOSK,
    STAFF_KT,
    audit_body,
)
from tests.assessment.photos import (
    decompression_bomb,
    garbage_as_jpeg,
    gps_of,
    metadata_of,
    phone_photo,
    polyglot,
)
from tests.assessment.test_events import check_event, keyed
from tests.conftest import WARD, bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

HEAD_VHXH = bearer("unit_head", "p017", "vhxh")
CHAIRMAN = bearer("chairman", "p001", "vp")
VICE_VHXH = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))  # in charge of vhxh
VICE_OTHER = bearer("vice_chairman", "p003", "vp", ("ttphcc", "dvcu", "vp"))


async def upload(
    service, data: bytes, headers: dict[str, str], content_type: str = "image/jpeg"
) -> Any:
    return await service.http.post(
        "/v1/evidence", content=data, headers={**headers, "Content-Type": content_type}
    )


async def uploaded(service, data: bytes, headers: dict[str, str] = AUDITOR_KT) -> str:
    answer = await upload(service, data, headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["evidence_id"])


async def objects(service) -> list[str]:
    """The names of the objects in the deployment's evidence bucket."""
    store = await service.nc.jetstream().object_store(EVIDENCE.name)
    try:
        return sorted(info.name for info in await store.list())
    except Exception as error:  # nats-py raises when the bucket holds nothing yet
        if "no objects" in str(error).lower():
            return []
        raise


async def rows(service) -> int:
    async with service.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(evidence)) or 0)


async def test_a_photo_is_kept_and_served_without_its_gps(service) -> None:
    original = phone_photo()
    assert gps_of(original)  # a phone's photo with its position
    # The type comes from the bytes: a JPEG sent as "image/png" is still a JPEG.
    answer = await upload(service, original, AUDITOR_KT, content_type="image/png")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 48, 64)
    evidence_id = body["evidence_id"]
    assert f"{WARD}/{evidence_id}" in await objects(service)

    served = await service.http.get(f"/v1/evidence/{evidence_id}", headers=AUDITOR_KT)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"].startswith("private")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert len(served.content) == body["size"]
    assert gps_of(served.content) == {}
    assert metadata_of(served.content) == {}
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (48, 64)

    # The same upload retried with its idempotency key: the first answer, nothing new kept.
    headers = keyed(AUDITOR_KT)
    first = await upload(service, phone_photo("PNG"), headers)
    before = (await rows(service), await objects(service))
    again = await upload(service, phone_photo("PNG"), headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert (await rows(service), await objects(service)) == before


async def status_of(service, evidence_id: str, headers: dict[str, str]) -> int:
    return int((await service.http.get(f"/v1/evidence/{evidence_id}", headers=headers)).status_code)


async def test_an_audit_cites_photos_and_its_readers_see_them(service) -> None:
    photo = await uploaded(service, phone_photo())
    # Not cited yet: its uploader alone sees it.
    assert await status_of(service, photo, AUDITOR_KT) == 200
    assert await status_of(service, photo, HEAD_VHXH) == 404

    body = audit_body("vhxh")
    body["items"][0]["evidence_ids"] = [photo]
    answer = await service.http.post("/v1/audits", json=body, headers=AUDITOR_KT)
    assert answer.status_code == 201, answer.text
    audit_id = answer.json()["audit_id"]
    (message,) = await service.settled_events(1, audit_id=audit_id)
    event = check_event(message, "assessment.audit.submitted")
    assert event["data"]["items"][0]["evidence_ids"] == [photo]
    detail = await service.http.get(f"/v1/audits/{audit_id}", headers=HEAD_VHXH)
    assert detail.json()["revisions"][0]["items"][0]["evidence_ids"] == [photo]

    # Those who may read the audit (as GET /v1/audits/{id} answers them) see the photo...
    readers = {
        "the auditor": AUDITOR_KT,
        "another auditor": AUDITOR_VP,
        "the unit's head": HEAD_VHXH,
        "the vice-chairman in charge": VICE_VHXH,
        "the chairman": CHAIRMAN,
        "an administrator": ADMIN,
    }
    others = {
        "another unit's head": HEAD_KT,
        "a vice-chairman of other units": VICE_OTHER,
        "a staff member": STAFF_KT,
        "a kiosk": KIOSK,
    }
    for who, headers in {**readers, **others}.items():
        audit = await service.http.get(f"/v1/audits/{audit_id}", headers=headers)
        seen = await status_of(service, photo, headers)
        assert seen == (200 if who in readers else 404), who
        assert (audit.status_code == 200) == (seen == 200), who
    assert (await service.http.get(f"/v1/evidence/{photo}")).status_code == 401

    # An amendment may cite it again, and another photo of the auditor's.
    second = await uploaded(service, phone_photo("WEBP"))
    amended_items = [
        {**item, "evidence_ids": [photo, second] if index == 0 else []}
        for index, item in enumerate(body["items"])
    ]
    amend = {"items": amended_items, "reason": "Thêm ảnh"}
    amended = await service.http.post(
        f"/v1/audits/{audit_id}/amend", json=amend, headers=AUDITOR_KT
    )
    assert amended.status_code == 200, amended.text
    assert await status_of(service, second, HEAD_VHXH) == 200


async def cite(service, evidence_ids: list[str], headers: dict[str, str]) -> dict[str, Any]:
    body = audit_body("vhxh")
    body["items"][1]["evidence_ids"] = evidence_ids
    answer = await service.http.post("/v1/audits", json=body, headers=headers)
    return {"status": answer.status_code, **answer.json().get("error", {})}


async def test_an_audit_cites_only_its_auditors_uncited_photos_of_the_ward(service) -> None:
    mine = await uploaded(service, phone_photo())
    field = "items[1].evidence_ids[0]"
    # Another auditor's photo is as unknown to them as one that does not exist.
    theirs = await cite(service, [mine], AUDITOR_VP)
    assert (theirs["status"], theirs["code"], theirs["field"]) == (422, "unknown_evidence", field)
    none = await cite(service, [str(uuid.uuid4())], AUDITOR_KT)
    assert (none["status"], none["code"], none["field"]) == (422, "unknown_evidence", field)
    assert (await cite(service, [mine], AUDITOR_KT))["status"] == 201
    again = await cite(service, [mine], AUDITOR_KT)
    assert (again["status"], again["code"], again["field"]) == (
        409,
        "evidence_of_another_audit",
        field,
    )

    # By the NATS intake, the same rule.
    body = audit_body("vhxh")
    body["items"][0]["evidence_ids"] = [mine]
    headers = {"Authorization": AUDITOR_KT["Authorization"], "Nats-Msg-Id": str(uuid.uuid4())}
    reply = await service.nc.request(
        intake_subject(WARD, "audit"), json.dumps(body).encode(), 5, headers=headers
    )
    answer = json.loads(reply.data)
    assert (answer["status"], answer["body"]["error"]["code"]) == (
        409,
        "evidence_of_another_audit",
    )


async def chunks(data: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("a polyglot (a JPEG with a ZIP appended)", polyglot(), 422, "image_not_only_image"),
        ("a page behind a JPEG signature", garbage_as_jpeg(), 422, "image_unreadable"),
        ("a PDF", b"%PDF-1.7\n" + b"0" * 100, 415, "unsupported_image"),
        ("a decompression bomb", decompression_bomb(), 422, "image_too_many_pixels"),
    ],
)
async def test_hostile_uploads_are_refused_and_leave_nothing(
    service, name: str, data: bytes, status: int, code: str
) -> None:
    before = (await rows(service), await objects(service))
    answer = await upload(service, data, AUDITOR_KT)
    assert answer.status_code == status, (name, answer.text)
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, "photo"), name
    english = await upload(service, data, {**AUDITOR_KT, "Accept-Language": "en"})
    assert english.json()["error"]["message"] != error["message"]
    assert (await rows(service), await objects(service)) == before


async def test_a_photo_over_10_mb_is_refused_before_it_is_read_whole(service) -> None:
    limit = 10 * 1024 * 1024
    too_big = phone_photo() + b"\x00" * limit
    # Announced by its length: refused at once.
    answer = await upload(service, too_big, AUDITOR_KT)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_large"
    assert str(limit) in answer.json()["error"]["message"]
    # Streamed without a length (chunked): refused once the cap is passed.
    streamed = await service.http.post(
        "/v1/evidence",
        content=chunks(too_big),
        headers={**AUDITOR_KT, "Content-Type": "image/jpeg"},
    )
    assert streamed.status_code == 413, streamed.text
    assert streamed.json()["error"]["field"] == "photo"


async def test_people_upload_devices_do_not(service) -> None:
    """An auditor for an audit, anyone who owns a corrective action for closing it; a kiosk
    never (refused by role before the body is read)."""
    answer = await upload(service, phone_photo(), KIOSK)
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "forbidden"
    assert (await upload(service, phone_photo(), {})).status_code == 401
    for headers in (STAFF_KT, HEAD_KT):
        assert (await upload(service, phone_photo(), headers)).status_code == 201


async def test_an_owner_closes_an_action_with_a_photo_the_audits_readers_see(service) -> None:
    answer = await service.http.post("/v1/audits", json=audit_body("kt", 1), headers=AUDITOR_VP)
    assert answer.status_code == 201, answer.text
    listed = await service.http.get("/v1/corrective-actions", headers=HEAD_KT)
    action = listed.json()["corrective_actions"][0]["action_id"]
    close = f"/v1/corrective-actions/{action}/close"
    # Only one's own photo: another's is not told apart from none.
    theirs = await uploaded(service, phone_photo(), AUDITOR_KT)
    body = {"note": "Đã sắp xếp lại hồ sơ", "evidence": [theirs]}
    refused = await service.http.post(close, json=body, headers=HEAD_KT)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == {
        **refused.json()["error"],
        "code": "unknown_evidence",
        "field": "evidence[0]",
    }
    photo = await uploaded(service, phone_photo(), HEAD_KT)
    body = {"note": "Đã sắp xếp lại hồ sơ", "evidence": [photo, "bien-ban-03.pdf"]}
    closed = await service.http.post(close, json=body, headers=HEAD_KT)
    assert closed.status_code == 200, closed.text
    # Whoever may read the audit sees the photo; a vice-chairman of other units does not.
    assert (await service.http.get(f"/v1/evidence/{photo}", headers=VICE_VHXH)).status_code == 200
    assert (await service.http.get(f"/v1/evidence/{photo}", headers=VICE_OTHER)).status_code == 404
