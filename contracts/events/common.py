"""What the assessment events share: an item's score and weight, the pillars, a scored item,
and the base of every event assessment publishes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from contracts.common import Contract
from contracts.envelope import Event

Score = Annotated[int, Field(ge=0, le=4)]
Weight = Annotated[float, Field(gt=0, le=10)]
Pillar = Literal["S1", "S2", "S3", "S4", "S5", "P"]


class ScoredItem(Contract):
    """One checklist item as scored: ``score`` None means not applicable (N/A)."""

    code: str
    pillar: Pillar
    weight: Weight = 1.0
    score: Score | None


class AssessmentEvent(Event):
    owner = "assessment"
