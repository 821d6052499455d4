"""Queueing messages about alerts on each channel their recipient chose, when quiet hours (or the
person's daily digest) allow; the scheduler sends them (``handlers.sending``)."""

from __future__ import annotations

from contracts.events import AlertData
from services.notifications.adapters import deliveries, org
from services.notifications.handlers.calendar import ward_calendar
from services.notifications.handlers.context import Context
from services.notifications.metrics import ALERTS_SUPPRESSED
from services.runtime.hooks import Bell

#: Rung after a commit that queued a delivery, so the scheduler sends it at once.
QUEUED = Bell()


async def queue(ctx: Context, ward: str, alert: AlertData, kind: str) -> None:
    """Queue a message of ``kind`` ("alert" or "resolved") about an alert on each channel the
    recipient chose (e-mail unless they turned it off, their webhook if they gave one), to go at
    once or when quiet hours (or their daily digest) allow; none for someone with no channel
    (the in-app inbox only). Wakes the scheduler once the transaction commits."""
    channels, digest = await _channels(ctx, ward, alert.recipient_id, alert.rule)
    if not channels:
        return  # the in-app inbox only
    window = ctx.policy.window(await ward_calendar(ctx, ward))
    critical = alert.severity == "critical"
    send_after = window.send_at(ctx.now, critical=critical, digest_at=ctx.policy.digest(digest))
    if send_after > ctx.now:
        ALERTS_SUPPRESSED.labels(alert.rule, "digest" if digest else "quiet_hours").inc()
    await deliveries.add(
        ctx.session,
        [
            {
                "ward": ward,
                "alert_id": str(alert.alert_id),
                "recipient_id": alert.recipient_id,
                "channel": channel,
                "kind": kind,
                "status": "pending",
                "attempts": 0,
                "send_after": send_after,
                "created_at": ctx.now,
            }
            for channel in channels
        ],
    )
    ctx.uow.after_commit(QUEUED.ring)


#: Rules whose messages go by e-mail whatever the person chose: about their channels
#: themselves (a webhook turned off must reach someone who chose the webhook alone).
ALWAYS_EMAIL = frozenset({"webhook.disabled"})


async def _channels(ctx: Context, ward: str, person_id: str, rule: str) -> tuple[list[str], bool]:
    """The person's channels for a rule's message and whether they chose the daily digest."""
    person = await org.email_of(ctx.session, ward, person_id)
    choice = await deliveries.preference(ctx.session, ward, person_id)
    channels = []
    wants_email = choice.email if choice else True
    if (wants_email or rule in ALWAYS_EMAIL) and person is not None and person.email:
        channels.append("email")
    if choice is not None and choice.webhook_url and choice.webhook_disabled_at is None:
        channels.append("webhook")
    return channels, bool(choice is not None and choice.digest)
