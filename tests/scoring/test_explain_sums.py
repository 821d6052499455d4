"""A unit's ``?explain=true`` carries the basis of its pillars as scoring keeps it: each live
audit's sums per pillar (the revision applied, weighted, in thousandths of a point) and the
audits' sums pooled per pillar, whose ratio is exactly the pillar's percent."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path

import httpx
import pytest

from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.test_api import serve

MONTH = "2026-05"
#: The audit worked by hand in the README ("Thresholds", catalogue 2026.1: S1.2, S2.1, S2.2,
#: S3.2, S4.3 and S5.2 weigh 2): S1 13/24, S2 14/28, S3 7/24, S4 20/24, S5 20/24.
WORKED = [1, 3, 2, 2, 2, 0, 4, 2, 2, 2, 0, 1, 4, 0, 1, 4, 4, 4, 0, 4, 1, 4, 4, 4, 3]
#: Every item 4, S3's five N/A.
FULL = [4] * 10 + [None] * 5 + [4] * 10
AMENDED, SECOND, WITHDRAWN = (uuid.UUID(int=n) for n in (1, 2, 3))
HISTORY = (
    # Submitted with every item 1, amended to the worked audit: revision 2 is what counts.
    ev.submitted(AMENDED, "hc", MONTH, [1] * 25),
    ev.amended(AMENDED, "hc", MONTH, 2, WORKED, ev.state(1, MONTH, [1] * 25)),
    ev.submitted(SECOND, "hc", MONTH, FULL),
    # Withdrawn: neither listed nor pooled.
    ev.submitted(WITHDRAWN, "hc", MONTH, [0] * 25),
    ev.withdrawn(WITHDRAWN, "hc", MONTH, 2, ev.state(1, MONTH, [0] * 25)),
)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(tmp_path, "api-explain-sums", *HISTORY):
        yield client


def sums(points: int, max_points: int, scored: int, na: int = 0) -> dict[str, int]:
    return {"points": points, "max_points": max_points, "scored_items": scored, "na_items": na}


async def test_the_explain_answer_carries_each_audits_sums_and_the_pooled_ones(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get(
        "/v1/units/hc/scores",
        params={"period": MONTH, "explain": "true"},
        headers=bearer("chairman", "p001"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    audits = body["explain"]["audits"]
    assert [(a["audit_id"], a["revision"]) for a in audits] == [(str(AMENDED), 2), (str(SECOND), 1)]
    # Σ weight·score of Σ weight·4, in thousandths: the amended revision's, exactly.
    assert audits[0]["sums"] == {
        "S1": sums(13_000, 24_000, 5),
        "S2": sums(14_000, 28_000, 5),
        "S3": sums(7_000, 24_000, 5),
        "S4": sums(20_000, 24_000, 5),
        "S5": sums(20_000, 24_000, 5),
    }
    # An all-N/A pillar adds nothing to either sum.
    assert audits[1]["sums"]["S3"] == sums(0, 0, 0, 5)
    assert audits[1]["sums"]["S2"] == sums(28_000, 28_000, 5)
    pooled = body["explain"]["pillar_sums"]
    assert pooled == {
        "S1": sums(37_000, 48_000, 10),
        "S2": sums(42_000, 56_000, 10),
        "S3": sums(7_000, 24_000, 5, 5),
        "S4": sums(44_000, 48_000, 10),
        "S5": sums(44_000, 48_000, 10),
    }
    # The pooled sums add the audits' up, and their ratio is the pillar's exact percent.
    for pillar in body["pillars"]:
        code = pillar["pillar"]
        assert pooled[code]["points"] == sum(a["sums"][code]["points"] for a in audits)
        assert pooled[code]["max_points"] == sum(a["sums"][code]["max_points"] for a in audits)
        ratio = Fraction(100 * pooled[code]["points"], pooled[code]["max_points"])
        assert ratio == Fraction(pillar["exact"]["percent"])
    exact = [p["exact"]["percent"] for p in body["pillars"]]
    assert exact == ["925/12", "75", "175/6", "275/3", "275/3"]
