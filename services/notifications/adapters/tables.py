"""The notifications database: the org chart and each ward's working calendar as last published,
what is true now of each submission, the deadlines being watched, the alerts, the deliveries
waiting to go out (an outbox per channel) and each person's channel preferences."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
)

from services.runtime import db

metadata, plumbing = db.service_tables()


def _sending(*when: str) -> list[Column[Any]]:
    """A message waiting to go out: its ``status``, the ``attempts`` made, the moments ``when``
    (NOT NULL: when it may go ...), when it was sent and the last error."""
    return [
        *db.required(status=16),
        Column("attempts", Integer, nullable=False, server_default="0"),
        *db.moments(*when),
        *db.optional(sent_at=db.UtcDateTime, last_error=Text),
    ]


org_versions = Table(
    "org_versions",
    metadata,
    *db.keys(ward=64),
    *db.required(version=Integer),
    #: The ward's name as its chart gives it ("Phường Bình Đông"): the e-mails' footer names it.
    *db.optional(ward_name=200),
)

#: Each ward's working calendar as last published by assessment (``assessment.calendar.published``):
#: its declared days off and make-up working days, ``[{"day": "YYYY-MM-DD", "working": bool}]``.
#: A ward with no row yet counts with the service's ``calendar_file``.
calendars = Table(
    "calendars",
    metadata,
    *db.keys(ward=64),
    *db.required(version=Integer, days=JSON),
)

#: Notifications' copy of what is true now of each submission, newest state only: an audit
#: (``live`` | ``withdrawn``), a person's self-assessment of a month (``submitted`` | ``approved``
#: | ``adjusted`` | ``returned``), a corrective action (``open`` | ``closed``). ``revision`` and
#: ``as_of`` (the event's time) order the events about one record, so an older one arriving late
#: changes nothing. Every obligation is worked out from these rows, never from one event.
records = Table(
    "records",
    metadata,
    # kind: audit | self_assessment | corrective_action; subject_id: the unit, person or action
    # watched
    *db.keys(ward=64, kind=32, record_id=80),
    *db.required(subject_id=64, period=8, unit_id=64, status=16, revision=Integer),
    *db.moments("as_of"),
    *db.required(details=JSON),
    Index("ix_records_subject", "ward", "kind", "subject_id", "period"),
)

org_units = Table("org_units", metadata, *db.org_unit())

org_people = Table(
    "org_people",
    metadata,
    *db.org_person(),
    *db.required(units_in_charge=JSON),
)

alerts = Table(
    "alerts",
    metadata,
    *db.keys(alert_id=36),
    # period: YYYY-MM, YYYY-Qn, YYYY, or a day; status: open | acknowledged | escalated (handed
    # one level up) | resolved
    *db.required(ward=64, rule=64, subject_id=64, period=10, recipient_id=64, severity=16),
    *db.required(status=16, title_vi=Text, title_en=Text, body_vi=Text, body_en=Text),
    *db.moments("created_at", "updated_at"),
    *db.optional(unit_id=64),
    Column("escalation_level", Integer, nullable=False, server_default="0"),
    #: When it goes one level up if still unacknowledged (None at the top of the chain).
    *db.optional(escalates_at=db.UtcDateTime),
    #: When it is sent again if still open: the repeat interval after the last message about it
    #: that actually went out (None until one has), or the end of a snooze.
    *db.optional(repeat_at=db.UtcDateTime),
    *db.optional(
        snoozed_until=db.UtcDateTime, acknowledged_at=db.UtcDateTime, escalated_at=db.UtcDateTime
    ),
    #: When it was raised or opened again: escalation counts working days from here, so a new
    #: calendar can move ``escalates_at``.
    *db.optional(opened_at=db.UtcDateTime),
    #: Who was told before and when, for an alert handed up to its recipient by an escalation
    #: (the lower level's recipient, their name then, their first message or the alert's birth);
    #: None for one raised to them directly (a low total goes to the unit head and the
    #: vice-chairman at once: nothing was escalated).
    *db.optional(told_before_id=64, told_before_name=200, told_before_at=db.UtcDateTime),
    *db.optional(resolved_at=db.UtcDateTime),
    # One alert per rule, subject, period and recipient, however often the cause is seen.
    UniqueConstraint(
        "ward", "rule", "subject_id", "period", "recipient_id", name="uq_alerts_dedup"
    ),
    Index("ix_alerts_recipient", "ward", "recipient_id", "status"),
)

#: Deadlines being watched: a self-assessment per person and month, an audit per unit and month,
#: a review per submission, a corrective action. ``met_at`` when the awaited event came,
#: ``raised_at`` once the miss was alerted: each is alerted at most once.
expectations = Table(
    "expectations",
    metadata,
    *db.keys(ward=64, rule=64, subject_id=64, period=8),
    *db.required(unit_id=64),
    *db.optional(
        person_id=64, due_at=db.UtcDateTime, met_at=db.UtcDateTime, raised_at=db.UtcDateTime
    ),
    *db.required(details=JSON),
    Index("ix_expectations_due", "due_at"),
)

#: Messages waiting to go out, one row per alert, channel and send: retried with backoff while the
#: channel is down, ``failed`` for good when the address is refused. An instance about to send a
#: pending row claims it until ``claimed_until`` (wall time, not the service's clock): another
#: instance on the same database leaves it alone, and takes it over if the claim lapses (a crash).
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    # channel: email | webhook; kind: alert | resolved
    *db.required(ward=64, alert_id=36, recipient_id=64, channel=16, kind=16),
    *_sending("send_after", "created_at"),  # pending | sent | failed
    *db.optional(claimed_until=db.UtcDateTime),
    # The Message-ID of the message the row goes out in, set in a commit of its own before the
    # message is sent and kept on every attempt (handlers/sending.py).
    *db.optional(message_id=200),
    Index("ix_deliveries_due", "status", "send_after"),
)

#: How each person wants to be told. No row: e-mail, one message per send, no webhook. A webhook
#: has its own signing secret (``whsec_…``, made when the address is saved), counts the messages
#: it failed in a row, and is turned off (``webhook_disabled_at``) after too many of them, until
#: its owner saves it again (adapters/webhooks.py, handlers/webhooks.py).
preferences = Table(
    "preferences",
    metadata,
    *db.keys(ward=64, person_id=64),
    *db.required(email=Boolean),
    *db.optional(webhook_url=500),
    *db.required(digest=Boolean),
    *db.moments("updated_at"),
    *db.optional(webhook_secret=64),
    Column("webhook_failures", Integer, nullable=False, server_default="0"),
    *db.optional(webhook_disabled_at=db.UtcDateTime),
)

#: One-time sign-in links (invitations, resets) to e-mail, as assessment sealed them
#: (``assessment.sign_in.link_issued``): opened only to send, and the sealed text erased once
#: sent, expired or refused, so no usable link stays here either (docs/SECURITY.md).
sign_in_mails = Table(
    "sign_in_mails",
    metadata,
    *db.keys(event_id=36),
    *db.required(ward=64, person_id=64, purpose=16, sealed=Text),
    *_sending("expires_at", "send_after"),  # pending | sending | sent | expired | failed
    Index("ix_sign_in_mails_due", "status", "send_after"),
)

#: The period reports assessment issued (``assessment.report.issued``), one per ward, period and
#: revision (1, then each corrected report): their title, and their files as the event names
#: them in the REPORTS bucket (``[{name, media_type, object_name, size, sha256}]``), fetched and
#: checked when each mail goes out; a version 1 event's as it carried them (``{name,
#: media_type, content}``, base64), the only files kept here.
period_reports = Table(
    "period_reports",
    metadata,
    *db.keys(ward=64, period=7, revision=Integer),
    *db.required(title_vi=Text, title_en=Text, files=JSON),
    *db.moments("issued_at"),
)

#: The period report's e-mail to each member of the ward committee: one row per ward, period,
#: revision and recipient, so a redelivered or replayed event mails nobody twice.
#: Sent like the sign-in links: claimed (``sending``), retried with backoff while SMTP is down.
report_mails = Table(
    "report_mails",
    metadata,
    *db.keys(ward=64, period=7, revision=Integer, recipient_id=64),
    *_sending("send_after"),  # pending | sending | sent | failed
    Index("ix_report_mails_due", "status", "send_after"),
)
