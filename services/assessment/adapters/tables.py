"""The assessment database: the org chart, catalogues, submissions and periods.

This service is the system of record: every accepted submission is a row here, and the event that
tells the others about it is staged in the outbox in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from services.runtime.db import PlumbingTables, new_metadata

metadata = new_metadata()
plumbing = PlumbingTables(metadata)

wards = Table(
    "wards",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("org_version", Integer, nullable=False, default=0),
)

units = Table(
    "units",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("unit_id", String(64), primary_key=True),
    Column("name_vi", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("full_name", String(200), nullable=False),
    Column("email", String(254)),
    Column("role", String(32), nullable=False),
    Column("unit_id", String(64)),
    Column("units_in_charge", JSON, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
)

devices = Table(
    "devices",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("unit_id", String(64)),
    Column("label_vi", String(200), nullable=False),
    Column("label_en", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

catalogs = Table(
    "catalogs",
    metadata,
    Column("version", String(32), primary_key=True),
    Column("body", JSON, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("current", Boolean, nullable=False, default=False),
    Column("first_used_at", DateTime(timezone=True)),
)

audits = Table(
    "audits",
    metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("ward", String(64), nullable=False),
    Column("unit_id", String(64), nullable=False),
    Column("period", String(7), nullable=False),
    Column("performed_at", DateTime(timezone=True), nullable=False),
    Column("catalog_version", String(32), nullable=False),
    Column("auditor_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # live | withdrawn
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["ward", "unit_id"], ["units.ward", "units.unit_id"]),
    Index("ix_audits_ward_period", "ward", "period"),
)

audit_items = Table(
    "audit_items",
    metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("pillar", String(4), nullable=False),
    Column("weight", Float, nullable=False),
    Column("score", Integer),
    Column("note", Text),
    Column("evidence", JSON, nullable=False, default=list),
    ForeignKeyConstraint(["audit_id"], ["audits.audit_id"], ondelete="CASCADE"),
)

periods = Table(
    "periods",
    metadata,
    Column("ward", String(64), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("status", String(16), nullable=False),  # open | closed
    Column("closed_at", DateTime(timezone=True)),
    Column("reason", Text),
)
