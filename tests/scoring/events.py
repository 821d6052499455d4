"""Building the assessment events the scoring service consumes, as assessment would send them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from contracts.catalog import shipped_catalog
from contracts.common import Text
from contracts.envelope import Actor
from contracts.events import (
    AuditAmended,
    AuditItem,
    AuditState,
    AuditSubmitted,
    AuditWithdrawn,
    FeedbackReceived,
    OrgChartPublished,
    OrgPerson,
    OrgUnit,
    PeriodClosed,
    PeriodReopened,
    ScoredItem,
    SelfAssessmentReviewed,
    TaskResultRecorded,
)
from contracts.roles import Role

WARD = "binh-dong"
AUDITOR = Actor(kind="person", id="p900")
HEAD = Actor(kind="person", id="p100")
KIOSK = Actor(kind="device", id="kiosk-1")
#: The events below name catalogue 2026.1, and the figures the tests expect are its 25 items.
CATALOG = shipped_catalog("2026.1")
CODES = list(CATALOG.audit_items)  # the 25 items of S1-S5
PLUS_CODES = list(CATALOG.plus_items)


def moment(month: str, day: int = 10, hour: int = 3) -> datetime:
    year, number = (int(x) for x in month.split("-"))
    return datetime(year, number, day, hour, tzinfo=UTC)


def audit_items(scores: Sequence[int | None]) -> tuple[AuditItem, ...]:
    catalog = CATALOG.audit_items
    return tuple(
        AuditItem(code=code, pillar=code.split(".")[0], weight=catalog[code].weight, score=score)
        for code, score in zip(CODES, scores, strict=False)
    )


def state(revision: int, month: str, scores: Sequence[int | None]) -> AuditState:
    return AuditState(
        revision=revision,
        period=month,
        performed_at=moment(month),
        catalog_version="2026.1",
        items=audit_items(scores),
    )


def submitted(
    audit_id: uuid.UUID, unit: str, month: str, scores: Sequence[int | None]
) -> AuditSubmitted:
    return AuditSubmitted(
        ward=WARD,
        occurred_at=moment(month),
        actor=AUDITOR,
        data={
            **state(1, month, scores).model_dump(),
            "audit_id": audit_id,
            "unit_id": unit,
            "auditor_id": "p900",
        },
    )


def amended(
    audit_id: uuid.UUID,
    unit: str,
    month: str,
    revision: int,
    scores: Sequence[int | None],
    before: AuditState,
) -> AuditAmended:
    return AuditAmended(
        ward=WARD,
        occurred_at=moment(month, hour=5),
        actor=AUDITOR,
        data={
            **state(revision, month, scores).model_dump(),
            "audit_id": audit_id,
            "unit_id": unit,
            "auditor_id": "p900",
            "reason": "sửa điểm",
            "replaces": before,
        },
    )


def withdrawn(
    audit_id: uuid.UUID, unit: str, month: str, revision: int, before: AuditState
) -> AuditWithdrawn:
    return AuditWithdrawn(
        ward=WARD,
        occurred_at=moment(month, hour=6),
        actor=AUDITOR,
        data={
            "audit_id": audit_id,
            "unit_id": unit,
            "revision": revision,
            "reason": "nhầm đơn vị",
            "replaces": before,
        },
    )


def reviewed(
    person: str,
    unit: str,
    month: str,
    scores: Sequence[int | None],
    *,
    outcome: str = "approved",
    revision: int = 1,
    self_assessment_id: uuid.UUID | None = None,
    hour: int = 3,
) -> SelfAssessmentReviewed:
    items = tuple(
        ScoredItem(code=code, pillar="P", score=score)
        for code, score in zip(PLUS_CODES, scores, strict=False)
    )
    return SelfAssessmentReviewed(
        ward=WARD,
        occurred_at=moment(month, hour=hour),
        actor=HEAD,
        data={
            "self_assessment_id": self_assessment_id
            or uuid.uuid5(uuid.NAMESPACE_URL, f"{person}/{month}"),
            "person_id": person,
            "unit_id": unit,
            "period": month,
            "reviewer_id": "p100",
            "outcome": outcome,
            "revision": revision,
            "items": items if outcome != "returned" else (),
        },
    )


def task_result(
    person: str, month: str, points: float, hour: int = 3, disqualified: bool = False
) -> TaskResultRecorded:
    return TaskResultRecorded(
        ward=WARD,
        occurred_at=moment(month, hour=hour),
        actor=Actor(kind="integration", id="hr"),
        data={"person_id": person, "period": month, "points": points, "disqualified": disqualified},
    )


def feedback(unit: str, month: str, level: int, day: int = 10, hour: int = 3) -> FeedbackReceived:
    return FeedbackReceived(
        ward=WARD,
        occurred_at=moment(month, day=day, hour=hour),
        actor=KIOSK,
        data={
            "feedback_id": uuid.uuid4(),
            "unit_id": unit,
            "level": level,
            "channel": "kiosk",
            "period": month,
        },
    )


def closed(month: str, hour: int = 3) -> PeriodClosed:
    return PeriodClosed(
        ward=WARD, occurred_at=moment(month, day=28, hour=hour), actor=HEAD, data={"period": month}
    )


def reopened(month: str) -> PeriodReopened:
    return PeriodReopened(
        ward=WARD,
        occurred_at=moment(month, day=28, hour=9),
        actor=HEAD,
        data={"period": month, "reason": "bổ sung"},
    )


def person(
    person_id: str,
    unit: str | None,
    role: Role = Role.STAFF,
    *,
    duty_group: str | None = None,
    employment_type: str = "cong_chuc",
) -> OrgPerson:
    """Someone of the org chart (the duty group, when None, follows from the role)."""
    return OrgPerson.model_validate(
        {
            "person_id": person_id,
            "full_name": f"Người {person_id}",
            "role": role,
            "unit_id": unit,
            "duty_group": duty_group,
            "employment_type": employment_type,
        }
    )


def org_chart(people: Sequence[OrgPerson], version: int = 1) -> OrgChartPublished:
    """The ward's whole org chart, as assessment republishes it on every change."""
    units = sorted({p.unit_id for p in people if p.unit_id})
    return OrgChartPublished(
        ward=WARD,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        actor=HEAD,
        data={
            "version": version,
            "units": tuple(OrgUnit(unit_id=u, name=Text(vi=u, en=u)) for u in units),
            "people": tuple(people),
        },
    )
