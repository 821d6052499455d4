"""Spreadsheets for the ward office: one mechanism that writes the same rows as CSV and as XLSX,
safe to open and readable as they are (issue 18).

A :class:`Sheet` is a title, its :class:`Column` s (a key and a heading in Vietnamese and
English, the headings' texts in ``headings.yaml``: :func:`columns`) and rows of typed values;
:func:`to_csv` and :func:`to_xlsx` write it in the caller's language, and
:func:`export_response` answers it. A value is written by its type:

- ``str``: made NFC, line ends kept as ``\\n``, every other control character (NUL, ESC, form
  feed, ...) dropped, since XML 1.0 cannot hold them and they would break the XLSX file. In
  CSV a text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  neutralised with a leading apostrophe (:data:`NEUTRALISER`, the mark spreadsheets read as
  "this cell is text" and do not show), so a note typed ``=HYPERLINK(...)`` never runs as a
  formula; in XLSX every text is a string cell (``data_type`` ``s``, never ``f``), with
  ``quotePrefix`` when it looks like a formula, so Excel keeps it text when the cell is edited;
- ``int``, ``float``, ``Decimal``: a number cell, never neutralised (``-5`` stays a number);
- ``datetime`` (aware): the ward's local time (Asia/Ho_Chi_Minh), ``dd/mm/yyyy hh:mm`` in CSV,
  a real date cell with that number format in XLSX; ``date``: ``dd/mm/yyyy`` likewise;
- :class:`~contracts.common.Text`: the caller's language; ``bool``: Có/Không (Yes/No);
  ``None``: an empty cell.

CSV is UTF-8 with a byte-order mark (so Excel shows the diacritics) and ``,`` separators.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response

from contracts.common import LOCAL_TZ, Text
from contracts.text import clip, nfc
from contracts.yamlfile import read_yaml

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

#: What a CSV cell may not begin with, as a spreadsheet would read it as a formula (``=``,
#: ``+``, ``-``, ``@``) or move it to a formula-bearing cell (tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Put before such a text in CSV: spreadsheets read a leading apostrophe as "text follows".
NEUTRALISER = "'"
MOMENT_CSV = "%d/%m/%Y %H:%M"
DAY_CSV = "%d/%m/%Y"
MOMENT_XLSX = "dd/mm/yyyy hh:mm"
DAY_XLSX = "dd/mm/yyyy"
MEDIA_TYPES: Mapping[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Format = Literal["csv", "xlsx"]
_YES_NO = {True: Text(vi="Có", en="Yes"), False: Text(vi="Không", en="No")}


@dataclass(frozen=True)
class Column:
    """A column: the row's key and the heading shown."""

    key: str
    title: Text


@dataclass(frozen=True)
class Sheet:
    """What an export holds: its title (the XLSX sheet's name), columns and rows (one mapping
    of ``column key -> value`` each; a key missing is an empty cell)."""

    title: Text
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]


def read_headings(path: Path) -> Mapping[str, Text]:
    """The headings of a YAML file of ``key: [Vietnamese, English]`` entries, read-only, in the
    file's order. Errors: ``ValueError`` for an entry that is not two texts, or for a heading
    written under two keys (a sheet names the one key)."""
    raw = read_yaml(path) or {}
    headings: dict[str, Text] = {}
    for key, texts in raw.items():
        if not (
            isinstance(texts, list)
            and len(texts) == 2
            and all(isinstance(text, str) and text.strip() for text in texts)
        ):
            raise ValueError(f"{path.name}: {key} needs [Vietnamese, English], not {texts!r}")
        heading = Text(vi=texts[0], en=texts[1])
        twin = next((other for other, seen in headings.items() if seen == heading), None)
        if twin is not None:
            raise ValueError(f"{path.name}: {key} is the heading of {twin}: name {twin} instead")
        headings[str(key)] = heading
    return MappingProxyType(headings)


#: Every sheet's headings by column key (``headings.yaml`` beside this module), read and
#: checked once.
HEADINGS: Mapping[str, Text] = read_headings(Path(__file__).with_name("headings.yaml"))


def columns(*keys: str | Column) -> tuple[Column, ...]:
    """A sheet's columns in order: each a key of ``headings.yaml`` (the row's key, shown under
    its heading) or a :class:`Column` the sheet makes itself (one per pillar, per level).
    Errors: ``ValueError`` for a key without a heading; a sheet's columns are made when its
    module is imported, so a service with one does not start."""
    unknown = [key for key in keys if isinstance(key, str) and key not in HEADINGS]
    if unknown:
        raise ValueError(f"headings.yaml has no heading for the columns {', '.join(unknown)}")
    return tuple(Column(key, HEADINGS[key]) if isinstance(key, str) else key for key in keys)


def clean_text(value: str) -> str:
    """``value`` NFC with ``\\n`` line ends and no other control character (a tab stays)."""
    text = nfc(value).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def csv_text(value: str) -> str:
    """A text as its CSV cell: cleaned, neutralised when it begins like a formula."""
    cleaned = clean_text(value)
    if looks_like_formula(value) or looks_like_formula(cleaned):
        return NEUTRALISER + cleaned
    return cleaned


def local(moment: datetime) -> datetime:
    """An aware moment in the ward's local time."""
    if moment.tzinfo is None:
        raise ValueError("an exported moment must carry its time zone")
    return moment.astimezone(LOCAL_TZ)


def _plain(value: Any, lang: str) -> Any:
    """What a value is before its format: labels picked, booleans worded."""
    if isinstance(value, bool):
        return _YES_NO[value].pick(lang)
    if isinstance(value, Text):
        return value.pick(lang)
    return value


def _csv_cell(value: Any, lang: str, separator: str = ",") -> Any:
    value = _plain(value, lang)
    if value is None:
        return ""
    if separator == ";" and isinstance(value, float | Decimal):
        return str(value).replace(".", ",")  # where ";" separates, "," is the decimal mark
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, datetime):
        return local(value).strftime(MOMENT_CSV)
    if isinstance(value, date):
        return value.strftime(DAY_CSV)
    if isinstance(value, int | float | Decimal):
        return value
    return csv_text(str(value))


def to_csv(sheet: Sheet, lang: str = "vi", separator: str = ",") -> bytes:
    """The sheet as UTF-8 CSV with a byte-order mark, headings in ``lang`` (``vi``/``en``),
    separated by ``separator``: ``,``, or ``;`` with decimal commas, as Excel reads a CSV on a
    computer set to Vietnamese number formats (decimal comma, list separator ``;``)."""
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=separator, lineterminator="\r\n")
    writer.writerow([csv_text(column.title.pick(lang)) for column in sheet.columns])
    for row in sheet.rows:
        writer.writerow(
            [_csv_cell(row.get(column.key), lang, separator) for column in sheet.columns]
        )
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def _fill(cell: Cell, value: Any, lang: str) -> None:
    """Write one XLSX cell by the value's type (see the module's docstring)."""
    value = _plain(value, lang)
    if value is None:
        return
    if isinstance(value, datetime):
        # Excel has no time zones: the local wall-clock time, as a date cell.
        cell.value = local(value).replace(tzinfo=None)
        cell.number_format = MOMENT_XLSX
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DAY_XLSX
    elif isinstance(value, int | float | Decimal):
        cell.value = value
    else:
        text = clean_text(str(value))
        # openpyxl would make a text beginning with "=" a formula: set the value and type
        # by hand so that it is a string cell whatever it says.
        cell._value = text
        cell.data_type = "s"
        if looks_like_formula(text):
            cell.quotePrefix = True


def to_xlsx(sheet: Sheet, lang: str = "vi") -> bytes:
    """The sheet as an XLSX workbook of one worksheet: headings in bold and frozen, columns
    sized to their contents, dates as date cells, texts as string cells."""
    # Loaded when a workbook is asked for: resident in every service from its start, openpyxl
    # held some 8 MiB that most processes never use.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    worksheet = book.active
    assert worksheet is not None  # a new workbook has one sheet
    worksheet.title = _sheet_title(sheet.title.pick(lang))
    widths: list[int] = []
    for index, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=1, column=index)
        _fill(cell, column.title, lang)
        cell.font = Font(bold=True)
        widths.append(len(column.title.pick(lang)))
    for number, row in enumerate(sheet.rows, start=2):
        for index, column in enumerate(sheet.columns, start=1):
            cell = worksheet.cell(row=number, column=index)
            _fill(cell, row.get(column.key), lang)
            shown = len(str(cell.value)) if cell.value is not None else 0
            widths[index - 1] = max(widths[index - 1], 16 if cell.is_date else shown)
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = min(max(width, 6) + 2, 60)
    worksheet.freeze_panes = "A2"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _sheet_title(title: str) -> str:
    """A worksheet's name: at most 31 characters, none of ``[]:*?/\\``."""
    return clip("".join(" " if char in "[]:*?/\\" else char for char in clean_text(title)), 31)


def render(sheet: Sheet, fmt: Format, lang: str, separator: str = ",") -> bytes:
    """The sheet as ``fmt`` (a CSV's ``separator``: see :func:`to_csv`)."""
    return to_csv(sheet, lang, separator) if fmt == "csv" else to_xlsx(sheet, lang)


def export_response(
    sheet: Sheet, fmt: Format, lang: str, filename: str, separator: str = ","
) -> Response:
    """An attachment ``<filename>.<fmt>`` (an ASCII name: ids and periods) of the sheet."""
    return Response(
        render(sheet, fmt, lang, separator),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
            "Content-Language": lang,
        },
    )


#: A CSV's separator, as a route's parameter: ``,`` (the default) or ``;`` (decimal commas).
Separator = Annotated[
    Literal[",", ";"],
    Query(
        description="CSV only: ',' or ';' with decimal commas, for Excel on a computer set to "
        "Vietnamese number formats"
    ),
]

#: The OpenAPI ``responses`` entry of an export route's 200.
EXPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}}
}
