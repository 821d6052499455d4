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
from services.notifications.domain.low_scores import Message, below_threshold, period_label

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
    unit, period, due = facts.unit, period_label(facts.period), day_label(facts.due)
    person = facts.person_name or ""
    if rule == rules.SELF_ASSESSMENT_MISSING:
        return Message(
            title=Text(
                vi=f"Chưa nộp tự đánh giá: {person}, {period.vi}",
                en=f"Self-assessment missing: {person}, {period.en}",
            ),
            body=Text(
                vi=(
                    f"{person} ({unit.vi}) chưa nộp bản tự đánh giá tiêu chí “+” {period.vi}; "
                    f"hạn chót là ngày {due.vi}. Đề nghị hoàn thành và nộp ngay."
                ),
                en=(
                    f"{person} ({unit.en}) has not submitted the “+” self-assessment for "
                    f"{period.en}; it was due on {due.en}. Please complete and submit it now."
                ),
            ),
        )
    if rule == rules.REVIEW_OVERDUE:
        submitted = day_label(facts.submitted_on or facts.due)
        return Message(
            title=Text(
                vi=f"Quá hạn duyệt tự đánh giá: {person}, {period.vi}",
                en=f"Review overdue: {person}, {period.en}",
            ),
            body=Text(
                vi=(
                    f"Bản tự đánh giá {period.vi} của {person} ({unit.vi}) nộp ngày "
                    f"{submitted.vi} chưa được duyệt; hạn duyệt là ngày {due.vi}. Đề nghị "
                    "trưởng đơn vị xem xét, phê duyệt hoặc trả lại."
                ),
                en=(
                    f"The {period.en} self-assessment of {person} ({unit.en}), submitted on "
                    f"{submitted.en}, has not been reviewed; the review was due on {due.en}. "
                    "Please approve, adjust or return it."
                ),
            ),
        )
    if rule == rules.AUDIT_MISSING:
        return Message(
            title=Text(
                vi=f"Chưa đánh giá 5S: {unit.vi}, {period.vi}",
                en=f"5S audit missing: {unit.en}, {period.en}",
            ),
            body=Text(
                vi=(
                    f"{unit.vi} chưa được đoàn đánh giá 5S chấm điểm {period.vi}; hạn chót là "
                    f"ngày {due.vi}. Đề nghị bố trí đánh giá ngay."
                ),
                en=(
                    f"{unit.en} has not been audited for {period.en}; the audit was due on "
                    f"{due.en}. Please schedule it now."
                ),
            ),
        )
    if rule == rules.ACTION_OVERDUE:
        item = facts.item_code or ""
        return Message(
            title=Text(
                vi=f"Quá hạn khắc phục: {unit.vi}, tiêu chí {item}",
                en=f"Corrective action overdue: {unit.en}, item {item}",
            ),
            body=Text(
                vi=(
                    f"Hành động khắc phục tiêu chí {item} của {unit.vi} (người phụ trách: "
                    f"{person}) đến hạn ngày {due.vi} nhưng chưa hoàn thành. Đề nghị hoàn thành "
                    "và cập nhật minh chứng."
                ),
                en=(
                    f"The corrective action on item {item} of {unit.en} (owner: {person}) was "
                    f"due on {due.en} and is not done. Please complete it and add evidence."
                ),
            ),
        )
    raise ValueError(f"not a deadline rule: {rule}")


def citizen_message(
    metric: str, value: float, threshold: float, unit: Text, period: str
) -> Message:
    when = period_label(period)
    if metric == "dissatisfaction_spike":
        count, level = int(value), LEVEL_LABELS[1]  # 1: the lowest level, "very dissatisfied"
        return Message(
            title=Text(
                vi=f"Người dân phản ánh không hài lòng: {unit.vi}",
                en=f"Citizen dissatisfaction spike: {unit.en}",
            ),
            body=Text(
                vi=(
                    f"{unit.vi} nhận {count} đánh giá “{level.vi}” trong một ngày "
                    f"({when.vi}), từ ngưỡng {int(threshold)} trở lên. Đề nghị kiểm tra ngay "
                    "việc tiếp nhận và giải quyết hồ sơ."
                ),
                en=(
                    f"{unit.en} received {count} “{level.en.lower()}” ratings in one day "
                    f"({when.en}), at or above {int(threshold)}. Please look into the service "
                    "at once."
                ),
            ),
        )
    figure = {lang: below_threshold(value, threshold, lang) for lang in ("vi", "en")}
    return Message(
        title=Text(
            vi=f"Tỷ lệ hài lòng của người dân thấp: {unit.vi}, {when.vi}",
            en=f"Low share of satisfied citizens: {unit.en}, {when.en}",
        ),
        body=Text(
            vi=(
                f"Tỷ lệ hài lòng của người dân với {unit.vi} {when.vi} là "
                f"{figure['vi'][0]}%, dưới ngưỡng {figure['vi'][1]}%. Đề nghị rà "
                "soát thái độ phục vụ và quy trình giải quyết hồ sơ."
            ),
            en=(
                f"The share of citizens satisfied with {unit.en} for {when.en} is "
                f"{figure['en'][0]}%, below the {figure['en'][1]}% threshold. "
                "Please review how the unit serves people."
            ),
        ),
    )


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
