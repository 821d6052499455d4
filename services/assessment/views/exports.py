"""A month's audits and corrective actions (biện pháp khắc phục) as a ward officer reads them,
for the ward's records and the inspection board: units and people by name, each item's text
beside its code, the month written "tháng 03/2026", moments in Vietnam time. Written as CSV or
XLSX by the one export mechanism (``services/runtime/exports.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import Catalog
from contracts.common import Text
from contracts.labels import ACTION_STATUS_LABELS, AUDIT_STATUS_LABELS, PILLAR_LABELS, period_label
from services.assessment.adapters import catalogs, reads
from services.runtime.auth import Principal
from services.runtime.exports import Sheet, columns

AUDIT_COLUMNS = columns(
    ("audit_id", "Mã phiếu", "Audit"),
    ("unit", "Đơn vị", "Unit"),
    ("period", "Kỳ", "Period"),
    ("performed_at", "Thời điểm đánh giá", "Audited at"),
    ("auditor", "Thành viên đoàn đánh giá", "Auditor"),
    ("revision", "Lần sửa", "Revision"),
    ("status", "Trạng thái", "Status"),
    ("pillar", "Nhóm tiêu chí", "Pillar"),
    ("code", "Mã tiêu chí", "Item"),
    ("item", "Nội dung tiêu chí", "Criterion"),
    ("weight", "Trọng số", "Weight"),
    ("score", "Điểm (0–4, trống = không áp dụng)", "Score (0–4, empty = not applicable)"),
    ("note", "Ghi chú", "Note"),
)
ACTION_COLUMNS = columns(
    ("action_id", "Mã biện pháp", "Action"),
    ("unit", "Đơn vị", "Unit"),
    ("period", "Kỳ", "Period"),
    ("audit_id", "Mã phiếu", "Audit"),
    ("code", "Mã tiêu chí", "Item"),
    ("item", "Nội dung tiêu chí", "Criterion"),
    ("score", "Điểm", "Score"),
    ("owner", "Người chịu trách nhiệm", "Owner"),
    ("due_on", "Hạn hoàn thành", "Due"),
    ("status", "Trạng thái", "Status"),
    ("closed_at", "Thời điểm đóng", "Closed at"),
    ("note", "Kết quả khắc phục", "Outcome"),
)
AUDITS_TITLE = Text(vi="Phiếu đánh giá 5S", en="5S audits")
ACTIONS_TITLE = Text(vi="Biện pháp khắc phục", en="Corrective actions")


async def _catalogs(session: AsyncSession, versions: Iterable[str]) -> dict[str, Catalog]:
    """The catalogue versions the rows name, by version (one read each)."""
    found: dict[str, Catalog] = {}
    for version in sorted(set(versions)):
        body = await catalogs.stored_body(session, version)
        if body is not None:
            found[version] = Catalog.model_validate(body)
    return found


async def _seen(
    session: AsyncSession, caller: Principal, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Catalog]]:
    """The rows of the units the caller sees, and the catalogue versions they name."""
    seen = [row for row in rows if caller.sees_unit(row["unit_id"])]
    return seen, await _catalogs(session, (row["catalog_version"] for row in seen))


def _item_text(books: dict[str, Catalog], version: str, code: str | None) -> Text | None:
    catalog = books.get(version)
    item = catalog.audit_items.get(code or "") if catalog else None
    return item.text if item else None


def _named(row: dict[str, Any], key: str) -> str:
    """A person's name, or their id where the org chart no longer names them."""
    return str(row[f"{key}_name"] or row[f"{key}_id"])


def _unit(row: dict[str, Any]) -> Text:
    return Text(vi=row["unit_name_vi"], en=row["unit_name_en"])


async def audit_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """Every item of the month's audits of the units the caller sees, one row each."""
    rows, books = await _seen(
        session, caller, await reads.audit_export(session, caller.ward, period)
    )
    shown = [
        {
            "audit_id": row["audit_id"],
            "unit": _unit(row),
            "period": period_label(row["period"]),
            "performed_at": row["performed_at"],
            "auditor": _named(row, "auditor"),
            "revision": row["revision"],
            "status": AUDIT_STATUS_LABELS.get(row["status"], row["status"]),
            "pillar": PILLAR_LABELS.get(row["pillar"]) if row["pillar"] else None,
            "code": row["code"],
            "item": _item_text(books, row["catalog_version"], row["code"]),
            "weight": row["weight"],
            "score": row["score"],
            "note": row["note"],
        }
        for row in rows
    ]
    return Sheet(AUDITS_TITLE, AUDIT_COLUMNS, shown)


async def action_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """The month's corrective actions of the units the caller sees, one row each."""
    rows, books = await _seen(
        session, caller, await reads.action_export(session, caller.ward, period)
    )
    shown = [
        {
            "action_id": row["action_id"],
            "unit": _unit(row),
            "period": period_label(row["period"]),
            "audit_id": row["audit_id"],
            "code": row["item_code"],
            "item": _item_text(books, row["catalog_version"], row["item_code"]),
            "score": row["score"],
            "owner": _named(row, "owner"),
            "due_on": row["due_on"],
            "status": ACTION_STATUS_LABELS.get(row["status"], row["status"]),
            "closed_at": row["closed_at"],
            "note": row["note"],
        }
        for row in rows
    ]
    return Sheet(ACTIONS_TITLE, ACTION_COLUMNS, shown)
