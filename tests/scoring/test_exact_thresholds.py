"""Thresholds compared exactly: a figure is a ratio of integer sums, a threshold the decimal the
policy wrote, and a figure exactly at its threshold is not below it (issue 12, item 7)."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.common import FIVE_S
from contracts.envelope import Event
from contracts.periods import Month
from services.scoring.adapters.policy_file import default_policy
from services.scoring.domain.aggregates import PillarSums, contribution, total_percent
from services.scoring.domain.alerts import UNIT_METRICS, crossings, unit_metrics
from services.scoring.domain.exact import at_least, below
from services.scoring.domain.policy import Policy
from services.scoring.views import units as views
from tests.scoring import events as ev
from tests.scoring.projection import Projection

#: Catalogue 2026.1, one audit: S1 = 1,3,2,2,2 · S2 = 0,4,2,2,2 · S3 = 0,1,4,0,1 ·
#: S4 = 4,4,4,0,4 · S5 = 1,4,4,4,3. With the catalogue's weights (S1.2, S2.1, S2.2, S3.2, S4.3
#: and S5.2 weigh 2) the pillars are 13/24, 14/28, 7/24, 20/24 and 20/24 of their maximum:
#: 54.1667 + 50 + 29.1667 + 83.3333 + 83.3333 = 300, a total of 300 / 5 = 60 % exactly.
SIXTY = [1, 3, 2, 2, 2, 0, 4, 2, 2, 2, 0, 1, 4, 0, 1, 4, 4, 4, 0, 4, 1, 4, 4, 4, 3]


@pytest.fixture
async def projection(tmp_path: Path) -> AsyncIterator[Projection]:
    found = await Projection(f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}").create()
    yield found
    await found.close()


def low_scores(events: list[Event]) -> dict[str, str]:
    """metric -> detected/recovered, for the low-score events among ``events``."""
    return {e.data.metric: e.type.rsplit(".", 1)[1] for e in events if ".low_score." in e.type}


def test_the_sixty_percent_audit_is_sixty_exactly() -> None:
    pillars = contribution(ev.audit_items(SIXTY))
    assert [pillars[p].percent for p in FIVE_S] == [
        Fraction(325, 6),
        Fraction(50),
        Fraction(175, 6),
        Fraction(250, 3),
        Fraction(250, 3),
    ]
    assert total_percent(pillars, default_policy().pillar_weights) == 60
    # What floats made of it: a mean "below" 60.
    assert sum(100.0 * s.points / s.max_points for s in pillars.values()) / 5 < 60


async def test_an_audit_at_exactly_sixty_percent_raises_no_low_total(
    projection: Projection,
) -> None:
    await projection.feed([ev.submitted(uuid.uuid4(), "kt", "2026-03", SIXTY)])
    out = await projection.announced()
    (score,) = [e for e in out if e.type == "scoring.score.updated"]
    assert score.data.total_percent == 60.0
    assert {p.pillar: p.percent for p in score.data.pillars}["S2"] == 50.0
    # Only S3 (29.17 %) is under its 50 %: S2 at exactly 50 % and the total at exactly 60 % are
    # not below their thresholds.
    assert low_scores(out) == {"S3": "detected"}
    (s3,) = [e for e in out if e.type == "scoring.low_score.detected"]
    assert s3.data.threshold == 50.0 and round(s3.data.value, 2) == 29.17

    async with projection.sessions() as session:
        span = views.window("2026-03", Month(2026, 3))
        answer = await views.unit_score(
            session, views.Question(ev.WARD, span, default_policy()), "kt"
        )
        figures = await views.unit_figures(session, ev.WARD, ["kt"], ["2026-03"])
    assert answer["total_percent"] == 60.0
    assert figures["kt"].values(default_policy())["total"] == Fraction(60)

    # A second audit just under: the total goes below 60 and is announced as low, once.
    lower = [*SIXTY[:24], 2]  # S5.5 3 → 2: S5 19/24, the total 60 − (100/24) / 5 = 355/6
    out = await projection.announced()
    await projection.feed([ev.submitted(uuid.uuid4(), "vp", "2026-03", lower)])
    fresh = (await projection.announced())[len(out) :]
    assert low_scores(fresh) == {"S3": "detected", "total": "detected"}
    (total,) = [e for e in fresh if getattr(e.data, "metric", "") == "total"]
    assert total.data.value == float(Fraction(355, 6)) and total.data.threshold == 60.0


def test_every_metric_goes_through_the_one_comparison() -> None:
    """A figure equal to its threshold is never low; a hundredth under it always is."""
    policy = default_policy()
    for metric in (*UNIT_METRICS, "points"):
        threshold = policy.unit_threshold(metric)
        at = crossings({metric: threshold}, {}, policy, (metric,))
        assert at == [], metric
        (under,) = crossings({metric: threshold - Fraction(1, 100)}, {}, policy, (metric,))
        assert under.low and under.threshold == threshold
        # Back at the threshold after being low: a recovery.
        (back,) = crossings({metric: Decimal(str(threshold))}, {metric: True}, policy, (metric,))
        assert not back.low and back.value == threshold


# --- property: the chain from integer sums to "below" agrees with plain rational arithmetic ---

#: A pillar's sums as the store keeps them: weights in thousandths, each item at most 4.
pillar_sums = st.builds(
    lambda max_points, share: PillarSums(share * max_points // 1000, max_points, 1, 0),
    st.integers(1, 200_000),
    st.integers(0, 1000),
)
#: Pillar weights as a policy writes them: decimals of up to two places.
weights = st.decimals(Decimal("0.25"), Decimal("5"), places=2)


def policy_with(total_below: str, pillar_below: str, pillar_weights: dict[str, Decimal]) -> Policy:
    """A policy as loaded from YAML: the numbers arrive as floats, written as decimals."""
    return Policy.model_validate(
        {
            "version": "test",
            "unit": {"pillar_below": float(pillar_below), "total_below": float(total_below)},
            "pillar_weights": {p: float(w) for p, w in pillar_weights.items()},
        }
    )


def oracle_total(pillars: dict[str, PillarSums], pillar_weights: dict[str, Decimal]) -> Fraction:
    """The weighted mean of the pillar %s, computed on its own from the integers."""
    num = sum(
        (Fraction(w) * Fraction(100 * pillars[p].points, pillars[p].max_points))
        for p, w in pillar_weights.items()
    )
    return Fraction(num) / sum(Fraction(w) for w in pillar_weights.values())


def hundredths(low: Fraction, high: Fraction) -> st.SearchStrategy[Decimal]:
    """The decimals of two places from ``low`` to ``high`` (inclusive), within 0.01 to 99.99."""
    first = max(Decimal(math.ceil(low * 100)) / 100, Decimal("0.01"))
    last = min(Decimal(math.floor(high * 100)) / 100, Decimal("99.99"))
    return st.decimals(first, last, places=2)


@given(
    st.fixed_dictionaries({p: pillar_sums for p in FIVE_S[:4]}),
    st.fixed_dictionaries({p: weights for p in FIVE_S}),
    st.data(),
    st.integers(1, 50),
)
def test_below_agrees_with_exact_arithmetic_at_the_boundary(
    four: dict[str, PillarSums],
    pillar_weights: dict[str, Decimal],
    data: st.DataObject,
    scale: int,
) -> None:
    """The fifth pillar is made so that the total equals a decimal threshold exactly: the unit
    is not low at it, low at a hundredth above it, and every figure agrees with the oracle. The
    threshold is drawn among the totals a fifth pillar of 0 % to 100 % can make, so every
    example is one (at least a point wide: S5 weighs at least 0.25 of at most 20.25)."""
    partial = oracle_total(four, {p: pillar_weights[p] for p in four}) * sum(
        Fraction(pillar_weights[p]) for p in four
    )
    whole = sum(Fraction(w) for w in pillar_weights.values())
    reach = 100 * Fraction(pillar_weights["S5"])
    threshold = data.draw(hundredths(partial / whole, (partial + reach) / whole), "threshold")
    fifth = (Fraction(threshold) * whole - partial) / Fraction(pillar_weights["S5"])  # a %
    assert 0 <= fifth <= 100
    share = fifth / 100
    pillars = {**four, "S5": PillarSums(share.numerator * scale, share.denominator * scale, 1, 0)}
    assert oracle_total(pillars, pillar_weights) == Fraction(threshold)

    for total_below, low in (
        (threshold, False),
        (threshold + Decimal("0.01"), True),
        (threshold - Decimal("0.01"), False),
    ):
        policy = policy_with(str(total_below), "0", pillar_weights)
        values = unit_metrics(pillars, policy.pillar_weights)
        assert values["total"] == Fraction(threshold)
        found = crossings(values, {}, policy, ("total",))
        assert [c.low for c in found] == ([True] if low else [])
        assert below(values["total"], policy.unit_threshold("total")) is low
        assert at_least(values["total"], policy.unit_threshold("total")) is not low
    # Each pillar against a threshold equal to it, when that is a decimal of two places.
    for pillar, sums in pillars.items():
        percent = Fraction(100 * sums.points, sums.max_points)
        written = Decimal(percent.numerator) / Decimal(percent.denominator)
        if Fraction(written.quantize(Decimal("0.01"))) == percent:
            policy = policy_with("0", str(written), pillar_weights)
            assert crossings(unit_metrics(pillars), {}, policy, (pillar,)) == []
