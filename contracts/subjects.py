"""Subject naming. The ward is always the second token, so permissions, streams and consumers can
select one ward or all of them.

    ward5s.<ward>.<event type>             events, e.g. ward5s.binh-dong.assessment.audit.submitted
    ward5s.<ward>.intake.<kind>            request-reply submissions from front-ends
    ward5s_dlq.<ward>.<service>            messages a consumer could not process, with the reason
    _INBOX_<client>.<...>                  replies, each client (a service, a class of
                                           front-end, the operator's tools) in its own inbox

Dead letters have a root of their own so that no stream of events ever captures them.

The event type is itself dotted and starts with the owning context, so the subject of an event is
simply its type prefixed with the root and the ward.
"""

from __future__ import annotations

ROOT = "ward5s"
ANY_WARD = "*"
DLQ_ROOT = "ward5s_dlq"


def event_subject(ward: str, event_type: str) -> str:
    return f"{ROOT}.{ward}.{event_type}"


def context_subjects(context: str, ward: str = ANY_WARD) -> str:
    """Every event of one context (assessment, scoring, notifications)."""
    return f"{ROOT}.{ward}.{context}.>"


def intake_subject(ward: str, kind: str) -> str:
    return f"{ROOT}.{ward}.intake.{kind}"


def dead_letter_subject(service: str, ward: str) -> str:
    return f"{DLQ_ROOT}.{ward}.{service}"


def ward_of(subject: str) -> str:
    """The ward token of a subject (``unknown`` if the subject is not one of ours)."""
    tokens = subject.split(".")
    if len(tokens) > 2 and tokens[0] in (ROOT, DLQ_ROOT):
        return tokens[1]
    return "unknown"


#: Where replies go: every client has an inbox prefix of its own, ``_INBOX_<client>``, which
#: the NATS configuration lets no other user read (infra/nats/accounts.conf). Services use their
#: name; front-ends their class; the operator's tools ``admin``. ``_INBOX`` alone is the
#: client library's default, readable by nobody in production.
INBOX_ROOT = "_INBOX"
#: The operator's tools' client name (the classes of front-end: ``kiosk``, ``integration``,
#: ``frontend``, by the role of the token they send; assessment's intake).
OPERATOR = "admin"


def inbox_prefix(client: str) -> str:
    """The inbox prefix of a client (a service's name, a front-end class, ``admin``)."""
    return f"{INBOX_ROOT}_{client}"


def is_inbox(subject: str) -> bool:
    """Whether ``subject`` is a reply inbox (the default one or a client's), never an event,
    intake, dead-letter or JetStream subject."""
    return subject.startswith(f"{INBOX_ROOT}.") or (
        subject.startswith(f"{INBOX_ROOT}_") and "." in subject
    )
