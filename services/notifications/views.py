"""Read-side queries of the notifications service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import Role
from services.notifications.adapters.tables import alerts, deliveries, org_people, preferences
from services.runtime.auth import Principal


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


async def inbox(
    session: AsyncSession, ward: str, person_id: str, lang: str, include_resolved: bool = False
) -> list[dict[str, Any]]:
    """The caller's alerts, newest first."""
    query = select(alerts).where(alerts.c.ward == ward, alerts.c.recipient_id == person_id)
    if not include_resolved:
        query = query.where(alerts.c.status != "resolved")
    rows = await session.execute(query.order_by(alerts.c.created_at.desc()).limit(500))
    return [_shown(r, lang) for r in rows]


def _shown(r: Any, lang: str) -> dict[str, Any]:
    return {
        "alert_id": r.alert_id,
        "rule": r.rule,
        "subject_id": r.subject_id,
        "unit_id": r.unit_id,
        "period": r.period,
        "severity": r.severity,
        "status": r.status,
        "escalation_level": r.escalation_level,
        "title": r.title_en if lang == "en" else r.title_vi,
        "body": r.body_en if lang == "en" else r.body_vi,
        "created_at": r.created_at.isoformat(),
        "snoozed_until": _iso(r.snoozed_until),
        "acknowledged_at": _iso(r.acknowledged_at),
        "escalated_at": _iso(r.escalated_at),
        # Handed up to the caller by an escalation: who had it before and since when (None for
        # an alert raised to them directly, whatever their level on the rule's route).
        "told_before": None
        if r.told_before_id is None
        else {
            "person_id": r.told_before_id,
            "full_name": r.told_before_name,
            "told_at": _iso(r.told_before_at),
        },
    }


async def alert_of(session: AsyncSession, alert_id: str, lang: str) -> dict[str, Any] | None:
    """One alert as the inbox shows it (for a signed link's confirmation page), or None."""
    row = (await session.execute(select(alerts).where(alerts.c.alert_id == alert_id))).first()
    return None if row is None else _shown(row, lang)


async def recipient_of(session: AsyncSession, alert_id: str) -> Principal | None:
    """The alert's recipient, as the caller a signed link in a message stands for (their role
    as the ward's chart gives it; a person no longer on it as staff); None for no such alert."""
    row = (
        await session.execute(
            select(alerts.c.ward, alerts.c.recipient_id, org_people.c.role)
            .outerjoin(
                org_people,
                (org_people.c.ward == alerts.c.ward)
                & (org_people.c.person_id == alerts.c.recipient_id),
            )
            .where(alerts.c.alert_id == alert_id)
        )
    ).first()
    if row is None:
        return None
    return Principal(row.recipient_id, row.ward, Role(row.role) if row.role else Role.STAFF)


async def preferences_of(session: AsyncSession, ward: str, person_id: str) -> dict[str, Any]:
    """A person's channels, their webhook's signing secret (for its owner or an admin to set up
    the receiver) and when it was turned off, if it was."""
    row = (
        await session.execute(
            select(preferences).where(
                preferences.c.ward == ward, preferences.c.person_id == person_id
            )
        )
    ).first()
    if row is None:
        return {
            "person_id": person_id,
            "email": True,
            "webhook_url": None,
            "digest": False,
            "webhook_secret": None,
            "webhook_disabled_at": None,
        }
    return {
        "person_id": person_id,
        "email": row.email,
        "webhook_url": row.webhook_url,
        "digest": row.digest,
        "webhook_secret": row.webhook_secret,
        "webhook_disabled_at": _iso(row.webhook_disabled_at),
    }


async def failed_deliveries(session: AsyncSession, ward: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(deliveries)
        .where(deliveries.c.ward == ward, deliveries.c.status == "failed")
        .order_by(deliveries.c.id.desc())
        .limit(500)
    )
    return [
        {
            "alert_id": r.alert_id,
            "recipient_id": r.recipient_id,
            "channel": r.channel,
            "attempts": r.attempts,
            "error": r.last_error,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]
