"""What the assessment service says when it refuses a submission: ``code -> (vi, en)``
templates, registered by the composition root (``bootstrap.py``) at start-up."""

from collections.abc import Mapping

#: The texts of the refusals of submissions and of the org chart upload.
SUBMISSION_MESSAGES: Mapping[str, tuple[str, str]] = {
    "own_unit": (
        "Thành viên đoàn đánh giá không được đánh giá, sửa hay rút phiếu đánh giá đơn vị của "
        "chính mình.",
        "An auditor may not audit their own unit, nor amend or withdraw an audit of it.",
    ),
    "own_finding": (
        "Thành viên đoàn đánh giá không được tự nhận hay tự đóng biện pháp khắc phục cho phát "
        "hiện của chính mình.",
        "An auditor may neither own nor close the corrective action of their own finding.",
    ),
    "unknown_unit": ("Không có đơn vị này trong phường.", "There is no such unit in the ward."),
    "unknown_catalog": (
        "Không có phiên bản bộ tiêu chí {version}.",
        "There is no catalogue version {version}.",
    ),
    "period_mismatch": (
        "Kỳ đánh giá {period} không khớp với thời điểm đánh giá ({expected}, giờ Việt Nam).",
        "The period {period} does not match the time of the audit ({expected}, Vietnam time).",
    ),
    "in_future": (
        "Thời điểm này ở tương lai so với đồng hồ của máy chủ ({now}, giờ Việt Nam); hãy kiểm "
        "tra đồng hồ của thiết bị.",
        "This time is in the future by the server's clock ({now}, Vietnam time); check the "
        "device's clock.",
    ),
    "capture_too_old": (
        "Đánh giá ghi lúc {value} đã quá {days} ngày (cũ nhất được nhận: {oldest}, giờ Việt Nam) "
        "nên không được tính.",
        "A rating given at {value} is more than {days} days old (the oldest accepted: "
        "{oldest}, Vietnam time) and is not counted.",
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

#: The texts of the refusals of corrections, reviews, periods, calendars and the admin API.
ADMIN_MESSAGES: Mapping[str, tuple[str, str]] = {
    "unknown_audit": ("Không tìm thấy phiếu đánh giá.", "There is no such audit."),
    "audit_withdrawn": (
        "Phiếu đánh giá đã bị rút lại, không thể sửa.",
        "The audit was withdrawn and cannot be changed.",
    ),
    "not_audit_author": (
        "Chỉ người đã chấm phiếu này mới được sửa hoặc rút lại.",
        "Only the auditor who submitted this audit may amend or withdraw it.",
    ),
    "reason_required": ("Cần ghi rõ lý do.", "A reason is required."),
    "unknown_person": (
        "Không có cán bộ này trong phường.",
        "There is no such person in the ward.",
    ),
    "no_action_owner": (
        "Đơn vị chưa có trưởng đơn vị: cần chỉ định người chịu trách nhiệm khắc phục.",
        "The unit has no head: name the owner of the corrective action.",
    ),
    "unknown_action": (
        "Không tìm thấy biện pháp khắc phục.",
        "There is no such corrective action.",
    ),
    "action_closed": (
        "Biện pháp khắc phục này đã được đóng.",
        "This corrective action is already closed.",
    ),
    "not_action_owner": (
        "Chỉ người chịu trách nhiệm, trưởng đơn vị hoặc quản trị viên được đóng.",
        "Only its owner, the unit head or an administrator may close it.",
    ),
    "not_a_person": (
        "Chỉ cán bộ, công chức mới tự đánh giá được.",
        "Only a person can submit a self-assessment.",
    ),
    "no_unit": ("Cán bộ chưa thuộc đơn vị nào.", "The person belongs to no unit."),
    "future_period": (
        "Kỳ {period} chưa đến.",
        "Period {period} has not started yet.",
    ),
    "already_submitted": (
        "Đã nộp bản tự đánh giá kỳ {period}; chỉ nộp lại khi bị trả lại.",
        "A self-assessment for {period} exists; it can be resubmitted only once returned.",
    ),
    "unknown_self_assessment": (
        "Không tìm thấy bản tự đánh giá.",
        "There is no such self-assessment.",
    ),
    "not_awaiting_review": (
        "Bản tự đánh giá này không ở trạng thái chờ duyệt.",
        "This self-assessment is not awaiting review.",
    ),
    "own_review": (
        "Không được tự duyệt bản tự đánh giá của chính mình.",
        "Nobody may review their own self-assessment.",
    ),
    "not_reviewer": (
        "Chỉ trưởng đơn vị của cán bộ (hoặc lãnh đạo phụ trách) được duyệt.",
        "Only the person's unit head (or the leader in charge) may review it.",
    ),
    "items_required": (
        "Cần nhập điểm điều chỉnh.",
        "The adjusted scores are required.",
    ),
    "items_not_expected": (
        "Chỉ nhập điểm khi điều chỉnh.",
        "Scores are given only with an adjustment.",
    ),
    "unknown_device": (
        "Thiết bị, mã QR hoặc hệ thống kết nối này không còn hiệu lực.",
        "This device, QR link or integration is not active.",
    ),
    "wrong_unit": (
        "Ki-ốt hoặc mã QR này dành cho đơn vị khác.",
        "This kiosk or QR link belongs to another unit.",
    ),
    "rating_code_invalid": (
        "Mã đánh giá không đúng, đã dùng, đã hết hạn hoặc của đơn vị khác.",
        "The rating code is wrong, used, expired or another unit's.",
    ),
    "officer_not_in_unit": (
        "Cán bộ được đánh giá không thuộc đơn vị này.",
        "The officer rated does not belong to this unit.",
    ),
    "period_not_over": (
        "Kỳ {period} chưa kết thúc, chưa thể khóa sổ.",
        "Period {period} is not over yet and cannot be closed.",
    ),
    "period_already_closed": ("Kỳ {period} đã khóa sổ.", "Period {period} is already closed."),
    "period_not_closed": ("Kỳ {period} chưa khóa sổ.", "Period {period} is not closed."),
    "catalog_version_exists": (
        "Phiên bản bộ tiêu chí {version} đã có và không được thay đổi.",
        "Catalogue version {version} exists and cannot be changed.",
    ),
    "csv_columns": ("Tệp CSV thiếu cột: {columns}.", "The CSV lacks the columns: {columns}."),
    "csv_header": (
        "Dòng 1 (tiêu đề) không có cột nào của sơ đồ tổ chức. Dòng đầu phải ghi tên các cột "
        "{columns}, phân tách bằng dấu phẩy, dấu chấm phẩy hoặc tab.",
        "Line 1 (the header) names none of the org chart's columns. The first line must name "
        "the columns {columns}, separated by commas, semicolons or tabs.",
    ),
    "too_long_text": (
        "Quá dài (tối đa {limit} ký tự).",
        "Too long (at most {limit} characters).",
    ),
    "csv_empty": ("Tệp CSV không có dòng nào.", "The CSV has no lines."),
    "duplicate_person": (
        "Cán bộ {person} xuất hiện nhiều lần.",
        "Person {person} appears more than once.",
    ),
    "too_many_lines": (
        "Tệp CSV quá dài (tối đa {limit} dòng).",
        "The CSV is too long (at most {limit} lines).",
    ),
    "employment_type": (
        "Loại cán bộ không hợp lệ, chỉ nhận {allowed} (để trống: cong_chuc).",
        "Unknown employment type, only {allowed} (empty: cong_chuc).",
    ),
    "day_already_working": (
        "Ngày {day} vốn là ngày làm việc; chỉ khai báo ngày làm bù vào thứ Bảy, Chủ nhật "
        "hoặc ngày lễ.",
        "{day} is a working day already; a make-up working day is a weekend day or a holiday.",
    ),
    "day_already_off": (
        "Ngày {day} vốn là ngày nghỉ (cuối tuần hoặc ngày lễ); không cần khai báo nghỉ.",
        "{day} is a day off already (a weekend or a public holiday); nothing to declare.",
    ),
    "calendar_year": (
        "Chỉ khai báo ngày trong các năm {first}–{last}.",
        "Only days in the years {first}-{last} can be declared.",
    ),
    "calendar_day_not_declared": (
        "Ngày này chưa được khai báo trong lịch làm việc của phường.",
        "This day is not declared in the ward's working calendar.",
    ),
    "not_grader_of_person": (
        "Chỉ người duyệt tự đánh giá của cán bộ theo sơ đồ tổ chức hiện hành (trưởng đơn vị; "
        "với trưởng đơn vị là Phó Chủ tịch phụ trách hoặc Chủ tịch; với Phó Chủ tịch là Chủ "
        "tịch) hoặc hệ thống nhân sự được ghi điểm nhiệm vụ.",
        "Only the person's reviewer in the current org chart (their unit head; for a unit "
        "head, the vice-chairman in charge or the chairman; for a vice-chairman, the "
        "chairman) or the HR system may record task points.",
    ),
    "own_task_result": (
        "Không được tự ghi điểm nhiệm vụ của chính mình.",
        "Nobody may record their own task points.",
    ),
    "not_action_checker": (
        "Chỉ thành viên đoàn đã đánh giá, Chủ tịch hoặc Phó Chủ tịch phụ trách đơn vị được "
        "mở lại biện pháp khắc phục.",
        "Only the auditor who found it, the chairman or the vice-chairman in charge of the "
        "unit may reopen a corrective action.",
    ),
    "action_open": (
        "Biện pháp khắc phục này đang mở.",
        "This corrective action is open.",
    ),
    "action_superseded": (
        "Biện pháp khắc phục này đã được đóng theo phiếu đánh giá; hãy sửa phiếu đánh giá.",
        "The audit itself closed this corrective action; amend the audit instead.",
    ),
    "due_not_future": (
        "Hạn hoàn thành phải sau ngày hôm nay.",
        "The due date must be after today.",
    ),
    "period_out_of_window": (
        "Kỳ {period} nằm ngoài khoảng cho phép: từ {first} đến {last}.",
        "Period {period} is outside the allowed window: from {first} to {last}.",
    ),
    "date_out_of_window": (
        "Ngày {value} nằm ngoài khoảng cho phép: từ {first} đến {last}.",
        "{value} is outside the allowed window: from {first} to {last}.",
    ),
    "past_day": (
        "Ngày {day} đã qua: không được khai báo hay bỏ khai báo ngày đã qua, vì sẽ làm thay "
        "đổi các thời hạn đã tính.",
        "{day} is past: a past day cannot be declared or undeclared, as it would move "
        "deadlines already counted.",
    ),
    "not_csv": (
        'Nội dung phải là tệp Excel (.xlsx) hoặc tệp văn bản CSV (UTF-8, UTF-16 "Unicode '
        'Text" hoặc Windows-1258).',
        "The body must be an Excel workbook (.xlsx) or a CSV text file (UTF-8, UTF-16 "
        '"Unicode Text" or Windows-1258).',
    ),
}

#: The texts of sign-in's refusals (``handlers/sign_in.py``): one text for every failed sign-in,
#: whether the address exists or not.
SIGN_IN_MESSAGES: Mapping[str, tuple[str, str]] = {
    "sign_in_failed": (
        "Đăng nhập không thành công: sai địa chỉ e-mail hoặc mật khẩu, hoặc đã thử sai quá nhiều "
        "lần (hãy thử lại sau ít phút).",
        "Sign-in failed: wrong e-mail address or password, or too many failed attempts (try "
        "again in a few minutes).",
    ),
    "session_invalid": (
        "Phiên đăng nhập đã hết hạn hoặc bị thu hồi. Vui lòng đăng nhập lại.",
        "The session has expired or been revoked. Please sign in again.",
    ),
    "link_invalid": (
        "Liên kết đặt mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn. Hãy yêu cầu liên kết mới.",
        "The password link is invalid, used or expired. Ask for a new one.",
    ),
    "password_too_short": (
        "Mật khẩu phải có ít nhất {min} ký tự.",
        "The password must be at least {min} characters long.",
    ),
    "password_too_long": (
        "Mật khẩu không được dài quá {max} ký tự.",
        "The password may be at most {max} characters long.",
    ),
    "password_weak": (
        "Mật khẩu quá dễ đoán; hãy chọn mật khẩu khác.",
        "The password is too easy to guess; choose another.",
    ),
    "no_email": (
        "Người này chưa có địa chỉ e-mail trong sơ đồ tổ chức.",
        "This person has no e-mail address in the org chart.",
    ),
}

#: The texts of the refusals of photo evidence (``domain/photos.py``, ``handlers/evidence.py``).
EVIDENCE_MESSAGES: Mapping[str, tuple[str, str]] = {
    "unsupported_image": (
        "Chỉ nhận ảnh JPEG, PNG hoặc WebP.",
        "Only JPEG, PNG or WebP photos are accepted.",
    ),
    "image_not_only_image": (
        "Tệp có thêm dữ liệu khác ngoài ảnh nên không được nhận; hãy chụp hoặc lưu lại ảnh rồi "
        "gửi lại.",
        "The file holds more than an image and is refused; take or save the photo again and "
        "resend it.",
    ),
    "image_unreadable": (
        "Không đọc được ảnh (tệp hỏng hoặc không phải ảnh).",
        "The photo cannot be read (the file is damaged or not an image).",
    ),
    "image_too_many_pixels": (
        "Ảnh quá lớn (tối đa {limit} điểm ảnh); hãy thu nhỏ ảnh rồi gửi lại.",
        "The photo is too large (at most {limit} pixels); shrink it and resend it.",
    ),
    "evidence_store_unavailable": (
        "Chưa lưu hoặc đọc được ảnh minh chứng lúc này, vui lòng thử lại sau.",
        "The photo evidence cannot be stored or read now; please try again later.",
    ),
    "unknown_evidence": (
        "Không tìm thấy ảnh minh chứng này.",
        "There is no such photo evidence.",
    ),
    "evidence_of_another_audit": (
        "Ảnh minh chứng này đã thuộc một phiếu đánh giá khác.",
        "This photo evidence already belongs to another audit.",
    ),
}

MESSAGES: Mapping[str, tuple[str, str]] = {
    **SUBMISSION_MESSAGES,
    **ADMIN_MESSAGES,
    **SIGN_IN_MESSAGES,
    **EVIDENCE_MESSAGES,
}
