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
        # --- the rating screen's optional contact, after a dissatisfied rating
        "contact_title": (
            "Quý khách có muốn được liên hệ lại không?",
            "Would you like to be contacted?",
        ),
        "contact_why": (
            "Không bắt buộc. Lãnh đạo đơn vị sẽ gọi điện hoặc gửi thư để tìm hiểu và khắc phục.",
            "Optional. The head of the unit will call or write to you to put things right.",
        ),
        "contact_value": ("Số điện thoại hoặc thư điện tử", "Phone number or e-mail address"),
        "contact_consent": (
            "Tôi đồng ý để cán bộ liên hệ lại với tôi",
            "I agree to be contacted",
        ),
        "contact_consent_needed": (
            "Vui lòng đánh dấu đồng ý để được liên hệ lại, hoặc bấm Bỏ qua.",
            "Please tick your agreement to be contacted, or press Skip.",
        ),
        "contact_send": ("Gửi", "Send"),
        "contact_skip": ("Bỏ qua", "Skip"),
        # --- call-backs to dissatisfied citizens
        "nav_call-backs": ("Liên hệ lại người dân", "Citizen call-backs"),
        "callbacks": ("Liên hệ lại người dân", "Citizen call-backs"),
        "callbacks_intro": (
            "Người dân chưa hài lòng đã để lại liên hệ và đồng ý được liên hệ lại.",
            "Dissatisfied citizens who left a contact and agreed to be contacted.",
        ),
        "callbacks_none": ("Không có ai cần liên hệ lại.", "Nobody waits for a call-back."),
        "callback_contact": ("Liên hệ", "Contact"),
        "callback_outcome": ("Kết quả liên hệ", "Outcome of the call"),
        "callback_done": ("Đã liên hệ", "Called back"),
        "callback_done_ok": ("Đã ghi kết quả liên hệ.", "The outcome is noted."),
        "callbacks_done": ("Đã liên hệ", "Done"),
        # --- the period report for the ward committee
        "period_report": ("Báo cáo kỳ cho Ủy ban phường", "The period report for the committee"),
        "report_pdf": ("Tải bản in A4 (PDF)", "Download the printable A4 (PDF)"),
        "report_xlsx": ("Tải bảng tính (XLSX)", "Download the workbook (XLSX)"),
        # --- campaigns
        "nav_campaigns": ("Phong trào", "Campaigns"),
        "campaigns": ("Phong trào, đợt ra quân", "Campaigns"),
        "campaigns_none": ("Chưa có phong trào nào.", "No campaigns yet."),
        "campaign_publish": ("Phát động phong trào", "Publish a campaign"),
        "campaign_title": ("Tên phong trào", "Title"),
        "campaign_starts": ("Từ ngày", "From"),
        "campaign_ends": ("Đến ngày", "To"),
        "campaign_codes": (
            "Mã tiêu chí lấy từ bộ tiêu chí (cách nhau bằng dấu phẩy, ví dụ S1.1, S3.2)",
            "Catalogue item codes (comma-separated, e.g. S1.1, S3.2)",
        ),
        "campaign_own_item": ("Tiêu chí riêng", "Own item"),
        "campaign_publish_button": ("Phát động", "Publish"),
        "campaign_published_ok": ("Đã phát động phong trào.", "The campaign is published."),
        "campaign_ward_result": ("Kết quả toàn phường", "Ward-wide result"),
        "campaign_checklist": ("Tiêu chí", "Checklist"),
        "campaign_results": ("Kết quả theo đơn vị", "Results per unit"),
        "campaign_audited_on": ("Ngày đánh giá", "Audited on"),
        "campaign_result": ("Kết quả", "Result"),
        "campaign_audit_button": ("Gửi kết quả đánh giá", "Submit the audit"),
        "campaign_audited_ok": ("Đã ghi kết quả đánh giá.", "The audit is recorded."),
        # --- the initiatives register
        "nav_initiatives": ("Sáng kiến", "Initiatives"),
        "initiatives": ("Sổ sáng kiến", "Initiatives register"),
        "initiative_propose": ("Đề xuất sáng kiến", "Propose an initiative"),
        "initiative_title": ("Tên sáng kiến", "Title"),
        "initiative_problem": ("Thực trạng, vấn đề", "The problem"),
        "initiative_proposal": ("Giải pháp đề xuất", "What is proposed"),
        "initiative_expected": ("Hiệu quả dự kiến", "Expected effect"),
        "initiative_by_unit": ("Sáng kiến của đơn vị", "The unit's initiative"),
        "initiative_of_unit": ("của đơn vị", "the unit's"),
        "initiative_submit": ("Gửi đề xuất", "Submit the proposal"),
        "initiative_proposed_ok": ("Đã gửi đề xuất sáng kiến.", "The initiative is proposed."),
        "initiative_register": ("Các sáng kiến", "Initiatives"),
        "initiatives_none": ("Chưa có sáng kiến nào.", "No initiatives yet."),
        "initiative_decision": ("Quyết định", "Decision"),
        "initiative_reason": ("Lý do", "Reason"),
        "initiative_measured": ("Hiệu quả thực tế", "Measured effect"),
        "initiative_decide": ("Ghi quyết định", "Record the decision"),
        "initiative_decided_ok": ("Đã ghi quyết định.", "The decision is recorded."),
    }
)
