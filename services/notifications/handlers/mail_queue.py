"""E-mails queued one row each, apart from the alerts' deliveries: the sign-in links
(``sign_in_mails``) and the period reports (``report_mails``). The scheduler's pass sends the rows
due: each claimed first (``pending`` to ``sending`` in one statement, so two instances never both
send it), sent, and its outcome recorded in a transaction of its own; a channel that is down is
retried with the deliveries' backoff, an address refused for good is ``failed``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.channels import Refused, Unavailable
from services.notifications.domain.schedule import backoff
from services.notifications.handlers.sending import Sender
from services.runtime.uow import UnitOfWork

#: A row's new values after one try.
Values = dict[str, Any]


@dataclass(frozen=True)
class MailQueue:
    """One table of queued mails: its key columns, how a claimed row is read with what its mail
    needs, and how one try goes (its new values)."""

    table: Table
    key: tuple[str, ...]
    load: Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]]
    attempt: Callable[[Sender, Any, datetime], Awaitable[Values]]
    #: At most this many mails are sent in one pass.
    batch: int = 50


async def send_queued(units: Callable[[], UnitOfWork], sender: Sender, queue: MailQueue) -> int:
    """Send the queue's mails due (pending, their send time come); how many went out."""
    t = queue.table
    async with units() as uow:
        now = uow.now
        due = await uow.session.execute(
            select(*(t.c[name] for name in queue.key))
            .where(t.c.status == "pending", t.c.send_after <= now)
            .order_by(t.c.send_after)
            .limit(queue.batch)
        )
        keys = [dict(row._mapping) for row in due]
    sent = 0
    for key in keys:
        where = and_(*(t.c[name] == value for name, value in key.items()))
        async with units() as uow:
            claimed = await uow.session.execute(
                update(t).where(where, t.c.status == "pending").values(status="sending")
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row = await queue.load(uow.session, key)
        values = await queue.attempt(sender, row, now)
        async with units() as uow:
            await uow.session.execute(update(t).where(where).values(**values))
        sent += values["status"] == "sent"
    return sent


async def try_sending(
    sender: Sender,
    attempts: int,
    now: datetime,
    send: Callable[[], Awaitable[None]],
    refused: tuple[type[Exception], ...] = (),
) -> Values:
    """A row's new values after its ``attempts``-th try of ``send``: sent; pending again after
    the backoff while the channel is down; failed for good when the address is refused (or
    ``send`` raises one of ``refused``)."""
    failing: tuple[type[Exception], ...] = (Refused, *refused)
    try:
        await send()
    except Unavailable as error:
        wait = backoff(attempts, sender.retry.base_s, sender.retry.max_s)
        return {
            "status": "pending",
            "send_after": now + wait,
            "last_error": str(error),
            "attempts": attempts,
        }
    except failing as error:
        return {"status": "failed", "attempts": attempts, "last_error": str(error)}
    return {"status": "sent", "attempts": attempts, "sent_at": now}
