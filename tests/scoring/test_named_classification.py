"""The classification as the web pages read it: people by name and unit name, in Vietnamese
order (given name, then family name), as the HR export lists them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.scoring.test_api import serve
from tests.scoring.test_exports import CHAIRMAN, CHART, KT_HEAD

pytestmark = [pytest.mark.nats]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(tmp_path, "classification-named", CHART):
        yield client


async def test_the_classification_names_people_in_vietnamese_order(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/v1/classification", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert answer.status_code == 200, answer.text
    people = answer.json()["people"]
    # An, An (Lê before Trần), then Tuyết.
    assert [p["full_name"] for p in people] == [
        "Lê Văn An",
        "Trần Thị An",
        "Nguyễn Thị Ánh Tuyết",
    ]
    assert people[0]["unit_name"]["vi"] == "Văn phòng HĐND và UBND"
    head = await api.get("/v1/classification", params={"period": "2026-03"}, headers=KT_HEAD)
    assert [p["full_name"] for p in head.json()["people"]] == [
        "Trần Thị An",
        "Nguyễn Thị Ánh Tuyết",
    ]
