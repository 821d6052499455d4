"""What the assessment service says when it refuses a submission."""

from services.runtime.errors import register_messages

register_messages(
    {
        "own_unit": (
            "Thành viên đoàn đánh giá không được đánh giá đơn vị của chính mình.",
            "An auditor may not audit their own unit.",
        ),
        "unknown_unit": ("Không có đơn vị này trong phường.", "There is no such unit in the ward."),
        "unknown_catalog": (
            "Không có phiên bản bộ tiêu chí {version}.",
            "There is no catalogue version {version}.",
        ),
        "period_mismatch": (
            "Kỳ đánh giá {period} không khớp với thời điểm đánh giá (tháng {expected}, "
            "giờ Việt Nam).",
            "The period {period} does not match the time of the audit (month {expected}, "
            "Vietnam time).",
        ),
        "in_future": (
            "Thời điểm đánh giá không được ở tương lai.",
            "The time of the audit cannot be in the future.",
        ),
        "duplicate_item": (
            "Tiêu chí {item} xuất hiện nhiều lần.",
            "Item {item} appears more than once.",
        ),
        "unknown_item": (
            "Tiêu chí {item} không có trong bộ tiêu chí {version}.",
            "Item {item} is not in catalogue version {version}.",
        ),
        "missing_items": ("Thiếu các tiêu chí: {codes}.", "Items missing: {codes}."),
        "period_closed": (
            "Kỳ {period} đã khóa sổ; liên hệ quản trị viên nếu cần mở lại.",
            "Period {period} is closed; ask an administrator to reopen it.",
        ),
    }
)
