from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.periods import Month, Period, rolling_months


def test_month_is_taken_in_vietnam_time() -> None:
    # 30 Nov 2026 18:00 UTC is already 1 Dec 01:00 in Ho Chi Minh City.
    assert Month.of(datetime(2026, 11, 30, 18, 0, tzinfo=UTC)).key == "2026-12"
    assert Month.of(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)).key == "2026-11"


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError):
        Month.of(datetime(2026, 11, 30, 12, 0))


@pytest.mark.parametrize(
    ("key", "months"),
    [
        ("2026-02", ["2026-02"]),
        ("2026-Q4", ["2026-10", "2026-11", "2026-12"]),
        ("2026", [f"2026-{m:02d}" for m in range(1, 13)]),
    ],
)
def test_periods_pool_their_months(key: str, months: list[str]) -> None:
    assert [m.key for m in Period.parse(key).months()] == months
    assert Period.parse(key).key == key


@pytest.mark.parametrize(
    ("key", "previous"),
    [("2026-01", "2025-12"), ("2026-Q1", "2025-Q4"), ("2026-Q3", "2026-Q2"), ("2026", "2025")],
)
def test_previous_period(key: str, previous: str) -> None:
    assert Period.parse(key).previous().key == previous


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-Q5", "26-01", "2026-1", ""])
def test_bad_period_keys(bad: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(bad)


def test_rolling_window_crosses_years() -> None:
    assert [m.key for m in rolling_months(Month(2026, 2), 3)] == ["2025-12", "2026-01", "2026-02"]
