"""The initiatives register (sổ sáng kiến): the ward's launch of 5S+ encourages every unit and
person to propose solutions, models and initiatives ("khuyến khích mỗi cơ quan, đơn vị và cá
nhân ... chủ động đề xuất giải pháp, mô hình và sáng kiến").

A person proposes one (or a unit head for their unit); the chairman or a member of the council
the policy names decides: accepted, piloting, adopted (with its measured effect) or rejected
(with a reason). Adopted and rejected are final.
"""

from __future__ import annotations

import uuid
from typing import Any

from contracts import intake as schemas
from contracts.events import (
    InitiativeDecided,
    InitiativeDecidedData,
    InitiativeProposed,
    InitiativeProposedData,
)
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters import initiatives
from services.assessment.adapters.rows import described_by
from services.assessment.domain.initiatives import NEXT, on_council
from services.assessment.handlers.common import Context, beyond, check_unit, optional_text
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork


async def propose(uow: UnitOfWork, context: Context, body: schemas.InitiativeIn) -> dict[str, Any]:
    """Register an initiative of the caller (of their unit with ``by_unit``: its head only),
    filed under the caller's unit and the current month; publishes
    ``assessment.initiative.proposed``. Errors: 403 ``not_unit_head`` (``by_unit``); 422
    ``no_unit`` (the caller has no unit)."""
    principal = context.principal
    if principal.unit_id is None:
        raise Refusal(Kind.INVALID, "no_unit", None)
    if body.by_unit and principal.role is not Role.UNIT_HEAD:
        raise Refusal(Kind.FORBIDDEN, "not_unit_head", "by_unit")
    await check_unit(uow.session, context.ward, principal.unit_id)
    data = InitiativeProposedData(
        initiative_id=uuid.uuid4(),
        unit_id=principal.unit_id,
        proposed_by=principal.subject_id,
        by_unit=body.by_unit,
        period=Month.of(context.now).key,
        title=body.title,
    )
    await initiatives.insert(
        uow.session, data, ward=context.ward, proposed_at=context.now, **beyond(body, data)
    )
    uow.emit(InitiativeProposed(**context.envelope(), data=data))
    return {"initiative_id": str(data.initiative_id), "status": "proposed", "period": data.period}


async def decide(
    uow: UnitOfWork, context: Context, body: schemas.InitiativeDecisionCommand
) -> dict[str, Any]:
    """The chairman's or a council member's decision (``Policy.initiative_council``); publishes
    ``assessment.initiative.decided``. Errors: 404 ``unknown_initiative``; 403
    ``not_initiative_council`` (nor on one's own initiative); 422 ``reason_required``
    (``reason``, to reject), ``effect_required`` (``measured_effect``, to adopt); 409
    ``initiative_decided`` (adopted and rejected are final; a step back is refused too)."""
    row = await initiatives.locked(uow.session, body.initiative_id, context.ward)
    if row is None:
        raise Refusal(Kind.NOT_FOUND, "unknown_initiative", "initiative_id")
    principal = context.principal
    council = on_council(principal, context.policy.initiative_council)
    if not council or principal.subject_id == row.proposed_by:
        raise Refusal(Kind.FORBIDDEN, "not_initiative_council", "initiative_id")
    reason, effect = optional_text(body.reason), optional_text(body.measured_effect)
    if body.status == "rejected" and reason is None:
        raise Refusal(Kind.INVALID, "reason_required", "reason")
    if body.status == "adopted" and effect is None:
        raise Refusal(Kind.INVALID, "effect_required", "measured_effect")
    if body.status not in NEXT[row.status]:
        raise Refusal(Kind.CONFLICT, "initiative_decided", "status")
    data = described_by(
        InitiativeDecidedData,
        row,
        status=body.status,
        decided_by=principal.subject_id,
        reason=reason,
        measured_effect=effect,
    )
    await initiatives.decide(uow.session, data, context.now)
    uow.emit(InitiativeDecided(**context.envelope(), data=data))
    return {"initiative_id": str(body.initiative_id), "status": body.status}
