"""The NATS intake: front-ends that emit events submit by request-reply on
``ward5s.<ward>.intake.<kind>`` (core NATS, a queue group shared by every instance).

The request carries the JSON body of the matching HTTP call (with the id HTTP takes from the
path, e.g. ``audit_id``): the models and subjects of ``contracts/intake.py``. Its headers are
``Authorization: Bearer <token>``, ``Nats-Msg-Id`` (the idempotency key: a retry with the same
id gets the first answer back) and optionally ``Accept-Language``. The body is dispatched by
its class through the same command pipeline as HTTP (``handlers/commands.py``). The reply is
``{"status": <HTTP status>, "body": <HTTP body>}``, the very answer or error the HTTP API gives.

Replies go only to an inbox (``contracts.subjects.is_inbox``), and one named for a class of
client only to the caller's own class (a kiosk's token: ``_INBOX_kiosk``; the HR
integration's: ``_INBOX_integration``; a person's: ``_INBOX_frontend``; the operator's tools:
``_INBOX_admin``) or the client library's default ``_INBOX``. A request naming any other reply
subject (an event stream's, say, to have assessment publish into it) is not answered, and is
counted in ``ward5s_intake_replies_refused_total{kind,reason}``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from faststream import Context
from faststream.nats import NatsBroker
from faststream.nats.message import NatsMessage
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError

from contracts.intake import INTAKE_KINDS
from contracts.roles import Role
from contracts.subjects import (
    ANY_WARD,
    INBOX_ROOT,
    OPERATOR,
    inbox_prefix,
    intake_subject,
    is_inbox,
    ward_of,
)
from services.assessment.handlers.commands import Submissions
from services.runtime.auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from services.runtime.bodies import MAX_BODY_BYTES
from services.runtime.commands import Answer
from services.runtime.dispatch import Entry
from services.runtime.errors import error_body, from_validation_errors, pick_language
from services.runtime.refusals import Kind, Refusal

log = logging.getLogger(__name__)

QUEUE = "assessment-intake"
#: Requests of one kind handled at once by an instance (each takes a database connection).
INTAKE_WORKERS = 4
#: The header that carries the idempotency key of an intake request.
KEY_HEADER = "Nats-Msg-Id"


async def _caller(headers: dict[str, Any], verifier: TokenVerifier, ward: str) -> Principal:
    credentials = str(headers.get("Authorization") or "")
    scheme, _, token = credentials.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Refusal(Kind.UNAUTHENTICATED, "unauthenticated")
    try:
        principal = await verifier.verify(token.strip())
    except InvalidToken:
        raise Refusal(Kind.UNAUTHENTICATED, "unauthenticated") from None
    except KeysUnavailable:
        raise Refusal(Kind.UNAVAILABLE, "token_keys_unavailable") from None
    if principal.ward != ward:
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    return principal


REPLIES_REFUSED = Counter(
    "ward5s_intake_replies_refused_total",
    "Intake requests not answered because their reply subject was not the caller's inbox "
    "(outside_inbox: not an inbox at all; another_client: another class of client's inbox).",
    ["kind", "reason"],
)


def client_class(role: Role) -> str:
    """The class of front-end a token's role belongs to (``contracts.subjects``)."""
    if role in (Role.KIOSK, Role.INTEGRATION):
        return role.value
    return "frontend"


def reply_allowed(reply_to: str, role: Role) -> bool:
    """Whether ``reply_to`` is an inbox the caller may be answered on: the default one, the
    operator's tools', or their class's own."""
    own = {inbox_prefix(client_class(role)), inbox_prefix(OPERATOR), INBOX_ROOT}
    return is_inbox(reply_to) and reply_to.split(".", 1)[0] in own


def _unanswered(command: Entry[Any, Answer], reason: str) -> None:
    REPLIES_REFUSED.labels(command.name, reason).inc()
    log.warning("intake %s: request not answered (%s)", command.name, reason)


async def answer(
    submissions: Submissions,
    verifier: TokenVerifier,
    command: Entry[Any, Answer],
    message: NatsMessage,
) -> dict[str, Any] | None:
    """The reply to one intake request, or None when it must not be answered (its reply
    subject is not the caller's inbox; counted)."""
    headers = message.headers or {}
    lang = pick_language(headers.get("Accept-Language"))
    if not is_inbox(message.reply_to):
        _unanswered(command, "outside_inbox")
        return None
    try:
        # The HTTP API's body limit, before the token is checked or the body parsed (the NATS
        # server's max_payload bounds what arrives at all).
        if len(message.body) > MAX_BODY_BYTES:
            raise Refusal(Kind.TOO_LARGE, "too_large", limit=MAX_BODY_BYTES)
        principal = await _caller(headers, verifier, ward_of(message.raw_message.subject))
        if not reply_allowed(message.reply_to, principal.role):
            _unanswered(command, "another_client")
            return None
        model: type[BaseModel] = command.kind
        body = model.model_validate_json(message.body)
        key = headers.get(KEY_HEADER)
        status, reply = await submissions.execute(principal, body, key)
    except ValidationError as invalid:
        status, code, field, params = from_validation_errors(invalid.errors())
        reply = error_body(code, field, lang, **params)
    except Refusal as refused:
        status, reply = refused.status, refused.body(lang)
    except Exception as error:  # answered, never left hanging; logged by type only
        log.error("intake %s failed with %s", command.name, type(error).__name__, exc_info=error)
        status, reply = 500, error_body("internal", None, lang)
    return {"status": status, "body": reply}


def register_intake(broker: NatsBroker, submissions: Submissions, verifier: TokenVerifier) -> None:
    """One subscriber per command of the intake contract (``contracts.intake.INTAKE_KINDS``),
    on ``intake.<its name>``."""
    for command in submissions.entries():
        if command.kind not in INTAKE_KINDS:
            continue  # an administrator's command, by HTTP only
        subscriber = broker.subscriber(
            intake_subject(ANY_WARD, command.name),
            queue=QUEUE,
            max_workers=INTAKE_WORKERS,
            decoder=_raw,
            no_reply=True,  # answered by the handler, to the caller's inbox only
            title=f"assessment/intake/{command.name}",
            description=f"Request-reply submission: {command.kind.__name__}; answers "
            '{"status", "body"} as the HTTP API does.',
        )
        subscriber(_handler(submissions, verifier, command))


def _handler(submissions: Submissions, verifier: TokenVerifier, command: Entry[Any, Answer]) -> Any:
    async def handle(_: Any, message: NatsMessage = Context("message")) -> None:
        reply = await answer(submissions, verifier, command, message)
        if reply is not None:
            await message.raw_message.respond(json.dumps(reply, ensure_ascii=False).encode())

    return handle


async def _raw(message: Any) -> None:
    return None
