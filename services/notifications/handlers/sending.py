"""Sending what is due: the deliveries outbox claimed, grouped into one message per person and
channel, sent, and the outcome recorded.

Deliveries are an outbox: a channel that is down is retried with a doubling wait, never
dropped; an address refused for good is marked ``failed`` and counted, never retried. Several
instances may share one PostgreSQL database: each pending delivery is claimed by one of them
(``FOR UPDATE SKIP LOCKED``, then a lease in ``claimed_until`` that another instance takes over
once it lapses), so a message goes out once.

One message cannot hold up or break the others: the messages of a pass go out concurrently
(at most ``Sender.concurrency`` at once), each within its channel's own deadline, and each
outcome is recorded in a transaction of its own as soon as it is known. Any error while one
message is built or sent (a control character in a name, say) fails that message alone, for
good; the others go out, once.

Between the server's acceptance of a message and the record of it an instance may be killed (or
the deadline may fire after the final dot of DATA): no protocol closes that window, so the
deliveries are resent once their lease lapses (at least once: an alert is never lost). Each
group of deliveries is given its message's id (``message_id``) in a commit of its own before it
is sent, and keeps that id and that group on every attempt (no delivery joins or leaves it but
an acknowledged one): a resend is the same message with the same Message-ID (RFC 5322), which a
server or mail reader that drops copies by their id drops, never the same alert under a new id.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import SecretStr

from contracts.common import Text
from contracts.events import AlertDelivered
from services.notifications.adapters import alerts, deliveries
from services.notifications.adapters.channels import Mailer, Refused, Unavailable
from services.notifications.adapters.webhooks import Webhook
from services.notifications.domain.links import LinkMaker
from services.notifications.domain.mail import MailItem, compose
from services.notifications.domain.policy import Policy
from services.notifications.domain.schedule import backoff
from services.notifications.handlers import webhooks
from services.notifications.handlers.alerts import alert_data, alert_event
from services.notifications.handlers.context import Context
from services.notifications.metrics import ALERTS_SENT, ALERTS_SUPPRESSED, DELIVERY_FAILURES
from services.runtime.clock import Now, SystemClock
from services.runtime.objects import Bucket
from services.runtime.sealing import DEMO_MAIL_KEY
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

#: A group of claimed deliveries sent as one message, its outcome ("sent", "retry", "failed")
#: and the error.
Outcome = tuple[list[Any], str, str | None]


@dataclass(frozen=True)
class Retry:
    """Retries of a channel that is down: the first after ``base_s``, doubling, capped."""

    base_s: float
    max_s: float


@dataclass(frozen=True)
class Sender:
    """The channels and how they are used: the links in messages, retries, the claim's lease
    (wall time, from ``wall``: the service's clock may be moved in a demo, a claim must still
    last as long as a send), how many messages go out at once, and after how many failed
    messages in a row a webhook is turned off."""

    mailer: Mailer
    webhook: Webhook
    links: LinkMaker
    retry: Retry
    lease: timedelta = timedelta(minutes=5)
    wall: Now = field(default_factory=SystemClock)
    #: Opens the sign-in links assessment sealed (``handlers/sign_in_mail.py``).
    sign_in_key: SecretStr = DEMO_MAIL_KEY
    #: The REPORTS bucket the committee's report files are read from (``report_mail.py``);
    #: None until the bus is there (the mails wait).
    reports: Bucket | None = None
    concurrency: int = 8
    disable_webhook_after: int = 10


async def send_due(policy: Policy, units: Callable[[], UnitOfWork], sender: Sender) -> int:
    """Send every delivery due now that no other instance holds, at most
    ``sender.concurrency`` messages at once, each outcome recorded as soon as it is known;
    returns how many deliveries went out. A failure to record (the database down) is raised
    once every message of the pass is over."""
    # A little before the lease stored (taken after this moment): a send is started only while
    # the claim will outlast it, else another instance could take the rows over mid-send.
    held_until = sender.wall.now() + sender.lease
    claimed = await claim_due(units, sender)
    if not claimed:
        return 0
    async with units() as uow:
        now, rows = uow.now, await deliveries.claimed(uow.session, claimed)
        groups, dropped = sort_claimed(rows)
        await _drop(uow, dropped)
        await _name_messages(uow, groups)
    gate = asyncio.Semaphore(max(1, sender.concurrency))

    async def one(channel: str, items: list[Any]) -> int:
        async with gate:
            if sender.wall.now() + _deadline(sender, channel) >= held_until:
                return 0  # waited too long for its turn: left to the next pass, unsent
            outcome = await _deliver(sender, channel, items, now)
        async with units() as uow:
            await _record(Context(policy, uow), sender, channel, outcome)
        return len(items) if outcome[1] == "sent" else 0

    done = await asyncio.gather(*(one(c, i) for c, i in groups), return_exceptions=True)
    for result in done:
        if isinstance(result, BaseException):
            raise result
    return sum(r for r in done if isinstance(r, int))


def _deadline(sender: Sender, channel: str) -> timedelta:
    """The longest one message on ``channel`` may take (its channel's deadline)."""
    seconds = sender.webhook.deadline_s if channel == "webhook" else sender.mailer.deadline_s
    return timedelta(seconds=seconds)


async def claim_due(units: Callable[[], UnitOfWork], sender: Sender) -> list[int]:
    """Claim the deliveries due now that no other instance holds; their ids."""
    async with units() as uow:
        return await deliveries.claim(uow.session, uow.now, sender.wall.now(), sender.lease)


def sort_claimed(rows: list[Any]) -> tuple[list[tuple[str, list[Any]]], list[tuple[Any, str]]]:
    """The claimed deliveries as messages to send, one per (ward, person, channel) and, for
    deliveries a message was already made for (an attempt interrupted or retried), one per
    message id as before; and those dropped with why: an alert acknowledged or resolved while
    its message waited, or a second message about one alert (an alert appears once in a
    message)."""
    groups: dict[tuple[str, str, str, str | None], list[Any]] = defaultdict(list)
    dropped: list[tuple[Any, str]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        if row.kind == "alert" and row.status in ("acknowledged", "resolved"):
            dropped.append((row, row.status))
        elif (row.alert_id, row.kind, row.recipient_id, row.channel) in seen:
            dropped.append((row, "duplicate"))
        else:
            seen.add((row.alert_id, row.kind, row.recipient_id, row.channel))
            groups[(row.ward, row.recipient_id, row.channel, row.message_id)].append(row)
    return [(channel, items) for (_, _, channel, _), items in groups.items()], dropped


async def _name_messages(uow: UnitOfWork, groups: list[tuple[str, list[Any]]]) -> None:
    """Give each new message its id (``webhooks.message_id``: its first delivery's, unique),
    stored on its deliveries and committed with the claim before anything is sent; a message
    made before keeps its own."""
    for _, items in groups:
        if items[0].message_id is None:
            ids = [row.id for row in items]
            await deliveries.name_message(uow.session, ids, webhooks.message_id(items))


def _key(items: list[Any]) -> str:
    """The id of the message ``items`` go out in (as ``_name_messages`` stored it)."""
    return items[0].message_id or webhooks.message_id(items)


async def _deliver(sender: Sender, channel: str, items: list[Any], now: datetime) -> Outcome:
    """Send one message; its outcome. Any error of this message's own (not the channel's) fails
    it for good, logged with the deliveries' ids and the error's kind only (no names, no
    addresses: docs/SECURITY.md)."""
    try:
        await _send(sender, channel, items, now)
    except Unavailable as error:
        DELIVERY_FAILURES.labels(channel, "transient").inc(len(items))
        return items, "retry", str(error)
    except Refused as error:
        DELIVERY_FAILURES.labels(channel, "permanent").inc(len(items))
        log.warning("a %s address was refused for good (%s)", channel, error)
        return items, "failed", str(error)
    except Exception as error:  # one bad message must not stop the others
        DELIVERY_FAILURES.labels(channel, "permanent").inc(len(items))
        ids = [row.id for row in items]
        log.warning("%s deliveries %s could not be sent: %s", channel, ids, type(error).__name__)
        return items, "failed", f"message could not be built or sent ({type(error).__name__})"
    return items, "sent", None


async def _send(sender: Sender, channel: str, items: list[Any], now: datetime) -> None:
    first = items[0]
    if channel == "email":
        if not first.email:
            raise Refused("no e-mail address")
        mail = compose(
            first.full_name or first.recipient_id,
            [_mail_item(sender, r, now) for r in items],
            first.ward_name,
        )
        await sender.mailer.send(first.full_name or "", first.email, mail, _key(items))
    elif channel == "webhook":
        if not first.webhook_url or first.webhook_disabled_at is not None:
            raise Refused("no webhook address, or the webhook is turned off")
        if not first.webhook_secret:
            raise Refused("the webhook has no signing secret: save it again")
        body = webhooks.body(_webhook_payload(sender, items, now))
        timestamp = int(sender.wall.now().timestamp())
        await sender.webhook.post(
            first.webhook_url, first.webhook_secret, _key(items), timestamp, body
        )
    else:
        raise Refused(f"unknown channel {channel}")


def _mail_item(sender: Sender, row: Any, now: datetime) -> MailItem:
    resolved = row.kind == "resolved"
    return MailItem(
        title=Text(vi=row.title_vi, en=row.title_en),
        body=Text(vi=row.body_vi, en=row.body_en),
        resolved=resolved,
        ack_url=None if resolved else sender.links.url(row.alert_id, "ack", now),
        snooze_url=None if resolved else sender.links.url(row.alert_id, "snooze", now),
    )


def _webhook_payload(sender: Sender, items: list[Any], now: datetime) -> dict[str, Any]:
    return {
        "ward": items[0].ward,
        "recipient_id": items[0].recipient_id,
        "sent_at": now.isoformat(),
        "alerts": [
            {
                "alert_id": r.alert_id,
                "kind": r.kind,
                "rule": r.rule,
                "subject_id": r.subject_id,
                "period": r.period,
                "severity": r.severity,
                "escalation_level": r.escalation_level,
                "title": {"vi": r.title_vi, "en": r.title_en},
                "body": {"vi": r.body_vi, "en": r.body_en},
                "ack_url": sender.links.url(r.alert_id, "ack", now),
            }
            for r in items
        ],
    }


async def _drop(uow: UnitOfWork, dropped: list[tuple[Any, str]]) -> None:
    """Record the deliveries dropped unsent, with why."""
    for row, reason in dropped:
        ALERTS_SUPPRESSED.labels(row.rule, reason).inc()
        await deliveries.change(uow.session, row.id, status="dropped")


async def _record(ctx: Context, sender: Sender, channel: str, outcome: Outcome) -> None:
    """Record one message's outcome: sent (repeats then count from this message, and
    ``AlertDelivered`` is emitted), failed for good, or due again after a wait; for a webhook,
    its run of failures (turned off after too many)."""
    items, status, error = outcome
    for row in items:
        values: dict[str, Any] = {
            "attempts": row.attempts + 1,
            "last_error": error,
            "claimed_until": None,
        }
        if status == "sent":
            values |= {"status": "sent", "sent_at": ctx.now}
            if row.kind == "alert":
                await _delivered(ctx, row)
        elif status == "failed":
            values |= {"status": "failed"}
        else:
            wait = backoff(row.attempts + 1, sender.retry.base_s, sender.retry.max_s)
            values |= {"send_after": ctx.now + wait}
        await deliveries.change(ctx.session, row.id, **values)
    if channel == "webhook":
        await webhooks.note_outcome(ctx, items[0], status == "sent", sender.disable_webhook_after)


async def _delivered(ctx: Context, row: Any) -> None:
    """A message raising the alert went out: repeats count from it; tell the bus."""
    ALERTS_SENT.labels(row.rule, row.channel).inc()
    at = ctx.policy.next_repeat(ctx.now, row.snoozed_until)
    await alerts.set_next_repeat(ctx.session, row.alert_id, at)
    ctx.uow.emit(
        alert_event(AlertDelivered, row.ward, alert_data(row, channel=row.channel), ctx.now)
    )
