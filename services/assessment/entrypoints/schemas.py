"""Request bodies of the assessment API: strict (unknown fields refused) and bounded."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contracts.common import EntityId
from contracts.periods import MonthKey

Note = Annotated[str, StringConstraints(max_length=2000)]
EvidenceRef = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditItemIn(Body):
    code: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    score: Annotated[int, Field(ge=0, le=4, strict=True)] | None = Field(
        description="0–4 by the written anchors, or null for not applicable (N/A)"
    )
    note: Note | None = None
    evidence: list[EvidenceRef] = Field(
        default_factory=list, max_length=20, description="Links or ids of photos and documents"
    )


class AuditIn(Body):
    unit_id: EntityId
    period: MonthKey = Field(description="YYYY-MM, the month the audit was performed in")
    performed_at: AwareDatetime
    catalog_version: Annotated[str, StringConstraints(max_length=32)]
    items: list[AuditItemIn] = Field(max_length=200)


class AuditOut(BaseModel):
    audit_id: str
    revision: int
    unit_id: str
    period: str
    status: str
