"""What the leaders' pages say (review queue, alert inbox, classification, unit board), in
Vietnamese and English: key -> (Vietnamese, English), read through ``texts.text``. Bands,
levels, pillars and states are not here: they come from ``contracts.labels``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LEADER_TEXTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "nav": ("Các trang", "Pages"),
        "nav_review": ("Duyệt tự đánh giá", "Reviews"),
        "nav_alerts": ("Cảnh báo", "Alerts"),
        "nav_classification": ("Xếp loại", "Classification"),
        "nav_board": ("Bảng theo dõi đơn vị", "Unit board"),
        "nav_plus": ("Tự đánh giá của tôi", "My self-assessment"),
        # --- the review queue
        "review": ('Duyệt tự đánh giá "+"', 'Review "+" self-assessments'),
        "review_intro": (
            "Bản chờ duyệt, cũ nhất trước; hạn duyệt tính theo ngày làm việc.",
            "Waiting for review, oldest first; deadlines count working days.",
        ),
        "review_none": ("Không có bản nào chờ duyệt.", "Nothing waits for review."),
        "person": ("Họ và tên", "Name"),
        "due_on": ("Hạn duyệt", "Review by"),
        "overdue": ("Quá hạn", "Overdue"),
        "approve": ("Duyệt", "Approve"),
        "adjust": ("Duyệt có điều chỉnh", "Approve with adjustments"),
        "return": ("Trả lại", "Return"),
        "review_reason": (
            "Lý do (bắt buộc khi điều chỉnh hoặc trả lại)",
            "Reason (required to adjust or return)",
        ),
        "adjusted_scores": ("Điểm điều chỉnh", "Adjusted scores"),
        "reviewed_ok": ("Đã ghi nhận việc xem xét.", "The review is recorded."),
        # --- the alert inbox
        "alerts": ("Cảnh báo của tôi", "My alerts"),
        "alerts_none": ("Không có cảnh báo nào.", "No alerts."),
        "group_open": ("Cần xử lý", "To act on"),
        "group_snoozed": ("Đang hoãn nhắc lại", "Snoozed"),
        "group_acknowledged": ("Đã xác nhận", "Acknowledged"),
        "acknowledge": ("Xác nhận đã nhận", "Acknowledge"),
        "snooze": ("Nhắc lại sau", "Snooze"),
        "snooze_hours": ("Hoãn (giờ)", "Snooze (hours)"),
        "raised_at": ("Phát sinh lúc", "Raised"),
        "snoozed_until": ("Hoãn đến", "Snoozed until"),
        "acknowledged_at": ("Xác nhận lúc", "Acknowledged"),
        "escalated": ("Đã chuyển cấp trên", "Escalated"),
        "escalation_level": ("Cấp nhận", "Level told"),
        "severity_critical": ("Khẩn", "Critical"),
        "live_hint": (
            "Trang tự cập nhật vài giây một lần.",
            "This page updates itself every few seconds.",
        ),
        "updated_at": ("Cập nhật lúc", "Updated"),
        # --- a link from an e-mail
        "link_title": ("Xác nhận thao tác với cảnh báo", "Confirm what to do with the alert"),
        "link_ack": (
            "Xác nhận rằng bạn đã nhận cảnh báo này? Cảnh báo sẽ không nhắc lại và không "
            "chuyển lên cấp trên.",
            "Acknowledge this alert? It stops repeating and is not escalated.",
        ),
        "link_snooze": (
            "Hoãn nhắc lại cảnh báo này trong {hours} giờ?",
            "Hold this alert's reminders for {hours} hours?",
        ),
        "link_done_ack": ("Đã xác nhận cảnh báo. Cảm ơn!", "Alert acknowledged. Thank you!"),
        "link_done_snooze": ("Đã hoãn nhắc lại cảnh báo.", "The alert's reminders are held."),
        "confirm": ("Xác nhận", "Confirm"),
        # --- classification
        "classification": ("Xếp loại cán bộ, công chức", "Classification of officials"),
        "period": ("Kỳ", "Period"),
        "show": ("Xem", "Show"),
        "provisional_period": (
            "Tạm tính: kỳ chưa khóa sổ.",
            "Provisional: the period is not closed.",
        ),
        "final_period": ("Kết quả chính thức (đã khóa sổ).", "Final (the period is closed)."),
        "unit_col": ("Đơn vị", "Unit"),
        "points": ("Điểm (thang 100)", "Points (of 100)"),
        "band": ("Xếp loại", "Rating"),
        "income": ("Thu nhập tăng thêm", "Additional income"),
        "income_of_max": (
            "{share} mức tối đa (hệ số {coefficient})",
            "{share} of the maximum (×{coefficient})",
        ),
        "missing": ("Còn thiếu", "Missing"),
        "quota_demoted": ("giảm do giới hạn 20%", "lowered by the 20% cap"),
        "decided_by_chairman": ("do Chủ tịch quyết định", "the chairman's decision"),
        "employment": ("Loại", "Type"),
        "quotas": ("Tỷ lệ xuất sắc theo nhóm chức trách", "The 20% cap per duty group"),
        "duty_group": ("Nhóm chức trách", "Duty group"),
        "quota_base": ("Số tính tỷ lệ", "Base"),
        "quota": ("Tối đa xuất sắc", "At most excellent"),
        "quota_excellent": ("Đang xuất sắc", "Excellent now"),
        "quota_pending": ("Chờ quyết định", "Awaiting decision"),
        "ties": ("Đồng điểm tại giới hạn 20%", "Ties at the 20% cap"),
        "ties_intro": (
            "Chọn người giữ mức xuất sắc (trong giới hạn {quota} người); những người còn lại "
            "xếp mức tốt.",
            "Choose who keeps the top rating (at most {quota}); the others are rated well.",
        ),
        "decision_note": ("Ghi chú của Chủ tịch", "The chairman's note"),
        "decide": ("Ghi nhận quyết định", "Record the decision"),
        "decided_ok": ("Đã ghi nhận quyết định.", "The decision is recorded."),
        "export": ("Xuất cho bộ phận tổ chức - nhân sự", "Export for HR"),
        "export_xlsx": ("Tải Excel (XLSX)", "Download Excel (XLSX)"),
        "export_csv": ("Tải CSV", "Download CSV"),
        "nobody": ("Chưa có ai trong kỳ này.", "Nobody in this period yet."),
    }
)
