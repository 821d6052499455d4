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
from services.runtime.db import picked
from services.runtime.exports import NOTE, PERIOD, UNIT, Column, Sheet, columns

#: The headings of the columns both sheets show: the audit a row comes from, and those
#: :meth:`Export.sheet` fills alike (the item's code and text, the status in words).
AUDIT = ("audit_id", "Mã phiếu", "Audit")
CODE = ("code", "Mã tiêu chí", "Item")
ITEM = ("item", "Nội dung tiêu chí", "Criterion")
STATUS = ("status", "Trạng thái", "Status")

AUDIT_COLUMNS = columns(
    AUDIT,
    UNIT,
    PERIOD,
    ("performed_at", "Thời điểm đánh giá", "Audited at"),
    ("auditor", "Thành viên đoàn đánh giá", "Auditor"),
    ("revision", "Lần sửa", "Revision"),
    STATUS,
    ("pillar", "Nhóm tiêu chí", "Pillar"),
    CODE,
    ITEM,
    ("weight", "Trọng số", "Weight"),
    ("score", "Điểm (0–4, trống = không áp dụng)", "Score (0–4, empty = not applicable)"),
    NOTE,
)
ACTION_COLUMNS = columns(
    ("action_id", "Mã biện pháp", "Action"),
    UNIT,
    PERIOD,
    AUDIT,
    CODE,
    ITEM,
    ("score", "Điểm", "Score"),
    ("owner", "Người chịu trách nhiệm", "Owner"),
    ("due_on", "Hạn hoàn thành", "Due"),
    STATUS,
    ("closed_at", "Thời điểm đóng", "Closed at"),
    ("note", "Kết quả khắc phục", "Outcome"),
)


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


def _named(row: dict[str, Any], key: str) -> str:
    """A person's name, or their id where the org chart no longer names them."""
    return str(row[f"{key}_name"] or row[f"{key}_id"])


Read = Callable[[AsyncSession, str, str], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Export:
    """One month's export of the ward's records: its ``title`` and ``columns``, the rows
    ``read`` gives (each with its unit's names and catalogue version), the row's ``code``
    column, the columns ``kept`` as they are, the ``person`` it names (``<person>_name``,
    ``<person>_id``) and the ``statuses``' labels."""

    title: Text
    columns: tuple[Column, ...]
    read: Read
    code: str
    kept: tuple[str, ...]
    person: str
    statuses: Mapping[str, Text]
    #: What else a row shows, made from the row read.
    more: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: {}

    async def sheet(self, session: AsyncSession, caller: Principal, period: str) -> Sheet:
        """The rows of the units the caller sees: unit by name, the month as an official
        writes it, the item's code and text, the person named, the status in words."""
        rows = [
            row
            for row in await self.read(session, caller.ward, period)
            if caller.sees_unit(row["unit_id"])
        ]
        books = await _catalogs(session, (row["catalog_version"] for row in rows))
        shown = [
            {
                **picked(row, *self.kept),
                "unit": Text(vi=row["unit_name_vi"], en=row["unit_name_en"]),
                "period": period_label(row["period"]),
                "code": row[self.code],
                "item": _item_text(books, row["catalog_version"], row[self.code]),
                self.person: _named(row, self.person),
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
    "code",
    ("audit_id", "performed_at", "revision", "weight", "score", "note"),
    "auditor",
    AUDIT_STATUS_LABELS,
    lambda row: {"pillar": PILLAR_LABELS.get(row["pillar"]) if row["pillar"] else None},
)
ACTIONS = Export(
    Text(vi="Biện pháp khắc phục", en="Corrective actions"),
    ACTION_COLUMNS,
    reads.action_export,
    "item_code",
    ("action_id", "audit_id", "score", "due_on", "closed_at", "note"),
    "owner",
    ACTION_STATUS_LABELS,
)


async def audit_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """Every item of the month's audits of the units the caller sees, one row each."""
    return await AUDITS.sheet(session, caller, period)


async def action_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """The month's corrective actions of the units the caller sees, one row each."""
    return await ACTIONS.sheet(session, caller, period)
