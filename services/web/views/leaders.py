"""View models of the leaders' pages: the review queue, the alert inbox and the classification,
from the services' JSON, in the page's language. Bands, states and groups are worded by
``contracts.labels`` (the one table of labels), never here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contracts.figures import exact_of, written
from contracts.labels import (
    BAND_LABELS,
    EMPLOYMENT_LABELS,
    GROUP_LABELS,
    MISSING_LABELS,
    STATUS_LABELS,
    period_label,
)
from contracts.periods import Month, Period
from contracts.roles import Role

# --- the review queue ---------------------------------------------------------------------------


def review_queue(rows: Iterable[dict[str, Any]], reviewer: str, today: date) -> list[dict]:
    """What waits for ``reviewer``'s review (``yours_to_review``, as assessment says; never
    their own), oldest submission first, each with ``overdue`` when its last day to review
    (``review_due_on``) is before ``today``."""
    waiting = [
        {**row, "overdue": date.fromisoformat(row["review_due_on"]) < today}
        for row in rows
        if row["status"] == "submitted"
        and row.get("yours_to_review")
        and row["person_id"] != reviewer
        and row["review_due_on"]
    ]
    return sorted(waiting, key=lambda row: row["submitted_at"])


# --- the alert inbox ----------------------------------------------------------------------------

ALERT_GROUPS = ("open", "snoozed", "acknowledged")


def alert_groups(alerts: Iterable[dict[str, Any]], now: datetime) -> dict[str, list[dict]]:
    """The inbox by what it asks of the reader: to act on (open, or snoozed no longer),
    snoozed, acknowledged; newest first within each."""
    groups: dict[str, list[dict]] = {name: [] for name in ALERT_GROUPS}
    for alert in alerts:
        snoozed = alert.get("snoozed_until")
        if alert["status"] == "acknowledged":
            groups["acknowledged"].append(alert)
        elif snoozed and datetime.fromisoformat(snoozed) > now:
            groups["snoozed"].append(alert)
        else:
            groups["open"].append(alert)
    return groups


# --- the month exports of audits and corrective actions ----------------------------------------

#: Who may read assessment's month exports of audits and corrective actions (its rule: every
#: person but staff; each the units they see), offered the links to them.
MONTH_EXPORT_READERS = frozenset(
    role.value
    for role in (Role.ADMIN, Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD, Role.AUDITOR)
)


def months_begun(period: str, now: datetime) -> list[str]:
    """The months of ``period`` (a month, a quarter, a year) that have begun at ``now``, newest
    first: the months whose audits and corrective actions can be exported."""
    current = Month.of(now)
    return [m.key for m in reversed(Period.parse(period).months()) if m <= current]


def month_exports(role: str, months: Iterable[str], lang: str) -> list[dict[str, str]]:
    """The month exports a caller of ``role`` is offered, one per month of ``months``: the
    month (``period``) and its words (``label``); none for a role assessment refuses them."""
    if role not in MONTH_EXPORT_READERS:
        return []
    return [{"period": month, "label": label_of(month, lang)} for month in months]


# --- classification -----------------------------------------------------------------------------


def classification_periods(now: datetime) -> list[str]:
    """The periods offered: this month and the last, this quarter and the last, this year."""
    month = Month.of(now)
    quarter = (month.month - 1) // 3 + 1
    previous_quarter = f"{month.year}-Q{quarter - 1}" if quarter > 1 else f"{month.year - 1}-Q4"
    return [
        month.key,
        month.shift(-1).key,
        f"{month.year}-Q{quarter}",
        previous_quarter,
        str(month.year),
    ]


def _kind(key: str) -> str:
    """A period key's kind: a month (2026-10), a quarter (2026-Q4), a year (2026), or another
    (a rolling window, last3m)."""
    if len(key) == 7 and key[4] == "-" and key[5] != "Q":
        return "month"
    if len(key) == 7 and key[5] == "Q":
        return "quarter"
    return "year" if key.isdigit() else key


def with_period(periods: list[str], period: str) -> list[str]:
    """The ``periods`` a picker offers, with ``period`` among them: the period a page shows is
    always the one selected in its picker, so "Xem" shows it again rather than another. One
    not offered by default (a month asked by its address, ``?period=2026-10``) is placed among
    those of its kind, newest first (after this month and the last, before the quarters)."""
    if period in periods:
        return periods
    kind = _kind(period)
    alike = [n for n, key in enumerate(periods) if _kind(key) == kind]
    older = [n for n in alike if periods[n] < period]
    if older:
        at = older[0]
    elif alike:
        at = alike[-1] + 1
    else:
        at = len(periods)
    return [*periods[:at], period, *periods[at:]]


def label_of(key: str, lang: str) -> str:
    """A period as an official writes it ("tháng 03/2026", "quý I/2026")."""
    return period_label(key).pick(lang)


@dataclass
class Tie:
    duty_group: str
    group_label: str
    quota: int
    excellent: int
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def places(self) -> int:
        """How many of the tied may still be named "xuất sắc"."""
        return max(self.quota - self.excellent, 0)


def group_label(item: dict[str, Any], lang: str) -> str:
    """The name of the duty group of ``item`` (a person or a quota of scoring's classification:
    ``duty_group`` and its ``duty_group_name`` from the org chart), in ``lang``."""
    group = item.get("duty_group") or ""
    name = item.get("duty_group_name") or {}
    label = GROUP_LABELS.get(group)
    return name.get(lang) or name.get("vi") or (label.pick(lang) if label else group)


def classification_rows(table: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each person (in the order scoring gives: Vietnamese order of names) with their band or
    state in the decree's words, what is missing, and the income tier."""
    rows = []
    for person in table["people"]:
        if person["status"] == "classified" and person["band"]:
            standing = BAND_LABELS[person["band"]].pick(lang)
        else:
            standing = STATUS_LABELS[person["status"]].pick(lang)
        unit = person.get("unit_name") or {}
        rows.append(
            {
                **person,
                "name": person.get("full_name") or person["person_id"],
                "unit": unit.get(lang) or person.get("unit_id") or "",
                "standing": standing,
                "missing_words": [MISSING_LABELS[m].pick(lang) for m in person["missing"]],
                "group": group_label(person, lang),
                "employment": EMPLOYMENT_LABELS[person["employment_type"]].pick(lang),
            }
        )
    return rows


def ties(table: dict[str, Any], rows: list[dict[str, Any]], lang: str) -> list[Tie]:
    """The duty groups with people waiting for the chairman's decision, with the quota."""
    quotas = {q["duty_group"]: q for q in table["quotas"]}
    found: dict[str, Tie] = {}
    for row in rows:
        if row["status"] != "pending_decision":
            continue
        group = row.get("duty_group") or ""
        quota = quotas.get(group, {"quota": 0, "excellent": 0})
        tie = found.setdefault(
            group, Tie(group, group_label(row, lang), quota["quota"], quota["excellent"])
        )
        tie.people.append(row)
    return list(found.values())


def percent(share: float | None, lang: str) -> str:
    """0.8 -> "80,0 %", 0.125 -> "12,5 %": a share written as every figure of the pages
    (``contracts.figures``: once, half up, from its exact value; "" for none)."""
    return "" if share is None else f"{written(exact_of(share) * 100, lang)} %"
