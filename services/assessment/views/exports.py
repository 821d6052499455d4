"""A month's audits and corrective actions (biện pháp khắc phục) as a ward officer reads them,
for the ward's records and the inspection board: units and people by name, each item's text
beside its code, the month written "tháng 03/2026", moments in Vietnam time. Written as CSV or
XLSX by the one export mechanism (``services/runtime/exports.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
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


Read = Callable[[AsyncSession, str, str], Awaitable[list[dict[str, Any]]]]


async def _seen(
    session: AsyncSession, caller: Principal, read: Read, period: str
) -> tuple[list[dict[str, Any]], dict[str, Catalog]]:
    """The rows ``read`` gives of the ward's month that are of the units the caller sees, and
    the catalogue versions they name."""
    rows = await read(session, caller.ward, period)
    seen = [row for row in rows if caller.sees_unit(row["unit_id"])]
    return seen, await _catalogs(session, (row["catalog_version"] for row in seen))


def _item_text(books: dict[str, Catalog], version: str, code: str | None) -> Text | None:
    catalog = books.get(version)
    item = catalog.audit_items.get(code or "") if catalog else None
    return item.text if item else None


def _named(row: dict[str, Any], key: str) -> str:
    """A person's name, or their id where the org chart no longer names them."""
    return str(row[f"{key}_name"] or row[f"{key}_id"])


def _about(row: dict[str, Any], books: dict[str, Catalog], code: str, *kept: str) -> dict[str, Any]:
    """What both sheets show alike of a row: its unit by name, its month as an official writes
    it, the item's code (the row's ``code`` column) and text, and the ``kept`` columns as they
    are."""
    return {
        "unit": Text(vi=row["unit_name_vi"], en=row["unit_name_en"]),
        "period": period_label(row["period"]),
        "code": row[code],
        "item": _item_text(books, row["catalog_version"], row[code]),
        **{key: row[key] for key in kept},
    }


async def audit_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """Every item of the month's audits of the units the caller sees, one row each."""
    rows, books = await _seen(session, caller, reads.audit_export, period)
    kept = ("audit_id", "performed_at", "revision", "weight", "score", "note")
    shown = [
        {
            **_about(row, books, "code", *kept),
            "auditor": _named(row, "auditor"),
            "status": AUDIT_STATUS_LABELS.get(row["status"], row["status"]),
            "pillar": PILLAR_LABELS.get(row["pillar"]) if row["pillar"] else None,
        }
        for row in rows
    ]
    return Sheet(AUDITS_TITLE, AUDIT_COLUMNS, shown)


async def action_sheet(session: AsyncSession, caller: Principal, period: str) -> Sheet:
    """The month's corrective actions of the units the caller sees, one row each."""
    rows, books = await _seen(session, caller, reads.action_export, period)
    kept = ("action_id", "audit_id", "score", "due_on", "closed_at", "note")
    shown = [
        {
            **_about(row, books, "item_code", *kept),
            "owner": _named(row, "owner"),
            "status": ACTION_STATUS_LABELS.get(row["status"], row["status"]),
        }
        for row in rows
    ]
    return Sheet(ACTIONS_TITLE, ACTION_COLUMNS, shown)
