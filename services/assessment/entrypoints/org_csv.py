"""Reading an org chart upload (one line per person) into the lines the domain checks
(``domain/org.py``), as Excel and LibreOffice save it on a Vietnamese machine:

- an XLSX workbook directly (its first sheet; values as shown, formulas by their last result);
- or text: UTF-8 with or without a byte-order mark, UTF-16 with its mark (Excel's "Unicode
  Text"), or, failing UTF-8, Windows-1258 (Excel's plain "CSV" on Vietnamese Windows);
  separated by ``,``, ``;`` (Excel where the decimal mark is a comma) or tabs ("Unicode Text"),
  whichever makes the header line name the most of the chart's columns.

Every text is made NFC by the domain. A refusal names the line and the column (``line
<n>.<column>``, and in its message "Dòng n, cột c: ...").
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime

from contracts.text import nfc
from services.assessment.domain.org import COLUMNS, OPTIONAL_COLUMNS, OrgRow, org_rows
from services.runtime.refusals import Kind, Refusal

#: Lines an upload may have (a ward has hundreds of people, not thousands).
MAX_LINES = 5000
#: The separators a spreadsheet program writes, in the order tried on a tie.
SEPARATORS = (",", ";", "\t")
_KNOWN = frozenset(COLUMNS + OPTIONAL_COLUMNS)


def parse_org_chart(text: str) -> list[OrgRow]:
    """The people of an org chart given as text, in order. Errors (``Refusal``): 422
    ``csv_header`` when no separator makes the first line name any of the chart's columns,
    ``csv_columns`` for required columns missing (by the separator found), the domain's for a
    bad line or an empty chart; 413 ``too_many_lines`` past :data:`MAX_LINES`."""
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    separator = _separator(lines[0] if lines else "")
    return _chart(csv.reader(io.StringIO("".join(lines), newline=""), delimiter=separator))


def parse_org_upload(content: bytes) -> list[OrgRow]:
    """The people of an uploaded org chart: an XLSX workbook or text (see the module's
    docstring). Errors: those of :func:`parse_org_chart`, and 422 ``not_csv`` for a body that
    is neither a workbook nor text in a known encoding."""
    if content.startswith(b"PK\x03\x04"):
        return _chart(iter(_workbook_rows(content)))
    return parse_org_chart(decode(content))


def decode(content: bytes) -> str:
    """An uploaded text file's characters: by its byte-order mark (UTF-8, UTF-16), else UTF-8,
    else Windows-1258 (Vietnamese). Errors: 422 ``not_csv`` for binary content (NUL bytes
    without a UTF-16 mark)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise Refusal(Kind.INVALID, "not_csv", "csv") from None
    if b"\x00" in content:
        raise Refusal(Kind.INVALID, "not_csv", "csv")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 writes tones as combining marks: NFC composes them.
        return nfc(content.decode("cp1258"))
    except UnicodeDecodeError:
        raise Refusal(Kind.INVALID, "not_csv", "csv") from None


def _heading(name: str) -> str:
    return nfc(name).strip().lower()


def _separator(header: str) -> str:
    """The separator under which the header line names the most of the chart's columns."""

    def known(separator: str) -> int:
        names = next(csv.reader([header.strip("\r\n")], delimiter=separator), [])
        return len({_heading(name) for name in names} & _KNOWN)

    best = max(SEPARATORS, key=known)  # max keeps the first of a tie: "," then ";" then tab
    if known(best) == 0:
        raise Refusal(Kind.INVALID, "csv_header", "line 1", columns=", ".join(COLUMNS))
    return best


def _cell(value: object) -> str:
    """A workbook cell as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _workbook_rows(content: bytes) -> list[list[str]]:
    """The first sheet's rows as texts. Errors: 422 ``not_csv`` for a file that is not a
    workbook."""
    from openpyxl import load_workbook  # loaded when a workbook is sent (see runtime.exports)

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Refusal(Kind.INVALID, "not_csv", "csv") from None
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in values])
            if len(rows) > MAX_LINES + 1:
                raise Refusal(Kind.TOO_LARGE, "too_many_lines", "csv", limit=MAX_LINES)
        return rows
    finally:
        book.close()


def _chart(rows: Iterator[Sequence[str]]) -> list[OrgRow]:
    header = [_heading(name) for name in next(rows, [])]
    if not set(header) & _KNOWN:
        raise Refusal(Kind.INVALID, "csv_header", "line 1", columns=", ".join(COLUMNS))
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise Refusal(Kind.INVALID, "csv_columns", "csv", columns=", ".join(missing))
    return org_rows(_numbered(header, rows))


def _numbered(
    header: Sequence[str], rows: Iterator[Sequence[str]]
) -> Iterator[tuple[int, Mapping[str, str]]]:
    """Each non-blank line with its number in the file (the header is line 1)."""
    for number, values in enumerate(rows, start=2):
        if number > MAX_LINES:
            raise Refusal(Kind.TOO_LARGE, "too_many_lines", "csv", limit=MAX_LINES)
        if not any(value.strip() for value in values):
            continue  # a blank line (spreadsheets leave them at the end)
        yield number, dict(zip(header, values, strict=False))
