"""Who downloads the period report and with whose figures: it is the ward's report, the one
mailed to the committee, so a vice-chairman gets every unit's figures (the same as the
chairman's), not only those of the units in their charge; a seat outside the committee and the
ward's administrators is refused 403, never "try again later"; and a refusal of scoring's is a
refusal to the caller, not a 503. Real NATS, real PostgreSQL, scoring running as a process."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openpyxl
import pytest

from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters.scoring_figures import ScoringFigures, ScoringUnavailable
from services.runtime.auth import Principal
from services.runtime.refusals import Refusal
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    AUDITOR_VP,
    CHAIRMAN,
    HEAD_KT,
    KIOSK,
    VICE_KT,
    audit_body,
    now_local,
    pdf_text,
    running_with_scoring,
)
from tests.conftest import WARD, bearer
from tests.support.http import eventually
from tools.processes import free_port

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


@pytest.fixture(scope="module")
async def service(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """This service with scoring beside it, kt audited at 25 % (in p002's charge) and dvcu at
    50 % (not: p003's), both folded by scoring."""
    async with running_with_scoring(postgres, tmp_path_factory.mktemp("readers")) as running:
        for unit, score, auditor in (("kt", 1, AUDITOR_VP), ("dvcu", 2, AUDITOR_KT)):
            sent = await running.http.post(
                "/v1/audits", json=audit_body(unit, score), headers=auditor
            )
            assert sent.status_code == 201, sent.text
        month = Month.of(now_local()).key

        async def folded() -> bool:
            async with httpx.AsyncClient(timeout=10) as http:
                reply = await http.get(
                    f"{running.scoring_url}/v1/rankings",
                    params={"period": month},
                    headers=CHAIRMAN,
                )
            units = {u["unit_id"]: u["total_percent"] for u in reply.json().get("units", [])}
            return units.get("kt") == 25.0 and units.get("dvcu") == 50.0

        await eventually(folded, within=30)
        yield running


#: The vice-chairman of the demo chart: kt and vhxh in charge, not dvcu.
VICE_P002 = Principal("p002", WARD, Role.VICE_CHAIRMAN, "vp", ("kt", "vhxh"))


async def workbook_rows(service: Any, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    params = {"period": Month.of(now_local()).key, "format": "xlsx"}
    answer = await service.http.get("/v1/reports", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return {row[header.index("Đơn vị")]: dict(zip(header, row, strict=True)) for row in rows}


async def test_a_vice_chairman_downloads_the_committees_report_equal_to_the_chairmans(
    service,
) -> None:
    vice = await workbook_rows(service, VICE_KT)
    # dvcu is not in p002's charge; the report is the ward's, so its figures are there.
    dvcu, kt = vice["Đội Quản lý trật tự đô thị"], vice["Phòng Kinh tế"]
    assert (dvcu["Hạng"], dvcu["Tổng điểm 5S (%)"], dvcu["S1 (%)"]) == (1, 50.0, 50.0)
    assert (kt["Hạng"], kt["Tổng điểm 5S (%)"], kt["S5 (%)"]) == (2, 25.0, 25.0)
    assert vice == await workbook_rows(service, CHAIRMAN) == await workbook_rows(service, ADMIN)

    params = {"period": Month.of(now_local()).key, "format": "pdf"}
    pdfs = [
        await service.http.get("/v1/reports", params=params, headers=who)
        for who in (VICE_KT, CHAIRMAN)
    ]
    assert [p.status_code for p in pdfs] == [200, 200], pdfs[0].text
    texts = [await pdf_text(p.content) for p in pdfs]
    assert texts[0] == texts[1]
    assert "Đội Quản lý trật tự đô thị" in texts[0] and "50,0 %" in texts[0]


async def test_whoever_is_not_of_the_committee_is_refused_403_not_503(service) -> None:
    params = {"period": Month.of(now_local()).key, "format": "pdf"}
    for who in (HEAD_KT, KIOSK):
        refused = await service.http.get("/v1/reports", params=params, headers=who)
        assert refused.status_code == 403, refused.text
    # A token claiming a vice-chairman's role for p010, whose seat in the chart is kt's head:
    # the seat decides, in Vietnamese and in English.
    claimed = bearer("vice_chairman", "p010", "kt", ("kt",))
    for lang, start in (("vi", "Chỉ Chủ tịch, các Phó Chủ tịch"), ("en", "Only the ward's")):
        refused = await service.http.get(
            "/v1/reports", params=params, headers={**claimed, "Accept-Language": lang}
        )
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "not_report_reader" and error["message"].startswith(start)


async def test_scorings_refusal_is_a_refusal_to_the_caller_not_try_again_later(service) -> None:
    """The client assessment reads scoring with (a review's figures, the report's), against the
    real scoring: its 403 and 422 stay the caller's refusals; only no answer is a 503."""
    scoring: ScoringFigures = service.app.state.submissions.scoring
    month = Month.of(now_local()).key
    # p002's own seat may not read dvcu at scoring (the fault behind the report's old 503).
    with pytest.raises(Refusal) as forbidden:
        await scoring.unit_figures(VICE_P002, "dvcu", month)
    assert not isinstance(forbidden.value, ScoringUnavailable)
    assert (forbidden.value.status, forbidden.value.code) == (403, "scores_forbidden")
    assert forbidden.value.body("vi")["error"]["message"].startswith("Dịch vụ tính điểm không")
    staff = Principal("p012", WARD, Role.STAFF, "kt")
    with pytest.raises(Refusal) as ranked:
        await scoring.rankings(staff, month)
    assert (ranked.value.status, ranked.value.code) == (403, "scores_forbidden")
    with pytest.raises(Refusal) as bad:
        await scoring.rankings(VICE_P002, "2026-13")
    assert (bad.value.status, bad.value.code, bad.value.field) == (422, "bad_format", "period")
    assert (await scoring.unit_figures(VICE_P002, "kt", month))["total_percent"] == 25.0

    away = ScoringFigures(f"http://127.0.0.1:{free_port()}", scoring.mint, timeout_s=2)
    with pytest.raises(ScoringUnavailable) as unavailable:
        await away.rankings(VICE_P002, month)
    assert (unavailable.value.status, unavailable.value.code) == (503, "scores_unavailable")
