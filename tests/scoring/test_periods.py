"""Which ``period`` each endpoint takes, decided once (services.scoring.domain.periods): the
classification and the chairman's decisions take a month, a quarter or a year, none after the
current month; figures take rolling windows too; every endpoint takes years 2000..next year."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contracts.periods import Month, Period
from services.scoring.domain.periods import (
    CLASSIFICATION,
    FIGURES,
    FIRST_YEAR,
    Accepts,
    PeriodRefused,
    accept,
)

NOVEMBER_2026 = Month(2026, 11)


@pytest.mark.parametrize("key", ["last3m", "last12m", "0001", "2030-01", "2027-05", "2027", "x"])
def test_classification_refuses_rolling_nonsense_and_future_periods(key: str) -> None:
    with pytest.raises(PeriodRefused) as refused:
        accept(key, CLASSIFICATION, NOVEMBER_2026)
    assert refused.value.params == {
        "accepts_vi": "YYYY-MM (tháng), YYYY-Qn (quý) hoặc YYYY (năm), không sau tháng hiện tại",
        "accepts_en": "YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year), "
        "not after the current month",
        "first": 2000,
        "last": 2026,
    }


@pytest.mark.parametrize("key", ["2026-11", "2026-Q4", "2026", "2000-01", "2025-Q1"])
def test_classification_takes_calendar_periods_up_to_the_current_month(key: str) -> None:
    assert accept(key, CLASSIFICATION, NOVEMBER_2026) == Period.parse(key)


def test_figures_take_rolling_windows_and_years_up_to_the_next() -> None:
    assert accept("last3m", FIGURES, NOVEMBER_2026) == "last3m"
    assert accept("2027-05", FIGURES, NOVEMBER_2026) == Period.parse("2027-05")
    for key in ("0001", "2030-01", "1999-12", "2028", "last5m"):
        with pytest.raises(PeriodRefused) as refused:
            accept(key, FIGURES, NOVEMBER_2026)
        assert refused.value.params["last"] == 2027
        assert "last3m" in refused.value.params["accepts_vi"]


@given(
    st.integers(min_value=0, max_value=9999),
    st.sampled_from(["", "-Q1", "-Q4", "-01", "-12"]),
    st.sampled_from([CLASSIFICATION, FIGURES]),
)
@example(2026, "-12", CLASSIFICATION)
@example(2027, "-Q1", FIGURES)
def test_a_period_is_taken_exactly_when_within_the_endpoints_range(
    year: int, tail: str, accepts: Accepts
) -> None:
    key = f"{year:04d}{tail}"
    first_month = Period.parse(key).months()[0]
    within = FIRST_YEAR <= year <= 2027 and (accepts.future or first_month <= NOVEMBER_2026)
    try:
        taken = accept(key, accepts, NOVEMBER_2026)
    except PeriodRefused:
        assert not within
    else:
        assert within and taken == Period.parse(key)
