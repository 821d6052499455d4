"""Citizen satisfaction as officials measure it (issue 12, item 8): the share of satisfied
citizens ("Rất hài lòng" + "Hài lòng" over all ratings, as SIPAS reports it) drives the alert;
the mean of 100/75/50/25/0 stays beside it as the satisfaction index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.common import Text
from contracts.envelope import Event
from services.notifications.domain.messages import citizen_message
from services.runtime.settings import ServiceSettings
from services.scoring.adapters.policy_file import default_policy
from services.scoring.bootstrap import build_app
from services.scoring.domain.alerts import crossings
from services.scoring.domain.policy import Policy
from services.scoring.domain.satisfaction import (
    satisfaction_index,
    satisfaction_share,
    satisfied_count,
)
from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.projection import Projection
from tests.support.keys import session_keys

POLICY = default_policy()
VERY_SATISFIED, SATISFIED, NEUTRAL, DISSATISFIED = 5, 4, 3, 2
MONTH = "2026-03"


def test_every_citizen_satisfied_is_a_share_of_100_and_an_index_of_75() -> None:
    counts = {SATISFIED: 12}
    assert satisfaction_share(counts, POLICY) == 100
    assert satisfaction_index(counts, POLICY) == 75
    assert crossings({"satisfaction": satisfaction_share(counts, POLICY)}, {}, POLICY) == []


def test_four_very_satisfied_and_one_dissatisfied_is_80_not_below_80() -> None:
    counts = {VERY_SATISFIED: 4, DISSATISFIED: 1}
    assert satisfaction_share(counts, POLICY) == 80
    assert satisfaction_index(counts, POLICY) == Fraction(4 * 100 + 25, 5)  # 85
    assert crossings({"satisfaction": satisfaction_share(counts, POLICY)}, {}, POLICY) == []


def test_no_rating_is_no_figure() -> None:
    assert satisfaction_share({}, POLICY) is None
    assert satisfaction_index({}, POLICY) is None


@given(st.dictionaries(st.integers(1, 5), st.integers(0, 1000)))
def test_the_share_counts_the_satisfied_levels_of_the_policy(counts: dict[int, int]) -> None:
    ratings = sum(counts.values())
    satisfied = counts.get(5, 0) + counts.get(4, 0)
    assert satisfied_count(counts, POLICY) == satisfied
    expected = Fraction(100 * satisfied, ratings) if ratings else None
    assert satisfaction_share(counts, POLICY) == expected
    # Low exactly when fewer than 80 % are satisfied: 5 · satisfied < 4 · ratings.
    low = [c.metric for c in crossings({"satisfaction": expected}, {}, POLICY) if c.low]
    assert low == (["satisfaction"] if ratings and 5 * satisfied < 4 * ratings else [])


def test_the_satisfied_levels_are_a_policy_setting() -> None:
    strict = Policy.model_validate(
        {**POLICY.model_dump(), "satisfaction": {"satisfied_levels": [5]}}
    )
    assert satisfaction_share({VERY_SATISFIED: 1, SATISFIED: 3}, strict) == 25
    with pytest.raises(ValueError, match="satisfied_levels"):
        Policy.model_validate({**POLICY.model_dump(), "satisfaction": {"satisfied_levels": [6]}})


def test_the_alert_tells_the_share_of_satisfied_citizens() -> None:
    unit = Text(vi="Phòng Kinh tế", en="Economic Division")
    message = citizen_message("satisfaction", float(Fraction(200, 3)), 80.0, unit, MONTH)
    assert message.title.vi == "Tỷ lệ hài lòng của người dân thấp: Phòng Kinh tế, tháng 03/2026"
    assert (
        "Tỷ lệ hài lòng của người dân với Phòng Kinh tế tháng 03/2026 là 66,7%, dưới ngưỡng 80,0%"
        in message.body.vi
    )
    assert "share of citizens satisfied" in message.body.en


# --- through the handler and the query API ------------------------------------------------------


@pytest.fixture
async def projection(tmp_path: Path) -> AsyncIterator[Projection]:
    found = await Projection(f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}").create()
    yield found
    await found.close()


async def news(projection: Projection, events: list[Event]) -> list[Event]:
    before = len(await projection.announced())
    await projection.feed(events)
    return (await projection.announced())[before:]


def satisfaction_alerts(events: list[Event]) -> list[tuple[str, str, float, float]]:
    return [
        (e.type.rsplit(".", 1)[1], e.data.subject_id, e.data.value, e.data.threshold)
        for e in events
        if getattr(e.data, "metric", "") == "satisfaction"
    ]


async def test_a_month_of_satisfied_citizens_raises_nothing(projection: Projection) -> None:
    out = await news(projection, [ev.feedback("tt", MONTH, SATISFIED, hour=h) for h in range(6)])
    (score,) = [e for e in out if e.type == "scoring.score.updated"]
    assert score.data.satisfaction_percent == 100.0
    assert score.data.satisfaction_index == 75.0
    assert score.data.ratings == 6
    assert satisfaction_alerts(out) == []


async def test_the_share_drives_the_low_satisfaction_alert(projection: Projection) -> None:
    at_80 = [
        *[ev.feedback("kt", MONTH, VERY_SATISFIED, hour=h) for h in range(4)],
        ev.feedback("kt", MONTH, DISSATISFIED, hour=5),
    ]
    out = await news(projection, at_80)
    assert [e.data.satisfaction_percent for e in out if e.type.startswith("scoring.score")] == [
        80.0
    ]
    assert satisfaction_alerts(out) == []  # 80 % is not below 80 %
    # A sixth rating, "Bình thường": 4 of 6 satisfied, 66.67 %, low; the index 72.5 alone would
    # say little.
    out = await news(projection, [ev.feedback("kt", MONTH, NEUTRAL, hour=6)])
    assert satisfaction_alerts(out) == [("detected", "kt", float(Fraction(200, 3)), 80.0)]
    (score,) = [e for e in out if e.type == "scoring.score.updated"]
    assert score.data.satisfaction_index == float(Fraction(4 * 100 + 25 + 50, 6))
    # Back to 80 %: two "Hài lòng" more make 6 of 8 (75 %), four make 8 of 10 (80 %).
    out = await news(projection, [ev.feedback("kt", MONTH, SATISFIED, hour=h) for h in (7, 8)])
    assert satisfaction_alerts(out) == []
    out = await news(projection, [ev.feedback("kt", MONTH, SATISFIED, hour=h) for h in (9, 10)])
    assert satisfaction_alerts(out) == [("recovered", "kt", 80.0, 80.0)]


CHAIRMAN = bearer("chairman", "p001")


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}"
    projection = await Projection(url).create()
    await projection.feed(
        [
            # tt: every citizen "Hài lòng". kt: 4 "Rất hài lòng" and 1 "Không hài lòng".
            *[ev.feedback("tt", MONTH, SATISFIED, hour=h) for h in range(3)],
            *[ev.feedback("kt", MONTH, VERY_SATISFIED, hour=h) for h in range(4)],
            ev.feedback("kt", MONTH, DISSATISFIED, hour=5),
        ]
    )
    await projection.close()
    app = build_app(
        ServiceSettings(
            service="scoring",
            environment="test",
            http_port=0,
            database_url=url,
            **session_keys().settings(),
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as client:
        yield client
    await app.state.runtime.engine.dispose()


async def test_unit_scores_and_rankings_answer_the_share_and_the_index(
    api: httpx.AsyncClient,
) -> None:
    unit = await api.get(
        "/v1/units/tt/scores", params={"period": MONTH, "explain": "true"}, headers=CHAIRMAN
    )
    assert unit.status_code == 200, unit.text
    body = unit.json()
    assert (body["satisfaction_percent"], body["satisfaction_index"]) == (100.0, 75.0)
    assert body["explain"]["satisfaction"] == {
        "satisfied_levels": [5, 4],
        "satisfied": 3,
        "ratings": 3,
    }
    ranked = await api.get("/v1/rankings", params={"period": MONTH}, headers=CHAIRMAN)
    assert ranked.status_code == 200, ranked.text
    rows = {r["unit_id"]: r for r in ranked.json()["units"]}
    assert (rows["tt"]["satisfaction_percent"], rows["tt"]["satisfaction_index"]) == (100.0, 75.0)
    assert (rows["kt"]["satisfaction_percent"], rows["kt"]["satisfaction_index"]) == (80.0, 85.0)
    assert rows["kt"]["ratings"] == 5
