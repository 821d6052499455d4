"""The initiatives register (sổ sáng kiến) through the API: a person or a unit proposes, the
chairman or the policy's council decides (accepted, piloting, adopted with its measured effect,
rejected with a reason), the self-assessment of the month shows the person's initiatives, and
the board reads the count per unit. Real NATS, real PostgreSQL."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from contracts.periods import Month
from tests.assessment.conftest import (
    HEAD_KT,
    HEAD_VP,
    STAFF_KT,
    now_local,
    plus_body,
    running_service,
)
from tests.conftest import bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

CHAIRMAN = bearer("chairman", "p001", "vp")
COUNCIL = bearer("vice_chairman", "p003", "vp", ("ttphcc", "dvcu", "vp"))  # named in the policy
VICE_KT = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))  # not named


@pytest.fixture(scope="module")
async def service(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    workdir = tmp_path_factory.mktemp("initiatives")
    async with running_service(postgres, workdir, initiative_council="p003") as running:
        yield running


def idea(title: str, **extra: object) -> dict[str, object]:
    return {
        "title": title,
        "problem": "Người dân phải chờ lâu khi nộp hồ sơ giấy.",
        "proposal": "Hướng dẫn nộp hồ sơ trực tuyến ngay tại quầy.",
        "expected_effect": "Giảm một nửa thời gian chờ.",
        **extra,
    }


async def post(service, path: str, body: object, headers: dict[str, str], lang: str = "vi"):
    return await service.http.post(path, json=body, headers={**headers, "Accept-Language": lang})


async def test_propose_decide_adopt_and_count(service) -> None:
    month = Month.of(now_local()).key
    decomposed = unicodedata.normalize("NFD", "Số hóa sổ theo dõi hồ sơ")
    mine = await post(service, "/v1/initiatives", idea(decomposed), STAFF_KT)
    assert mine.status_code == 201, mine.text
    assert mine.json()["period"] == month
    unit_idea = await post(service, "/v1/initiatives", idea("Góc xanh", by_unit=True), HEAD_KT)
    assert unit_idea.status_code == 201, unit_idea.text
    refused = await post(service, "/v1/initiatives", idea("x", by_unit=True), STAFF_KT)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_unit_head"

    first = mine.json()["initiative_id"]
    decide = f"/v1/initiatives/{first}/decide"
    # Only the chairman or the council the policy names decides.
    for caller in (VICE_KT, HEAD_KT):
        answer = await post(service, decide, {"status": "accepted"}, caller)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "not_initiative_council"
    for status in ("accepted", "piloting"):
        answer = await post(service, decide, {"status": status}, COUNCIL)
        assert answer.status_code == 200, answer.text
    no_effect = await post(service, decide, {"status": "adopted"}, CHAIRMAN, "en")
    assert no_effect.status_code == 422
    assert no_effect.json()["error"] == {
        "code": "effect_required",
        "message": "An adopted initiative needs its measured effect.",
        "field": "measured_effect",
    }
    effect = "Thời gian chờ giảm từ 40 xuống 15 phút."
    adopted = await post(
        service, decide, {"status": "adopted", "measured_effect": effect}, CHAIRMAN
    )
    assert adopted.status_code == 200, adopted.text
    final = await post(service, decide, {"status": "rejected", "reason": "Trùng"}, CHAIRMAN)
    assert final.status_code == 409 and final.json()["error"]["code"] == "initiative_decided"

    second = unit_idea.json()["initiative_id"]
    unexplained = await post(
        service, f"/v1/initiatives/{second}/decide", {"status": "rejected"}, CHAIRMAN
    )
    assert unexplained.status_code == 422
    assert unexplained.json()["error"]["field"] == "reason"
    unknown = await post(
        service, f"/v1/initiatives/{uuid.uuid4()}/decide", {"status": "accepted"}, CHAIRMAN
    )
    assert unknown.status_code == 404

    # The person's own list, and their self-assessment of the month, show it.
    (seen,) = (
        await service.http.get("/v1/initiatives", params={"period": month}, headers=STAFF_KT)
    ).json()["initiatives"]
    assert seen["title"] == unicodedata.normalize("NFC", decomposed)
    assert (seen["status"], seen["measured_effect"], seen["decided_by"]) == (
        "adopted",
        effect,
        "p001",
    )
    assert seen["proposer_name"] == "Lý Hoàng Nam"  # p012, by name
    sent = await service.http.post("/v1/self-assessments", json=plus_body(), headers=STAFF_KT)
    assert sent.status_code == 201, sent.text
    listed = await service.http.get(
        "/v1/self-assessments", params={"period": month}, headers=HEAD_KT
    )
    (own,) = [r for r in listed.json()["self_assessments"] if r["person_id"] == "p012"]
    assert own["initiatives"] == [
        {"initiative_id": first, "title": seen["title"], "status": "adopted"}
    ]
    # Another unit's head sees none of kt's.
    other = await service.http.get("/v1/initiatives", params={"period": month}, headers=HEAD_VP)
    assert other.json()["initiatives"] == []
    # The council member in charge of other units sees kt's to decide on them; who may decide
    # on which is said with each (the adopted one is final).
    may: dict[str, dict[str, bool]] = {}
    for name, caller in (("council", COUNCIL), ("vice_kt", VICE_KT), ("staff", STAFF_KT)):
        got = await service.http.get("/v1/initiatives", params={"period": month}, headers=caller)
        may[name] = {i["initiative_id"]: i["may_decide"] for i in got.json()["initiatives"]}
    assert may == {
        "council": {first: False, second: True},
        "vice_kt": {first: False, second: False},
        "staff": {first: False},
    }

    # The board: per unit, proposed in the period and adopted of them.
    for period in (month, month[:4]):
        counts = await service.http.get(
            "/v1/initiatives/counts", params={"period": period}, headers=CHAIRMAN
        )
        assert counts.json()["units"] == [{"unit_id": "kt", "proposed": 2, "adopted": 1}]
    staff = await service.http.get(
        "/v1/initiatives/counts", params={"period": month}, headers=STAFF_KT
    )
    assert staff.status_code == 403
