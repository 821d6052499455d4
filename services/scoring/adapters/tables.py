"""The scoring database: a read model of sums and counts, kept up to date by events."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Float, Integer, String, Table

from services.runtime.db import PlumbingTables, new_metadata

metadata = new_metadata()
plumbing = PlumbingTables(metadata)

#: One row per audit: its newest revision and what it contributes (to retract it later).
audit_records = Table(
    "audit_records",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("audit_id", String(36), primary_key=True),
    Column("unit_id", String(64), nullable=False),
    Column("month", String(7), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("live", Boolean, nullable=False),
    Column("sums", JSON, nullable=False),  # {pillar: [points, max_points, scored, n/a]}
)

#: A unit's sums per pillar and calendar month: quarters, years and rolling windows add months.
unit_month_pillars = Table(
    "unit_month_pillars",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("pillar", String(4), primary_key=True),
    Column("points", BigInteger, nullable=False),
    Column("max_points", BigInteger, nullable=False),
    Column("scored_items", Integer, nullable=False),
    Column("na_items", Integer, nullable=False),
)

#: Which metrics are below their threshold now, so a crossing is announced once.
low_flags = Table(
    "low_flags",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("subject_kind", String(8), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("metric", String(16), primary_key=True),
    Column("low", Boolean, nullable=False),
    Column("value", Float),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: Closed periods: their results are final.
closed_periods = Table(
    "closed_periods",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("closed_at", DateTime(timezone=True), nullable=False),
)
