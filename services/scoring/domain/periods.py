"""Which ``period`` each scoring endpoint accepts (pure, no I/O), decided once per endpoint.

- Figures (a unit's scores, the rankings): a month ``YYYY-MM``, a quarter ``YYYY-Qn``, a year
  ``YYYY``, or a rolling window ``last3m`` / ``last12m`` ending this month.
- Classification (the ward's table, a person's band, the chairman's decisions): a month, a
  quarter or a year only — Decree 335/2025/NĐ-CP rates officials by month, quarter and year,
  never over a rolling window — and not one that starts after this month (nothing to rate yet).

Every endpoint takes years ``FIRST_YEAR`` .. next year only: the programme keeps no records
before 2000, and ``0001`` or ``2030-01`` is a typo whose answer (everyone "not classified")
would mislead. A refusal names exactly what its endpoint accepts (:data:`ACCEPTS_TEXT`).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.periods import Month, Period
from services.runtime.refusals import Kind, Refusal

#: The earliest year any endpoint takes (no record of the programme is older).
FIRST_YEAR = 2000
ROLLING = {"last3m": 3, "last12m": 12}


@dataclass(frozen=True)
class Accepts:
    """What one endpoint takes as ``period``: ``rolling`` windows or not, and whether a period
    that starts after the current month is taken (``future``)."""

    name: str
    rolling: bool
    future: bool


#: A unit's scores and the rankings.
FIGURES = Accepts("figures", rolling=True, future=True)
#: The classification, a person's scores (their band) and the chairman's decisions.
CLASSIFICATION = Accepts("classification", rolling=False, future=False)

#: What each endpoint accepts, as its refusal says it (Vietnamese, English).
ACCEPTS_TEXT = {
    FIGURES.name: (
        "YYYY-MM, YYYY-Qn, YYYY, last3m hoặc last12m",
        "YYYY-MM, YYYY-Qn, YYYY, last3m or last12m",
    ),
    CLASSIFICATION.name: (
        "YYYY-MM (tháng), YYYY-Qn (quý) hoặc YYYY (năm), không sau tháng hiện tại",
        "YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year), not after the current month",
    ),
}


class PeriodRefused(Refusal):
    """A ``period`` the endpoint does not take: ``INVALID bad_period`` on the field ``period``,
    its ``params`` filling the message with what the endpoint takes."""

    def __init__(self, accepts: Accepts, current: Month) -> None:
        vi, en = ACCEPTS_TEXT[accepts.name]
        last = current.year if not accepts.future else current.year + 1
        super().__init__(
            Kind.INVALID,
            "bad_period",
            "period",
            accepts_vi=vi,
            accepts_en=en,
            first=FIRST_YEAR,
            last=last,
        )


def accept(key: str, accepts: Accepts, current: Month) -> Period | str:
    """The period ``key`` names if ``accepts`` takes it, given the ``current`` month: a
    :class:`Period`, or the rolling window's key (``last3m``). Raises :class:`PeriodRefused`
    for anything else: a malformed key, a rolling window where it is not taken, a year outside
    ``FIRST_YEAR`` .. next year, a period starting after ``current`` where that is not taken."""
    if key in ROLLING:
        if accepts.rolling:
            return key
        raise PeriodRefused(accepts, current)
    try:
        period = Period.parse(key)
    except ValueError:
        raise PeriodRefused(accepts, current) from None
    if not FIRST_YEAR <= period.year <= current.year + 1:
        raise PeriodRefused(accepts, current)
    if not accepts.future and period.months()[0] > current:
        raise PeriodRefused(accepts, current)
    return period


def takes(key: str, accepts: Accepts, current: Month) -> bool:
    """Whether ``accepts`` takes ``key`` in the ``current`` month (:func:`accept` without the
    refusal)."""
    try:
        accept(key, accepts, current)
    except PeriodRefused:
        return False
    return True
