"""The period report as a printable A4 PDF in the caller's language (Vietnamese by default):
HTML laid out by WeasyPrint, with its charts drawn as inline SVG (no script, no network), in
DejaVu Sans, whose glyphs cover Vietnamese (Debian's fonts-dejavu)."""

from __future__ import annotations

from fractions import Fraction
from html import escape
from typing import Any

from contracts.common import Text
from contracts.figures import written
from contracts.labels import period_label
from services.assessment.views.report import COLUMNS, Report

STYLE = """
@page { size: A4 landscape; margin: 14mm; @bottom-right { content: counter(page); } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 14pt; margin: 0 0 2mm; }
p.made { margin: 0 0 4mm; }
table.units { font-size: 7pt; }
h2 { font-size: 11pt; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #777; padding: 1.2mm 1.5mm; text-align: right; }
th { background: #e8efe8; text-align: center; }
td.text { text-align: left; }
"""


def number(value: Any, lang: str) -> str:
    """A figure as the reader writes it: Vietnamese decimal comma, one decimal, rounded half
    up once from its exact value (``contracts.figures``, the pages' and alerts' rule); — for
    none."""
    if value is None or isinstance(value, float | Fraction):
        return written(value, lang)
    return str(value)


def _shown(row: dict[str, Any], key: str) -> Any:
    """A row's figure exactly where the report has it so (``exact``), else as given."""
    exact = row.get("exact") or {}
    return exact[key] if key in exact else row.get(key)


def _cell(value: Any, lang: str) -> str:
    if isinstance(value, Text):
        return f'<td class="text">{escape(value.pick(lang))}</td>'
    if isinstance(value, str):
        return f'<td class="text">{escape(value)}</td>'
    return f"<td>{escape(number(value, lang))}</td>"


def bar_chart(bars: list[tuple[str, Any]], lang: str, width: int = 720) -> str:
    """Horizontal bars from 0 to 100 % with their labels and values, as inline SVG."""
    row, left, scale = 18, 230, (width - 290) / 100
    height = row * len(bars) + 10
    parts = [f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, value) in enumerate(bars):
        y = index * row + 4
        name = escape(label)
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" font-size="9">{name}</text>'
        )
        length = float(value or 0) * scale
        parts.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="13" fill="#2e7d32"/>')
        parts.append(
            f'<text x="{left + length + 4:.1f}" y="{y + 11}" font-size="9">'
            f"{escape(number(value, lang))} %</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def report_pdf(report: Report, lang: str = "vi") -> bytes:
    """The report as PDF bytes: its heading (the ward's name, the period in words, the day it
    was made as dd/mm/yyyy), the 5S total chart, the satisfaction chart, and the table of every
    column the workbook has (:data:`COLUMNS`, one list for both formats)."""
    # Imported here: WeasyPrint (Pango through cffi) takes most of a second to load, and only
    # a report asked for as PDF needs it, not every start of the service or of its tests.
    from weasyprint import HTML

    head = "".join(f"<th>{escape(c.title.pick(lang))}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(_cell(_shown(row, c.key), lang) for c in COLUMNS) + "</tr>"
        for row in report.rows
    )
    totals = [(row["unit"].pick(lang), _shown(row, "total_percent")) for row in report.rows]
    satisfied = [
        (row["unit"].pick(lang), _shown(row, "satisfaction_percent")) for row in report.rows
    ]
    charts = Text(vi="Tổng điểm 5S theo đơn vị", en="5S total by unit").pick(lang)
    citizens = Text(vi="Tỷ lệ người dân hài lòng", en="Satisfied citizens").pick(lang)
    detail = Text(vi="Chi tiết theo đơn vị", en="By unit").pick(lang)
    period = Text(vi="Kỳ báo cáo", en="Period").pick(lang)
    made = Text(vi="Ngày lập", en="Made on").pick(lang)
    words = period_label(report.period).pick(lang)
    heading = (
        f"{escape(report.ward_name)} · {escape(period)}: {escape(words)}"
        f" · {escape(made)}: {report.made_on:%d/%m/%Y}"
    )
    html = (
        f'<html lang="{lang}"><head><meta charset="utf-8"><style>{STYLE}</style></head><body>'
        f'<h1>{escape(report.title.pick(lang))}</h1><p class="made">{heading}</p>'
        f"<h2>{escape(charts)}</h2>{bar_chart(totals, lang)}"
        f"<h2>{escape(citizens)}</h2>{bar_chart(satisfied, lang)}"
        f'<h2>{escape(detail)}</h2><table class="units"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></body></html>"
    )
    return HTML(string=html).write_pdf()
