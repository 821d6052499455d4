"""The notifications database: the org chart as last published, and the alerts."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint

from services.runtime.db import PlumbingTables, new_metadata

metadata = new_metadata()
plumbing = PlumbingTables(metadata)

org_versions = Table(
    "org_versions",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
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
    Column("period", String(8), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # open | acknowledged | resolved
    Column("title_vi", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("body_vi", Text, nullable=False),
    Column("body_en", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # One alert per rule, subject, period and recipient, however often the cause is seen.
    UniqueConstraint(
        "ward", "rule", "subject_id", "period", "recipient_id", name="uq_alerts_dedup"
    ),
    Index("ix_alerts_recipient", "ward", "recipient_id", "status"),
)
