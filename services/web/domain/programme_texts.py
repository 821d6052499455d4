"""What the pages of the rest of the 5S+ programme say (periodic reviews), in Vietnamese and
English: key -> (Vietnamese, English), read through ``texts.text``. Pillars and periods come
from ``contracts.labels``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PROGRAMME_TEXTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "nav_reviews": ("Họp đánh giá, rút kinh nghiệm", "Periodic reviews"),
        "reviews": ("Họp đánh giá, rút kinh nghiệm", "Periodic reviews"),
        "reviews_period": ("Kỳ đánh giá", "Period reviewed"),
        "reviews_show": ("Xem", "Show"),
        "reviews_none": ("Chưa có bản đánh giá nào của kỳ này.", "No review of this period yet."),
        "review_write": ("Viết bản đánh giá của đơn vị", "Write the unit's review"),
        "went_well": ("Kết quả đạt được", "What went well"),
        "went_badly": ("Tồn tại, hạn chế", "What did not"),
        "lessons": ("Bài học kinh nghiệm", "Lessons drawn"),
        "follow_ups": ("Việc cần làm tiếp", "Follow-up tasks"),
        "follow_up_task": ("Việc", "Task"),
        "follow_up_owner": ("Người thực hiện", "Owner"),
        "follow_up_due": ("Hạn hoàn thành", "Due date"),
        "review_submit": ("Gửi bản đánh giá", "Submit the review"),
        "review_written_ok": ("Đã gửi bản đánh giá.", "The review is submitted."),
        "figures": ("Số liệu của kỳ", "The period's figures"),
        "figures_none": ("Chưa có số liệu chấm điểm của kỳ.", "No scores for the period yet."),
        "total_5s": ("Tổng điểm 5S", "5S total"),
        "actions_open": ("Biện pháp khắc phục đang mở", "Corrective actions open"),
        "written_by": ("Người viết", "Written by"),
        "acknowledged": ("Đã ghi nhận", "Acknowledged"),
        "not_acknowledged": ("Chưa ghi nhận", "Not yet acknowledged"),
        "ack_note": ("Ý kiến của lãnh đạo phụ trách", "The leader's remark"),
        "review_acknowledge": ("Ghi nhận bản đánh giá", "Acknowledge the review"),
        "acknowledged_ok": ("Đã ghi nhận bản đánh giá.", "The review is acknowledged."),
        "follow_up_open": ("Đang mở", "Open"),
        "follow_up_closed": ("Đã xong", "Done"),
        "follow_up_note": ("Kết quả thực hiện", "What was done"),
        "follow_up_close": ("Đóng việc", "Close the task"),
        "follow_up_closed_ok": ("Đã đóng việc.", "The task is closed."),
    }
)
