"""What people read: titles and bodies of alerts, Vietnamese first with English beside (pure).

Low-score texts are in ``low_scores``; the deadline rules, escalation notes and citizen
satisfaction are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contracts.common import LOCAL_TZ, Text
from contracts.labels import LEVEL_LABELS
from contracts.roles import Role
from services.notifications.domain import rules
from services.notifications.domain.low_scores import figures, period_label
from services.notifications.domain.texts import Message, templates

ROLE_LABELS: dict[Role, Text] = {
    Role.ADMIN: Text(vi="Quản trị chương trình 5S", en="5S programme administrator"),
    Role.CHAIRMAN: Text(vi="Chủ tịch UBND phường", en="Chairman of the Ward People's Committee"),
    Role.VICE_CHAIRMAN: Text(vi="Phó Chủ tịch UBND phường", en="Vice-chairman"),
    Role.UNIT_HEAD: Text(vi="Trưởng đơn vị", en="Head of unit"),
    Role.AUDITOR: Text(vi="Thành viên đoàn đánh giá", en="Auditor"),
    Role.STAFF: Text(vi="Cán bộ, công chức", en="Staff member"),
}


def day_label(day: date) -> Text:
    return Text(vi=f"{day:%d/%m/%Y}", en=f"{day:%d %b %Y}")


def moment_label(moment: datetime) -> Text:
    local = moment.astimezone(LOCAL_TZ)
    return Text(vi=f"{local:%H:%M} ngày {local:%d/%m/%Y}", en=f"{local:%H:%M on %d %b %Y}")


@dataclass(frozen=True)
class Facts:
    """What a deadline alert names: the unit, the period, the person concerned if any, the
    deadline, and the rule's own details (an item code, a submission date)."""

    unit: Text
    period: str
    due: date
    person_name: str | None = None
    item_code: str | None = None
    submitted_on: date | None = None


def deadline_message(rule: str, facts: Facts) -> Message:
    """The alert of deadline ``rule`` (one of ``rules.DEADLINE_RULES``) about ``facts``, its
    text the rule's entry in ``texts.yaml``. Raises ``ValueError`` for any other rule."""
    if rule not in rules.DEADLINE_RULES:
        raise ValueError(f"not a deadline rule: {rule}")
    return templates()[rule].fill(
        unit=facts.unit,
        period=period_label(facts.period),
        due=day_label(facts.due),
        person=facts.person_name or "",
        item=facts.item_code or "",
        submitted=day_label(facts.submitted_on or facts.due),
    )


def citizen_message(
    metric: str, value: float, threshold: float, unit: Text, period: str
) -> Message:
    """A citizen-feedback alert: ``dissatisfaction_spike`` (``value`` ratings at the lowest
    level in one day, ``threshold`` a count) or a low share of satisfied citizens (``value`` and
    ``threshold`` in per cent)."""
    when = period_label(period)
    if metric == "dissatisfaction_spike":
        level = LEVEL_LABELS[1]  # 1: the lowest level, "very dissatisfied"
        return templates()["dissatisfaction_spike"].fill(
            unit=unit,
            period=when,
            count=int(value),
            threshold=int(threshold),
            level=Text(vi=level.vi, en=level.en.lower()),
        )
    return templates()["low_satisfaction"].fill(unit=unit, period=when, **figures(value, threshold))


def escalation_note(told: str, role: Role, told_at: datetime) -> Text:
    """Who was told before, and when, for the leader an alert goes up to."""
    label, at = ROLE_LABELS.get(role, Text(vi=role.value, en=role.value)), moment_label(told_at)
    return Text(
        vi=f"Đã báo {told} ({label.vi}) lúc {at.vi} nhưng chưa được xác nhận.",
        en=f"{told} ({label.en}) was told at {at.en} and has not acknowledged it.",
    )


def escalated(message: Message, note: Text) -> Message:
    return Message(
        title=Text(vi=f"[Chuyển cấp] {message.title.vi}", en=f"[Escalated] {message.title.en}"),
        body=Text(vi=f"{message.body.vi}\n{note.vi}", en=f"{message.body.en}\n{note.en}"),
    )
