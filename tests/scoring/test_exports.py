"""Scoring's exports (issue 18): the classification of a period for HR and pay, the units' 5S
figures and the citizens' satisfaction per unit, as CSV and XLSX a ward officer reads: names not
ids, the decree's words, Vietnamese order, Vietnamese headings (English on request), the API's
exact figures rounded for display only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from contracts.common import Text
from contracts.events import DutyGroup, OrgChartPublished, OrgPerson, OrgUnit, parse_event
from contracts.roles import Role
from services.scoring.domain.roster import Names, roster_names
from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.test_api import THIS_MONTH, serve

UNITS = {"kt": "Phòng Kinh tế", "vp": "Văn phòng HĐND và UBND"}
NAMES = {"p1": "Nguyễn Thị Ánh Tuyết", "p2": "Lê Văn An", "p3": "Trần Thị An"}
PLACES = {"p1": "kt", "p2": "vp", "p3": "kt"}
CHART = OrgChartPublished(
    ward=ev.WARD,
    occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    actor=ev.HEAD,
    data={
        "version": 1,
        "units": tuple(
            OrgUnit(unit_id=unit, name=Text(vi=name, en=f"{unit} (en)"))
            for unit, name in UNITS.items()
        ),
        "people": tuple(
            OrgPerson(person_id=p, full_name=name, role=Role.STAFF, unit_id=PLACES[p])
            for p, name in NAMES.items()
        ),
    },
)
CHAIRMAN = bearer("chairman", "p001")
KT_HEAD = bearer("unit_head", "p100", "kt")
AUDITOR = bearer("auditor", "p200", "vp")


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(tmp_path, "exports-named", CHART):
        yield client


def rows(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))


HEADINGS_VI = [
    "Họ và tên",
    "Đơn vị",
    "Loại",
    "Nhóm chức trách",
    "Kỳ",
    "Điểm (thang 100)",
    "Xếp loại",
    "Ghi chú",
    "Thu nhập tăng thêm (% mức tối đa)",
    "Hệ số thu nhập tăng thêm",
    "Tạm tính (kỳ chưa khóa sổ)",
]


async def test_classification_of_a_month_for_hr_and_pay(api: httpx.AsyncClient) -> None:
    table = rows(
        await api.get(
            "/v1/exports/classification.csv", params={"period": "2026-03"}, headers=CHAIRMAN
        )
    )
    assert table[0] == HEADINGS_VI
    # By given name (An, An, Tuyết), then family name (Lê before Trần); names, not ids.
    assert table[1:] == [
        [
            "Lê Văn An",
            "Văn phòng HĐND và UBND",
            "Công chức",
            "Chuyên môn",
            "tháng 03/2026",
            "",
            "Chưa đủ dữ liệu để xếp loại",
            "Thiếu kết quả thực hiện nhiệm vụ",
            "",
            "",
            "Có",
        ],
        [
            "Trần Thị An",
            "Phòng Kinh tế",
            "Công chức",
            "Chuyên môn",
            "tháng 03/2026",
            "",
            "Chưa đủ dữ liệu để xếp loại",
            'Thiếu kết quả thực hiện nhiệm vụ, tự đánh giá "+" đã được duyệt',
            "",
            "",
            "Có",
        ],
        [
            "Nguyễn Thị Ánh Tuyết",
            "Phòng Kinh tế",
            "Công chức",
            "Chuyên môn",
            "tháng 03/2026",
            "92.0",
            "Hoàn thành tốt nhiệm vụ",
            "Vượt tỷ lệ 20% xuất sắc",
            "80.0",
            "1.44",
            "Có",
        ],
    ]
    # The same figures as the API's.
    api_answer = await api.get("/v1/classification", params={"period": "2026-03"}, headers=CHAIRMAN)
    p1 = next(p for p in api_answer.json()["people"] if p["person_id"] == "p1")
    assert (p1["points"], p1["band"], p1["income_coefficient"]) == (92.0, "tot", 1.44)

    english = rows(
        await api.get(
            "/v1/exports/classification.csv",
            params={"period": "2026-03"},
            headers={**CHAIRMAN, "Accept-Language": "en"},
        )
    )
    assert english[0][:2] == ["Full name", "Unit"]
    assert english[3][4:8] == [
        "March 2026",
        "92.0",
        "Completed duties well",
        'Over the 20% cap on "excellent"',
    ]

    book = await api.get(
        "/v1/exports/classification.xlsx", params={"period": "2026-03"}, headers=CHAIRMAN
    )
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet.title == "Xếp loại"
    assert [c.value for c in sheet[4]][:7] == [
        "Nguyễn Thị Ánh Tuyết",
        "Phòng Kinh tế",
        "Công chức",
        "Chuyên môn",
        "tháng 03/2026",
        92.0,
        "Hoàn thành tốt nhiệm vụ",
    ]

    # A unit head exports the people of their unit; an auditor reads units, not people.
    head = rows(
        await api.get(
            "/v1/exports/classification.csv", params={"period": "2026-03"}, headers=KT_HEAD
        )
    )
    assert [r[0] for r in head[1:]] == ["Trần Thị An", "Nguyễn Thị Ánh Tuyết"]
    refused = await api.get(
        "/v1/exports/classification.csv", params={"period": "2026-03"}, headers=AUDITOR
    )
    assert refused.status_code == 403
    rolling = await api.get(
        "/v1/exports/classification.csv", params={"period": "last3m"}, headers=CHAIRMAN
    )
    assert rolling.status_code == 422 and rolling.json()["error"]["code"] == "bad_period"


async def test_the_quarters_unit_figures_and_satisfaction(api: httpx.AsyncClient) -> None:
    units = rows(
        await api.get("/v1/exports/units.csv", params={"period": "2026-Q1"}, headers=AUDITOR)
    )
    assert units[0] == [
        "Hạng",
        "Đơn vị",
        "Kỳ",
        "S1 Sàng lọc (%)",
        "S2 Sắp xếp (%)",
        "S3 Sạch sẽ (%)",
        "S4 Săn sóc (%)",
        "S5 Sẵn sàng (%)",
        "Tổng điểm 5S (%)",
        "Tỷ lệ hài lòng (%)",
        "Số lượt đánh giá",
        "Tạm tính (kỳ chưa khóa sổ)",
    ]
    # kt: February 2 of 4 and March 4 of 4; vp: March 3 of 4. Ranked as the API ranks.
    assert units[1:] == [
        ["1", "Phòng Kinh tế", "quý I/2026", *["75.0"] * 6, "100.0", "2", "Có"],
        ["2", "Văn phòng HĐND và UBND", "quý I/2026", *["75.0"] * 6, "", "0", "Có"],
    ]
    ranked = (await api.get("/v1/rankings", params={"period": "2026-Q1"}, headers=AUDITOR)).json()
    assert [u["total_percent"] for u in ranked["units"]] == [75.0, 75.0]

    satisfaction = rows(
        await api.get("/v1/exports/satisfaction.csv", params={"period": "2026-Q1"}, headers=AUDITOR)
    )
    assert satisfaction[0] == [
        "Đơn vị",
        "Kỳ",
        "Số lượt đánh giá",
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Rất không hài lòng",
        "Tỷ lệ hài lòng (%)",
        "Chỉ số hài lòng",
        "Tạm tính (kỳ chưa khóa sổ)",
    ]
    assert satisfaction[1] == [
        "Phòng Kinh tế",
        "quý I/2026",
        "2",
        "1",
        "1",
        "0",
        "0",
        "0",
        "100.0",
        "87.5",
        "Có",
    ]
    semicolons = await api.get(
        "/v1/exports/satisfaction.csv",
        params={"period": "2026-Q1", "separator": ";"},
        headers=AUDITOR,
    )
    text = semicolons.content.decode("utf-8-sig")
    assert text.splitlines()[1] == "Phòng Kinh tế;quý I/2026;2;1;1;0;0;0;100,0;87,5;Có"
    year = await api.get("/v1/exports/units.xlsx", params={"period": "2026"}, headers=CHAIRMAN)
    sheet = load_workbook(io.BytesIO(year.content)).active
    assert sheet.title == "Kết quả 5S các đơn vị"
    # This month kt scored 1 of 4 on every item: in this month's year, vp is first.
    first = "Văn phòng HĐND và UBND" if THIS_MONTH.year == 2026 else "Phòng Kinh tế"
    assert [c.value for c in sheet[2]][:3] == [1, first, "năm 2026"]
    staff = bearer("staff", "p1", "kt")
    assert (
        await api.get("/v1/exports/units.csv", params={"period": "2026"}, headers=staff)
    ).status_code == 403


async def test_labels_for_front_ends(api: httpx.AsyncClient) -> None:
    answer = await api.get("/v1/labels")
    assert answer.status_code == 200
    assert answer.json()["bands"]["xuat_sac"] == {
        "vi": "Hoàn thành xuất sắc nhiệm vụ",
        "en": "Completed duties with excellence",
    }
    assert answer.json()["levels"]["1"]["vi"] == "Rất không hài lòng"
    vi = (await api.get("/v1/labels", params={"lang": "vi"})).json()
    assert vi["duty_groups"]["lanh_dao"] == "Lãnh đạo"


#: The chart of the exports above, where the ward's one-stop desk (p1, p3) is a duty group of
#: its own, named where the org chart defines it; the id stays the key.
ONE_STOP = "Bộ phận một cửa"
GROUPED = CHART.model_copy(
    update={
        "data": CHART.data.model_copy(
            update={
                "version": 2,
                "people": tuple(
                    p.model_copy(update={"duty_group": "mot_cua"}) if p.unit_id == "kt" else p
                    for p in CHART.data.people
                ),
                "duty_groups": (
                    DutyGroup(group_id="mot_cua", name=Text(vi=ONE_STOP, en="One-stop desk")),
                ),
            }
        )
    }
)


async def test_a_duty_group_the_ward_defines_shows_by_its_name(tmp_path: Path) -> None:
    """The classification answer, its CSV and its XLSX name the group "Bộ phận một cửa" (its
    English name in English), never its id "mot_cua"."""
    async for api in serve(tmp_path, "exports-grouped", GROUPED):
        answer = await api.get("/v1/classification", params={"period": "2026-03"}, headers=CHAIRMAN)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        p1 = next(p for p in body["people"] if p["person_id"] == "p1")
        assert (p1["duty_group"], p1["duty_group_name"]["vi"]) == ("mot_cua", ONE_STOP)
        quota = next(q for q in body["quotas"] if q["duty_group"] == "mot_cua")
        assert quota["duty_group_name"] == {"vi": ONE_STOP, "en": "One-stop desk"}

        table = rows(
            await api.get(
                "/v1/exports/classification.csv", params={"period": "2026-03"}, headers=CHAIRMAN
            )
        )
        groups = {row[0]: row[3] for row in table[1:]}
        assert groups == {
            "Nguyễn Thị Ánh Tuyết": ONE_STOP,
            "Trần Thị An": ONE_STOP,
            "Lê Văn An": "Chuyên môn",
        }
        english = rows(
            await api.get(
                "/v1/exports/classification.csv",
                params={"period": "2026-03"},
                headers={**CHAIRMAN, "Accept-Language": "en"},
            )
        )
        assert {row[3] for row in english[1:]} == {"One-stop desk", "Specialists"}
        book = await api.get(
            "/v1/exports/classification.xlsx", params={"period": "2026-03"}, headers=CHAIRMAN
        )
        sheet = load_workbook(io.BytesIO(book.content)).active
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert ONE_STOP in cells and not any("mot_cua" in c for c in cells)


def test_an_org_chart_of_version_1_is_still_read() -> None:
    """A chart the previous release published (schema version 1, no ``duty_groups``) is read;
    names scoring stored before groups had names give the groups by role their names."""
    old = GROUPED.model_dump(mode="json")
    old["schema_version"] = 1
    del old["data"]["duty_groups"]
    event = parse_event(json.dumps(old).encode())
    assert isinstance(event, OrgChartPublished) and event.data.duty_groups == ()
    stored = roster_names(GROUPED.data)
    assert Names.of(stored).group("mot_cua") == Text(vi=ONE_STOP, en="One-stop desk")
    del stored["groups"]
    before = Names.of(stored)
    assert before.group("lanh_dao") == Text(vi="Lãnh đạo", en="Leaders")
    assert before.group(None) is None
