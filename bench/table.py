"""The one table ``make bench`` prints: each figure beside its baseline measured in the same
run, and the ratio; the benchmarks' detail lines go to standard error as they are measured."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass


def say(*parts: object) -> None:
    """A detail line of a benchmark (standard error: the table alone is on standard output)."""
    print(*parts, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Row:
    """One line of the table: what is measured, its figure and its baseline (both already
    formatted with their units), the ratio of the two (None where they do not divide), the
    aim and whether it is met (None: no aim)."""

    measure: str
    figure: str
    baseline: str
    ratio: float | None
    aim: str = ""
    met: bool | None = None


HEADERS = ("measure", "figure", "baseline (same run)", "ratio", "aim")


def render(rows: Sequence[Row], title: str) -> str:
    """The rows as a Markdown table under ``title`` (readable as text, pasted as is into the
    README)."""
    cells = [HEADERS] + [
        (
            r.measure,
            r.figure,
            r.baseline,
            "—" if r.ratio is None else f"{r.ratio:,.2f}",
            r.aim + ("" if r.met is None else (" ✓" if r.met else " ✗ missed")),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join([title, "", *lines])
