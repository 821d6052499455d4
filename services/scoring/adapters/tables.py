"""The scoring database: a read model of sums and counts, kept up to date by events."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    false,
)

from services.runtime import db

metadata, plumbing = db.service_tables()


def _sums() -> list[Column[int]]:
    """Integer sums of scored items (``domain.aggregates.PillarSums``): points and max points,
    how many items were scored and how many were not applicable."""
    return db.required(
        points=BigInteger, max_points=BigInteger, scored_items=Integer, na_items=Integer
    )


#: One row per audit: its newest revision and what it contributes (to retract it later).
audit_records = Table(
    "audit_records",
    metadata,
    *db.keys(ward=64, audit_id=36),
    *db.required(unit_id=64, month=7, revision=Integer, live=Boolean),
    *db.required(sums=JSON),  # {pillar: [points, max_points, scored, n/a]}
    *db.optional(event_id=36),  # the event that brought this revision (for ?explain)
)
Index("ix_audit_records_unit", audit_records.c.ward, audit_records.c.unit_id, audit_records.c.month)

#: A unit's sums per pillar and calendar month: quarters, years and rolling windows add months.
unit_month_pillars = Table(
    "unit_month_pillars",
    metadata,
    *db.keys(ward=64, unit_id=64, month=7, pillar=4),
    *_sums(),
)

#: Which metrics are below their threshold now, so a crossing is announced once.
low_flags = Table(
    "low_flags",
    metadata,
    *db.keys(ward=64, subject_kind=8, subject_id=64, period=8, metric=24),
    *db.required(low=Boolean),
    *db.optional(value=Float),
    *db.moments("updated_at"),
)

#: Closed periods: their results are final.
closed_periods = Table(
    "closed_periods",
    metadata,
    *db.keys(ward=64, period=7),
    *db.moments("closed_at"),
)

#: One row per self-assessment: its newest review and what it approved (to retract it later).
review_records = Table(
    "review_records",
    metadata,
    *db.keys(ward=64, self_assessment_id=36),
    *db.required(person_id=64, unit_id=64, month=7, revision=Integer),
    *db.required(reviewed_us=BigInteger),  # event time, µs since the epoch
    *db.required(live=Boolean, sums=JSON, event_id=36),
)
Index("ix_review_records_person", review_records.c.ward, review_records.c.person_id)

#: A person's approved "+" sums per month (the same integer sums as a unit's pillars).
person_month_plus = Table(
    "person_month_plus",
    metadata,
    *db.keys(ward=64, person_id=64, month=7),
    *db.required(unit_id=64),
    *_sums(),
)
# A unit's "+" over a period (``unit_period``): by unit and month, not by reading the ward's.
Index(
    "ix_person_month_plus_unit",
    person_month_plus.c.ward,
    person_month_plus.c.unit_id,
    person_month_plus.c.month,
)

#: The task result (0-70 points) of a person's month: the one recorded last in event time.
task_results = Table(
    "task_results",
    metadata,
    *db.keys(ward=64, person_id=64, month=7),
    *db.required(points=Float),
    # A disciplinary measure in the month: the lowest band whatever the points (Decree 335).
    Column("disqualified", Boolean, nullable=False, default=False, server_default=false()),
    *db.required(recorded_us=BigInteger, event_id=36),
)

#: Citizen ratings counted per unit, month and level (5 Rất hài lòng .. 1 Rất không hài lòng).
unit_month_feedback = Table(
    "unit_month_feedback",
    metadata,
    *db.keys(ward=64, unit_id=64, month=7, level=Integer),
    *db.required(ratings=Integer),
)

#: "Rất không hài lòng" ratings counted per unit and local calendar day.
unit_day_very_dissatisfied = Table(
    "unit_day_very_dissatisfied",
    metadata,
    *db.keys(ward=64, unit_id=64, day=Date),
    *db.required(ratings=Integer),
)

#: Subjects whose figures for a month changed after the month was closed.
late_marks = Table(
    "late_marks",
    metadata,
    *db.keys(ward=64, subject_kind=8, subject_id=64, month=7),
    *db.moments("marked_at"),
)

#: The ward's current org chart as classification needs it (the newest version published): one
#: row per ward, its people as ``[[person_id, unit_id, duty group, employment type], ...]`` and
#: its unit ids (null in a row written before they were kept).
org_rosters = Table(
    "org_rosters",
    metadata,
    *db.keys(ward=64),
    *db.required(version=Integer, people=JSON),
    *db.optional(units=JSON),
    #: The ward's name and city as the chart published them (a city's comparison of its wards).
    *db.optional(ward_name=200),
    Column("city", String(64), index=True),
    #: The names of the chart's people and units, for exports (domain.roster.roster_names).
    *db.optional(names=JSON),
)

#: The chairman's decisions on ties at the edge of the cap on "xuất sắc", per period and duty
#: group (the newest stands). Recorded here, not in the facts: kept as is by a rebuild.
classification_decisions = Table(
    "classification_decisions",
    metadata,
    *db.keys(ward=64, period=8, duty_group=64),
    *db.required(excellent=JSON),  # the person ids who keep "xuất sắc"
    *db.required(decided_by=64),
    *db.moments("decided_at"),
    *db.required(event_id=36),
)

#: The tables that hold the projection (everything a rebuild replaces), in dependency order.
PROJECTION = (
    audit_records,
    unit_month_pillars,
    low_flags,
    closed_periods,
    review_records,
    person_month_plus,
    task_results,
    unit_month_feedback,
    unit_day_very_dissatisfied,
    late_marks,
    org_rosters,
    classification_decisions,
)

#: The rebuild running now, if any (one row, ``id`` 1): so that only one runs at a time across
#: every instance and the command line, and anyone may ask how far it is. Its heartbeat is
#: renewed while it runs; a row whose heartbeat stopped is a rebuild that died, and is taken
#: over. Not a projection of the facts: a rebuild leaves it alone.
rebuild_runs = Table(
    "rebuild_runs",
    metadata,
    *db.keys(id=Integer),
    *db.moments("started_at", "heartbeat_at"),
    *db.required(stage=32, done=BigInteger, total=BigInteger),
)

#: Per partition of a consumer's stream (a ward's assessment events), the stream sequence of the
#: last event applied, written in the batch's own transaction; beside them the partitions'
#: leases and the live instances, under ``<consumer>@leases`` and ``<consumer>@instances``
#: (``services.runtime.marks``, ``partitions``). Not a projection: a rebuild raises the marks
#: to what it replayed and leaves the rest alone.
partition_marks = Table(
    "partition_marks",
    metadata,
    *db.keys(consumer=64, partition=64),
    *db.required(mark=BigInteger),
    *db.optional(owner=64, lease_until=db.UtcDateTime),
)
