"""The period exports (CSV and XLSX) with Vietnamese headers, for the ward's records and the
inspection board."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import (
    audit_items,
    audits,
    corrective_actions,
    units,
)
from services.runtime.auth import Principal

AUDIT_COLUMNS = (
    ("audit_id", "Mã phiếu"),
    ("unit_id", "Mã đơn vị"),
    ("unit_name", "Đơn vị"),
    ("period", "Kỳ"),
    ("performed_at", "Thời điểm đánh giá"),
    ("auditor_id", "Người đánh giá"),
    ("revision", "Lần sửa"),
    ("status", "Trạng thái"),
    ("code", "Tiêu chí"),
    ("pillar", "Nhóm"),
    ("weight", "Trọng số"),
    ("score", "Điểm (0–4, trống = không áp dụng)"),
    ("note", "Ghi chú"),
)
ACTION_COLUMNS = (
    ("action_id", "Mã hành động"),
    ("unit_id", "Mã đơn vị"),
    ("unit_name", "Đơn vị"),
    ("period", "Kỳ"),
    ("audit_id", "Mã phiếu"),
    ("item_code", "Tiêu chí"),
    ("score", "Điểm"),
    ("owner_id", "Người chịu trách nhiệm"),
    ("due_on", "Hạn hoàn thành"),
    ("status", "Trạng thái"),
    ("closed_at", "Ngày đóng"),
    ("note", "Kết quả khắc phục"),
)
STATUS_VI = {
    "live": "Hiệu lực",
    "withdrawn": "Đã rút",
    "open": "Đang mở",
    "closed": "Đã đóng",
}


async def audit_rows(session: AsyncSession, caller: Principal, period: str) -> list[dict[str, Any]]:
    query = (
        select(
            audits.c.audit_id,
            audits.c.unit_id,
            units.c.name_vi.label("unit_name"),
            audits.c.period,
            audits.c.performed_at,
            audits.c.auditor_id,
            audits.c.revision,
            audits.c.status,
            audit_items.c.code,
            audit_items.c.pillar,
            audit_items.c.weight,
            audit_items.c.score,
            audit_items.c.note,
        )
        .join(units, (units.c.ward == audits.c.ward) & (units.c.unit_id == audits.c.unit_id))
        .outerjoin(audit_items, audit_items.c.audit_id == audits.c.audit_id)
        .where(audits.c.ward == caller.ward, audits.c.period == period)
        .order_by(audits.c.unit_id, audits.c.performed_at, audit_items.c.code)
    )
    rows = [dict(row._mapping) for row in await session.execute(query)]
    return [row for row in rows if caller.sees_unit(row["unit_id"])]


async def action_rows(
    session: AsyncSession, caller: Principal, period: str
) -> list[dict[str, Any]]:
    query = (
        select(
            corrective_actions.c.action_id,
            corrective_actions.c.unit_id,
            units.c.name_vi.label("unit_name"),
            corrective_actions.c.period,
            corrective_actions.c.audit_id,
            corrective_actions.c.item_code,
            corrective_actions.c.score,
            corrective_actions.c.owner_id,
            corrective_actions.c.due_on,
            corrective_actions.c.status,
            corrective_actions.c.closed_at,
            corrective_actions.c.note,
        )
        .join(
            units,
            (units.c.ward == corrective_actions.c.ward)
            & (units.c.unit_id == corrective_actions.c.unit_id),
        )
        .where(corrective_actions.c.ward == caller.ward, corrective_actions.c.period == period)
        .order_by(corrective_actions.c.unit_id, corrective_actions.c.item_code)
    )
    rows = [dict(row._mapping) for row in await session.execute(query)]
    return [row for row in rows if caller.sees_unit(row["unit_id"])]


def _cell(name: str, value: Any) -> Any:
    if name == "status":
        return STATUS_VI.get(value, value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_csv(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show the diacritics right."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow([title for _, title in columns])
    for row in rows:
        writer.writerow([_cell(name, row.get(name)) for name, _ in columns])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def to_xlsx(
    title: str, columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]]
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title[:31]
    sheet.append([heading for _, heading in columns])
    for row in rows:
        sheet.append([_cell(name, row.get(name)) for name, _ in columns])
    sheet.freeze_panes = "A2"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()
