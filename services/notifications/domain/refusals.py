"""The texts of the notifications service's refusals (``code -> (vi, en)``), registered by the
composition root (``bootstrap``)."""

from __future__ import annotations

from collections.abc import Mapping

MESSAGES: Mapping[str, tuple[str, str]] = {
    "alert_resolved": (
        "Cảnh báo này đã được khắc phục.",
        "This alert has already been resolved.",
    ),
    "alert_not_open": (
        "Chỉ tạm hoãn được cảnh báo đang mở.",
        "Only an open alert can be snoozed.",
    ),
    "clock_fixed": (
        "Không thể chỉnh đồng hồ khi chạy chính thức.",
        "The clock cannot be moved in production.",
    ),
    "link_invalid": (
        "Đường liên kết không hợp lệ hoặc đã hết hạn.",
        "The link is not valid or has expired.",
    ),
    "webhook_address_refused": (
        "Địa chỉ webhook phải là http(s) tới một máy chủ công khai; địa chỉ nội bộ (loopback, "
        "mạng riêng, link-local, máy chủ metadata) chỉ dùng được khi quản trị hệ thống cho phép.",
        "A webhook address must be http(s) to a public server; internal addresses (loopback, "
        "private networks, link-local, metadata servers) only where the operator allows them.",
    ),
    "webhook_address_unknown": (
        "Không tìm thấy máy chủ của địa chỉ webhook (tên miền không phân giải được).",
        "The webhook address's server cannot be found (its name does not resolve).",
    ),
    "clock_change_required": (
        "Cần advance_seconds hoặc set_to.",
        "Give advance_seconds or set_to.",
    ),
}
