"""Low-score alerts: who is told, and what they read (pure, no I/O).

A unit's pillar below its threshold goes to the unit head; its total also goes to the
vice-chairman in charge of the unit. Texts are Vietnamese first, with English beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.catalog import default_catalog
from contracts.common import Text
from contracts.events import LowScoreData, OrgPerson
from contracts.periods import Month, Period
from contracts.roles import Role


@dataclass(frozen=True)
class Message:
    title: Text
    body: Text


def rule_name(metric: str) -> str:
    return f"low_score.{metric}"


def recipients(data: LowScoreData, people: Sequence[OrgPerson]) -> list[OrgPerson]:
    heads = [p for p in people if p.role is Role.UNIT_HEAD and p.unit_id == data.unit_id]
    if data.metric != "total":
        return heads
    deputies = [
        p for p in people if p.role is Role.VICE_CHAIRMAN and data.unit_id in p.units_in_charge
    ]
    return heads + deputies


def metric_label(metric: str) -> Text:
    if metric == "total":
        return Text(vi="Tổng điểm 5S", en="5S total")
    pillar = default_catalog().pillar(metric)
    return Text(vi=f"{metric} {pillar.name.vi}", en=f"{metric} {pillar.name.en}")


def period_label(period: str) -> Text:
    parsed = Period.parse(period)
    if parsed.kind == "month":
        month = Month.parse(period)
        return Text(vi=f"tháng {month.month:02d}/{month.year}", en=f"{month.first_day():%B %Y}")
    if parsed.kind == "quarter":
        return Text(vi=f"quý {parsed.index}/{parsed.year}", en=f"Q{parsed.index} {parsed.year}")
    return Text(vi=f"năm {parsed.year}", en=str(parsed.year))


def _number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def low_score_message(data: LowScoreData, unit_name: Text) -> Message:
    metric = metric_label(data.metric)
    period = period_label(data.period)
    state = Text(
        vi="chính thức" if data.final else "tạm tính", en="final" if data.final else "provisional"
    )
    return Message(
        title=Text(
            vi=f"Điểm 5S thấp: {unit_name.vi}, {period.vi}",
            en=f"Low 5S score: {unit_name.en}, {period.en}",
        ),
        body=Text(
            vi=(
                f"Kết quả {state.vi} của {unit_name.vi} {period.vi}: {metric.vi} đạt "
                f"{_number(data.value, 'vi')}%, dưới ngưỡng {_number(data.threshold, 'vi')}%. "
                "Đề nghị đơn vị xem lại các tiêu chí điểm thấp và lập kế hoạch khắc phục."
            ),
            en=(
                f"The {state.en} result of {unit_name.en} for {period.en}: {metric.en} is "
                f"{_number(data.value, 'en')}%, below the {_number(data.threshold, 'en')}% "
                "threshold. Please review the low-scoring items and plan corrective actions."
            ),
        ),
    )
