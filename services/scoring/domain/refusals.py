"""The texts of scoring's refusals, ``code -> (Vietnamese, English)``, registered by the
composition root (``bootstrap``) at start-up."""

from __future__ import annotations

from contracts.labels import BAND_LABELS

_EXCELLENT = BAND_LABELS["xuat_sac"].vi  # named in Vietnamese in both languages: the decree's term

MESSAGES: dict[str, tuple[str, str]] = {
    # One rebuild at a time: services.scoring.rebuild.
    "rebuild_running": (
        "Đang có một lần dựng lại dữ liệu chạy (bắt đầu {started}, bước {stage}: "
        "{done}/{total} sự kiện). Chờ lần đó xong rồi thử lại.",
        "A rebuild is already running (started {started}, stage {stage}: {done}/{total} "
        "events). Wait for it to finish, then try again.",
    ),
    # What each endpoint accepts: services.scoring.domain.periods.
    "bad_period": (
        "Kỳ không hợp lệ (dùng {accepts_vi}; năm từ {first} đến {last}).",
        "Not a valid period (use {accepts_en}; years {first} to {last}).",
    ),
    "no_score": (
        "Chưa có điểm của người này trong kỳ.",
        "This person has no score for the period.",
    ),
    "unknown_unit": (
        "Không có đơn vị này trong sơ đồ tổ chức hiện tại của phường.",
        "No such unit in the ward's current org chart.",
    ),
    "ward_required": (
        "Tài khoản thành phố cần ghi rõ phường (ward) muốn xem.",
        "A city's token must name the ward it reads (ward).",
    ),
    "unknown_person": (
        "Không có người này trong sơ đồ tổ chức hiện tại của phường.",
        "No such person in the ward's current org chart.",
    ),
    # The chairman's decisions: services.scoring.handlers.classification.
    "decision_group": (
        "Không xác định được nhóm: ghi rõ duty_group (nhóm có người đồng điểm chờ quyết định).",
        "Cannot tell the group: name the duty_group (a group with a tie awaiting a decision).",
    ),
    "decision_no_tie": (
        "Nhóm này không có người đồng điểm ở ngưỡng 20% chờ Chủ tịch quyết định trong kỳ.",
        "No tie at the edge of this group's 20% quota awaits the chairman in the period.",
    ),
    "decision_not_tied": (
        "Chỉ được chọn trong số những người đồng điểm ở ngưỡng 20% của nhóm.",
        "Only people tied at the edge of the group's 20% quota may be chosen.",
    ),
    "decision_over_quota": (
        f'Quyết định vượt tỷ lệ 20% "{_EXCELLENT}" của nhóm.',
        f'The decision exceeds the group\'s 20% quota of "{_EXCELLENT}".',
    ),
}
