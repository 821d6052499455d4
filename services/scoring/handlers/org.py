"""Folding closes and reopens of months, and the ward's org charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts.events import OrgChartPublished, PeriodClosed, PeriodReopened
from services.scoring.adapters import closes, org
from services.scoring.domain.closing import close_or_reopen
from services.scoring.domain.roster import RosterEntry, roster_entry
from services.scoring.handlers.batch import Batch


async def fold_periods(batch: Batch, events: Sequence[PeriodClosed | PeriodReopened]) -> None:
    # In stream order: a close then a reopen of the same month leaves it open, and back.
    state: dict[tuple[str, str], datetime | None] = {}
    reopened: set[tuple[str, str]] = set()
    for e in events:
        key = (e.ward, e.data.period)
        if isinstance(e, PeriodClosed):
            close_or_reopen(state, key, e.occurred_at)
        else:
            close_or_reopen(state, key, None)
            reopened.add(key)
    closing = {key: at for key, at in state.items() if at is not None}
    # A reopen in the batch forgets the stored close first; a close of a month that stayed
    # closed leaves the stored time (the store keeps the first).
    await closes.reopen_periods(batch.session, reopened)
    await closes.close_periods(batch.session, closing)
    for ward, month in closing:
        batch.touched[ward].closed.add(month)


async def fold_org_charts(batch: Batch, events: Sequence[OrgChartPublished]) -> None:
    """Keep each ward's newest org chart: who is classified, in which duty group, and who
    is counted in the cap. A changed chart announces nothing by itself: the next
    classification of the ward (a close, a late change) is made with it."""
    newest: dict[str, RosterEntry] = {}
    for e in events:
        if e.ward not in newest or e.data.version > newest[e.ward].version:
            newest[e.ward] = roster_entry(e.data)
    await org.replace_rosters(batch.session, newest)
