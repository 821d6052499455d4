"""What the scoring service announces (SQLite, the handler fed as the consumer feeds it):
provisional updates, low-score crossings once, the "Rất không hài lòng" spike once per day,
final results and the classification on close, and late corrections re-issued."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contracts.envelope import Event
from contracts.periods import Month
from services.runtime.clock import wall
from services.scoring.adapters.policy_file import default_policy
from services.scoring.metrics import UNIT_PILLAR, UNIT_TOTAL
from services.scoring.views import people as person_views
from services.scoring.views import units as views
from tests.scoring import events as ev
from tests.scoring.projection import Projection


@pytest.fixture
async def projection(tmp_path: Path) -> AsyncIterator[Projection]:
    found = await Projection(f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}").create()
    yield found
    await found.close()


async def news(projection: Projection, events: list[Event]) -> list[Event]:
    before = len(await projection.announced())
    await projection.feed(events)
    return (await projection.announced())[before:]


def kinds(events: list[Event]) -> list[tuple[str, str, str]]:
    return [
        (
            e.type.split(".", 1)[1],
            getattr(e.data, "subject_id", "-"),
            getattr(e.data, "metric", "-"),
        )
        for e in events
    ]


async def test_a_low_score_is_announced_once_per_crossing(projection: Projection) -> None:
    audit = uuid.uuid4()
    first = ev.submitted(audit, "kt", "2026-03", [1] * 25)
    out = await news(projection, [first])
    assert ("low_score.detected", "kt", "total") in kinds(out)
    # Still low after another audit: no new detection.
    out = await news(projection, [ev.submitted(uuid.uuid4(), "kt", "2026-03", [1] * 25)])
    assert [k for k in kinds(out) if k[0].startswith("low_score")] == []
    # The first audit amended to all 4s: (4 + 1) / 2 of 4 = 62.5 % everywhere, recovered.
    out = await news(
        projection,
        [ev.amended(audit, "kt", "2026-03", 2, [4] * 25, first.data)],
    )
    recovered = [k for k in kinds(out) if k[0] == "low_score.recovered"]
    assert sorted(m for _, _, m in recovered) == ["S1", "S2", "S3", "S4", "S5", "total"]
    duplicate = await news(projection, [first])
    assert duplicate == []  # a redelivered event changes nothing and announces nothing


async def test_three_very_dissatisfied_ratings_in_a_day_are_announced_once(
    projection: Projection,
) -> None:
    two = [ev.feedback("tt", "2026-03", 1, day=5, hour=h) for h in (1, 2)]
    assert not [k for k in kinds(await news(projection, two)) if "spike" in k[2]]
    third = await news(projection, [ev.feedback("tt", "2026-03", 1, day=5, hour=4)])
    spikes = [e for e in third if getattr(e.data, "metric", "") == "dissatisfaction_spike"]
    assert len(spikes) == 1
    assert spikes[0].data.value == 3 and str(spikes[0].data.day) == "2026-03-05"
    fourth = await news(projection, [ev.feedback("tt", "2026-03", 1, day=5, hour=5)])
    assert not [e for e in fourth if getattr(e.data, "metric", "") == "dissatisfaction_spike"]
    # Another day counts from zero: 23:30 local on the 6th is 16:30 UTC.
    other_day = [ev.feedback("tt", "2026-03", 1, day=6, hour=16) for _ in range(3)]
    later = await news(projection, other_day)
    assert [
        str(e.data.day) for e in later if getattr(e.data, "metric", "") == "dissatisfaction_spike"
    ] == ["2026-03-06"]


async def test_close_finalizes_and_a_late_event_reissues(projection: Projection) -> None:
    await projection.feed(
        [
            ev.submitted(uuid.uuid4(), "kt", "2026-03", [3] * 25),
            *[ev.reviewed(f"p{i}", "kt", "2026-03", [4 - i % 3] * 8) for i in range(6)],
            *[ev.task_result(f"p{i}", "2026-03", 70 - 2 * i) for i in range(6)],
        ]
    )
    closing = await news(projection, [ev.closed("2026-03")])
    finalized = [e for e in closing if e.type == "scoring.score.finalized"]
    assert {(e.data.subject_kind, e.data.subject_id) for e in finalized} == {
        ("unit", "kt"),
        *{("person", f"p{i}") for i in range(6)},
    }
    assert not any(e.data.late for e in finalized)
    (classification,) = [e for e in closing if e.type == "scoring.classification.computed"]
    assert classification.data.period == "2026-03"
    bands = {c.person_id: c.band for c in classification.data.people}
    # Unit 75 % → 7.5 points; "+" 100/75/50 % → 20/15/10; tasks 70, 68, ... 60:
    # p0 97.5, p1 90.5, p2 83.5, p3 91.5, p4 84.5, p5 77.5. Six are "tốt" or better, so the
    # quota is one: p0 keeps "xuất sắc", p3 and p1 lose it.
    assert {c.person_id: c.points for c in classification.data.people} == {
        "p0": 97.5,
        "p1": 90.5,
        "p2": 83.5,
        "p3": 91.5,
        "p4": 84.5,
        "p5": 77.5,
    }
    assert bands["p0"] == "xuat_sac" and bands["p3"] == bands["p1"] == "tot"
    assert {c.person_id for c in classification.data.people if c.quota_demoted} == {"p1", "p3"}

    late = await news(projection, [ev.task_result("p5", "2026-03", 10, hour=20)])
    person = [e for e in late if e.type == "scoring.score.finalized"]
    assert [(e.data.subject_id, e.data.late) for e in person] == [("p5", True)]
    assert [e.type for e in late].count("scoring.classification.computed") == 1
    assert not [e for e in late if e.type == "scoring.score.updated"]

    # A late audit moves the unit and, through its total, every person of it: all re-issued.
    audit = await news(projection, [ev.submitted(uuid.uuid4(), "kt", "2026-03", [1] * 25)])
    again = {(e.data.subject_id, e.data.late) for e in audit if e.type == "scoring.score.finalized"}
    assert again == {("kt", True), *{(f"p{i}", True) for i in range(6)}}

    async with projection.sessions() as session:
        span = views.window("2026-03", Month(2026, 3))
        asked = views.Question(ev.WARD, span, default_policy())
        unit = await views.unit_score(session, asked, "kt")
        person = await person_views.person_score(session, asked, "p5")
    assert unit["late"] is True and unit["provisional"] is False
    # Unit (3 + 1) / 2 of 4 = 50 % → 5; "+" 50 % → 10; the late task result 10.
    assert person is not None and person["late"] is True and person["points"] == 5 + 10 + 10

    # Reopened, the month is provisional again: updates, not final results.
    reopened = await news(
        projection, [ev.reopened("2026-03"), ev.task_result("p4", "2026-03", 12, hour=21)]
    )
    assert next(e.type for e in reopened if e.data.subject_id == "p4") == "scoring.score.updated"


async def test_the_current_month_is_on_the_dashboard_gauges(projection: Projection) -> None:
    month = Month.of(wall()).key
    await projection.feed([ev.submitted(uuid.uuid4(), "gauge-unit", month, [3] * 25)])
    assert UNIT_TOTAL.labels(ev.WARD, "gauge-unit")._value.get() == 75.0
    assert UNIT_PILLAR.labels(ev.WARD, "gauge-unit", "S2")._value.get() == 75.0
    # Labels carry the ward, the unit and the pillar: never a person.
    names = {label for metric in (UNIT_TOTAL, UNIT_PILLAR) for label in metric._labelnames}
    assert names == {"ward", "unit", "pillar"}


async def test_a_disqualified_person_is_rated_lowest_and_paid_nothing(
    projection: Projection,
) -> None:
    await projection.feed(
        [
            ev.submitted(uuid.uuid4(), "kt", "2026-03", [3] * 25),
            *[ev.reviewed(f"p{i}", "kt", "2026-03", [4] * 8) for i in range(6)],
            *[ev.task_result(f"p{i}", "2026-03", 70 - i) for i in range(6)],
            # The HR system reports a disciplinary measure for p0, the month's best score.
            ev.task_result("p0", "2026-03", 70, hour=5, disqualified=True),
        ]
    )
    closing = await news(projection, [ev.closed("2026-03")])
    (classification,) = [e for e in closing if e.type == "scoring.classification.computed"]
    rated = {c.person_id: c for c in classification.data.people}
    assert rated["p0"].points == 97.5  # the points stand; the band does not follow them
    assert rated["p0"].band == "khong_hoan_thanh" and rated["p0"].income_share == 0
    # p0 no longer counts among those rated "tốt" or better: five remain, so one keeps
    # "xuất sắc", the next best, p1 (96.5).
    assert [c.person_id for c in classification.data.people if c.band == "xuat_sac"] == ["p1"]
