"""The period exports (CSV and XLSX) with Vietnamese headers, for the ward's records and the
inspection board."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import reads
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
    """The month's audit items of the units the caller sees."""
    rows = await reads.audit_export(session, caller.ward, period)
    return [row for row in rows if caller.sees_unit(row["unit_id"])]


async def action_rows(
    session: AsyncSession, caller: Principal, period: str
) -> list[dict[str, Any]]:
    """The month's corrective actions of the units the caller sees."""
    rows = await reads.action_export(session, caller.ward, period)
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
