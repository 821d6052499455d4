"""Low-score alerts: what they read (pure, no I/O).

Who is told is decided in ``rules``; texts are Vietnamese first, with English beside them.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from contracts import labels
from contracts.catalog import default_catalog
from contracts.common import FIVE_S, PILLARS, Text
from contracts.events import LowScoreData
from contracts.figures import rounded, written
from services.notifications.domain.texts import Message, templates


def rule_name(metric: str) -> str:
    return f"low_score.{metric}"


def metric_label(metric: str) -> Text:
    if metric == "total":
        return Text(vi="Tổng điểm 5S", en="5S total")
    if metric not in PILLARS:
        return Text(vi=metric, en=metric)  # a metric scoring added after this text was written
    pillar = default_catalog().pillar(metric)
    return Text(vi=f"{metric} {pillar.name.vi}", en=f"{metric} {pillar.name.en}")


def period_label(period: str) -> Text:
    """A day ("ngày 05/03/2026"), or a period as ``contracts.labels.period_label`` writes it
    ("tháng 03/2026", "quý I/2026", "năm 2026"): the one wording of periods."""
    if len(period) == len("YYYY-MM-DD"):  # one day, e.g. a spike of dissatisfied citizens
        day = date.fromisoformat(period)
        return Text(vi=f"ngày {day:%d/%m/%Y}", en=f"on {day:%d %b %Y}")
    return labels.period_label(period)


def below_threshold(value: float, threshold: float, lang: str) -> tuple[str, str]:
    """A figure under its threshold and the threshold, as the message shows them: one decimal,
    or as many more (up to three, then cut down) as it takes for the figure to read lower than
    the threshold. Rounded to one decimal, 59.96 % under 60 % would read "60,0%, dưới ngưỡng
    60,0%"; it reads "59,96%, dưới ngưỡng 60,0%"."""
    limit = written(threshold, lang)
    exact_value, exact_limit = Decimal(repr(value)), Decimal(repr(threshold))
    for digits in (1, 2, 3):
        if rounded(exact_value, digits) < exact_limit:
            return written(value, lang, digits), limit
    cut = str(exact_value.quantize(Decimal("0.001"), rounding=ROUND_FLOOR))
    return (cut.replace(".", ",") if lang == "vi" else cut), limit


def figures(value: float, threshold: float) -> dict[str, Text]:
    """``value`` and ``limit`` as :func:`below_threshold` writes them, in both languages."""
    vi, en = below_threshold(value, threshold, "vi"), below_threshold(value, threshold, "en")
    return {"value": Text(vi=vi[0], en=en[0]), "limit": Text(vi=vi[1], en=en[1])}


#: The metrics whose alert says whether its result was provisional or final (a citizens'
#: metric's does not).
STATED_METRICS: tuple[str, ...] = ("total", *FIVE_S)
#: What a low score's alert says of its result: final, or provisional when it was raised (the
#: text is fixed then; :func:`final_note` is added once the period is final).
FINAL = Text(vi="chính thức", en="final")
PROVISIONAL = Text(vi="tạm tính tại thời điểm cảnh báo", en="provisional at the time of this alert")


def low_score_message(data: LowScoreData, unit_name: Text) -> Message:
    """The alert of a unit's low ``data.metric``: its figure under the threshold, and whether
    the result was final or provisional when the alert was raised."""
    state = FINAL if data.final else PROVISIONAL
    return templates()["low_score"].fill(
        unit=unit_name,
        period=period_label(data.period),
        state=state,
        metric=metric_label(data.metric),
        **figures(data.value, data.threshold),
    )


def final_note(period: str, unit_name: Text) -> Text:
    """What a low score's alert raised on a provisional result gains once ``period`` is final:
    "Cập nhật: tháng 07/2026 đã khóa sổ, kết quả của ... nay là chính thức."."""
    return templates()["low_score.final"].fill(unit=unit_name, period=period_label(period)).body
