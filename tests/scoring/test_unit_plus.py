"""A unit's "+" (P) in the query API: the unit's people's approved "+" points over their maxima,
one ratio of integer sums per period, exact through adjustments and returns, with the reviews
that made it in ``explain``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.test_api import serve

#: Items weigh 1 each (the events' default), so a review of 8 items is out of 8 × 4 = 32 points.
PLUS = (
    ev.reviewed("p1", "kt", "2026-03", [4] * 8),  # March: 32 / 32
    ev.reviewed("p1", "kt", "2026-04", [4] * 8),  # 32 / 32
    ev.reviewed("p3", "kt", "2026-04", [2] * 8),  # 16 / 32, then adjusted by the head:
    ev.reviewed("p3", "kt", "2026-04", [1] * 8, hour=5),  # 8 / 32 is what counts
    ev.reviewed("p4", "kt", "2026-04", [4] * 8),  # approved, then returned: retracted
    ev.reviewed("p4", "kt", "2026-04", [], outcome="returned", revision=2),
    ev.reviewed("p2", "vp", "2026-04", [0] * 8),  # another unit's
    ev.reviewed("p1", "kt", "2026-05", [3] * 8),  # 24 / 32
)
KT_HEAD = bearer("unit_head", "p100", "kt")


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(tmp_path, "api-unit-plus", *PLUS):
        yield client


async def scores(api: httpx.AsyncClient, period: str) -> dict:
    answer = await api.get(
        "/v1/units/kt/scores", params={"period": period, "explain": "true"}, headers=KT_HEAD
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_units_plus_is_its_peoples_approved_points_over_their_maxima(
    api: httpx.AsyncClient,
) -> None:
    april = await scores(api, "2026-04")
    # (32 + 8) / (32 + 32): p3's adjustment counts, p4's returned review does not.
    assert april["plus"] == {
        "percent": 62.5,
        "points": 40_000,
        "max_points": 64_000,
        "scored_items": 16,
        "na_items": 0,
        "change": -37.5,  # March: 100 %
        # The same figures exactly, for a page to round once: 5/8 is 125/2 %, 100 % - 62.5 %.
        "exact": {"percent": "125/2", "change": "-75/2"},
    }
    reviews = april["explain"]["reviews"]
    assert [(r["person_id"], r["month"], r["revision"]) for r in reviews] == [
        ("p1", "2026-04", 1),
        ("p3", "2026-04", 1),
    ]
    # A quarter pools its months' sums: (40 + 24) / (64 + 32) = 66 2/3, shown as 66.67.
    quarter = await scores(api, "2026-Q2")
    assert quarter["plus"]["percent"] == 66.67
    assert (quarter["plus"]["points"], quarter["plus"]["max_points"]) == (64_000, 96_000)
    # A period with no approved "+" has no figure (not 0 %).
    february = await scores(api, "2026-02")
    assert february["plus"]["percent"] is None and february["plus"]["change"] is None
