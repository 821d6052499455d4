"""The labels and intake bodies in contracts: every band, level and pillar has its Vietnamese
and English text, and every intake subject names a body the assessment service handles."""

from __future__ import annotations

from typing import get_args

from contracts import intake
from contracts.common import PILLARS
from contracts.events import Band, InitiativeStatus
from contracts.labels import BAND_LABELS, LEVEL_LABELS, PILLAR_LABELS


def test_every_band_level_and_pillar_has_a_label() -> None:
    assert set(BAND_LABELS) == set(get_args(Band))
    level = intake.FeedbackIn.model_json_schema()["properties"]["level"]
    assert sorted(LEVEL_LABELS) == list(range(level["minimum"], level["maximum"] + 1))
    assert set(PILLAR_LABELS) == set(PILLARS)
    assert BAND_LABELS["xuat_sac"].vi == "Hoàn thành xuất sắc nhiệm vụ"
    assert LEVEL_LABELS[1].vi == "Rất không hài lòng"
    assert PILLAR_LABELS["S1"].vi == "Sàng lọc"


def test_the_intake_kinds_are_the_assessment_commands() -> None:
    from services.assessment.handlers.commands import COMMANDS

    registered = {entry.kind: entry.name for entry in COMMANDS.entries()}
    assert {kind: registered.get(kind) for kind in intake.INTAKE_KINDS} == dict(intake.INTAKE_KINDS)
    assert len(set(registered.values())) == len(registered)


def test_periods_are_written_as_officials_write_them() -> None:
    from contracts.labels import period_label

    assert period_label("2026-01").vi == "tháng 01/2026"
    assert period_label("2026-Q1").vi == "quý I/2026"
    assert period_label("2026-Q4").vi == "quý IV/2026"
    assert period_label("2026").vi == "năm 2026"
    assert period_label("2026-01").en == "January 2026"
    assert period_label("2026-Q3").en == "Q3 2026"


def test_refusals_show_periods_and_dates_as_officials_write_them() -> None:
    from datetime import date

    from services.assessment.domain.messages import MESSAGES
    from services.runtime.refusals import message, register_messages

    register_messages(MESSAGES)
    assert message("period_closed", "vi", period="2026-03") == (
        "Kỳ tháng 03/2026 đã khóa sổ; liên hệ quản trị viên nếu cần mở lại."
    )
    assert message("period_closed", "en", period="2026-03") == (
        "Period March 2026 is closed; ask an administrator to reopen it."
    )
    assert message(
        "period_out_of_window", "vi", period="2024-12", first="2025-12", last="2026-11"
    ) == ("Kỳ tháng 12/2024 nằm ngoài khoảng cho phép: từ tháng 12/2025 đến tháng 11/2026.")
    assert message("period_mismatch", "vi", period="2026-02", expected="2026-03") == (
        "Kỳ đánh giá tháng 02/2026 không khớp với thời điểm đánh giá (tháng 03/2026, giờ Việt Nam)."
    )
    # Years stay numbers; dates read dd/mm/yyyy.
    assert message("calendar_year", "vi", first=2026, last=2027) == (
        "Chỉ khai báo ngày trong các năm 2026–2027."
    )
    assert "01/02/2026" in message("past_day", "vi", day=date(2026, 2, 1))


def test_every_label_table_is_served_whole() -> None:
    from contracts.labels import labels

    both, vi = labels(), labels("vi")
    assert both["bands"]["tot"] == {"vi": "Hoàn thành tốt nhiệm vụ", "en": "Completed duties well"}
    assert vi["levels"]["5"] == "Rất hài lòng"
    assert vi["classification_statuses"]["not_classified"] == "Chưa đủ dữ liệu để xếp loại"
    assert labels("en")["action_statuses"]["open"] == "Open"
    # Every state an initiative may be in has its words (the register's page shows them).
    assert set(vi["initiative_statuses"]) == set(get_args(InitiativeStatus))
    assert set(both) == set(vi)
