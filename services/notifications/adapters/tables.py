"""The notifications database: the org chart and each ward's working calendar as last published,
what is true now of each submission, the deadlines being watched, the alerts, the deliveries
waiting to go out (an outbox per channel) and each person's channel preferences."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from services.runtime.db import PlumbingTables, UtcDateTime, new_metadata

metadata = new_metadata()
plumbing = PlumbingTables(metadata, commands=True)

org_versions = Table(
    "org_versions",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)

#: Each ward's working calendar as last published by assessment (``assessment.calendar.published``):
#: its declared days off and make-up working days, ``[{"day": "YYYY-MM-DD", "working": bool}]``.
#: A ward with no row yet counts with the service's ``calendar_file``.
calendars = Table(
    "calendars",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("days", JSON, nullable=False),
)

#: Notifications' copy of what is true now of each submission, newest state only: an audit
#: (``live`` | ``withdrawn``), a person's self-assessment of a month (``submitted`` | ``approved``
#: | ``adjusted`` | ``returned``), a corrective action (``open`` | ``closed``). ``revision`` and
#: ``as_of`` (the event's time) order the events about one record, so an older one arriving late
#: changes nothing. Every obligation is worked out from these rows, never from one event.
records = Table(
    "records",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("kind", String(32), primary_key=True),  # audit | self_assessment | corrective_action
    Column("record_id", String(80), primary_key=True),
    Column("subject_id", String(64), nullable=False),  # the unit, person or action watched
    Column("period", String(8), nullable=False),
    Column("unit_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("as_of", UtcDateTime(), nullable=False),
    Column("details", JSON, nullable=False),
    Index("ix_records_subject", "ward", "kind", "subject_id", "period"),
)

org_units = Table(
    "org_units",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("name_vi", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
)

org_people = Table(
    "org_people",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("full_name", String(200), nullable=False),
    Column("email", String(254)),
    Column("role", String(32), nullable=False),
    Column("unit_id", String(64)),
    Column("units_in_charge", JSON, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("ward", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("period", String(10), nullable=False),  # YYYY-MM, YYYY-Qn, YYYY, or a day
    Column("recipient_id", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    # open | acknowledged | escalated (handed one level up) | resolved
    Column("status", String(16), nullable=False),
    Column("title_vi", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("body_vi", Text, nullable=False),
    Column("body_en", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("unit_id", String(64)),
    Column("escalation_level", Integer, nullable=False, server_default="0"),
    #: When it goes one level up if still unacknowledged (None at the top of the chain).
    Column("escalates_at", UtcDateTime()),
    #: When it is sent again if still open: the repeat interval after the last message about it
    #: that actually went out (None until one has), or the end of a snooze.
    Column("repeat_at", UtcDateTime()),
    Column("snoozed_until", UtcDateTime()),
    Column("acknowledged_at", UtcDateTime()),
    Column("escalated_at", UtcDateTime()),
    #: When it was raised or opened again: escalation counts working days from here, so a new
    #: calendar can move ``escalates_at``.
    Column("opened_at", UtcDateTime()),
    Column("resolved_at", UtcDateTime()),
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
    Column("ward", String(64), primary_key=True),
    Column("rule", String(64), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("unit_id", String(64), nullable=False),
    Column("person_id", String(64)),
    Column("due_at", UtcDateTime()),
    Column("met_at", UtcDateTime()),
    Column("raised_at", UtcDateTime()),
    Column("details", JSON, nullable=False),
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
    Column("ward", String(64), nullable=False),
    Column("alert_id", String(36), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),  # email | webhook
    Column("kind", String(16), nullable=False),  # alert | resolved
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("send_after", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
    Column("claimed_until", UtcDateTime()),
    Index("ix_deliveries_due", "status", "send_after"),
)

#: How each person wants to be told. No row: e-mail, one message per send, no webhook.
preferences = Table(
    "preferences",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("email", Boolean, nullable=False),
    Column("webhook_url", String(500)),
    Column("digest", Boolean, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
