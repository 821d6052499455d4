"""A city's officials compare the wards of their city (``GET /v1/wards/rankings``) and read each
of them, read-only, by naming it; a ward's roles never read another ward. Two wards of the city
``hcmc`` and one of ``ha-noi``, fed to the projection as assessment would send them."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from contracts.envelope import Event
from contracts.events import OrgChartPublished
from contracts.roles import Role
from contracts.scoring_commands import DecisionCommand, RebuildCommand
from services.assessment.entrypoints.city_tokens import run_city_token_command
from services.assessment.settings import AssessmentSettings
from services.runtime.auth import Principal
from services.runtime.refusals import Refusal
from services.runtime.settings import ServiceSettings
from services.scoring.bootstrap import build_app
from services.scoring.domain.facts import fact_of
from services.scoring.domain.fold import Fold
from tests.conftest import WARD, bearer, token
from tests.scoring import events as ev
from tests.scoring.projection import fed_copy
from tests.support.keys import session_keys

AN_LAC, HA_NOI = "an-lac", "hoan-kiem"


def in_ward(ward: str, event: Event) -> Event:
    """The event as another ward's assessment would send it (an event id of its own)."""
    return event.model_copy(update={"ward": ward, "event_id": uuid.uuid4()})


def chart(ward: str, name: str, city: str, people: Sequence[tuple[str, str]]) -> Event:
    published: OrgChartPublished = ev.org_chart([ev.person(p, unit) for p, unit in people])
    data = published.data.model_copy(update={"ward_name": name, "city": city})
    return published.model_copy(update={"ward": ward, "event_id": uuid.uuid4(), "data": data})


#: Bình Đông (hcmc), March 2026: kt every item 4; vp only each pillar's first item, scored 0,
#: the rest N/A. Pooled per pillar over both units (catalogue 2026.1's weights: S2.1 weighs 2,
#: the other first items 1, and a pillar's items weigh 6, S2's 7):
#:   S1, S3, S4, S5: (4·6) / (4·6 + 4·1) = 24/28;  S2: (4·7) / (4·7 + 4·2) = 28/36;
#:   total = (4 · 6/7 + 7/9) / 5 = 53/63 = 84.126984…  (the mean of the units' totals, 100 and
#:   0, would be 50). February: kt every item 2, 50 %: the change is 53/63 − 1/2 = 34.126984….
#: Ratings in March: 5, 5, 1 (kt) and 4 (vp): 3 satisfied of 4 = 75 %, index
#: (100 + 100 + 0 + 75) / 4 = 68.75.
BINH_DONG = [
    chart(WARD, "Phường Bình Đông", "hcmc", [("p1", "kt"), ("p2", "vp"), ("p3", "kt")]),
    ev.submitted(uuid.uuid4(), "kt", "2026-02", [2] * 25),
    ev.submitted(uuid.uuid4(), "kt", "2026-03", [4] * 25),
    ev.submitted(uuid.uuid4(), "vp", "2026-03", [0, None, None, None, None] * 5),
    ev.feedback("kt", "2026-03", 5),
    ev.feedback("kt", "2026-03", 5),
    ev.feedback("kt", "2026-03", 1),
    ev.feedback("vp", "2026-03", 4),
    # p1's March: 10 × 100 % + 20 × 100 % + 62 = 92, but ⌊0.2 × 1⌋ = 0 places: "tốt".
    ev.reviewed("p1", "kt", "2026-03", [4] * 8),
    ev.task_result("p1", "2026-03", 62),
    ev.reviewed("p2", "vp", "2026-03", [2] * 8),  # no task points: not classified
]
#: An Lạc (hcmc), March 2026: kt every item 3 (75 %); vp and tc not audited; one "Bình
#: thường" rating: 0 % satisfied, index 50. Nothing in February: no change.
AN_LAC_EVENTS = [
    chart(AN_LAC, "Phường An Lạc", "hcmc", [("q1", "kt"), ("q2", "vp"), ("q3", "tc")]),
    *(
        in_ward(AN_LAC, e)
        for e in (
            ev.submitted(uuid.uuid4(), "kt", "2026-03", [3] * 25),
            ev.feedback("kt", "2026-03", 3),
        )
    ),
]
#: Hoàn Kiếm (ha-noi), March 2026: 100 %; it would top the table if it leaked into hcmc's.
HA_NOI_EVENTS = [
    chart(HA_NOI, "Phường Hoàn Kiếm", "ha-noi", [("r1", "kt")]),
    in_ward(HA_NOI, ev.submitted(uuid.uuid4(), "kt", "2026-03", [4] * 25)),
]

CITY = {"Authorization": f"Bearer {token('city', 'hcmc-officer', ward='', city='hcmc')}"}
OTHER_CITY = {"Authorization": f"Bearer {token('city', 'hn-officer', ward='', city='ha-noi')}"}
CHAIRMAN = bearer("chairman", "p001")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    url = await fed_copy(
        tmp_path / "scoring.db", "city", lambda: [*BINH_DONG, *AN_LAC_EVENTS, *HA_NOI_EVENTS]
    )
    settings = ServiceSettings(
        service="scoring",
        environment="test",
        http_port=0,
        database_url=url,
        **session_keys().settings(),
    )
    served = build_app(settings)
    yield served
    await served.state.runtime.engine.dispose()


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as client:
        yield client


def test_a_rebuild_keeps_each_ward_s_name_and_city() -> None:
    fold = Fold()
    fold.add(fact_of(n, e) for n, e in enumerate([*BINH_DONG, *AN_LAC_EVENTS, *HA_NOI_EVENTS]))
    assert {row[0]: row[4:6] for row in fold.org_rosters()} == {
        WARD: ("Phường Bình Đông", "hcmc"),
        AN_LAC: ("Phường An Lạc", "hcmc"),
        HA_NOI: ("Phường Hoàn Kiếm", "ha-noi"),
    }


async def test_a_city_compares_exactly_its_wards_pooled_over_their_units(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/v1/wards/rankings", params={"period": "2026-03"}, headers=CITY)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["city"], body["period"]) == ("hcmc", "2026-03")
    first, second = body["wards"]
    assert [w["ward"] for w in body["wards"]] == [WARD, AN_LAC]  # never Hoàn Kiếm
    # Each figure exactly beside its rounding, for a page to round once (contracts.figures).
    assert first.pop("exact") == {
        "total_percent": "5300/63",
        "change": "2150/63",
        "satisfaction_percent": "75",
        "satisfaction_change": None,
        "satisfaction_index": "275/4",
    }
    assert first == {
        "rank": 1,
        "ward": WARD,
        "ward_name": "Phường Bình Đông",
        "total_percent": 84.13,
        "change": 34.13,
        "satisfaction_percent": 75.0,
        "satisfaction_change": None,
        "satisfaction_index": 68.75,
        "ratings": 4,
        "units_audited": 2,
        "units_in_chart": 2,
        "people": {
            "xuat_sac": 0,
            "tot": 1,
            "hoan_thanh": 0,
            "khong_hoan_thanh": 0,
            "pending_decision": 0,
            "not_classified": 2,
        },
        "provisional": True,
    }
    assert second["rank"] == 2 and second["ward_name"] == "Phường An Lạc"
    assert (second["total_percent"], second["change"]) == (75.0, None)
    assert (second["satisfaction_percent"], second["satisfaction_index"]) == (0.0, 50.0)
    assert (second["units_audited"], second["units_in_chart"]) == (1, 3)
    assert second["people"]["not_classified"] == 3
    other = await api.get("/v1/wards/rankings", params={"period": "2026-03"}, headers=OTHER_CITY)
    assert [(w["ward"], w["total_percent"]) for w in other.json()["wards"]] == [(HA_NOI, 100.0)]


async def test_a_quarter_pools_its_months_and_a_rolling_window_counts_no_people(
    api: httpx.AsyncClient,
) -> None:
    quarter = (
        await api.get("/v1/wards/rankings", params={"period": "2026-Q1"}, headers=CITY)
    ).json()
    # An Lạc's 75 % now ranks first.
    assert [(w["rank"], w["ward"]) for w in quarter["wards"]] == [(1, AN_LAC), (2, WARD)]
    binh_dong = quarter["wards"][1]
    # February's kt (every item 2) joins March: S1, S3, S4, S5 (12 + 24 + 0) / (24 + 24 + 4)
    # = 36/52 = 9/13; S2 (14 + 28 + 0) / (28 + 28 + 8) = 42/64 = 21/32; the total
    # (4 · 9/13 + 21/32) / 5 = 285/416 = 68.5096… (not the mean of the months' totals).
    assert binh_dong["ward"] == WARD and binh_dong["total_percent"] == 68.51
    assert binh_dong["people"] is not None
    rolling = (
        await api.get("/v1/wards/rankings", params={"period": "last3m"}, headers=CITY)
    ).json()
    assert rolling["period"] == "last3m"
    assert all(w["people"] is None for w in rolling["wards"])


@pytest.mark.parametrize("period", ["2026-13", "26-03", "last6m", "1999", "2026-Q5", ""])
async def test_the_period_is_checked_as_on_every_figure(
    api: httpx.AsyncClient, period: str
) -> None:
    answer = await api.get("/v1/wards/rankings", params={"period": period}, headers=CITY)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "period"
    english = await api.get(
        "/v1/wards/rankings",
        params={"period": period},
        headers={**CITY, "Accept-Language": "en"},
    )
    assert english.status_code == 422 and english.json()["error"]["message"]


@pytest.mark.parametrize("role", ["admin", "chairman", "vice_chairman", "auditor", "unit_head"])
async def test_only_a_city_compares_wards(api: httpx.AsyncClient, role: str) -> None:
    answer = await api.get(
        "/v1/wards/rankings", params={"period": "2026-03"}, headers=bearer(role, "p001", "kt")
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    anonymous = await api.get("/v1/wards/rankings", params={"period": "2026-03"})
    assert anonymous.status_code == 401


async def test_a_city_reads_each_ward_of_its_city_by_naming_it(api: httpx.AsyncClient) -> None:
    march = {"period": "2026-03"}
    unit = await api.get("/v1/units/kt/scores", params={**march, "ward": AN_LAC}, headers=CITY)
    assert unit.status_code == 200 and unit.json()["total_percent"] == 75.0
    ranked = await api.get("/v1/rankings", params={**march, "ward": WARD}, headers=CITY)
    assert [u["unit_id"] for u in ranked.json()["units"]] == ["kt", "vp"]
    table = await api.get("/v1/classification", params={**march, "ward": WARD}, headers=CITY)
    assert table.status_code == 200
    assert {p["person_id"] for p in table.json()["people"]} == {"p1", "p2", "p3"}
    # A person's months and their evidence stay the ward's.
    person = await api.get("/v1/people/p1/scores", params={**march, "ward": WARD}, headers=CITY)
    assert person.status_code == 403


@pytest.mark.parametrize(
    ("path", "ward", "status"),
    [
        ("/v1/units/kt/scores", HA_NOI, 403),  # a ward of another city
        ("/v1/rankings", HA_NOI, 403),
        ("/v1/classification", HA_NOI, 403),
        ("/v1/rankings", "no-such-ward", 403),  # the same answer: nothing tells it exists
        ("/v1/rankings", None, 422),  # a city token names the ward it reads
        ("/v1/units/kt/scores", None, 422),
    ],
)
async def test_a_city_never_reads_a_ward_outside_its_city(
    api: httpx.AsyncClient, path: str, ward: str | None, status: int
) -> None:
    params = {"period": "2026-03"} | ({"ward": ward} if ward else {})
    answer = await api.get(path, params=params, headers=CITY)
    assert answer.status_code == status
    assert "units" not in answer.json() and "total_percent" not in answer.json()
    if status == 422:
        assert answer.json()["error"] == {
            "code": "ward_required",
            "message": "Tài khoản thành phố cần ghi rõ phường (ward) muốn xem.",
            "field": "ward",
        }


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/rankings", CHAIRMAN),
        ("/v1/classification", CHAIRMAN),
        ("/v1/units/kt/scores", CHAIRMAN),
        ("/v1/units/kt/scores", bearer("unit_head", "p100", "kt")),
        ("/v1/people/p1/scores", bearer("staff", "p1", "kt")),
    ],
)
async def test_a_ward_s_roles_never_read_another_ward(
    api: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    own = await api.get(path, params={"period": "2026-03", "ward": WARD}, headers=headers)
    assert own.status_code == 200, own.text
    other = await api.get(path, params={"period": "2026-03", "ward": AN_LAC}, headers=headers)
    assert other.status_code == 403
    assert set(other.json()) == {"error"}


async def test_every_write_of_scoring_refuses_a_city(app: FastAPI, api: httpx.AsyncClient) -> None:
    for path in ("/v1/classification/2026-03/decisions", "/v1/admin/rebuild"):
        answer = await api.post(
            path, json={"excellent": ["p1"], "duty_group": "chuyen_mon"}, headers=CITY
        )
        assert answer.status_code == 403, path
    # And the command pipeline itself, whichever edge a command came by.
    city = Principal("hcmc-officer", WARD, Role.CITY, city="hcmc")
    bodies = (DecisionCommand(period="2026-03", excellent=("p1",)), RebuildCommand())
    for body in bodies:
        with pytest.raises(Refusal) as refused:
            await app.state.commands.execute(city, body, None)
        assert refused.value.status == 403


async def test_the_operator_s_city_token_reads_the_city_on_scoring_only(
    api: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = AssessmentSettings(
        service="assessment",
        environment="test",
        http_port=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'assessment.db'}",
        **session_keys().settings(),
    )
    run_city_token_command(settings, argparse.Namespace(city="hcmc", subject="hcmc-officer"))
    minted = {"Authorization": f"Bearer {capsys.readouterr().out.strip()}"}
    answer = await api.get("/v1/wards/rankings", params={"period": "2026-03"}, headers=minted)
    assert answer.status_code == 200, answer.text
    assert [w["ward"] for w in answer.json()["wards"]] == [WARD, AN_LAC]
    with pytest.raises(SystemExit):
        run_city_token_command(settings, argparse.Namespace(city="hcm c", subject="x"))
