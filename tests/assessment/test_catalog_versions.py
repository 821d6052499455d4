"""Catalogue versions through the API: the shipped 2026.2 is current for new audits (fire safety,
green plants, electrical safety and saving energy), 2026.1 stays stored and valid for audits scored
against it, and an administrator's own current version survives a restart. Real NATS, real
PostgreSQL."""

from __future__ import annotations

import pytest

from contracts.catalog import shipped_catalog
from services.assessment.handlers.catalog import install_shipped_catalogs
from tests.assessment.conftest import ADMIN, AUDITOR_KT, HEAD_KT, unit_at
from tools.demo import audit_body

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def test_new_audits_default_to_2026_2_and_2026_1_stays_valid(service) -> None:
    current = (await service.http.get("/v1/catalog", headers=HEAD_KT)).json()
    assert current["version"] == "2026.2"
    codes = [item["code"] for p in current["pillars"] for item in p["items"]]
    assert {"S2.6", "S3.6", "S4.6"} <= set(codes)
    assert len([c for c in codes if not c.startswith("P")]) == 28
    fire = next(i for p in current["pillars"] for i in p["items"] if i["code"] == "S2.6")
    assert "bình chữa cháy" in fire["text"]["vi"] and "thoát hiểm" in fire["text"]["vi"]

    old = await service.http.get("/v1/catalog", params={"version": "2026.1"}, headers=HEAD_KT)
    assert old.status_code == 200
    assert sum(len(p["items"]) for p in old.json()["pillars"][:5]) == 25

    newer = await service.http.post("/v1/audits", json=audit_body("vhxh", 3), headers=AUDITOR_KT)
    assert newer.status_code == 201, newer.text
    older = audit_body("ttphcc", 3, shipped_catalog("2026.1"))
    answer = await service.http.post("/v1/audits", json=older, headers=AUDITOR_KT)
    assert answer.status_code == 201, answer.text

    # The new items are part of the checklist: an audit of 2026.2 without them is incomplete.
    short = audit_body("vp", 3)
    short["items"] = [i for i in short["items"] if i["code"] != "S2.6"]
    refused = await service.http.post("/v1/audits", json=short, headers=AUDITOR_KT)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] is not None


async def test_an_administrators_current_catalogue_survives_a_restart(service) -> None:
    own = shipped_catalog("2026.2").model_copy(update={"version": "2031.1"})
    body = own.model_dump(mode="json", by_alias=True)
    published = await service.http.post(
        "/v1/catalog", params={"reason": "Bộ tiêu chí riêng"}, json=body, headers=ADMIN
    )
    assert published.status_code == 201, published.text
    async with unit_at(service.sessions) as uow:  # what the next start does
        assert await install_shipped_catalogs(uow) == []
    current = (await service.http.get("/v1/catalog", headers=HEAD_KT)).json()
    assert current["version"] == "2031.1"
