"""The query API: figures per period (calendar and rolling), explainable, and scoped to the
caller's ward and role. The projection is fed directly; the app answers from its database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from contracts.envelope import Event
from contracts.periods import Month
from services.runtime.clock import FrozenClock, wall
from services.runtime.settings import ServiceSettings
from services.scoring.bootstrap import build_app
from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.projection import fed_copy
from tests.support.keys import session_keys

#: The API's now for the whole module, read once: the periods it takes and the years its
#: refusals name are those of this month even if the run crosses a month's or a year's end.
NOW = wall()
THIS_MONTH = Month.of(NOW)


def history(*extra: Event) -> list[Event]:
    """Two units' audits, feedback and two people's months, and ``extra`` events after them."""
    return [
        ev.submitted(uuid.uuid4(), "kt", "2026-02", [2] * 25),
        ev.submitted(uuid.uuid4(), "kt", "2026-03", [4] * 25),
        ev.submitted(uuid.uuid4(), "vp", "2026-03", [3] * 25),
        ev.submitted(uuid.uuid4(), "kt", THIS_MONTH.key, [1] * 25),
        ev.feedback("kt", "2026-03", 5),
        ev.feedback("kt", "2026-03", 4),
        ev.reviewed("p1", "kt", "2026-03", [4] * 8),
        ev.task_result("p1", "2026-03", 62),
        ev.reviewed("p2", "vp", "2026-03", [2] * 8),
        *extra,
    ]


async def serve(tmp_path: Path, name: str, *extra: Event) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a projection of :func:`history` with ``extra`` events (an org chart), fed
    once a ``name`` (:func:`fed_copy`)."""
    url = await fed_copy(tmp_path / "scoring.db", name, lambda: history(*extra))
    app = build_app(
        ServiceSettings(
            service="scoring",
            environment="test",
            http_port=0,
            database_url=url,
            **session_keys().settings(),
        )
    )
    app.state.clock = FrozenClock(NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as client:
        yield client
    await app.state.runtime.engine.dispose()


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A ward whose org chart scoring has not seen: every unit and person id is answered as
    before the org chart was kept (an unknown person: 404 ``no_score``)."""
    async for client in serve(tmp_path, "api"):
        yield client


#: The ward's org chart: p1 and p3 in kt, p2 in vp; p3 has nothing recorded.
CHART = ev.org_chart([ev.person("p1", "kt"), ev.person("p2", "vp"), ev.person("p3", "kt")])


@pytest.fixture
async def charted(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(tmp_path, "api-charted", CHART):
        yield client


CHAIRMAN = bearer("chairman", "p001")
KT_HEAD = bearer("unit_head", "p100", "kt")


async def test_a_unit_month_with_change_satisfaction_and_explain(api: httpx.AsyncClient) -> None:
    answer = await api.get(
        "/v1/units/kt/scores", params={"period": "2026-03", "explain": "true"}, headers=KT_HEAD
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total_percent"] == 100.0
    assert body["change"] == 50.0  # February: every item 2 of 4
    # One "Rất hài lòng" and one "Hài lòng": both satisfied (100 %), index (100 + 75) / 2.
    assert body["satisfaction_percent"] == 100.0 and body["ratings"] == 2
    assert body["satisfaction_index"] == 87.5
    assert body["provisional"] is True and body["late"] is False
    assert [p["scored_items"] for p in body["pillars"]] == [5, 5, 5, 5, 5]
    assert len(body["explain"]["audits"]) == 1
    assert body["explain"]["ratings_per_level"] == {"4": 1, "5": 1}
    assert body["explain"]["satisfaction"] == {
        "satisfied_levels": [5, 4],
        "satisfied": 2,
        "ratings": 2,
    }


async def test_quarters_pool_their_months_and_rolling_windows_end_this_month(
    api: httpx.AsyncClient,
) -> None:
    quarter = (
        await api.get("/v1/units/kt/scores", params={"period": "2026-Q1"}, headers=KT_HEAD)
    ).json()
    assert quarter["total_percent"] == 75.0  # February's 50 % and March's 100 % pooled
    rolling = (
        await api.get("/v1/units/kt/scores", params={"period": "last3m"}, headers=KT_HEAD)
    ).json()
    assert rolling["period"] == "last3m"
    assert rolling["total_percent"] is not None


async def test_rankings_and_people_and_classification(api: httpx.AsyncClient) -> None:
    ranked = (await api.get("/v1/rankings", params={"period": "2026-03"}, headers=CHAIRMAN)).json()
    assert [(u["rank"], u["unit_id"]) for u in ranked["units"]] == [(1, "kt"), (2, "vp")]
    person = await api.get(
        "/v1/people/p1/scores",
        params={"period": "2026-03", "explain": "true"},
        headers=bearer("staff", "p1", "kt"),
    )
    assert person.status_code == 200, person.text
    assert person.json()["points"] == 92.0  # 10 × 1.0 + 20 × 1.0 + 62
    assert len(person.json()["explain"]["task_results"]) == 1
    table = (
        await api.get("/v1/classification", params={"period": "2026-03"}, headers=CHAIRMAN)
    ).json()
    # p1 alone is "tốt" or better, and 20 % of one person is nobody: "xuất sắc" is capped away.
    # p2: no task result yet, so not classified (never "không hoàn thành" for missing data).
    people = {p["person_id"]: p for p in table["people"]}
    assert people["p1"]["band"] == "tot" and people["p1"]["quota_demoted"] is True
    assert people["p1"]["income_coefficient"] == 1.44
    assert people["p2"]["status"] == "not_classified" and people["p2"]["provisional"] is True
    assert people["p2"]["band"] is None and people["p2"]["income_share"] is None
    assert people["p2"]["missing"] == ["task_points"] and people["p2"]["points"] is None
    head_view = (
        await api.get("/v1/classification", params={"period": "2026-03"}, headers=KT_HEAD)
    ).json()
    assert [p["person_id"] for p in head_view["people"]] == ["p1"]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/units/kt/scores", bearer("unit_head", "p200", "vp"), 403),  # another unit
        ("/v1/units/kt/scores", bearer("staff", "p1", "kt"), 403),  # staff see people, not units
        ("/v1/units/kt/scores", bearer("vice_chairman", "p002", None, ("kt",)), 200),
        ("/v1/people/p1/scores", bearer("staff", "p2", "vp"), 403),  # someone else
        ("/v1/people/p1/scores", bearer("unit_head", "p200", "vp"), 403),
        ("/v1/people/p1/scores", KT_HEAD, 200),
        ("/v1/people/p1/scores", bearer("auditor", "p900", "vp"), 403),
        ("/v1/people/nobody/scores", CHAIRMAN, 404),
        ("/v1/rankings", bearer("staff", "p1", "kt"), 403),
        ("/v1/classification", bearer("kiosk", "kiosk-1"), 403),
        ("/v1/admin/rebuild", KT_HEAD, 403),
        ("/v1/units/kt/scores", {}, 401),
    ],
)
async def test_every_figure_is_scoped_to_the_caller(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], status: int
) -> None:
    method = api.post if "admin" in path else api.get
    answer = await method(path, params={"period": "2026-03"}, headers=headers)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert set(answer.json()["error"]) == {"code", "message", "field"}


async def test_a_bad_period_is_a_422_in_vietnamese_or_english(api: httpx.AsyncClient) -> None:
    answer = await api.get("/v1/units/kt/scores", params={"period": "2026-13"}, headers=KT_HEAD)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "period"
    assert answer.json()["error"]["message"].startswith("Kỳ không hợp lệ")
    english = await api.get(
        "/v1/rankings", params={"period": "last5m"}, headers={**CHAIRMAN, "Accept-Language": "en"}
    )
    assert english.status_code == 422 and english.json()["error"]["message"].startswith(
        "Not a valid"
    )


CLASSIFIED_VI = (
    "Kỳ không hợp lệ (dùng YYYY-MM (tháng), YYYY-Qn (quý) hoặc YYYY (năm), không sau tháng "
    f"hiện tại; năm từ 2000 đến {THIS_MONTH.year})."
)
NEXT_HALF_YEAR = THIS_MONTH.shift(6).key  # 2027-05 seen from November 2026


@pytest.mark.parametrize("period", ["last3m", "last12m", "0001", "2030-01", NEXT_HALF_YEAR])
async def test_classification_takes_a_month_quarter_or_year_not_in_the_future(
    api: httpx.AsyncClient, period: str
) -> None:
    # A ward whose org chart scoring has not seen has no chairman to decide anything.
    decision = await api.post(
        f"/v1/classification/{period}/decisions", json={"excellent": ["p1"]}, headers=CHAIRMAN
    )
    assert (decision.status_code, decision.json()["error"]["code"]) == (403, "not_in_org_chart")
    for answer in (
        await api.get("/v1/classification", params={"period": period}, headers=CHAIRMAN),
        await api.get("/v1/people/p1/scores", params={"period": period}, headers=CHAIRMAN),
    ):
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == {
            "code": "bad_period",
            "message": CLASSIFIED_VI,
            "field": "period",
        }
    english = await api.get(
        "/v1/classification",
        params={"period": period},
        headers={**CHAIRMAN, "Accept-Language": "en"},
    )
    assert english.json()["error"]["message"] == (
        "Not a valid period (use YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year), not after "
        f"the current month; years 2000 to {THIS_MONTH.year})."
    )


@pytest.mark.parametrize("period", ["0001", "2030-01", "1999-Q4"])
async def test_every_figure_takes_years_from_2000_to_next_year(
    api: httpx.AsyncClient, period: str
) -> None:
    for path in ("/v1/units/kt/scores", "/v1/rankings"):
        answer = await api.get(path, params={"period": period}, headers=CHAIRMAN)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["message"] == (
            "Kỳ không hợp lệ (dùng YYYY-MM, YYYY-Qn, YYYY, last3m hoặc last12m; năm từ 2000 "
            f"đến {THIS_MONTH.year + 1})."
        )


async def test_an_id_the_org_chart_does_not_name_is_unknown(charted: httpx.AsyncClient) -> None:
    unit = await charted.get("/v1/units/zzz/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert unit.status_code == 404, unit.text
    assert unit.json()["error"] == {
        "code": "unknown_unit",
        "message": "Không có đơn vị này trong sơ đồ tổ chức hiện tại của phường.",
        "field": "unit_id",
    }
    person = await charted.get(
        "/v1/people/p999/scores",
        params={"period": "2026-03"},
        headers={**CHAIRMAN, "Accept-Language": "en"},
    )
    assert person.status_code == 404, person.text
    assert person.json()["error"] == {
        "code": "unknown_person",
        "message": "No such person in the ward's current org chart.",
        "field": "person_id",
    }
    # A unit of the chart without an audit this period is answered, empty.
    quiet = await charted.get("/v1/units/vp/scores", params={"period": "2026-01"}, headers=CHAIRMAN)
    assert quiet.status_code == 200 and quiet.json()["total_percent"] is None


async def test_a_known_person_without_data_is_not_classified_as_the_classification_says(
    charted: httpx.AsyncClient,
) -> None:
    answer = await charted.get(
        "/v1/people/p3/scores", params={"period": "2026-03"}, headers=CHAIRMAN
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "not_classified" and body["band"] is None
    assert body["missing"] == ["task_points", "plus_review"]
    assert body["months"] == [
        {"month": "2026-03", "points": None, "missing": ["task_points", "plus_review"]}
    ]
    table = (
        await charted.get("/v1/classification", params={"period": "2026-03"}, headers=CHAIRMAN)
    ).json()
    (row,) = [p for p in table["people"] if p["person_id"] == "p3"]
    named = ("full_name", "unit_name", "duty_group_name")  # the table's own, for the pages
    assert {k: body[k] for k in row if k not in named} == {
        k: v for k, v in row.items() if k not in named
    }


async def test_a_ward_whose_org_chart_is_not_seen_yet_answers_as_before(
    api: httpx.AsyncClient,
) -> None:
    unit = await api.get("/v1/units/zzz/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert unit.status_code == 200 and unit.json()["total_percent"] is None
    person = await api.get("/v1/people/p999/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert person.status_code == 404 and person.json()["error"]["code"] == "no_score"


@pytest.mark.parametrize("period", ["2026-03", "2026-Q1", "last3m"])
async def test_the_ranking_with_units_carries_each_units_own_answer(
    api: httpx.AsyncClient, period: str
) -> None:
    """``?with=units``: each ranked unit carries exactly what its own scores answer says (the
    board's one read instead of one per unit); a unit head gets figures for their unit only."""
    ranked = await api.get(
        "/v1/rankings", params={"period": period, "with": "units"}, headers=CHAIRMAN
    )
    assert ranked.status_code == 200
    rows = ranked.json()["units"]
    assert rows and all("figures" in row for row in rows)
    for row in rows:
        own = await api.get(
            f"/v1/units/{row['unit_id']}/scores", params={"period": period}, headers=CHAIRMAN
        )
        assert row["figures"] == own.json()
    plain = await api.get("/v1/rankings", params={"period": period}, headers=CHAIRMAN)
    assert [{k: v for k, v in r.items() if k != "figures"} for r in rows] == plain.json()["units"]
    head = (
        await api.get("/v1/rankings", params={"period": period, "with": "units"}, headers=KT_HEAD)
    ).json()["units"]
    assert [r["unit_id"] for r in head if "figures" in r] == ["kt"]
    bad = await api.get("/v1/rankings", params={"period": period, "with": "x"}, headers=CHAIRMAN)
    assert bad.status_code == 422 and "error" in bad.json()
