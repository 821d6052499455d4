"""Sending what is due: the deliveries outbox claimed, grouped into one message per person and
channel, sent, and the outcome recorded.

Deliveries are an outbox: a channel that is down is retried with a doubling wait, never
dropped; an address refused for good is marked ``failed`` and counted, never retried. Several
instances may share one PostgreSQL database: each pending delivery is claimed by one of them
(``FOR UPDATE SKIP LOCKED``, then a lease in ``claimed_until`` that another instance takes over
once it lapses), so a message goes out once.
"""

from __future__ import annotations

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
from services.notifications.adapters.channels import Mailer, Refused, Unavailable, Webhook
from services.notifications.domain.links import LinkMaker
from services.notifications.domain.mail import MailItem, compose
from services.notifications.domain.policy import Policy
from services.notifications.domain.schedule import backoff
from services.notifications.handlers.alerts import alert_data, alert_event
from services.notifications.metrics import ALERTS_SENT, ALERTS_SUPPRESSED, DELIVERY_FAILURES
from services.runtime.clock import Now, SystemClock
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
    last as long as a send)."""

    mailer: Mailer
    webhook: Webhook
    links: LinkMaker
    retry: Retry
    lease: timedelta = timedelta(minutes=5)
    wall: Now = field(default_factory=SystemClock)
    #: Opens the sign-in links assessment sealed (``handlers/sign_in_mail.py``).
    sign_in_key: SecretStr = DEMO_MAIL_KEY


async def send_due(policy: Policy, units: Callable[[], UnitOfWork], sender: Sender) -> int:
    """Send every delivery due now that no other instance holds; returns how many went out."""
    claimed = await claim_due(units, sender)
    if not claimed:
        return 0
    async with units() as uow:
        now, rows = uow.now, await deliveries.claimed(uow.session, claimed)
    groups, dropped = sort_claimed(rows)
    outcomes = [await _deliver(sender, channel, items, now) for channel, items in groups]
    async with units() as uow:
        await _record(policy, uow, sender.retry, outcomes, dropped)
    return sum(len(items) for items, outcome, _ in outcomes if outcome == "sent")


async def claim_due(units: Callable[[], UnitOfWork], sender: Sender) -> list[int]:
    """Claim the deliveries due now that no other instance holds; their ids."""
    async with units() as uow:
        return await deliveries.claim(uow.session, uow.now, sender.wall.now(), sender.lease)


def sort_claimed(rows: list[Any]) -> tuple[list[tuple[str, list[Any]]], list[tuple[Any, str]]]:
    """The claimed deliveries as messages to send, one per (ward, person, channel), and those
    dropped with why: an alert acknowledged or resolved while its message waited, or a second
    message about one alert (an alert appears once in a message)."""
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    dropped: list[tuple[Any, str]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        if row.kind == "alert" and row.status in ("acknowledged", "resolved"):
            dropped.append((row, row.status))
        elif (row.alert_id, row.kind, row.recipient_id, row.channel) in seen:
            dropped.append((row, "duplicate"))
        else:
            seen.add((row.alert_id, row.kind, row.recipient_id, row.channel))
            groups[(row.ward, row.recipient_id, row.channel)].append(row)
    return [(channel, items) for (_, _, channel), items in groups.items()], dropped


async def _deliver(sender: Sender, channel: str, items: list[Any], now: datetime) -> Outcome:
    try:
        await _send(sender, channel, items, now)
    except Unavailable as error:
        DELIVERY_FAILURES.labels(channel, "transient").inc(len(items))
        return items, "retry", str(error)
    except Refused as error:
        DELIVERY_FAILURES.labels(channel, "permanent").inc(len(items))
        log.warning("a %s address was refused for good (%s)", channel, error)
        return items, "failed", str(error)
    return items, "sent", None


async def _send(sender: Sender, channel: str, items: list[Any], now: datetime) -> None:
    first = items[0]
    if channel == "email":
        if not first.email:
            raise Refused("no e-mail address")
        mail = compose(
            first.full_name or first.recipient_id, [_mail_item(sender, r, now) for r in items]
        )
        await sender.mailer.send(first.full_name or "", first.email, mail)
    elif channel == "webhook":
        if not first.webhook_url:
            raise Refused("no webhook address")
        await sender.webhook.post(first.webhook_url, _webhook_body(sender, items, now))
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


def _webhook_body(sender: Sender, items: list[Any], now: datetime) -> dict[str, Any]:
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


async def _record(
    policy: Policy,
    uow: UnitOfWork,
    retry: Retry,
    outcomes: list[Outcome],
    dropped: list[tuple[Any, str]],
) -> None:
    """Record what was dropped and each group's outcome: sent (repeats then count from this
    message, and ``AlertDelivered`` is emitted), failed for good, or due again after a wait."""
    for row, reason in dropped:
        ALERTS_SUPPRESSED.labels(row.rule, reason).inc()
        await deliveries.change(uow.session, row.id, status="dropped")
    for items, outcome, error in outcomes:
        for row in items:
            values: dict[str, Any] = {
                "attempts": row.attempts + 1,
                "last_error": error,
                "claimed_until": None,
            }
            if outcome == "sent":
                values |= {"status": "sent", "sent_at": uow.now}
                if row.kind == "alert":
                    await _delivered(policy, uow, row)
            elif outcome == "failed":
                values |= {"status": "failed"}
            else:
                wait = backoff(row.attempts + 1, retry.base_s, retry.max_s)
                values |= {"send_after": uow.now + wait}
            await deliveries.change(uow.session, row.id, **values)


async def _delivered(policy: Policy, uow: UnitOfWork, row: Any) -> None:
    """A message raising the alert went out: repeats count from it; tell the bus."""
    ALERTS_SENT.labels(row.rule, row.channel).inc()
    at = policy.next_repeat(uow.now, row.snoozed_until)
    await alerts.set_next_repeat(uow.session, row.alert_id, at)
    uow.emit(alert_event(AlertDelivered, row.ward, alert_data(row, channel=row.channel), uow.now))
