"""Refusals: what the domain says when it will not do what was asked, without speaking HTTP.

The domain raises a :class:`Refusal` with a :class:`Kind` (what sort of no), a stable ``code``
(which names the message), the ``field`` at fault and the message's ``params``::

    raise Refusal(Kind.CONFLICT, "period_closed", "period", period="2026-03")
    raise Refusal(Kind.INVALID, "unknown_item", f"items[{i}].code", item=code)

The edges turn a refusal into an answer: :data:`HTTP_STATUS` is the one table from kinds to
HTTP statuses (read through :attr:`Refusal.status` by the HTTP error handler and the NATS
intake's ``{"status", "body"}`` reply), and :meth:`Refusal.body` the JSON error in the caller's
language.

Texts: ``code -> (vi, en)`` templates with ``{name}`` placeholders, kept as data in YAML files
beside the code (:func:`read_messages`), registered with :func:`register_messages` from each
service's composition root (``bootstrap.py``) at start-up;
the runtime's own codes (:data:`COMMON_MESSAGES`) are there from the start. A code without a
text reads as the generic ``invalid`` one. A param is shown as an official writes it
(:func:`shown`): a month key ``2026-01`` as "tháng 01/2026", a quarter ``2026-Q1`` as "quý
I/2026" (``contracts.labels.period_label``), a date as dd/mm/yyyy, a ``Text`` in the language;
a refusal with the params ``line`` and ``column`` (a cell of an uploaded table) begins "Dòng 7,
cột email: " (:data:`CELL`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from contracts.common import Text
from contracts.labels import period_label
from contracts.yamlfile import read_yaml


class Kind(StrEnum):
    """What sort of refusal; each maps to one HTTP status (:data:`HTTP_STATUS`)."""

    INVALID = "invalid"  # the request breaks a rule: a value, a state, a deadline
    MALFORMED = "malformed"  # the request cannot be read at all (not JSON)
    UNAUTHENTICATED = "unauthenticated"  # no valid credentials
    FORBIDDEN = "forbidden"  # the caller may not do this
    NOT_FOUND = "not_found"  # what it names does not exist (for this caller)
    CONFLICT = "conflict"  # it contradicts what is already recorded
    TOO_LARGE = "too_large"  # the body is over the limit
    UNSUPPORTED = "unsupported"  # the body is of a type not accepted (an upload's media type)
    RATE_LIMITED = "rate_limited"  # too many requests; try later
    UNAVAILABLE = "unavailable"  # the service cannot answer now


#: The one table from kinds to HTTP statuses, read by every edge.
HTTP_STATUS: Mapping[Kind, int] = {
    Kind.INVALID: 422,
    Kind.MALFORMED: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED: 415,
    Kind.RATE_LIMITED: 429,
    Kind.UNAVAILABLE: 503,
}

KIND_OF_STATUS: Mapping[int, Kind] = {status: kind for kind, status in HTTP_STATUS.items()}


class Refusal(Exception):
    """A refusal of a kind, with a stable code, the field at fault and the message's params."""

    def __init__(self, kind: Kind, code: str, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.kind = kind
        self.code = code
        self.field = field
        self.params = params

    @property
    def status(self) -> int:
        """The HTTP status of this refusal's kind (:data:`HTTP_STATUS`), for the edges."""
        return HTTP_STATUS[self.kind]

    def body(self, lang: str) -> dict[str, Any]:
        """``{"error": {"code", "message", "field"}}`` with the message in ``lang``."""
        return error_body(self.code, self.field, lang, **self.params)

    def __repr__(self) -> str:
        return f"Refusal({self.kind.value}, {self.code!r}, field={self.field!r})"


T = TypeVar("T")


def found(thing: T | None, code: str, field: str | None = None) -> T:
    """``thing`` (a row, a record) a request names, or a :attr:`Kind.NOT_FOUND` refusal
    ``code`` on ``field`` when there is none."""
    if thing is None:
        raise Refusal(Kind.NOT_FOUND, code, field)
    return thing


# --- texts ----------------------------------------------------------------------------------------


def read_messages(path: Path) -> dict[str, tuple[str, str]]:
    """The texts of a YAML file shipped beside the code: ``code: {vi: ..., en: ...}`` entries,
    as ``code -> (vi, en)``, in the file's order: refusal texts for :func:`register_messages`,
    and the web pages' texts. Raises ``ValueError`` for an entry without both texts (a file
    that cannot say a thing in both languages is a bug)."""
    raw = read_yaml(path) or {}
    texts = {}
    for code, entry in raw.items():
        if not isinstance(entry, dict) or not {"vi", "en"} <= entry.keys():
            raise ValueError(f"{path.name}: {code} needs a 'vi' and an 'en' text")
        texts[str(code)] = (str(entry["vi"]), str(entry["en"]))
    return texts


#: The runtime's own codes: validation, authentication, the HTTP edge's refusals
#: (``refusals.yaml`` beside this module).
COMMON_MESSAGES: Mapping[str, tuple[str, str]] = read_messages(
    Path(__file__).with_name("refusals.yaml")
)

#: What a refusal with the params ``line`` and ``column`` (a cell of an uploaded table) begins with.
CELL = Text(vi="Dòng {line}, cột {column}: ", en="Line {line}, column {column}: ")

_MESSAGES: dict[str, Text] = {
    code: Text(vi=vi, en=en) for code, (vi, en) in COMMON_MESSAGES.items()
}


def register_messages(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add ``code -> (vi, en)`` message templates; ``{name}`` placeholders take the params.
    Called from a composition root at start-up; registering a code again replaces its text."""
    for code, (vi, en) in messages.items():
        _MESSAGES[code] = Text(vi=vi, en=en)


def message(code: str, lang: str, **params: Any) -> str:
    """The text of ``code`` in ``lang`` (``vi`` or ``en``) with ``params`` filled in; the
    generic ``invalid`` text for an unknown code, the bare template if a param is missing."""
    text = _MESSAGES.get(code) or _MESSAGES["invalid"]
    template = text.pick(lang)
    values = {name: shown(value, lang) for name, value in params.items()}
    try:
        said = template.format(**values)
    except (KeyError, IndexError):
        said = template
    if "line" in params and "column" in params and "{line}" not in template:
        # A refusal of a cell of an uploaded table names it first: "Dòng 7, cột email: ...".
        where = CELL.pick(lang).format(**values)
        return where + said[:1].lower() + said[1:]
    return said


#: A month (YYYY-MM) or quarter (YYYY-Qn) key, as the API takes it; a bare year stays a number.
_PERIOD_KEY = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")


def shown(value: Any, lang: str) -> Any:
    """A message's param as a person reads it: a month or quarter key by
    :func:`~contracts.labels.period_label`, a date (or ISO date) as dd/mm/yyyy, a ``Text`` in
    ``lang``; anything else as it is."""
    if isinstance(value, Text):
        return value.pick(lang)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and _PERIOD_KEY.match(value):
        return period_label(value).pick(lang)
    return value


def error_body(code: str, field: str | None, lang: str, **params: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message(code, lang, **params), "field": field}}
