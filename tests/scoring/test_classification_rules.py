"""The Decree 335 classification as a ward's HR officer and chairman meet it, through the
handler (fed as the consumer feeds it) and the query API: the disqualifier wins, incomplete is
not failed, every month of a period counts, the cap per duty group on công chức, ties to the
chairman, bands on the exact score (default policy 2026.2)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.envelope import Event
from contracts.events import LEADERS_GROUP, SPECIALISTS_GROUP, Classification
from contracts.roles import Role
from services.runtime.settings import ServiceSettings
from services.scoring.bootstrap import build_app
from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.projection import Projection
from tests.support.keys import session_keys

CHAIRMAN = bearer("chairman", "p001")
#: The chairman in the ward's org chart: scoring takes their decisions by their seat in it.
CHAIRMAN_SEAT = ev.person("p001", "vp", Role.CHAIRMAN)
FULL = [4] * 8  # every "+" item 4 of 4: 100 %
Q1 = ("2026-01", "2026-02", "2026-03")

Serve = Callable[[Sequence[Event]], Awaitable[tuple[httpx.AsyncClient, Projection]]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """A projection fed with the events, and the query API answering from it."""
    opened: list[tuple[Projection, Any, httpx.AsyncClient]] = []

    async def start(events: Sequence[Event]) -> tuple[httpx.AsyncClient, Projection]:
        url = f"sqlite+aiosqlite:///{tmp_path / f'scoring{len(opened)}.db'}"
        projection = await Projection(url).create()
        for event in events:  # one batch each: the order they were recorded in
            await projection.feed([event])
        app = build_app(
            ServiceSettings(
                service="scoring",
                environment="test",
                http_port=0,
                database_url=url,
                **session_keys().settings(),
            )
        )
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s")
        opened.append((projection, app, client))
        return client, projection

    yield start
    for projection, app, client in opened:
        await client.aclose()
        await app.state.runtime.engine.dispose()
        await projection.close()


def audited(unit: str, months: Sequence[str] = Q1, score: int = 4) -> list[Event]:
    return [ev.submitted(uuid.uuid4(), unit, month, [score] * 25) for month in months]


def closing(months: Sequence[str] = Q1) -> list[Event]:
    return [ev.closed(month) for month in months]


def rows(classification: Event | dict[str, Any]) -> dict[str, Any]:
    """The people of a classification event or answer, by person id, as plain dicts."""
    if isinstance(classification, dict):
        return {p["person_id"]: p for p in classification["people"]}
    people: Sequence[Classification] = classification.data.people  # type: ignore[attr-defined]
    return {p.person_id: p.model_dump(mode="json") for p in people}


def computed(events: Sequence[Event], period: str) -> Event:
    found = [
        e
        for e in events
        if e.type == "scoring.classification.computed" and e.data.period == period  # type: ignore[attr-defined]
    ]
    return found[-1]


async def test_a_disqualified_month_makes_the_quarter_and_the_year_khong_hoan_thanh(
    serve: Serve,
) -> None:
    # p1: approved "+" in January (10 + 20 + 65 = 95 points), returned in February, none in
    # March, and a March task result with disqualified: true.
    # p2: 98 points in March (10 + 20 + 68), disqualified.
    api, projection = await serve(
        [
            ev.org_chart([ev.person("p1", "kt"), ev.person("p2", "kt")]),
            *audited("kt"),
            ev.reviewed("p1", "kt", "2026-01", FULL),
            ev.task_result("p1", "2026-01", 65),
            ev.reviewed("p1", "kt", "2026-02", [], outcome="returned"),
            ev.task_result("p1", "2026-03", 40, disqualified=True),
            ev.reviewed("p2", "kt", "2026-03", FULL),
            ev.task_result("p2", "2026-03", 68, disqualified=True),
            *closing(),
        ]
    )
    announced = await projection.announced()
    quarter = rows(computed(announced, "2026-Q1"))["p1"]
    assert quarter["band"] == "khong_hoan_thanh" and quarter["status"] == "classified"
    assert quarter["disqualified"] and quarter["income_share"] == 0.0
    # What is missing is still told, but it does not hold the band back.
    assert [(g["month"], g["missing"]) for g in quarter["gaps"]] == [
        ("2026-02", ["task_points", "plus_review"]),
        ("2026-03", ["plus_review"]),
    ]
    assert rows(computed(announced, "2026-03"))["p1"]["band"] == "khong_hoan_thanh"
    # January alone has no disciplinary measure: 95 points, capped to "tốt" (one rated).
    january = rows(computed(announced, "2026-01"))["p1"]
    assert january["band"] == "tot" and january["quota_demoted"] and not january["disqualified"]

    for period, person in (("2026-Q1", "p1"), ("2026", "p1"), ("2026-03", "p2")):
        table = await api.get("/v1/classification", params={"period": period}, headers=CHAIRMAN)
        score = await api.get(
            f"/v1/people/{person}/scores", params={"period": period}, headers=CHAIRMAN
        )
        assert table.status_code == score.status_code == 200, (table.text, score.text)
        assert rows(table.json())[person]["band"] == "khong_hoan_thanh"
        assert score.json()["band"] == "khong_hoan_thanh" and score.json()["disqualified"]
    p2 = (
        await api.get("/v1/people/p2/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    ).json()
    assert p2["points"] == 98.0  # the points stand; the band does not follow them


async def test_incomplete_is_not_failed_and_everyone_of_the_org_chart_is_listed(
    serve: Serve,
) -> None:
    chart = [ev.person(p, "kt") for p in ("p1", "p2", "p3", "p4")] + [
        ev.person("p001", None, Role.CHAIRMAN)
    ]
    api, projection = await serve(
        [
            ev.org_chart(chart),
            *audited("kt", ["2026-03"]),
            ev.reviewed("p1", "kt", "2026-03", FULL),
            ev.task_result("p1", "2026-03", 62),  # 92: complete
            ev.task_result("p2", "2026-03", 60),  # task points, no "+"
            ev.reviewed("p3", "kt", "2026-03", FULL),  # "+", no task points
            ev.closed("2026-03"),
        ]
    )
    people = rows(computed(await projection.announced(), "2026-03"))
    assert set(people) == {"p1", "p2", "p3", "p4", "p001"}
    assert people["p1"]["status"] == "classified" and people["p1"]["counted_in_quota"]
    for person, missing in (
        ("p2", ["plus_review"]),
        ("p3", ["task_points"]),
        ("p4", ["task_points", "plus_review"]),
        ("p001", ["task_points", "plus_review"]),
    ):
        row = people[person]
        assert row["status"] == "not_classified" and row["missing"] == missing, row
        assert row["band"] is None and row["income_share"] is None and row["points"] is None
        assert not row["counted_in_quota"]
    assert people["p001"]["duty_group"] == LEADERS_GROUP  # the chairman leads
    # Only p1 is counted: 20 % of one is nobody, so p1 is "tốt" (not the five people listed).
    event = computed(await projection.announced(), "2026-03")
    assert [(q.duty_group, q.base, q.quota) for q in event.data.quotas] == [  # type: ignore[attr-defined]
        (SPECIALISTS_GROUP, 1, 0)
    ]
    # No low-score alert for a person whose month is not complete.
    alerts = [e for e in await projection.announced() if e.type == "scoring.low_score.detected"]
    assert not [e for e in alerts if e.data.subject_kind == "person"]  # type: ignore[attr-defined]
    answer = await api.get("/v1/people/p4/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert answer.status_code == 200 and answer.json()["status"] == "not_classified"


async def test_every_month_of_a_quarter_counts_and_an_unaudited_unit_is_not_a_zero(
    serve: Serve,
) -> None:
    api, projection = await serve(
        [
            ev.org_chart([ev.person("p6", "kt"), ev.person("p7", "vp")]),
            *audited("kt"),
            *audited("vp", ["2026-01", "2026-02"]),  # vp not audited in March
            *[ev.reviewed("p6", "kt", m, FULL) for m in ("2026-01", "2026-03")],
            *[ev.task_result("p6", m, 60) for m in Q1],  # February has no "+"
            *[ev.reviewed("p7", "vp", m, [3] * 8) for m in Q1],  # "+" 75 %
            *[ev.task_result("p7", m, 60) for m in Q1],
            *closing(),
        ]
    )
    people = rows(computed(await projection.announced(), "2026-Q1"))
    assert people["p6"]["status"] == "not_classified"
    assert people["p6"]["gaps"] == [{"month": "2026-02", "missing": ["plus_review"]}]
    # p7: January and February 10 × 1 + 20 × 0.75 + 60 = 85; March, vp unaudited: the "+"
    # alone scaled to 30 points, 30 × 0.75 = 22.5, + 60 = 82.5 (not 10 × 0 + 15 + 60 = 75).
    # The quarter: (85 + 85 + 82.5) / 3 = 84.1666… → "tốt", shown 84.17.
    assert people["p7"]["points"] == 84.17 and people["p7"]["band"] == "tot"
    assert people["p7"]["unit_not_audited"] == ["2026-03"]
    answer = (
        await api.get("/v1/people/p7/scores", params={"period": "2026-Q1"}, headers=CHAIRMAN)
    ).json()
    march = answer["months"][2]
    assert march["points"] == 82.5 and march["general_points"] == 22.5
    assert march["unit_audited"] is False
    april = await api.get("/v1/people/p6/scores", params={"period": "2026-Q1"}, headers=CHAIRMAN)
    assert [m["missing"] for m in april.json()["months"]] == [[], ["plus_review"], []]


async def test_ten_specialists_and_five_heads_then_the_chairman_decides_the_tie(
    serve: Serve,
) -> None:
    specialists = [f"s{i:02d}" for i in range(1, 11)]
    heads = [f"h{i}" for i in range(1, 6)]
    chart = [ev.person(s, "kt") for s in specialists] + [
        ev.person(h, f"u{h}", Role.UNIT_HEAD) for h in heads
    ]
    chart.append(CHAIRMAN_SEAT)
    events: list[Event] = [ev.org_chart(chart), *audited("kt", ["2026-03"])]
    for s in specialists:  # 10 + 20 + 65 = 95
        events += [ev.reviewed(s, "kt", "2026-03", FULL), ev.task_result(s, "2026-03", 65)]
    for h in heads:  # 10 + 20 + 55 = 85
        events += [
            *audited(f"u{h}", ["2026-03"]),
            ev.reviewed(h, f"u{h}", "2026-03", FULL),
            ev.task_result(h, "2026-03", 55),
        ]
    api, projection = await serve([*events, ev.closed("2026-03")])
    event = computed(await projection.announced(), "2026-03")
    assert event.data.quota_base == "tot_or_better"  # type: ignore[attr-defined]
    quotas = {q.duty_group: q for q in event.data.quotas}  # type: ignore[attr-defined]
    # Per group: 20 % of the 10 specialists is 2 (pooled with the heads it would be 3).
    assert (quotas[SPECIALISTS_GROUP].quota, quotas[SPECIALISTS_GROUP].pending) == (2, 10)
    assert (quotas[LEADERS_GROUP].base, quotas[LEADERS_GROUP].excellent) == (5, 0)
    people = rows(event)
    assert all(people[s]["status"] == "pending_decision" for s in specialists)
    assert all(people[s]["income_share"] is None for s in specialists)
    assert all(people[h]["band"] == "tot" for h in heads)

    path = "/v1/classification/2026-03/decisions"
    three = {"excellent": ["s01", "s02", "s03"]}
    refused = await api.post(path, json=three, headers=CHAIRMAN)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "decision_over_quota"
    assert "vượt tỷ lệ 20%" in refused.json()["error"]["message"]
    english = await api.post(path, json=three, headers={**CHAIRMAN, "Accept-Language": "en"})
    assert english.json()["error"]["message"].startswith("The decision exceeds")
    not_tied = await api.post(
        path, json={"excellent": ["h1"], "duty_group": LEADERS_GROUP}, headers=CHAIRMAN
    )
    assert not_tied.status_code == 409 and not_tied.json()["error"]["code"] == "decision_no_tie"
    outsider = await api.post(path, json={"excellent": ["h1"]}, headers=CHAIRMAN)
    assert outsider.status_code == 409
    assert outsider.json()["error"]["code"] == "decision_not_tied"
    vice = bearer("vice_chairman", "p002", None, ("kt",))
    assert (await api.post(path, json={"excellent": ["s04"]}, headers=vice)).status_code == 403
    bad = await api.post("/v1/classification/2026-13/decisions", json=three, headers=CHAIRMAN)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "period"

    decided = await api.post(path, json={"excellent": ["s04", "s07"]}, headers=CHAIRMAN)
    assert decided.status_code == 200, decided.text
    assert decided.json()["reissued"] is True
    out = await projection.announced()
    decision = [e for e in out if e.type == "scoring.classification.decided"]
    assert [(e.data.duty_group, e.data.excellent) for e in decision] == [  # type: ignore[attr-defined]
        (SPECIALISTS_GROUP, ("s04", "s07"))
    ]
    assert decision[0].actor.id == "p001"
    people = rows(computed(out, "2026-03"))
    assert sorted(p for p in specialists if people[p]["band"] == "xuat_sac") == ["s04", "s07"]
    assert all(people[s]["decided_by_chairman"] for s in specialists)
    assert people["s01"]["band"] == "tot" and people["s01"]["income_coefficient"] == 1.44
    answer = await api.get("/v1/classification", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert rows(answer.json())["s07"]["band"] == "xuat_sac"
    score = await api.get("/v1/people/s07/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert score.json()["band"] == "xuat_sac"


async def test_a_decision_retried_with_its_key_is_answered_once_and_recorded_once(
    serve: Serve,
) -> None:
    """The chairman's decisions go through the command pipeline: the same Idempotency-Key
    answers the first answer again (one decision, one event), another body with it is 409."""
    specialists = [f"s{i}" for i in range(1, 6)]
    events: list[Event] = [
        ev.org_chart([*(ev.person(s, "kt") for s in specialists), CHAIRMAN_SEAT])
    ]
    events += audited("kt", ["2026-03"])
    for s in specialists:  # all five at 95: quota 1 of 5, all tied
        events += [ev.reviewed(s, "kt", "2026-03", FULL), ev.task_result(s, "2026-03", 65)]
    api, projection = await serve([*events, ev.closed("2026-03")])
    path = "/v1/classification/2026-03/decisions"
    keyed = {**CHAIRMAN, "Idempotency-Key": "decision-1"}
    first = await api.post(path, json={"excellent": ["s2"]}, headers=keyed)
    again = await api.post(path, json={"excellent": ["s2"]}, headers=keyed)
    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == first.json()
    out = await projection.announced()
    decided = [e for e in out if e.type == "scoring.classification.decided"]
    assert len(decided) == 1
    assert str(decided[0].event_id) == first.json()["decision"]["event_id"]
    other = await api.post(path, json={"excellent": ["s3"]}, headers=keyed)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert rows(computed(await projection.announced(), "2026-03"))["s2"]["band"] == "xuat_sac"


async def test_the_band_is_decided_on_the_exact_score(serve: Serve) -> None:
    # 10 × 1 + 20 × 1 + 59.996 = 89.996: "tốt", shown as 90.0.
    api, projection = await serve(
        [
            *audited("kt", ["2026-03"]),
            ev.reviewed("p8", "kt", "2026-03", FULL),
            ev.task_result("p8", "2026-03", 59.996),
            ev.closed("2026-03"),
        ]
    )
    row = rows(computed(await projection.announced(), "2026-03"))["p8"]
    assert row["band"] == "tot" and row["points"] == 90.0 and not row["quota_demoted"]
    score = await api.get("/v1/people/p8/scores", params={"period": "2026-03"}, headers=CHAIRMAN)
    assert score.json()["band"] == "tot" and score.json()["points"] == 90.0
