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
from services.notifications.domain.low_scores import Message, Template, figures, period_label

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


#: One text a deadline rule: ``{person}``, ``{unit}``, ``{period}``, ``{due}``, ``{item}`` and
#: ``{submitted}`` are filled by :func:`deadline_message`.
DEADLINE_TEXTS: dict[str, Template] = {
    rules.SELF_ASSESSMENT_MISSING: Template(
        title=Text(
            vi="Chưa nộp tự đánh giá: {person}, {period}",
            en="Self-assessment missing: {person}, {period}",
        ),
        body=Text(
            vi=(
                "{person} ({unit}) chưa nộp bản tự đánh giá tiêu chí “+” {period}; "
                "hạn chót là ngày {due}. Đề nghị hoàn thành và nộp ngay."
            ),
            en=(
                "{person} ({unit}) has not submitted the “+” self-assessment for "
                "{period}; it was due on {due}. Please complete and submit it now."
            ),
        ),
    ),
    rules.REVIEW_OVERDUE: Template(
        title=Text(
            vi="Quá hạn duyệt tự đánh giá: {person}, {period}",
            en="Review overdue: {person}, {period}",
        ),
        body=Text(
            vi=(
                "Bản tự đánh giá {period} của {person} ({unit}) nộp ngày {submitted} chưa "
                "được duyệt; hạn duyệt là ngày {due}. Đề nghị trưởng đơn vị xem xét, phê duyệt "
                "hoặc trả lại."
            ),
            en=(
                "The {period} self-assessment of {person} ({unit}), submitted on {submitted}, "
                "has not been reviewed; the review was due on {due}. Please approve, adjust or "
                "return it."
            ),
        ),
    ),
    rules.AUDIT_MISSING: Template(
        title=Text(
            vi="Chưa đánh giá 5S: {unit}, {period}",
            en="5S audit missing: {unit}, {period}",
        ),
        body=Text(
            vi=(
                "{unit} chưa được đoàn đánh giá 5S chấm điểm {period}; hạn chót là ngày {due}. "
                "Đề nghị bố trí đánh giá ngay."
            ),
            en=(
                "{unit} has not been audited for {period}; the audit was due on {due}. "
                "Please schedule it now."
            ),
        ),
    ),
    rules.ACTION_OVERDUE: Template(
        title=Text(
            vi="Quá hạn khắc phục: {unit}, tiêu chí {item}",
            en="Corrective action overdue: {unit}, item {item}",
        ),
        body=Text(
            vi=(
                "Hành động khắc phục tiêu chí {item} của {unit} (người phụ trách: {person}) đến "
                "hạn ngày {due} nhưng chưa hoàn thành. Đề nghị hoàn thành và cập nhật minh chứng."
            ),
            en=(
                "The corrective action on item {item} of {unit} (owner: {person}) was due on "
                "{due} and is not done. Please complete it and add evidence."
            ),
        ),
    ),
}


def deadline_message(rule: str, facts: Facts) -> Message:
    """The alert of deadline ``rule`` (a key of :data:`DEADLINE_TEXTS`) about ``facts``.

    Raises ``ValueError`` for any other rule."""
    if rule not in DEADLINE_TEXTS:
        raise ValueError(f"not a deadline rule: {rule}")
    return DEADLINE_TEXTS[rule].fill(
        unit=facts.unit,
        period=period_label(facts.period),
        due=day_label(facts.due),
        person=facts.person_name or "",
        item=facts.item_code or "",
        submitted=day_label(facts.submitted_on or facts.due),
    )


DISSATISFACTION_SPIKE = Template(
    title=Text(
        vi="Người dân phản ánh không hài lòng: {unit}",
        en="Citizen dissatisfaction spike: {unit}",
    ),
    body=Text(
        vi=(
            "{unit} nhận {count} đánh giá “{level}” trong một ngày ({period}), từ ngưỡng "
            "{threshold} trở lên. Đề nghị kiểm tra ngay việc tiếp nhận và giải quyết hồ sơ."
        ),
        en=(
            "{unit} received {count} “{level}” ratings in one day ({period}), at or above "
            "{threshold}. Please look into the service at once."
        ),
    ),
)

LOW_SATISFACTION = Template(
    title=Text(
        vi="Tỷ lệ hài lòng của người dân thấp: {unit}, {period}",
        en="Low share of satisfied citizens: {unit}, {period}",
    ),
    body=Text(
        vi=(
            "Tỷ lệ hài lòng của người dân với {unit} {period} là {value}%, dưới ngưỡng "
            "{limit}%. Đề nghị rà soát thái độ phục vụ và quy trình giải quyết hồ sơ."
        ),
        en=(
            "The share of citizens satisfied with {unit} for {period} is {value}%, below the "
            "{limit}% threshold. Please review how the unit serves people."
        ),
    ),
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
        return DISSATISFACTION_SPIKE.fill(
            unit=unit,
            period=when,
            count=int(value),
            threshold=int(threshold),
            level=Text(vi=level.vi, en=level.en.lower()),
        )
    return LOW_SATISFACTION.fill(unit=unit, period=when, **figures(value, threshold))


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
