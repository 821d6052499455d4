"""Reading an org chart upload (CSV, one line per person) into the lines the domain checks
(``domain/org.py``): the columns are there, the file is not too long."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

from services.assessment.domain.org import COLUMNS, OrgRow, org_rows
from services.runtime.refusals import Kind, Refusal

#: Lines an upload may have (a ward has hundreds of people, not thousands).
MAX_LINES = 5000


def parse_org_chart(text: str) -> list[OrgRow]:
    """The people of a CSV org chart, in order. Errors (``Refusal``): 422 ``csv_columns`` for a
    missing required column, the domain's for a bad line or an empty chart; 413
    ``too_many_lines`` past :data:`MAX_LINES`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise Refusal(Kind.INVALID, "csv_columns", "csv", columns=", ".join(missing))
    return org_rows(_numbered(reader))


def _numbered(reader: csv.DictReader[str]) -> Iterator[tuple[int, Mapping[str, str]]]:
    """Each line with its number in the file (the header is line 1)."""
    for number, line in enumerate(reader, start=2):
        if number > MAX_LINES:
            raise Refusal(Kind.TOO_LARGE, "too_many_lines", "csv", limit=MAX_LINES)
        yield number, line
