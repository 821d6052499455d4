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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import SignInLinkIssued
from services.notifications.adapters.tables import org_versions, sign_in_mails
from services.notifications.domain.mail import compose_sign_in
from services.notifications.handlers.context import Context
from services.notifications.handlers.deliveries import QUEUED
from services.notifications.handlers.mail_queue import MailQueue, send_queued, try_sending
from services.notifications.handlers.sending import Sender
from services.runtime.sealing import Unsealable, unseal
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)


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


async def _load(session: AsyncSession, key: dict[str, Any]) -> Any:
    """The claimed link's row, with the ward's name for the mail's footer."""
    return (
        await session.execute(
            select(sign_in_mails, org_versions.c.ward_name)
            .outerjoin(org_versions, org_versions.c.ward == sign_in_mails.c.ward)
            .where(sign_in_mails.c.event_id == key["event_id"])
        )
    ).one()


async def _send(sender: Sender, row: Any, now: datetime) -> dict[str, Any]:
    """The row's new values after one try: sent, expired, failed (the sealed text erased), or
    pending again later."""
    if row.expires_at <= now:
        return {"status": "expired", "sealed": "", "attempts": row.attempts}

    async def send() -> None:
        opened = unseal(sender.sign_in_key, row.sealed)
        mail = compose_sign_in(
            opened["full_name"], opened["link"], row.purpose, row.expires_at, row.ward_name
        )
        await sender.mailer.send(opened["full_name"], opened["email"], mail)

    values = await try_sending(sender, row.attempts + 1, now, send, (Unsealable, KeyError))
    if values["status"] == "failed":
        log.warning(
            "sign-in link %s for %s not sent: %s", row.event_id, row.person_id, values["last_error"]
        )
    return values if values["status"] == "pending" else {**values, "sealed": ""}


#: The links to send, sent by the scheduler's pass.
SIGN_IN_LINKS = MailQueue(sign_in_mails, ("event_id",), _load, _send)


async def send_sign_in_links(units: Callable[[], UnitOfWork], sender: Sender) -> int:
    """Send the links due; answers how many went out."""
    return await send_queued(units, sender, SIGN_IN_LINKS)
