"""Errors a client can act on: ``{"error": {"code", "message", "field"}}`` with the message in
Vietnamese (the default) or English, chosen by ``Accept-Language``.

Refusals and their texts are in :mod:`services.runtime.refusals`; this module is the edge's
half: the caller's language, and pydantic's validation errors mapped to the same shape, naming
the field (``items[3].score``) and the problem. :class:`ApiError` is the older way to refuse,
with an HTTP status instead of a kind; it is a :class:`Refusal`, so both go through the same
error handler, and is retired as the services raise refusals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.runtime.refusals import (
    HTTP_STATUS,
    KIND_OF_STATUS,
    Kind,
    Refusal,
    error_body,
    message,
    register_messages,
)

__all__ = [
    "ApiError",
    "Refusal",
    "error_body",
    "field_path",
    "from_validation_errors",
    "message",
    "pick_language",
    "register_messages",
]


class ApiError(Refusal):
    """A refusal given by its HTTP status (one of :data:`~services.runtime.refusals.HTTP_STATUS`)
    rather than its kind: ``ApiError(409, "period_closed", "period")``."""

    def __init__(self, status: int, code: str, field: str | None = None, **params: Any) -> None:
        super().__init__(KIND_OF_STATUS[status], code, field, **params)


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
    "url_too_long": "too_long",
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
    status = HTTP_STATUS[Kind.MALFORMED if code == "malformed_json" else Kind.INVALID]
    context: dict[str, Any] = dict(first.get("ctx") or {})  # type: ignore[arg-type]
    params = {k: v for k, v in context.items() if isinstance(v, int | float | str)}
    return status, code, field_path(first.get("loc", ())), params
