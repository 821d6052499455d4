"""The scheduler: against the service's clock, it watches deadlines, escalates and repeats
alerts, and sends what is due, grouped into one message per person and channel.

It wakes every ``tick_s`` and at once after a transaction that queued a delivery, so a low score
reaches the unit head's mailbox within a second outside quiet hours. Deliveries are an outbox:
a channel that is down is retried with a doubling wait, never dropped; an address refused for
good is marked ``failed`` and counted, never retried.

Several instances may share one PostgreSQL database: each pending delivery is claimed by one
of them (``FOR UPDATE SKIP LOCKED``, then a lease in ``claimed_until`` that another instance takes
over once it lapses), and each evaluation locks the rows it changes, so a repeat, an escalation
or a digest goes out once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from contracts.common import Text
from contracts.events import AlertDelivered
from contracts.periods import Month
from services.notifications import deadlines, handlers, links
from services.notifications.adapters.channels import Mailer, Refused, Unavailable, Webhook
from services.notifications.adapters.tables import (
    alerts,
    deliveries,
    org_people,
    org_versions,
    plumbing,
    preferences,
)
from services.notifications.domain.mail import MailItem, compose
from services.notifications.domain.schedule import backoff
from services.notifications.metrics import (
    ALERTS_SENT,
    ALERTS_SUPPRESSED,
    DELIVERY_FAILURES,
    OVERDUE_REVIEWS,
)
from services.runtime.db import SessionFactory, transaction
from services.runtime.jobs import run_forever
from services.runtime.outbox import stage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retry:
    base_s: float
    max_s: float


@dataclass(frozen=True)
class LinkMaker:
    secret: str
    public_url: str
    ttl: timedelta

    def url(self, alert_id: str, action: links.Action, policy: handlers.Policy) -> str:
        token = links.sign(self.secret, alert_id, action, policy.clock.now(), self.ttl)
        return f"{self.public_url.rstrip('/')}/v1/links/{token}"


class Scheduler:
    def __init__(
        self,
        policy: handlers.Policy,
        sessions: SessionFactory,
        mailer: Mailer,
        webhook: Webhook,
        link_maker: LinkMaker,
        retry: Retry,
        tick_s: float,
        claim: timedelta = timedelta(minutes=5),
    ) -> None:
        self.policy = policy
        self.sessions = sessions
        self.mailer = mailer
        self.webhook = webhook
        self.links = link_maker
        self.retry = retry
        self.tick_s = tick_s
        self.claim = claim
        self._wake = handlers.QUEUED.listener()
        self._lock = asyncio.Lock()
        self._watched: set[tuple[str, str, int]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Tick for the life of the service (or until ``stop``): every ``tick_s``, and at once
        after a commit that queued a delivery. A failed tick (a database hiccup) is retried."""

        async def tick() -> None:
            await self.tick()

        await run_forever("scheduler", tick, interval_s=self.tick_s, stop=stop, wake=self._wake)

    async def tick(self) -> int:
        """One pass: watch this month, alert missed deadlines, escalate, repeat, send. Returns
        how many deliveries went out."""
        async with self._lock:
            await self._watch_current_month()
            for step in (deadlines.raise_missed, handlers.escalate_due, handlers.repeat_due):
                async with transaction(self.sessions) as session:
                    await step(self.policy, session)
            sent = await self.dispatch()
            async with self.sessions() as session:
                overdue = await deadlines.overdue_reviews(session)
            OVERDUE_REVIEWS.clear()
            for ward, unit, count in overdue:
                OVERDUE_REVIEWS.labels(ward, unit).set(count)
            return sent

    async def _watch_current_month(self) -> None:
        month = Month.of(self.policy.clock.now())
        async with self.sessions() as session:
            wards = (await session.execute(select(org_versions))).all()
        for ward, version in wards:
            key = (ward, month.key, version)
            if key not in self._watched:
                async with transaction(self.sessions) as session:
                    await deadlines.ensure_month(self.policy, session, ward, month)
                self._watched.add(key)

    async def _claim(self, now: datetime) -> list[int]:
        """Claim the due deliveries no other instance holds. The lease is wall time: the service's
        clock may be moved in a demo, a claim must still last as long as a send."""
        wall = datetime.now(UTC)
        due = (
            select(deliveries.c.id)
            .where(
                deliveries.c.status == "pending",
                deliveries.c.send_after <= now,
                or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < wall),
            )
            .order_by(deliveries.c.id)
            .limit(1000)
            .with_for_update(skip_locked=True)
        )
        async with transaction(self.sessions) as session:
            claimed = await session.scalars(
                update(deliveries)
                .where(deliveries.c.id.in_(due.scalar_subquery()))
                .values(claimed_until=wall + self.claim)
                .returning(deliveries.c.id)
            )
            return list(claimed)

    async def dispatch(self) -> int:
        now = self.policy.clock.now()
        claimed = await self._claim(now)
        if not claimed:
            return 0
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        deliveries.c.id,
                        deliveries.c.channel,
                        deliveries.c.kind,
                        deliveries.c.attempts,
                        alerts,
                        org_people.c.full_name,
                        org_people.c.email,
                        preferences.c.webhook_url,
                    )
                    .join(alerts, alerts.c.alert_id == deliveries.c.alert_id)
                    .outerjoin(
                        org_people,
                        and_(
                            org_people.c.ward == deliveries.c.ward,
                            org_people.c.person_id == deliveries.c.recipient_id,
                        ),
                    )
                    .outerjoin(
                        preferences,
                        and_(
                            preferences.c.ward == deliveries.c.ward,
                            preferences.c.person_id == deliveries.c.recipient_id,
                        ),
                    )
                    .where(deliveries.c.id.in_(claimed))
                    .order_by(deliveries.c.id)
                )
            ).all()
        groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        dropped: list[tuple[Any, str]] = []
        seen: set[tuple[str, str, str, str]] = set()
        for row in rows:
            if row.kind == "alert" and row.status in ("acknowledged", "resolved"):
                dropped.append((row, row.status))  # acknowledged or cleared while it waited
            elif (row.alert_id, row.kind, row.recipient_id, row.channel) in seen:
                dropped.append((row, "duplicate"))  # one alert appears once in a message
            else:
                seen.add((row.alert_id, row.kind, row.recipient_id, row.channel))
                groups[(row.ward, row.recipient_id, row.channel)].append(row)
        outcomes: list[tuple[list[Any], str, str | None]] = []
        for (_, _, channel), items in groups.items():
            try:
                await self._send(channel, items)
            except Unavailable as error:
                DELIVERY_FAILURES.labels(channel, "transient").inc(len(items))
                outcomes.append((items, "retry", str(error)))
            except Refused as error:
                DELIVERY_FAILURES.labels(channel, "permanent").inc(len(items))
                log.warning("a %s address was refused for good (%s)", channel, error)
                outcomes.append((items, "failed", str(error)))
            else:
                outcomes.append((items, "sent", None))
        await self._record(outcomes, dropped)
        return sum(len(items) for items, outcome, _ in outcomes if outcome == "sent")

    async def _send(self, channel: str, items: list[Any]) -> None:
        first = items[0]
        if channel == "email":
            if not first.email:
                raise Refused("no e-mail address")
            mail = compose(
                first.full_name or first.recipient_id, [self._mail_item(r) for r in items]
            )
            await self.mailer.send(first.full_name or "", first.email, mail)
        elif channel == "webhook":
            if not first.webhook_url:
                raise Refused("no webhook address")
            await self.webhook.post(first.webhook_url, self._webhook_body(items))
        else:
            raise Refused(f"unknown channel {channel}")

    def _mail_item(self, row: Any) -> MailItem:
        resolved = row.kind == "resolved"
        return MailItem(
            title=Text(vi=row.title_vi, en=row.title_en),
            body=Text(vi=row.body_vi, en=row.body_en),
            resolved=resolved,
            ack_url=None if resolved else self.links.url(row.alert_id, "ack", self.policy),
            snooze_url=None if resolved else self.links.url(row.alert_id, "snooze", self.policy),
        )

    def _webhook_body(self, items: list[Any]) -> dict[str, Any]:
        return {
            "ward": items[0].ward,
            "recipient_id": items[0].recipient_id,
            "sent_at": self.policy.clock.now().isoformat(),
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
                    "ack_url": self.links.url(r.alert_id, "ack", self.policy),
                }
                for r in items
            ],
        }

    async def _record(
        self, outcomes: list[tuple[list[Any], str, str | None]], dropped: list[tuple[Any, str]]
    ) -> None:
        now = self.policy.clock.now()
        delivered = []
        async with transaction(self.sessions) as session:
            for row, reason in dropped:
                ALERTS_SUPPRESSED.labels(row.rule, reason).inc()
                await session.execute(
                    update(deliveries).where(deliveries.c.id == row.id).values(status="dropped")
                )
            for items, outcome, error in outcomes:
                for row in items:
                    values: dict[str, Any] = {
                        "attempts": row.attempts + 1,
                        "last_error": error,
                        "claimed_until": None,
                    }
                    if outcome == "sent":
                        values |= {"status": "sent", "sent_at": now}
                        if row.kind == "alert":
                            ALERTS_SENT.labels(row.rule, row.channel).inc()
                            # Repeats count from this message, the last that went out.
                            await session.execute(
                                update(alerts)
                                .where(alerts.c.alert_id == row.alert_id, alerts.c.status == "open")
                                .values(
                                    repeat_at=handlers.next_repeat(
                                        self.policy, now, row.snoozed_until
                                    )
                                )
                            )
                            delivered.append(
                                handlers.alert_event(
                                    AlertDelivered,
                                    row.ward,
                                    handlers.alert_data(row, channel=row.channel),
                                    now,
                                )
                            )
                    elif outcome == "failed":
                        values |= {"status": "failed"}
                    else:
                        wait = backoff(row.attempts + 1, self.retry.base_s, self.retry.max_s)
                        values |= {"send_after": now + wait}
                    await session.execute(
                        update(deliveries).where(deliveries.c.id == row.id).values(**values)
                    )
            await stage(session, plumbing.outbox, delivered)
