"""The web front-end's own refusals (its JSON endpoints answer ``{"error": {...}}`` like the
services): code -> (Vietnamese, English), registered at start-up."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "csrf_failed": (
        "Phiên làm việc của biểu mẫu không hợp lệ; hãy tải lại trang rồi thử lại.",
        "The form's session check failed; reload the page and try again.",
    ),
    "not_signed_in": (
        "Bạn chưa đăng nhập hoặc phiên đã hết hạn; hãy đăng nhập lại.",
        "You are not signed in, or your session ended; sign in again.",
    ),
    "unknown_service": ("Không có dịch vụ {service}.", "There is no service {service}."),
    "upstream_unavailable": (
        "Dịch vụ {service} tạm thời không trả lời; vui lòng thử lại sau.",
        "The {service} service is not answering; try again later.",
    ),
    "sessions_unavailable": (
        "Tạm thời không kiểm tra được phiên đăng nhập; vui lòng thử lại sau ít phút.",
        "Sign-ins cannot be checked just now; try again in a few minutes.",
    ),
    "bad_link": (
        "Liên kết đánh giá không hợp lệ.",
        "This rating link is not valid.",
    ),
}
