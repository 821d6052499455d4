"""What the pages say, in Vietnamese (first, whatever the browser asks) and English, and how they
write dates: dd/mm/yyyy in the ward's time (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from contracts.common import LOCAL_TZ
from services.web.domain.leader_texts import LEADER_TEXTS
from services.web.domain.programme_texts import PROGRAMME_TEXTS

LANGUAGES = ("vi", "en")

#: key -> (Vietnamese, English). NFC-normalised on load (``text``), so diacritics typed in
#: either composed or decomposed form compare and render the same.
TEXTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "app": ("5S+ UBND phường", "5S+ ward People's Committee"),
        "skip": ("Bỏ qua, đến nội dung chính", "Skip to the main content"),
        "language": ("Ngôn ngữ", "Language"),
        "switch_language": ("English", "Tiếng Việt"),
        "sign_in": ("Đăng nhập", "Sign in"),
        "sign_out": ("Đăng xuất", "Sign out"),
        "email": ("Địa chỉ e-mail", "E-mail address"),
        "password": ("Mật khẩu", "Password"),
        "sign_in_failed": (
            "E-mail hoặc mật khẩu không đúng, hoặc đã thử sai quá nhiều lần.",
            "Wrong e-mail or password, or too many failed attempts.",
        ),
        "signed_in_as": ("Đang đăng nhập:", "Signed in:"),
        "audit": ("Đánh giá 5S một đơn vị", "Audit a unit (5S)"),
        "unit": ("Đơn vị được đánh giá", "Unit audited"),
        "month": ("Tháng", "Month"),
        "performed": (
            "Thời điểm đánh giá (dd/mm/yyyy hh:mm, giờ Việt Nam)",
            "Audited at (dd/mm/yyyy hh:mm, Vietnam time)",
        ),
        "performed_format": (
            "Hãy nhập thời điểm đánh giá theo dạng dd/mm/yyyy hh:mm, ví dụ 05/03/2026 09:30.",
            "Enter when the audit was made as dd/mm/yyyy hh:mm, e.g. 05/03/2026 09:30.",
        ),
        "performed_no_day": (
            "Ngày {day} không có trong lịch; hãy kiểm tra lại ngày và tháng.",
            "There is no day {day} in the calendar; check the day and the month.",
        ),
        "performed_no_time": (
            "{time} không phải giờ trong ngày: giờ từ 00 đến 23, phút từ 00 đến 59.",
            "{time} is not a time of day: hours 00 to 23, minutes 00 to 59.",
        ),
        "performed_future": (
            "Thời điểm đánh giá không được muộn hơn bây giờ ({now}).",
            "The audit cannot be later than now ({now}).",
        ),
        "performed_closed": (
            "Tháng {month} đã khoá sổ, không nhận thêm phiếu: hãy kiểm tra lại ngày đánh giá,"
            " hoặc đề nghị quản trị hệ thống mở lại tháng này.",
            "The month {month} is closed and takes no more audits: check the date, or ask the"
            " administrator to reopen the month.",
        ),
        "not_a_photo": (
            "Tệp {files} không phải là ảnh (JPEG, PNG hoặc WebP) nên chưa được thêm;"
            " hãy chụp hoặc chọn một tấm ảnh.",
            "{files}: not a photo (JPEG, PNG or WebP), so not added; take or pick a photo.",
        ),
        "reopen": ("Mở lại để sửa", "Open again to correct"),
        "period_is": ("Phiếu tính vào tháng", "Counts in the month"),
        "choose": ("— Chọn —", "— Choose —"),
        "not_applicable": ("Không áp dụng", "Not applicable"),
        "note": ("Ghi chú", "Note"),
        "photos": ("Ảnh minh chứng", "Photo evidence"),
        "add_photos": ("Chụp hoặc chọn ảnh", "Take or pick photos"),
        "remove_photo": ("Xoá ảnh", "Remove photo"),
        "anchors": ("Mức điểm", "Score anchors"),
        "submit_audit": ("Nộp phiếu đánh giá", "Submit the audit"),
        "draft_kept": (
            "Bản nháp được lưu trên máy này, kể cả khi mất mạng.",
            "The draft is kept on this device, even offline.",
        ),
        "answer_every_item": (
            "Hãy chấm điểm mọi tiêu chí (hoặc chọn Không áp dụng): còn thiếu",
            "Score every item (or choose Not applicable): missing",
        ),
        "choose_unit": ("Hãy chọn đơn vị được đánh giá.", "Choose the unit audited."),
        "submissions": ("Phiếu đã nộp trên máy này", "Submissions from this device"),
        "no_submissions": ("Chưa có phiếu nào.", "None yet."),
        "status_queued": ("Đang chờ gửi", "Waiting to be sent"),
        "status_sending": ("Đang gửi", "Sending"),
        "status_sent": ("Đã gửi", "Sent"),
        "status_refused": ("Bị từ chối", "Refused"),
        "offline": (
            "Đang mất kết nối: phiếu sẽ được gửi khi có mạng trở lại.",
            "Offline: submissions are sent when the connection returns.",
        ),
        "online": ("Đã có mạng.", "Online."),
        "amend": ("Sửa phiếu", "Amend"),
        "withdraw": ("Rút phiếu", "Withdraw"),
        "reason": ("Lý do", "Reason"),
        "amend_reason": ("Lý do sửa phiếu", "Reason for the amendment"),
        "withdraw_reason": ("Lý do rút phiếu", "Reason for withdrawing"),
        "amending": ("Đang sửa phiếu", "Amending the audit of"),
        "cancel": ("Huỷ", "Cancel"),
        "confirm_withdraw": ("Xác nhận rút phiếu", "Withdraw the audit"),
        "kind_audit": ("Phiếu đánh giá", "Audit"),
        "kind_amend": ("Sửa phiếu", "Amendment"),
        "kind_withdraw": ("Rút phiếu", "Withdrawal"),
        "kind_feedback": ("Đánh giá của người dân", "Citizen rating"),
        "plus": ('Tự đánh giá "+" hằng tháng', 'Monthly "+" self-assessment'),
        "plus_intro": (
            "Tự chấm điểm các tiêu chí P theo mô tả từng mức.",
            "Score yourself on the P items by the written anchors.",
        ),
        # Who reviews a person's "+", by their role: the rule of assessment's domain/graders.py.
        "reviewer_staff": (
            "Trưởng đơn vị của bạn sẽ xem xét.",
            "The head of your unit reviews it.",
        ),
        "reviewer_auditor": (
            "Trưởng đơn vị của bạn sẽ xem xét.",
            "The head of your unit reviews it.",
        ),
        "reviewer_admin": (
            "Trưởng đơn vị của bạn sẽ xem xét.",
            "The head of your unit reviews it.",
        ),
        "reviewer_unit_head": (
            "Phó Chủ tịch UBND phường phụ trách đơn vị của bạn, hoặc Chủ tịch, sẽ xem xét.",
            "The vice-chairman in charge of your unit, or the chairman, reviews it.",
        ),
        "reviewer_vice_chairman": (
            "Chủ tịch UBND phường sẽ xem xét.",
            "The chairman of the ward People's Committee reviews it.",
        ),
        "reviewer_chairman": (
            "Người được quy chế của phường chỉ định, hoặc cấp trên ngoài phường (qua hệ thống"
            " quản lý nhân sự), sẽ xem xét.",
            "The reviewer the ward's policy names, or the level above outside the ward"
            " (through the HR system), reviews it.",
        ),
        "plus_month_closed": (
            "Tháng {month} đã khoá sổ: chỉ xem được, không nộp hoặc nộp lại được nữa.",
            "The month {month} is closed: it can be read, not submitted or resubmitted.",
        ),
        "submit_plus": ("Nộp bản tự đánh giá", "Submit the self-assessment"),
        "resubmit_plus": ("Nộp lại bản tự đánh giá", "Resubmit the self-assessment"),
        "plus_status_none": ("Chưa nộp cho tháng này.", "Not submitted for this month."),
        "plus_status_submitted": ("Đã nộp, đang chờ xem xét.", "Submitted, awaiting review."),
        "plus_status_approved": ("Đã được duyệt.", "Approved."),
        "plus_status_adjusted": ("Đã được duyệt có điều chỉnh.", "Approved with adjustments."),
        "plus_status_returned": (
            "Bị trả lại, cần sửa và nộp lại.",
            "Returned: correct it and resubmit.",
        ),
        "your_score": ("Điểm tự chấm", "Your score"),
        "approved_score": ("Điểm được duyệt", "Approved score"),
        "submitted_at": ("Nộp lúc", "Submitted"),
        "reviewed_at": ("Xem xét lúc", "Reviewed"),
        "sent_ok": ("Đã nộp.", "Submitted."),
        "kiosk": ("Đánh giá mức độ hài lòng", "Rate our service"),
        "kiosk_question": (
            "Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hôm nay?",
            "How satisfied are you with how your matter was handled today?",
        ),
        "comment": ("Góp ý thêm (không bắt buộc)", "A comment (optional)"),
        "thanks": ("Cảm ơn Ông/Bà đã đánh giá!", "Thank you for your rating!"),
        "thanks_reset": (
            "Màn hình sẽ trở lại sau vài giây.",
            "This screen resets in a few seconds.",
        ),
        "ratings_waiting": ("đánh giá đang chờ gửi", "ratings waiting to be sent"),
        "forbidden_page": (
            "Trang này không dành cho vai trò của bạn.",
            "This page is not for your role.",
        ),
        "nothing_here": (
            "Chưa có trang nào ở đây cho vai trò của bạn.",
            "There is no page here for your role yet.",
        ),
        "not_found": ("Không tìm thấy trang.", "Page not found."),
        "unavailable": (
            "Dịch vụ tạm thời không trả lời; vui lòng thử lại sau ít phút.",
            "The service is not answering; try again in a few minutes.",
        ),
        "expired_link": ("Liên kết không hợp lệ hoặc đã hết hạn.", "This link is not valid."),
        "home": ("Trang chính", "Home"),
        "device_sign_in": ("Đăng nhập ki-ốt", "Sign a kiosk in"),
        "device_sign_in_link": (
            "Ki-ốt đánh giá: đăng nhập bằng mã thiết bị",
            "A rating kiosk: sign in with its device credential",
        ),
        "device_credential": (
            "Mã đăng nhập của ki-ốt (do quản trị hệ thống cấp)",
            "The kiosk's credential (from the administrator)",
        ),
        "device_refused": (
            "Mã này không phải của một ki-ốt đang hoạt động của phường.",
            "This is not the credential of an active kiosk of the ward.",
        ),
        # A person signed in with a password is shown by their role (the token names no one).
        "role_admin": ("Quản trị hệ thống", "Administrator"),
        "role_chairman": ("Chủ tịch UBND phường", "Chairman"),
        "role_vice_chairman": ("Phó Chủ tịch UBND phường", "Vice-chairman"),
        "role_unit_head": ("Trưởng đơn vị", "Unit head"),
        "role_auditor": ("Thành viên đoàn đánh giá 5S", "5S auditor"),
        "role_staff": ("Cán bộ, công chức", "Official"),
        "role_kiosk": ("Ki-ốt đánh giá", "Rating kiosk"),
        "role_integration": ("Hệ thống tích hợp", "Integration"),
        "role_city": ("Cán bộ thành phố", "City official"),
        "photo_upload_failed": ("Không tải được ảnh lên", "The photo could not be uploaded"),
    }
)


def merged(*tables: Mapping[str, tuple[str, str]]) -> Mapping[str, tuple[str, str]]:
    """The pages' text tables as one; ValueError on a key two tables define, so that neither
    silently hides the other's words."""
    texts: dict[str, tuple[str, str]] = {}
    for table in tables:
        if clash := texts.keys() & table.keys():
            raise ValueError(f"text keys defined twice: {sorted(clash)}")
        texts.update(table)
    return MappingProxyType(texts)


ALL_TEXTS = merged(TEXTS, LEADER_TEXTS, PROGRAMME_TEXTS)


def text(key: str, lang: str) -> str:
    """The text ``key`` in ``lang`` (``vi`` for anything but ``en``), of the pages' texts, the
    leaders' pages' (``leader_texts``) or the programme's (``programme_texts``); KeyError for an
    unknown key, so a page never shows a raw key."""
    vi, en = ALL_TEXTS[key]
    return unicodedata.normalize("NFC", en if lang == "en" else vi)


def language(chosen: str | None) -> str:
    """The language the person chose with the switch (remembered in a cookie), else
    Vietnamese, whatever the browser's own preference."""
    return chosen if chosen in LANGUAGES else "vi"


def local_date(moment: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM in the ward's time; ``""`` for None. An ISO text is read first."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def day_label(day: str | None) -> str:
    """``2026-03-05`` -> ``05/03/2026``; ``""`` for None."""
    if not day:
        return ""
    year, month, dom = day[:10].split("-")
    return f"{dom}/{month}/{year}"


def month_label(key: str) -> str:
    """``2026-03`` -> ``03/2026``, as a Vietnamese reader writes a month."""
    year, month = key.split("-")
    return f"{month}/{year}"
