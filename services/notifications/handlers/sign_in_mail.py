"""E-mailing the one-time links people set their password with (docs/SECURITY.md, "How the link
reaches the person"). ``assessment.sign_in.link_issued`` carries the link sealed; it is kept
sealed in ``sign_in_mails`` until the scheduler's pass sends it (opened only then, with
``Sender.sign_in_key``), and the sealed text is erased once the mail is sent, the link has
expired, or the address is refused. A channel that is down is retried with the deliveries'
backoff until the link expires."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from contracts.events import SignInLinkIssued
from services.notifications.adapters.channels import Refused, Unavailable
from services.notifications.adapters.tables import org_versions, sign_in_mails
from services.notifications.domain.mail import compose_sign_in
from services.notifications.domain.schedule import backoff
from services.notifications.handlers.context import Context
from services.notifications.handlers.deliveries import QUEUED
from services.notifications.handlers.sending import Sender
from services.runtime.sealing import Unsealable, unseal
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

#: At most this many links are sent in one pass.
BATCH = 50


async def queue_sign_in_link(ctx: Context, event: SignInLinkIssued) -> None:
    """Keep the sealed link to send (once per event: a redelivered one changes nothing)."""
    t, data, event_id = sign_in_mails, event.data, str(event.event_id)
    if await ctx.session.scalar(select(t.c.event_id).where(t.c.event_id == event_id)):
        return
    await ctx.session.execute(
        t.insert().values(
            event_id=event_id,
            ward=event.ward,
            person_id=data.person_id,
            purpose=data.purpose,
            sealed=data.sealed,
            status="pending",
            expires_at=data.expires_at,
            send_after=ctx.now,
        )
    )
    ctx.uow.after_commit(QUEUED.ring)  # sent at once, not at the next tick


async def send_sign_in_links(units: Callable[[], UnitOfWork], sender: Sender) -> int:
    """Send the links due (pending, their send time come): each claimed first (``sending``), so
    two instances do not both send it; answers how many went out."""
    async with units() as uow:
        now, t = uow.now, sign_in_mails
        due = await uow.session.execute(
            select(t.c.event_id)
            .where(t.c.status == "pending", t.c.send_after <= now)
            .order_by(t.c.send_after)
            .limit(BATCH)
        )
        ids = [row.event_id for row in due]
    sent = 0
    for event_id in ids:
        async with units() as uow:
            claimed = await uow.session.execute(
                update(sign_in_mails)
                .where(sign_in_mails.c.event_id == event_id, sign_in_mails.c.status == "pending")
                .values(status="sending")
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row = (
                await uow.session.execute(
                    select(sign_in_mails, org_versions.c.ward_name)
                    .outerjoin(org_versions, org_versions.c.ward == sign_in_mails.c.ward)
                    .where(sign_in_mails.c.event_id == event_id)
                )
            ).one()
        outcome = await _send(sender, row, now)
        async with units() as uow:
            await uow.session.execute(
                update(sign_in_mails).where(sign_in_mails.c.event_id == event_id).values(**outcome)
            )
        sent += outcome["status"] == "sent"
    return sent


async def _send(sender: Sender, row: Any, now: datetime) -> dict[str, Any]:
    """The row's new values after one try: sent, expired, failed (the sealed text erased), or
    pending again later."""
    attempts = row.attempts + 1
    if row.expires_at <= now:
        return {"status": "expired", "sealed": "", "attempts": row.attempts}
    try:
        opened = unseal(sender.sign_in_key, row.sealed)
        mail = compose_sign_in(
            opened["full_name"], opened["link"], row.purpose, row.expires_at, row.ward_name
        )
        await sender.mailer.send(opened["full_name"], opened["email"], mail)
    except Unavailable as error:
        wait = backoff(attempts, sender.retry.base_s, sender.retry.max_s)
        retry = {"status": "pending", "send_after": now + wait, "last_error": str(error)}
        return {**retry, "attempts": attempts}
    except (Refused, Unsealable, KeyError) as error:
        log.warning("sign-in link %s for %s not sent: %s", row.event_id, row.person_id, error)
        return {"status": "failed", "sealed": "", "attempts": attempts, "last_error": str(error)}
    return {"status": "sent", "sealed": "", "attempts": attempts, "sent_at": now}
