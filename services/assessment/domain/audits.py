"""Unit 5S audits (đánh giá 5S đơn vị): the rules an audit must meet, with no I/O.

An auditor scores every S1–S5 item of one catalogue version once, 0–4 or N/A (``None``); the
period is the month the audit was performed in, in Vietnam time; nobody audits their own unit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from contracts.catalog import Catalog
from contracts.events import AuditItem
from contracts.periods import Month
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import check_moment
from services.runtime.refusals import Kind, Refusal


class HasCode(Protocol):
    @property
    def code(self) -> str: ...


Scored = TypeVar("Scored", bound=HasCode)


@dataclass(frozen=True)
class ItemInput:
    code: str
    score: int | None
    note: str | None = None
    evidence: tuple[str, ...] = ()
    #: Who must correct a finding on this item (default: the unit head).
    owner_id: str | None = None
    #: Photos the auditor uploaded (``handlers/evidence.py`` checks them), by id.
    evidence_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class AuditDraft:
    unit_id: str
    period: str
    performed_at: datetime
    catalog_version: str
    items: Sequence[ItemInput]


def check_auditor(auditor_unit: str | None, unit_id: str, field: str = "unit_id") -> None:
    """403 ``own_unit`` (``field``) when the auditor's unit (as the org chart has it now) is the
    unit audited: nobody audits, amends or withdraws an audit of their own unit."""
    if auditor_unit == unit_id:
        raise Refusal(Kind.FORBIDDEN, "own_unit", field)


def check_period(period: str, performed_at: datetime, policy: Policy, now: datetime) -> None:
    """``performed_at`` within the window of dates (``window.check_moment``) and ``period`` the
    month it falls in (Vietnam time). Errors (``Refusal``, invalid): ``in_future`` /
    ``date_out_of_window`` (``performed_at``), ``period_mismatch`` (``period``)."""
    check_moment(performed_at, policy, now, "performed_at")
    expected = Month.of(performed_at).key
    if period != expected:
        raise Refusal(Kind.INVALID, "period_mismatch", "period", period=period, expected=expected)


def match_items(
    expected: Mapping[str, object], items: Sequence[Scored], version: str
) -> dict[str, Scored]:
    """The given items by code: each one of ``expected``, none twice, none missing."""
    seen: dict[str, Scored] = {}
    for index, item in enumerate(items):
        if item.code not in expected:
            raise Refusal(
                Kind.INVALID,
                "unknown_item",
                f"items[{index}].code",
                item=item.code,
                version=version,
            )
        if item.code in seen:
            raise Refusal(Kind.INVALID, "duplicate_item", f"items[{index}].code", item=item.code)
        seen[item.code] = item
    missing = [code for code in expected if code not in seen]
    if missing:
        raise Refusal(Kind.INVALID, "missing_items", "items", codes=", ".join(missing))
    return seen


def score_items(catalog: Catalog, items: Sequence[ItemInput]) -> tuple[AuditItem, ...]:
    """Every audit item of the catalogue, scored exactly once, in catalogue order."""
    expected = catalog.audit_items
    seen = match_items(expected, items, catalog.version)
    return tuple(
        AuditItem(
            code=code,
            pillar=catalog.pillar_of(code),
            weight=definition.weight,
            score=seen[code].score,
            note=seen[code].note,
            evidence=seen[code].evidence,
            evidence_ids=seen[code].evidence_ids,
        )
        for code, definition in expected.items()
    )


#: Items scored this low are findings: each opens a corrective action (biện pháp khắc phục).
FINDING_MAX_SCORE = 1


def findings(items: Sequence[AuditItem]) -> list[AuditItem]:
    return [item for item in items if item.score is not None and item.score <= FINDING_MAX_SCORE]
