"""The notifications service layer: keep the org chart, raise and resolve alerts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Text
from contracts.envelope import SYSTEM, Event
from contracts.events import (
    AlertData,
    AlertRaised,
    AlertResolved,
    LowScoreDetected,
    LowScoreRecovered,
    OrgChartPublished,
    OrgPerson,
)
from contracts.roles import Role
from services.notifications.adapters.tables import (
    alerts,
    org_people,
    org_units,
    org_versions,
    plumbing,
)
from services.notifications.domain.low_scores import low_score_message, recipients, rule_name
from services.runtime.consumer import RetryLater
from services.runtime.db import upsert
from services.runtime.outbox import stage


async def apply(session: AsyncSession, events: Sequence[Event]) -> None:
    for event in events:
        if isinstance(event, OrgChartPublished):
            await replace_org_chart(session, event)
        elif isinstance(event, LowScoreDetected):
            await raise_low_score(session, event)
        elif isinstance(event, LowScoreRecovered):
            await resolve_low_score(session, event)


async def replace_org_chart(session: AsyncSession, event: OrgChartPublished) -> None:
    ward, chart = event.ward, event.data
    known = await session.scalar(select(org_versions.c.version).where(org_versions.c.ward == ward))
    if known is not None and known >= chart.version:
        return  # an older chart arriving late
    await session.execute(delete(org_people).where(org_people.c.ward == ward))
    await session.execute(delete(org_units).where(org_units.c.ward == ward))
    if chart.units:
        await session.execute(
            org_units.insert(),
            [
                {"ward": ward, "unit_id": u.unit_id, "name_vi": u.name.vi, "name_en": u.name.en}
                for u in chart.units
            ],
        )
    if chart.people:
        await session.execute(
            org_people.insert(),
            [
                {
                    "ward": ward,
                    "person_id": p.person_id,
                    "full_name": p.full_name,
                    "email": p.email,
                    "role": p.role.value,
                    "unit_id": p.unit_id,
                    "units_in_charge": list(p.units_in_charge),
                }
                for p in chart.people
            ],
        )
    statement = upsert(session, org_versions).values(ward=ward, version=chart.version)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[org_versions.c.ward], set_={"version": chart.version}
        )
    )


async def load_people(session: AsyncSession, ward: str) -> list[OrgPerson]:
    rows = await session.execute(select(org_people).where(org_people.c.ward == ward))
    return [
        OrgPerson(
            person_id=r.person_id,
            full_name=r.full_name,
            email=r.email,
            role=Role(r.role),
            unit_id=r.unit_id,
            units_in_charge=tuple(r.units_in_charge),
        )
        for r in rows
    ]


async def unit_name(session: AsyncSession, ward: str, unit_id: str) -> Text:
    row = (
        await session.execute(
            select(org_units.c.name_vi, org_units.c.name_en).where(
                org_units.c.ward == ward, org_units.c.unit_id == unit_id
            )
        )
    ).first()
    return Text(vi=row.name_vi, en=row.name_en) if row else Text(vi=unit_id, en=unit_id)


async def raise_low_score(session: AsyncSession, event: LowScoreDetected) -> None:
    data = event.data
    if data.subject_kind != "unit":
        return
    targets = recipients(data, await load_people(session, event.ward))
    if not targets:
        # The org chart comes on another stream and may not be here yet: try again shortly.
        raise RetryLater(f"no recipient known yet for unit {data.unit_id}")
    message = low_score_message(data, await unit_name(session, event.ward, data.unit_id))
    now = datetime.now(UTC)
    rule = rule_name(data.metric)
    raised: list[Event] = []
    for person in targets:
        alert_id = uuid.uuid4()
        statement = upsert(session, alerts).values(
            alert_id=str(alert_id),
            ward=event.ward,
            rule=rule,
            subject_id=data.unit_id,
            period=data.period,
            recipient_id=person.person_id,
            severity="critical" if data.final else "warning",
            status="open",
            title_vi=message.title.vi,
            title_en=message.title.en,
            body_vi=message.body.vi,
            body_en=message.body.en,
            created_at=now,
            updated_at=now,
        )
        inserted = await session.execute(
            statement.on_conflict_do_nothing(
                index_elements=["ward", "rule", "subject_id", "period", "recipient_id"]
            ).returning(alerts.c.alert_id)
        )
        if inserted.first() is None:
            await session.execute(
                update(alerts)
                .where(
                    alerts.c.ward == event.ward,
                    alerts.c.rule == rule,
                    alerts.c.subject_id == data.unit_id,
                    alerts.c.period == data.period,
                    alerts.c.recipient_id == person.person_id,
                    alerts.c.status == "resolved",
                )
                .values(status="open", updated_at=now)
            )
            continue
        raised.append(
            AlertRaised(
                ward=event.ward,
                occurred_at=now,
                actor=SYSTEM,
                correlation_id=event.correlation_id,
                data=AlertData(
                    alert_id=alert_id,
                    rule=rule,
                    subject_id=data.unit_id,
                    period=data.period,
                    recipient_id=person.person_id,
                    severity="critical" if data.final else "warning",
                ),
            )
        )
    await stage(session, plumbing.outbox, raised)


async def resolve_low_score(session: AsyncSession, event: LowScoreRecovered) -> None:
    data = event.data
    now = datetime.now(UTC)
    rows = (
        await session.execute(
            update(alerts)
            .where(
                alerts.c.ward == event.ward,
                alerts.c.rule == rule_name(data.metric),
                alerts.c.subject_id == data.unit_id,
                alerts.c.period == data.period,
                alerts.c.status != "resolved",
            )
            .values(status="resolved", updated_at=now)
            .returning(alerts.c.alert_id, alerts.c.recipient_id, alerts.c.severity)
        )
    ).all()
    await stage(
        session,
        plumbing.outbox,
        [
            AlertResolved(
                ward=event.ward,
                occurred_at=now,
                actor=SYSTEM,
                correlation_id=event.correlation_id,
                data=AlertData(
                    alert_id=uuid.UUID(r.alert_id),
                    rule=rule_name(data.metric),
                    subject_id=data.unit_id,
                    period=data.period,
                    recipient_id=r.recipient_id,
                    severity=r.severity,
                ),
            )
            for r in rows
        ],
    )
