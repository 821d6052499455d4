"""Months: closed by hand or automatically after their close day, reopened by an administrator
with a reason. Submissions for a closed month are refused (``common.check_period_open``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.envelope import SYSTEM
from contracts.events import PeriodClosed, PeriodClosedData, PeriodReopened, PeriodReopenedData
from contracts.periods import Month
from services.assessment.adapters import org, periods
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import check_due
from services.assessment.handlers.common import (
    Context,
    check_period_in_window,
    local_date,
    required_reason,
    ward_policy,
)
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork


async def close_period(uow: UnitOfWork, context: Context, period: str) -> dict[str, Any]:
    """Close a month by hand (an administrator): submissions for it are refused from now on.
    Errors: 422 ``period_not_over`` (the current month), ``period_out_of_window``; 409
    ``period_already_closed``."""
    check_period_in_window(period, context)
    if Month.parse(period) >= Month.of(context.now):
        raise Refusal(Kind.INVALID, "period_not_over", "period", period=period)
    if not await periods.close_unless_closed(uow.session, context.ward, period, context.now):
        raise Refusal(Kind.CONFLICT, "period_already_closed", "period", period=period)
    uow.emit(PeriodClosed(**context.envelope(), data=PeriodClosedData(period=period)))
    return {"period": period, "status": "closed"}


async def reopen_period(
    uow: UnitOfWork,
    context: Context,
    period: str,
    reason: str,
    closes_on: date | None = None,
) -> dict[str, Any]:
    """Reopen a closed month (an administrator), with a reason, until ``closes_on`` (the last
    day it stays open, local date; default ``Policy.reopen_deadline``: 2 working days from
    today in the ward's calendar), after which the automatic close closes it again.

    Errors: 422 ``reason_required``, ``future_period`` / ``period_out_of_window``,
    ``due_not_future`` / ``date_out_of_window`` (``closes_on``); 409 ``period_not_closed``."""
    reason = required_reason(reason)
    check_period_in_window(period, context)
    policy = await ward_policy(uow.session, context.ward, context.policy)
    if closes_on is None:
        closes_on = policy.reopen_deadline(context.now)
    else:
        check_due(closes_on, context.policy, context.now, "closes_on")
    # Closed by its date alone (the automatic close has not run for it yet)?
    untouched = await periods.status_of(uow.session, context.ward, period) is None
    if untouched and not policy.closed_by_date(Month.parse(period), context.now):
        raise Refusal(Kind.CONFLICT, "period_not_closed", "period", period=period)
    today = local_date(context.now)
    if not await periods.reopen_if_closed(
        uow.session, context.ward, period, reason, closes_on, today
    ):
        raise Refusal(Kind.CONFLICT, "period_not_closed", "period", period=period)
    uow.emit(
        PeriodReopened(
            **context.envelope(),
            data=PeriodReopenedData(period=period, reason=reason, closes_on=closes_on),
        )
    )
    return {"period": period, "status": "reopened", "closes_on": closes_on.isoformat()}


async def close_due_periods(uow: UnitOfWork, policy: Policy) -> list[tuple[str, str]]:
    """Close every month whose close day (``Policy.close_day``, in the ward's own working
    days) is over at ``uow.now`` and that nobody closed or reopened yet, back to the ward's
    first activity (``Policy.months_due_to_close``), and every reopened month whose last open
    day (``closes_on``) is over; submissions are refused after those days even before this
    runs (``check_period_open``), so this records the close and tells the others.

    Safe with several instances: only the instance whose insert took raises the event. Returns
    the (ward, period) pairs it closed.
    """
    now, closed = uow.now, []
    for ward in await org.ward_ids(uow.session):
        since = await periods.first_active_month(uow.session, ward)
        due = (await ward_policy(uow.session, ward, policy)).months_due_to_close(now, since)
        keys = [
            m.key for m in due if await periods.close_if_untouched(uow.session, ward, m.key, now)
        ]
        keys += await periods.close_expired_reopens(uow.session, ward, local_date(now), now)
        for key in keys:
            uow.emit(PeriodClosed(**uow.envelope(ward, SYSTEM), data=PeriodClosedData(period=key)))
            closed.append((ward, key))
    return closed
