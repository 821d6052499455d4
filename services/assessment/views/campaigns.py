"""Campaigns as a reader sees them: each with its checklist and its results per unit and
ward-wide (exact, apart from the monthly 5S figures)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import campaigns
from services.assessment.domain.campaigns import result, shown


async def campaign_list(session: AsyncSession, ward: str) -> list[dict[str, Any]]:
    """``[{campaign_id, title, starts_on, ends_on, items: [{code, text}], units: [{unit_id,
    performed_at, result, evidence_ids}], ward_result}]`` (the photos: ``GET
    /v1/evidence/{id}``); a result is ``{numerator, denominator, percent}``
    (the scores' sum over 4 × items scored; the ward's pools every unit's items)."""
    rows, audits = await campaigns.of_ward(session, ward)
    photos = await campaigns.photos_of(session, ward, [a.audit_id for a in audits])
    answer = []
    for row in rows:
        mine = [a for a in audits if a.campaign_id == row.campaign_id]
        every = [item["score"] for a in mine for item in a.items]
        answer.append(
            {
                "campaign_id": row.campaign_id,
                "title": row.title,
                "starts_on": row.starts_on.isoformat(),
                "ends_on": row.ends_on.isoformat(),
                "items": row.items,
                "units": [
                    {
                        "unit_id": a.unit_id,
                        "performed_at": a.performed_at.isoformat(),
                        "result": shown(result(item["score"] for item in a.items)),
                        "evidence_ids": sorted(photos.get(a.audit_id, [])),
                    }
                    for a in mine
                ],
                "ward_result": shown(result(every)),
            }
        )
    return answer
