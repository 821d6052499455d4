"""A month's audits and corrective actions (biện pháp khắc phục) as a ward officer reads them,
for the ward's records and the inspection board: units and people by name, each item's text
beside its code, the month written "tháng 03/2026", moments in Vietnam time. Written as CSV or
XLSX by the one export mechanism (``services/runtime/exports.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import Catalog
from contracts.common import Text
from contracts.labels import ACTION_STATUS_LABELS, AUDIT_STATUS_LABELS, PILLAR_LABELS, period_label
from services.assessment.adapters import catalogs, reads
from services.runtime.auth import Principal
from services.runtime.exports import Column, Sheet, columns

#: Each sheet's columns in order, by their keys in the runtime's ``headings.yaml``: an audit's
#: score of an item is its ``item_score``, what closed an action its ``outcome``.
AUDIT_COLUMNS = columns(
    "audit_id", "unit", "period", "performed_at", "auditor", "revision", "status", "pillar",
    "code", "item", "weight", "item_score", "note",
)  # fmt: skip
ACTION_COLUMNS = columns(
    "action_id", "unit", "period", "audit_id", "code", "item", "score", "owner", "due_on",
    "status", "closed_at", "outcome",
)  # fmt: skip


async def _catalogs(session: AsyncSession, versions: Iterable[str]) -> dict[str, Catalog]:
    """The catalogue versions the rows name, by version (one read each)."""
    found: dict[str, Catalog] = {}
    for version in sorted(set(versions)):
        body = await catalogs.stored_body(session, version)
        if body is not None:
            found[version] = Catalog.model_validate(body)
    return found


def _item_text(books: dict[str, Catalog], version: str, code: str | None) -> Text | None:
    catalog = books.get(version)
    item = catalog.audit_items.get(code or "") if catalog else None
    return item.text if item else None


Read = Callable[[AsyncSession, str, str], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Export:
    """One month's export of the ward's records: its ``title`` and ``columns``, the rows
    ``read`` gives (each with its unit's names and catalogue version, and the columns it fills
    by their keys, as they are) and the ``statuses``' labels."""

    title: Text
    columns: tuple[Column, ...]
    read: Read
    statuses: Mapping[str, Text]
    #: What else a row shows, made from the row read.
    more: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: {}

    async def sheet(self, session: AsyncSession, caller: Principal, period: str) -> Sheet:
        """The rows of the units the caller sees: unit by name, the month as an official
        writes it, the item's code and text, the status in words."""
        rows = [
            row
            for row in await self.read(session, caller.ward, period)
            if caller.sees_unit(row["unit_id"])
        ]
        books = await _catalogs(session, (row["catalog_version"] for row in rows))
        shown = [
            {
                **{column.key: row[column.key] for column in self.columns if column.key in row},
                "unit": Text(vi=row["unit_name_vi"], en=row["unit_name_en"]),
                "period": period_label(row["period"]),
                "item": _item_text(books, row["catalog_version"], row["code"]),
                "status": self.statuses.get(row["status"], row["status"]),
                **self.more(row),
            }
            for row in rows
        ]
        return Sheet(self.title, self.columns, shown)


AUDITS = Export(
    Text(vi="Phiếu đánh giá 5S", en="5S audits"),
    AUDIT_COLUMNS,
    reads.audit_export,
    AUDIT_STATUS_LABELS,
    lambda row: {"pillar": PILLAR_LABELS.get(row["pillar"]) if row["pillar"] else None},
)
ACTIONS = Export(
    Text(vi="Biện pháp khắc phục", en="Corrective actions"),
    ACTION_COLUMNS,
    reads.action_export,
    ACTION_STATUS_LABELS,
)


async def audit_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """Every item of the month's audits of the units the caller sees, one row each."""
    return await AUDITS.sheet(session, caller, period)


async def action_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """The month's corrective actions of the units the caller sees, one row each."""
    return await ACTIONS.sheet(session, caller, period)
