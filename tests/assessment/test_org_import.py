"""The org chart as spreadsheet programs save it on a Vietnamese machine (issue 18, item 3):
separators ``,`` ``;`` or tab, UTF-8 with or without BOM, UTF-16 ("Unicode Text"),
Windows-1258, an XLSX workbook; every text NFC; a refusal names the line, the column and the
problem in Vietnamese (English on request)."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from openpyxl import Workbook

from services.assessment.domain.org import COLUMNS
from services.assessment.entrypoints.org_csv import parse_org_upload
from services.runtime.refusals import Refusal, message

HEADER = list(COLUMNS)
PEOPLE = [
    ["p1", "Nguyễn Thị Ánh Tuyết", "tuyet@binhdong.example.vn", "unit_head", "kt",
     "Phòng Kinh tế", "Economic Division", ""],
    ["p2", "Đặng Văn Mới", "", "vice_chairman", "vp",
     "Văn phòng HĐND và UBND", "Office", "kt;vhxh"],
]  # fmt: skip


def text(separator: str, rows: list[list[str]] | None = None) -> str:
    """The rows as a spreadsheet program writes them with ``separator`` (a value holding it
    quoted)."""
    stream = io.StringIO()
    csv.writer(stream, delimiter=separator).writerows([HEADER, *(PEOPLE if rows is None else rows)])
    return stream.getvalue()


#: The five tone marks, as combining characters (grave, acute, tilde, hook, dot below).
TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(value: str) -> bytes:
    """``value`` as Vietnamese Windows writes it: a letter with a tone as its base letter (with
    any other mark, where the code page has it) and the tone as a combining mark."""
    out = b""
    for char in value:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            tones = "".join(mark for mark in marks if mark in TONES)
            rest = unicodedata.normalize("NFC", "".join(m for m in marks if m not in TONES))
            out += (rest + tones).encode("cp1258")
    return out


def as_read(content: bytes) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    rows = parse_org_upload(content)
    return [
        (r.person_id, r.full_name, r.unit_name.vi if r.unit_name else None, r.units_in_charge)
        for r in rows
    ]


EXPECTED = [
    ("p1", "Nguyễn Thị Ánh Tuyết", "Phòng Kinh tế", ()),
    ("p2", "Đặng Văn Mới", "Văn phòng HĐND và UBND", ("kt", "vhxh")),
]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(text(",").encode("utf-8"), id="utf-8, commas"),
        pytest.param(text(",").encode("utf-8-sig"), id="utf-8 with BOM, commas"),
        pytest.param(text(";").encode("utf-8-sig"), id="utf-8 with BOM, semicolons"),
        pytest.param(text("\t").encode("utf-16"), id="Unicode Text: utf-16, tabs"),
        pytest.param(text(";").encode("utf-16"), id="utf-16, semicolons"),
        pytest.param(windows_1258(text(";")), id="Windows-1258, semicolons"),
        pytest.param(
            unicodedata.normalize("NFD", text(",")).encode("utf-8"), id="decomposed letters"
        ),
    ],
)
def test_every_way_a_spreadsheet_saves_it_reads_the_same(content: bytes) -> None:
    assert as_read(content) == EXPECTED


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def test_an_xlsx_workbook_directly() -> None:
    # Excel leaves blank rows at the end and keeps ids typed as numbers as numbers.
    rows: list[list[object]] = [HEADER, *PEOPLE, [], [None] * 8]
    assert as_read(workbook(rows)) == EXPECTED
    numbered = [HEADER, [1001, "Lê Văn Số", "", "staff", "kt", "Phòng Kinh tế", "Economy", ""]]
    assert parse_org_upload(workbook(numbered))[0].person_id == "1001"


def refusal(content: bytes) -> Refusal:
    with pytest.raises(Refusal) as raised:
        parse_org_upload(content)
    return raised.value


def test_a_refusal_names_the_line_the_column_and_the_problem() -> None:
    bad = [PEOPLE[0], ["p2", "Đặng Văn Mới", "", "boss", "vp", "Văn phòng", "Office", ""]]
    refused = refusal(text(";", bad).encode("utf-8-sig"))
    assert (refused.code, refused.field) == ("not_allowed", "line 3.role")
    assert message(refused.code, "vi", **refused.params) == (
        "Dòng 3, cột role: giá trị không thuộc danh sách cho phép."
    )
    assert message(refused.code, "en", **refused.params) == (
        "Line 3, column role: the value is not one of those allowed."
    )
    long_name = [["p1", "A" * 201, "", "staff", "kt", "Phòng Kinh tế", "Economy", ""]]
    refused = refusal(workbook([HEADER, *long_name]))
    assert message(refused.code, "vi", **refused.params) == (
        "Dòng 2, cột full_name: quá dài (tối đa 200 ký tự)."
    )
    # 200 letters typed decomposed (400 code points) are 200 letters.
    decomposed = unicodedata.normalize("NFD", "ệ") * 200
    fits = [["p1", decomposed, "", "staff", "kt", "Phòng Kinh tế", "Economy", ""]]
    assert parse_org_upload(text(",", fits).encode())[0].full_name == "ệ" * 200


def test_a_separator_it_knows_is_never_every_column_missing() -> None:
    # Semicolons with one column missing: that column is named, not all of them.
    header = ";".join(name for name in HEADER if name != "email")
    refused = refusal((header + "\r\np1;A;staff;kt;K;E;\r\n").encode())
    assert (refused.code, refused.params["columns"]) == ("csv_columns", "email")
    # A header naming none of the columns under any separator: line 1 is what is wrong.
    refused = refusal("Họ và tên|Đơn vị\r\nA|B\r\n".encode())
    assert (refused.code, refused.field) == ("csv_header", "line 1")
    assert message(refused.code, "vi", **refused.params).startswith(
        "Dòng 1 (tiêu đề) không có cột nào của sơ đồ tổ chức."
    )


def test_what_is_not_a_spreadsheet_is_refused_in_words() -> None:
    refused = refusal(b"\x00\x01binary\x00")
    assert refused.code == "not_csv"
    assert message("not_csv", "vi").startswith("Nội dung phải là tệp Excel (.xlsx) hoặc tệp văn")
    assert refusal(b"PK\x03\x04 not really a zip").code == "not_csv"
