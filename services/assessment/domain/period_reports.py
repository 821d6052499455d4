"""Which periods a report is due for once months close (pure): each month closed, and its
quarter and year once every month of them is closed, as scoring finalizes them."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.periods import Month, Period


def wider_periods(month: Month) -> tuple[Period, Period]:
    """The quarter and the year ``month`` belongs to."""
    return Period("quarter", month.year, month.quarter), Period("year", month.year, 1)


def due_periods(recent: Iterable[str], closed: set[str]) -> list[str]:
    """The periods complete with the ``recent`` months closed (YYYY-MM): each of them, and its
    quarter and year when all their months are in ``closed`` (which holds ``recent``); each
    once: the months, then the quarters, then the years, each in order."""
    months = sorted(recent)
    wider = {
        w.key: None
        for key in months
        for w in wider_periods(Month.parse(key))
        if {m.key for m in w.months()} <= closed
    }
    return months + sorted(wider, key=lambda k: (-len(k), k))  # quarters, then years


def months_needed(recent: Iterable[str]) -> set[str]:
    """Every month of the quarters and years of the ``recent`` months: the closes to look up."""
    return {
        m.key for key in recent for wider in wider_periods(Month.parse(key)) for m in wider.months()
    }
