"""Periodic reviews (họp đánh giá, rút kinh nghiệm) through the API: the unit head writes one
per unit and period (month, quarter or year) with the figures attached and follow-ups; the
vice-chairman in charge acknowledges; a follow-up is closed with a note like a corrective
action; the refusals in Vietnamese and English. Real NATS, real PostgreSQL, and scoring running
as a process beside the service: a review attaches scoring's figures as its API gives them."""

from __future__ import annotations

import asyncio
import io
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from contracts.labels import period_label
from contracts.periods import Month, Period
from services.assessment.demo.loader import WARD_NAME
from tests.assessment.conftest import (
    AUDITOR_KT,
    AUDITOR_VP,
    CHAIRMAN,
    HEAD_KT,
    HEAD_VP,
    STAFF_KT,
    VICE_KT,
    audit_body,
    now_local,
    pdf_text,
    plus_body,
    running_with_scoring,
)
from tests.conftest import bearer
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


@pytest.fixture(scope="module")
async def service(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """This service with scoring beside it on the same NATS, each on its own database."""
    async with running_with_scoring(postgres, tmp_path_factory.mktemp("reviews")) as running:
        yield running


VICE_OTHERS = bearer("vice_chairman", "p003", "vp", ("ttphcc", "dvcu", "vp"))


def review(period: str, unit_id: str = "kt", **extra: object) -> dict[str, object]:
    return {
        "unit_id": unit_id,
        "period": period,
        "went_well": "Hồ sơ được sắp xếp gọn gàng, có nhãn.",
        "went_badly": "Còn 2 bình chữa cháy quá hạn.",
        "lessons": "Phân công người theo dõi hạn bình chữa cháy.",
        **extra,
    }


async def refused(service, path, body, headers, status, code, field, lang="vi") -> str:
    answer = await service.http.post(path, json=body, headers={**headers, "Accept-Language": lang})
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field), error
    return str(error["message"])


async def test_the_head_writes_the_vice_chairman_acknowledges_follow_ups_close(service) -> None:
    month = Month.of(now_local()).key
    # Every item of an audit scored 1: 25 corrective actions of kt, opened this month.
    audited = await service.http.post("/v1/audits", json=audit_body("kt", 1), headers=AUDITOR_VP)
    assert audited.status_code == 201, audited.text

    # p012's "+" of the month, 3 of 4 on every item, approved by the head: the unit's P, 75 %.
    submitted = await service.http.post("/v1/self-assessments", json=plus_body(3), headers=STAFF_KT)
    assert submitted.status_code == 201, submitted.text
    sid = submitted.json()["self_assessment_id"]
    approved = await service.http.post(
        f"/v1/self-assessments/{sid}/review", json={"outcome": "approved"}, headers=HEAD_KT
    )
    assert approved.status_code == 200, approved.text

    scores_url = f"{service.scoring_url}/v1/units/kt/scores"

    async def scored() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=10) as http:
            reply = await http.get(scores_url, params={"period": month}, headers=HEAD_KT)
        figures = reply.json() if reply.status_code == 200 else None
        folded = figures and figures["total_percent"] == 25.0 and figures["plus"]["percent"]
        return figures if folded == 75.0 else None

    expected = await eventually(scored, within=30)
    due = (now_local().date() + timedelta(days=10)).isoformat()
    follow_up = {"task": "Thay 2 bình chữa cháy quá hạn", "owner_id": "p012", "due_on": due}
    decomposed = unicodedata.normalize("NFD", "Hồ sơ được sắp xếp gọn gàng, có nhãn.")
    body = review(month, follow_ups=[follow_up], went_well=decomposed)
    answer = await service.http.post("/v1/reviews", json=body, headers=HEAD_KT)
    assert answer.status_code == 201, answer.text
    written = answer.json()
    # Scoring's figures, as its API gives them to the head: every pillar 25 % (each item 1 of 4).
    assert written["figures"]["scores"] == expected
    assert [p["percent"] for p in written["figures"]["scores"]["pillars"]] == [25.0] * 5
    assert written["figures"]["scores"]["plus"]["percent"] == 75.0  # the unit's "+" beside them
    assert written["figures"]["corrective_actions"] == {
        "opened": 25,
        "closed": 0,
        "open": 25,
        "overdue": 0,
    }
    (task,) = written["follow_ups"]
    assert (task["owner_id"], task["due_on"]) == ("p012", due)

    # One review per unit and period, in either language.
    vi = await refused(service, "/v1/reviews", body, HEAD_KT, 409, "review_exists", "period")
    label = period_label(month)
    assert vi == f"Đơn vị đã có báo cáo đánh giá, rút kinh nghiệm {label.vi}."
    en = await refused(service, "/v1/reviews", body, HEAD_KT, 409, "review_exists", "period", "en")
    assert en == f"The unit already has a review of {label.en}."

    review_id = written["review_id"]
    ack = f"/v1/reviews/{review_id}/acknowledge"
    await refused(service, ack, {}, VICE_OTHERS, 403, "not_review_checker", "review_id")
    done = await service.http.post(ack, json={"note": "Đồng ý"}, headers=VICE_KT)
    assert done.status_code == 200, done.text
    await refused(service, ack, {}, VICE_KT, 409, "review_acknowledged", "review_id")

    close = f"/v1/review-follow-ups/{task['follow_up_id']}/close"
    await refused(
        service, close, {"note": "Xong"}, HEAD_VP, 403, "not_action_owner", "follow_up_id"
    )
    closed = await service.http.post(close, json={"note": "Đã thay bình mới"}, headers=STAFF_KT)
    assert closed.status_code == 200, closed.text
    await refused(
        service, close, {"note": "Xong"}, STAFF_KT, 409, "follow_up_closed", "follow_up_id"
    )

    (seen,) = (
        await service.http.get("/v1/reviews", params={"period": month}, headers=HEAD_KT)
    ).json()["reviews"]
    assert seen["went_well"] == unicodedata.normalize("NFC", decomposed)
    assert (seen["acknowledged_by"], seen["acknowledgement"]) == ("p002", "Đồng ý")
    assert [(f["status"], f["note"]) for f in seen["follow_ups"]] == [
        ("closed", "Đã thay bình mới")
    ]
    other = await service.http.get("/v1/reviews", params={"period": month}, headers=HEAD_VP)
    assert other.json()["reviews"] == []

    types = [m["event"]["type"] for m in await service.settled_events(3, review_id=review_id)]
    assert sorted(types) == [
        "assessment.period_review.acknowledged",
        "assessment.period_review.written",
        "assessment.review_follow_up.closed",
    ]


async def test_quarters_and_years_are_reviewed_and_bad_reviews_refused(service) -> None:
    today = now_local()
    quarter = Period("quarter", today.year, (today.month - 1) // 3 + 1).key
    answer = await service.http.post("/v1/reviews", json=review(quarter), headers=HEAD_KT)
    assert answer.status_code == 201, answer.text
    year = await service.http.post("/v1/reviews", json=review(str(today.year)), headers=HEAD_KT)
    assert year.status_code == 201, year.text

    later = f"{today.year + 1}-Q1"
    message = await refused(
        service, "/v1/reviews", review(later), HEAD_KT, 422, "review_too_early", "period"
    )
    assert (
        message == f"Kỳ quý I/{today.year + 1} chưa bắt đầu nên chưa thể đánh giá, rút kinh nghiệm."
    )
    await refused(service, "/v1/reviews", review("2026-13"), HEAD_KT, 422, "bad_format", "period")
    # Only the head of that unit writes its review.
    await refused(
        service, "/v1/reviews", review(quarter, "kt"), HEAD_VP, 403, "not_unit_head", "unit_id"
    )
    await refused(service, "/v1/reviews", review(quarter), STAFF_KT, 403, "forbidden", None)
    stranger = {"task": "Việc", "owner_id": "p999", "due_on": "2099-01-01"}
    month = Month.of(today).key
    await refused(
        service,
        "/v1/reviews",
        review(month, "vp", follow_ups=[stranger]),
        HEAD_VP,
        422,
        "unknown_person",
        "follow_ups[0].owner_id",
    )
    past = {"task": "Việc", "owner_id": "p012", "due_on": today.date().isoformat()}
    await refused(
        service,
        "/v1/reviews",
        review(month, "vp", follow_ups=[past]),
        HEAD_VP,
        422,
        "due_not_future",
        "follow_ups[0].due_on",
    )
    unknown = f"/v1/reviews/{uuid.uuid4()}/acknowledge"
    await refused(service, unknown, {}, VICE_KT, 404, "unknown_review", "review_id")


async def test_the_period_report_as_xlsx_and_pdf_shows_scorings_figures(service, tmp_path) -> None:
    """The report's figures are scoring's (its API's answer to the same reader), in the
    workbook and the printed PDF, with the units' names."""
    month = Month.of(now_local()).key
    audited = await service.http.post("/v1/audits", json=audit_body("vhxh", 3), headers=AUDITOR_KT)
    assert audited.status_code == 201, audited.text

    async def ranked() -> dict[str, Any] | None:
        async with httpx.AsyncClient(timeout=10) as http:
            reply = await http.get(
                f"{service.scoring_url}/v1/rankings", params={"period": month}, headers=CHAIRMAN
            )
        units = {u["unit_id"]: u for u in reply.json()["units"]} if reply.status_code == 200 else {}
        return units if units.get("vhxh", {}).get("total_percent") == 75.0 else None

    ranking = await eventually(ranked, within=30)
    async with httpx.AsyncClient(timeout=10) as http:
        kt_scores = (
            await http.get(
                f"{service.scoring_url}/v1/units/kt/scores",
                params={"period": month},
                headers=CHAIRMAN,
            )
        ).json()

    params = {"period": month, "format": "xlsx"}
    workbook = await service.http.get("/v1/reports", params=params, headers=CHAIRMAN)
    assert workbook.status_code == 200, workbook.text
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_name = {row[header.index("Đơn vị")]: dict(zip(header, row, strict=True)) for row in rows}
    kt, vhxh = by_name["Phòng Kinh tế"], by_name["Phòng Văn hóa - Xã hội"]
    assert kt["Tổng điểm 5S (%)"] == ranking["kt"]["total_percent"] == 25.0
    assert vhxh["Tổng điểm 5S (%)"] == ranking["vhxh"]["total_percent"] == 75.0
    assert (kt["Hạng"], vhxh["Hạng"]) == (ranking["kt"]["rank"], ranking["vhxh"]["rank"])
    assert kt["S1 (%)"] == next(p["percent"] for p in kt_scores["pillars"] if p["pillar"] == "S1")
    assert kt["Biện pháp khắc phục đang mở"] == 25
    assert kt["Họp đánh giá, rút kinh nghiệm"] == "Đã xác nhận"  # written and acknowledged above

    pdf = await service.http.get(
        "/v1/reports", params={**params, "format": "pdf"}, headers=CHAIRMAN
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    pdftotext = await asyncio.create_subprocess_exec(
        "pdftotext", "-layout", str(path), "-", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await pdftotext.communicate()
    assert pdftotext.returncode == 0
    text = out.decode()
    # The charts' labels carry "%"; the table's cells do not.
    label = period_label(month).vi
    assert f"Báo cáo kết quả thực hiện mô hình 5S+ {label}" in text
    for name in ("Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "25,0 %", "75,0 %"):
        assert name in text, name
    # The heading: the ward's name, the period in words, the day it was made in Vietnam; the
    # table: every column of the workbook (one list for both), initiatives adopted among them.
    flowing = await pdf_text(pdf.content)
    assert f"{WARD_NAME} · Kỳ báo cáo: {label} · Ngày lập: {now_local():%d/%m/%Y}" in flowing
    assert "Sáng kiến được áp dụng" in header
    for title in header:
        assert " ".join(str(title).split()) in flowing, title
    quarter = f"{Month.of(now_local()).year}-Q{Month.of(now_local()).quarter}"
    quarterly = await service.http.get(
        "/v1/reports", params={"period": quarter, "format": "pdf"}, headers=CHAIRMAN
    )
    assert quarterly.status_code == 200, quarterly.text
    words = period_label(quarter).vi
    assert words.startswith("quý ") and f"Kỳ báo cáo: {words}" in await pdf_text(quarterly.content)
    refused = await service.http.get("/v1/reports", params=params, headers=HEAD_KT)
    assert refused.status_code == 403


async def test_no_review_is_stored_without_scorings_figures(service) -> None:
    """Last in this module: scoring stopped, a review is refused 503 and nothing is stored."""
    service.scoring.stop()
    before = await service.stored()
    body = review(Month.of(now_local()).key, "vp")
    message = await refused(service, "/v1/reviews", body, HEAD_VP, 503, "scores_unavailable", None)
    assert message.startswith("Chưa lấy được số liệu điểm của kỳ")
    assert await service.stored() == before
    listed = await service.http.get("/v1/reviews", params={"unit_id": "vp"}, headers=HEAD_VP)
    assert listed.json()["reviews"] == []
