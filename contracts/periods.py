"""Calendar periods, keyed in Asia/Ho_Chi_Minh time.

A period is written ``YYYY-MM`` (month), ``YYYY-Qn`` (quarter) or ``YYYY`` (year). Rolling views
(``last3m``, ``last12m``) are not periods: they are windows of months ending at a given month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from contracts.common import LOCAL_TZ

MonthKey = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

PeriodKind = Literal["month", "quarter", "year"]

_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("month", re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("year", re.compile(r"^(\d{4})$")),
)


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month (tháng)."""

    year: int
    month: int

    @classmethod
    def parse(cls, key: str) -> Month:
        period = Period.parse(key)
        if period.kind != "month":
            raise ValueError(f"not a month: {key!r}")
        return period.months()[0]

    @classmethod
    def of(cls, moment: datetime) -> Month:
        """The month a moment falls in, in the ward's local time."""
        if moment.tzinfo is None:
            raise ValueError("moment must carry a time zone")
        local = moment.astimezone(LOCAL_TZ)
        return cls(local.year, local.month)

    @classmethod
    def of_date(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Period:
    """A calendar period: a month, a quarter or a year."""

    kind: PeriodKind
    year: int
    index: int  # month 1-12, quarter 1-4, or 1 for a year

    @classmethod
    def parse(cls, key: str) -> Period:
        for kind, pattern in _PATTERNS:
            found = pattern.match(key)
            if found:
                index = int(found.group(2)) if kind != "year" else 1
                return cls(kind, int(found.group(1)), index)
        raise ValueError(f"not a period (YYYY-MM, YYYY-Qn or YYYY): {key!r}")

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    def months(self) -> list[Month]:
        if self.kind == "month":
            return [Month(self.year, self.index)]
        if self.kind == "quarter":
            first = (self.index - 1) * 3 + 1
            return [Month(self.year, m) for m in range(first, first + 3)]
        return [Month(self.year, m) for m in range(1, 13)]

    def previous(self) -> Period:
        if self.kind == "year":
            return Period("year", self.year - 1, 1)
        size = 12 if self.kind == "month" else 4
        flat = self.year * size + self.index - 2
        return Period(self.kind, flat // size, flat % size + 1)

    def __str__(self) -> str:
        return self.key


def rolling_months(last: Month, count: int) -> list[Month]:
    """The ``count`` months ending with ``last`` (a rolling window, oldest first)."""
    return [last.shift(-offset) for offset in range(count - 1, -1, -1)]


def months_between(first: Month, last: Month) -> list[Month]:
    """The months from ``first`` to ``last``, both included, oldest first (none if ``last`` is
    before ``first``)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [first.shift(offset) for offset in range(max(0, count))]
