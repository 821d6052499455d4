"""Errors a client can act on: ``{"error": {"code", "message", "field"}}`` with the message in
Vietnamese (the default) or English, chosen by ``Accept-Language``.

Domain code raises :class:`ApiError` with a code; the text for each code lives in one table per
service, registered with :func:`register_messages`. Pydantic's own validation errors are mapped
to the same shape, naming the field (``items[3].score``) and the problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from contracts.common import Text

_MESSAGES: dict[str, Text] = {}


def register_messages(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add ``code -> (vi, en)`` message templates; ``{name}`` placeholders take the params."""
    for code, (vi, en) in messages.items():
        _MESSAGES[code] = Text(vi=vi, en=en)


class ApiError(Exception):
    """A refusal with an HTTP status, a stable code, the field at fault and message params."""

    def __init__(self, status: int, code: str, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.field = field
        self.params = params

    def body(self, lang: str) -> dict[str, Any]:
        return error_body(self.code, self.field, lang, **self.params)


def message(code: str, lang: str, **params: Any) -> str:
    text = _MESSAGES.get(code) or _MESSAGES["invalid"]
    template = text.pick(lang)
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def error_body(code: str, field: str | None, lang: str, **params: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message(code, lang, **params), "field": field}}


def pick_language(accept_language: str | None) -> str:
    """``en`` when the caller prefers English over Vietnamese, else ``vi``."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("vi"):
            return "vi"
        if tag.startswith("en"):
            return "en"
    return "vi"


def field_path(location: Sequence[str | int]) -> str | None:
    """``("body", "items", 3, "score")`` -> ``items[3].score``."""
    path = ""
    for part in location:
        if part in ("body", "query", "path", "header") and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path or None


#: Pydantic error types mapped to our codes; anything else is "invalid".
_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "json_invalid": "malformed_json",
    "json_type": "malformed_json",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than": "out_of_range",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_long",
    "too_short": "too_short",
    "string_pattern_mismatch": "bad_format",
    "literal_error": "not_allowed",
    "enum": "not_allowed",
    "datetime_parsing": "bad_datetime",
    "datetime_from_date_parsing": "bad_datetime",
    "timezone_aware": "needs_timezone",
    "date_parsing": "bad_date",
    "date_from_datetime_parsing": "bad_date",
    "uuid_parsing": "bad_uuid",
    "int_parsing": "not_a_number",
    "int_type": "not_a_number",
    "float_parsing": "not_a_number",
    "float_type": "not_a_number",
    "int_from_float": "not_an_integer",
    "string_type": "not_text",
    "list_type": "not_a_list",
    "tuple_type": "not_a_list",
    "model_type": "not_an_object",
    "dict_type": "not_an_object",
    "bool_parsing": "not_a_boolean",
    "bool_type": "not_a_boolean",
}


def from_validation_errors(
    errors: Sequence[Mapping[str, Any]],
) -> tuple[int, str, str | None, dict[str, Any]]:
    """The status, code, field and params for the first problem pydantic found."""
    first = errors[0] if errors else {"type": "invalid", "loc": ()}
    code = _PYDANTIC_CODES.get(str(first.get("type")), "invalid")
    status = 400 if code == "malformed_json" else 422
    context: dict[str, Any] = dict(first.get("ctx") or {})  # type: ignore[arg-type]
    params = {k: v for k, v in context.items() if isinstance(v, int | float | str)}
    return status, code, field_path(first.get("loc", ())), params


register_messages(
    {
        "invalid": ("Giá trị không hợp lệ.", "The value is not valid."),
        "required": ("Thiếu trường bắt buộc.", "This field is required."),
        "unknown_field": ("Trường này không được chấp nhận.", "This field is not accepted."),
        "malformed_json": (
            "Nội dung gửi lên không phải JSON hợp lệ.",
            "The request body is not valid JSON.",
        ),
        "out_of_range": ("Giá trị nằm ngoài khoảng cho phép.", "The value is out of range."),
        "too_long": ("Giá trị quá dài.", "The value is too long."),
        "too_short": ("Giá trị quá ngắn.", "The value is too short."),
        "bad_format": ("Giá trị không đúng định dạng.", "The value has the wrong format."),
        "not_allowed": (
            "Giá trị không thuộc danh sách cho phép.",
            "The value is not one of those allowed.",
        ),
        "bad_datetime": (
            "Thời điểm không hợp lệ (dùng ISO 8601, ví dụ 2026-11-05T09:30:00+07:00).",
            "Not a valid date-time (use ISO 8601, e.g. 2026-11-05T09:30:00+07:00).",
        ),
        "needs_timezone": (
            "Thời điểm phải có múi giờ (ví dụ +07:00).",
            "The date-time must carry a time zone (e.g. +07:00).",
        ),
        "bad_date": ("Ngày không hợp lệ (dùng YYYY-MM-DD).", "Not a valid date (use YYYY-MM-DD)."),
        "bad_uuid": ("Mã định danh không hợp lệ.", "Not a valid identifier (UUID)."),
        "not_a_number": ("Giá trị phải là số.", "The value must be a number."),
        "not_an_integer": ("Giá trị phải là số nguyên.", "The value must be a whole number."),
        "not_text": ("Giá trị phải là chuỗi ký tự.", "The value must be text."),
        "not_a_list": ("Giá trị phải là một danh sách.", "The value must be a list."),
        "not_an_object": (
            "Giá trị phải là một đối tượng JSON.",
            "The value must be a JSON object.",
        ),
        "not_a_boolean": ("Giá trị phải là true hoặc false.", "The value must be true or false."),
        "unauthenticated": (
            "Cần đăng nhập: thiếu hoặc sai mã truy cập (Bearer token).",
            "Authentication required: the bearer token is missing or invalid.",
        ),
        "forbidden": (
            "Bạn không có quyền thực hiện thao tác này.",
            "You are not allowed to do this.",
        ),
        "not_found": ("Không tìm thấy.", "Not found."),
        "method_not_allowed": ("Phương thức không được hỗ trợ.", "Method not allowed."),
        "too_large": (
            "Nội dung gửi lên quá lớn (tối đa {limit} byte).",
            "The request body is too large (at most {limit} bytes).",
        ),
        "rate_limited": (
            "Quá nhiều yêu cầu, vui lòng thử lại sau.",
            "Too many requests; please try again later.",
        ),
        "conflict": ("Xung đột với dữ liệu hiện có.", "This conflicts with existing data."),
        "internal": (
            "Lỗi hệ thống, vui lòng thử lại sau.",
            "Internal error; please try again later.",
        ),
        "unavailable": (
            "Dịch vụ tạm thời chưa sẵn sàng.",
            "The service is temporarily unavailable.",
        ),
    }
)
