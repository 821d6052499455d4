"""The window of dates a person may send, with no I/O: one rule for every month, moment, due
date and calendar day in a request body (HTTP or NATS intake alike).

A date far outside the programme's time is a typo, and accepting it breaks what follows: a
corrective action reopened "due 9999-12-31" was answered 200, then overflowed every deadline
computed from it downstream, so the reopen was lost while its sender was told it succeeded. So
each kind of date is checked against a window the policy sets once (``Policy.history_years``,
``calendar_years_ahead``, ``due_horizon_days``), counted from the ward's local date of the
submission, and refused with 422 naming the field otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from contracts.common import LOCAL_TZ
from contracts.periods import Month
from services.assessment.domain.policy import Policy
from services.runtime.refusals import Kind, Refusal


def _today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def _day_of(moment: datetime) -> date:
    """A sent moment's day in Vietnam (the day its sender is told about); a moment at the edge
    of the calendar (0001-01-01 at +14:00) has none, so its own day."""
    try:
        return moment.astimezone(LOCAL_TZ).date()
    except OverflowError:
        return moment.date()


def first_day(policy: Policy, now: datetime) -> date:
    """The first day a month or moment may be in: 1 January, ``history_years`` back."""
    return date(_today(now).year - policy.history_years, 1, 1)


def check_month(period: str, policy: Policy, now: datetime, field: str = "period") -> Month:
    """``period`` (``YYYY-MM``) as a month from ``first_day`` up to the current month (local).

    Errors (``Refusal``, invalid, field ``field``): ``future_period`` after the current month;
    ``period_out_of_window`` (params ``first``, ``last``: month keys, shown as "tháng
    mm/yyyy") before the window."""
    month = Month.parse(period)
    current = Month.of(now)
    if month > current:
        raise Refusal(Kind.INVALID, "future_period", field, period=period)
    first = Month.of_date(first_day(policy, now))
    if month < first:
        raise Refusal(
            Kind.INVALID,
            "period_out_of_window",
            field,
            period=period,
            first=first.key,
            last=current.key,
        )
    return month


def check_moment(moment: datetime, policy: Policy, now: datetime, field: str) -> None:
    """A moment a person or device says something happened (an audit performed, a rating
    captured): from ``first_day`` (00:00 local) up to ``now`` plus ``policy.clock_skew``.

    Errors (``Refusal``, invalid, field ``field``): ``in_future`` (param ``now``: the server's
    local time, dd/mm/yyyy HH:MM, so whoever sees it can set the device's clock);
    ``date_out_of_window`` (params ``value``, ``first``, ``last`` as dd/mm/yyyy) before the
    window."""
    if moment > now + policy.clock_skew:
        raise Refusal(Kind.INVALID, "in_future", field, now=_minute(now))
    first = first_day(policy, now)
    if moment < datetime.combine(first, time(0), LOCAL_TZ):
        raise Refusal(
            Kind.INVALID, "date_out_of_window", field, **_window(_day_of(moment), first, now)
        )


def check_capture(moment: datetime, policy: Policy, now: datetime, field: str) -> Month:
    """A moment a device kept for what it sends late (a citizen's rating given while the kiosk
    was offline): ``check_moment``, and at most ``policy.capture_max_age`` old. Returns its month
    (Vietnam time), the month it counts in; whether that month is still open is the caller's
    check (``handlers.common.check_period_open``).

    Errors (``Refusal``, invalid, field ``field``): those of ``check_moment``; ``capture_too_old``
    (params ``value``: the moment, ``oldest``: the oldest accepted, dd/mm/yyyy HH:MM local)."""
    check_moment(moment, policy, now, field)
    oldest = now - policy.capture_max_age
    if moment < oldest:
        raise Refusal(
            Kind.INVALID,
            "capture_too_old",
            field,
            value=_minute(moment),
            oldest=_minute(oldest),
            days=policy.capture_max_age.days,
        )
    return Month.of(moment)


def _minute(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def check_due(due_on: date, policy: Policy, now: datetime, field: str = "due_on") -> date:
    """A due date a person sets: after today (local) and at most ``due_horizon_days`` later.

    Errors (``Refusal``, invalid, field ``field``): ``due_not_future`` on or before today;
    ``date_out_of_window`` beyond the horizon."""
    today = _today(now)
    if due_on <= today:
        raise Refusal(Kind.INVALID, "due_not_future", field)
    last = today + timedelta(days=policy.due_horizon_days)
    if due_on > last:
        raise Refusal(
            Kind.INVALID,
            "date_out_of_window",
            field,
            **_window(due_on, today + timedelta(days=1), last),
        )
    return due_on


def check_calendar_day(day: date, policy: Policy, now: datetime, field: str = "day") -> date:
    """A day an administrator declares or un-declares in the ward's calendar: from today (local;
    changing a past day would silently move deadlines already counted) to 31 December,
    ``calendar_years_ahead`` years on.

    Errors (``Refusal``, invalid, field ``field``): ``past_day`` before today; ``calendar_year``
    (params ``first``, ``last``: the years) beyond the window."""
    today = _today(now)
    if day < today:
        raise Refusal(Kind.INVALID, "past_day", field, day=day.strftime("%d/%m/%Y"))
    last_year = today.year + policy.calendar_years_ahead
    if day.year > last_year:
        raise Refusal(Kind.INVALID, "calendar_year", field, first=today.year, last=last_year)
    return day


def _window(value: date, first: date, last: date | datetime) -> dict[str, str]:
    last_day = last.astimezone(LOCAL_TZ).date() if isinstance(last, datetime) else last
    return {
        "value": value.strftime("%d/%m/%Y"),
        "first": first.strftime("%d/%m/%Y"),
        "last": last_day.strftime("%d/%m/%Y"),
    }
