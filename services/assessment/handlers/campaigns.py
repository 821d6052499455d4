"""Campaigns: an administrator publishes a dated campaign with its own short checklist (drawn
from the catalogue or written for it); auditors audit units against it within its dates; the
results stay apart from the monthly 5S figures (``domain/campaigns.py``)."""

from __future__ import annotations

import uuid
from typing import Any

from contracts import intake as schemas
from contracts.events import (
    CampaignAudited,
    CampaignAuditedData,
    CampaignPublished,
    CampaignPublishedData,
    CampaignScore,
)
from services.assessment.adapters import campaigns
from services.assessment.domain.audits import match_items
from services.assessment.domain.campaigns import checklist
from services.assessment.handlers.common import Context, check_unit, get_catalog, local_date
from services.assessment.handlers.evidence import cite_photos
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


async def publish(uow: UnitOfWork, context: Context, body: schemas.CampaignIn) -> dict[str, Any]:
    """Store a campaign and publish ``assessment.campaign.published``. Errors: 422
    ``campaign_dates`` (``ends_on`` before ``starts_on``), the checklist's
    (``domain.campaigns.checklist``)."""
    if body.ends_on < body.starts_on:
        raise Refusal(Kind.INVALID, "campaign_dates", "ends_on")
    catalog = await get_catalog(uow.session)
    items = checklist(catalog, [i.model_dump() for i in body.items])
    data = CampaignPublishedData(
        campaign_id=uuid.uuid4(),
        title=body.title,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        items=tuple(i.code for i in items),
    )
    await campaigns.insert(
        uow.session,
        data,
        ward=context.ward,
        created_by=context.principal.subject_id,
        items=[{"code": i.code, "text": i.text_vi} for i in items],
        created_at=context.now,
    )
    uow.emit(CampaignPublished(**context.envelope(), data=data))
    return {"campaign_id": str(data.campaign_id), "items": list(data.items)}


async def audit(
    uow: UnitOfWork, context: Context, body: schemas.CampaignAuditCommand
) -> dict[str, Any]:
    """A unit audited against the campaign's checklist, every item once; publishes
    ``assessment.campaign.audited``. Errors: 404 ``unknown_campaign``; 422 ``unknown_unit``,
    ``outside_campaign`` (``performed_at`` not within its dates, Vietnam time), the items'
    (``unknown_item``, ``duplicate_item``, ``missing_items``); 403 ``own_unit``; 409
    ``campaign_audited`` (one audit per unit and campaign); the photos' (``cite_photos``:
    ``unknown_evidence``, ``evidence_of_another_audit``), seen then by whoever sees the unit."""
    row = found(
        await campaigns.find(uow.session, context.ward, body.campaign_id),
        "unknown_campaign",
        "campaign_id",
    )
    await check_unit(uow.session, context.ward, body.unit_id)
    if body.unit_id == context.principal.unit_id:
        raise Refusal(Kind.FORBIDDEN, "own_unit", "unit_id")
    day = local_date(body.performed_at)
    if not row.starts_on <= day <= row.ends_on or body.performed_at > context.now:
        raise Refusal(Kind.INVALID, "outside_campaign", "performed_at")
    expected = {item["code"]: item for item in row.items}
    seen = match_items(expected, body.items, row.title)
    if await campaigns.audited(uow.session, body.campaign_id, body.unit_id):
        raise Refusal(Kind.CONFLICT, "campaign_audited", "unit_id")
    scores = [CampaignScore(code=code, score=seen[code].score) for code in expected]
    audit_id = uuid.uuid4()
    photos = {f"evidence_ids[{i}]": str(e) for i, e in enumerate(body.evidence_ids)}
    await cite_photos(uow.session, context, audit_id, body.unit_id, photos)
    data = CampaignAuditedData(
        campaign_id=body.campaign_id, audit_id=audit_id, unit_id=body.unit_id, items=tuple(scores)
    )
    await campaigns.insert_audit(
        uow.session,
        data,
        ward=context.ward,
        auditor_id=context.principal.subject_id,
        items=[s.model_dump() for s in scores],
        note=body.note,
        performed_at=body.performed_at,
        recorded_at=context.now,
    )
    uow.emit(CampaignAudited(**context.envelope(), data=data))
    return {"audit_id": str(audit_id), "campaign_id": str(body.campaign_id)}
