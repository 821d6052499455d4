"""Campaigns through the API: an administrator publishes "Ngày xanh lần thứ I" with its own
checklist (drawn from the catalogue and written for it), auditors audit units against it within
its dates, and the results per unit and ward-wide are exact and apart from the monthly 5S
figures; an audit's photos are seen by whoever sees the unit. Real NATS, real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.assessment.conftest import ADMIN, AUDITOR_KT, AUDITOR_VP, now_local
from tests.assessment.photos import phone_photo
from tests.conftest import bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def test_a_green_day_audited_per_unit_and_ward_wide(service) -> None:
    today = now_local()
    body = {
        "title": "Ngày xanh lần thứ I",
        "starts_on": (today.date() - timedelta(days=1)).isoformat(),
        "ends_on": (today.date() + timedelta(days=1)).isoformat(),
        "items": [
            {"code": "S3.6"},  # green plants, drawn from the catalogue
            {"code": "S2.6"},  # fire safety
            {"text": "Phân loại rác tại nguồn"},  # written for the campaign
        ],
    }
    published = await service.http.post("/v1/campaigns", json=body, headers=ADMIN)
    assert published.status_code == 201, published.text
    assert published.json()["items"] == ["S3.6", "S2.6", "C.1"]
    campaign = published.json()["campaign_id"]
    backwards = {**body, "ends_on": (today.date() - timedelta(days=5)).isoformat()}
    refused = await service.http.post("/v1/campaigns", json=backwards, headers=ADMIN)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "campaign_dates")
    both = {**body, "items": [{"code": "S3.6", "text": "x"}]}
    refused = await service.http.post("/v1/campaigns", json=both, headers=ADMIN)
    assert refused.json()["error"]["field"] == "items[0]"

    path = f"/v1/campaigns/{campaign}/audits"
    when = today.isoformat()

    def scores(*values: int | None) -> list[dict[str, object]]:
        return [
            {"code": c, "score": v} for c, v in zip(("S3.6", "S2.6", "C.1"), values, strict=True)
        ]

    photo = await service.http.post(
        "/v1/evidence",
        content=phone_photo(),
        headers={**AUDITOR_KT, "Content-Type": "image/jpeg"},
    )
    assert photo.status_code == 201, photo.text
    photo_id = photo.json()["evidence_id"]
    vhxh = {
        "unit_id": "vhxh",
        "performed_at": when,
        "items": scores(4, 3, None),
        "evidence_ids": [photo_id],
    }
    kt = {"unit_id": "kt", "performed_at": when, "items": scores(1, 2, 2)}
    assert (await service.http.post(path, json=vhxh, headers=AUDITOR_KT)).status_code == 201
    assert (await service.http.post(path, json=kt, headers=AUDITOR_VP)).status_code == 201
    again = await service.http.post(path, json=vhxh, headers=AUDITOR_VP)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "campaign_audited")
    own = await service.http.post(path, json={**kt, "unit_id": "vp"}, headers=AUDITOR_VP)
    assert own.status_code == 403
    later = (today + timedelta(days=3)).isoformat()
    outside = await service.http.post(
        path, json={**kt, "unit_id": "ttphcc", "performed_at": later}, headers=AUDITOR_KT
    )
    assert (outside.status_code, outside.json()["error"]["field"]) == (422, "performed_at")
    short = {"unit_id": "ttphcc", "performed_at": when, "items": scores(1, 2, 2)[:2]}
    missing = await service.http.post(path, json=short, headers=AUDITOR_KT)
    assert missing.json()["error"]["code"] == "missing_items"

    (listed,) = (await service.http.get("/v1/campaigns", headers=ADMIN)).json()["campaigns"]
    assert [i["code"] for i in listed["items"]] == ["S3.6", "S2.6", "C.1"]
    assert listed["items"][2]["text"] == "Phân loại rác tại nguồn"
    results = {u["unit_id"]: u["result"] for u in listed["units"]}
    # vhxh: (4 + 3) / (4 × 2), N/A left out = 7/8; kt: 5/12; the ward pools 12/20 = 3/5.
    assert results["vhxh"] == {"numerator": 7, "denominator": 8, "percent": 87.5}
    photos = {u["unit_id"]: u["evidence_ids"] for u in listed["units"]}
    assert photos == {"vhxh": [photo_id], "kt": []}
    # The photo is seen by whoever sees the unit: its head, not another unit's.
    head_vhxh = bearer("unit_head", "p017", "vhxh")
    seen = await service.http.get(f"/v1/evidence/{photo_id}", headers=head_vhxh)
    assert seen.status_code == 200 and seen.headers["content-type"].startswith("image/")
    other = await service.http.get(
        f"/v1/evidence/{photo_id}", headers=bearer("unit_head", "p010", "kt")
    )
    assert other.status_code in (403, 404)
    assert results["kt"] == {"numerator": 5, "denominator": 12, "percent": 41.7}
    assert listed["ward_result"] == {"numerator": 3, "denominator": 5, "percent": 60.0}
    # Apart from the monthly 5S figures: no audit, no corrective action came of it.
    actions = await service.http.get("/v1/corrective-actions", headers=ADMIN)
    assert actions.json()["corrective_actions"] == []
