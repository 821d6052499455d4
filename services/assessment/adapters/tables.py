"""The assessment database: the org chart, catalogues, submissions and periods.

(Over 400 lines on purpose: every table of the system of record, declared on the one metadata the
migrations are checked against; nothing here but declarations.)

This service is the system of record: every accepted submission is a row here, and the event that
tells the others about it is staged in the outbox in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from services.runtime import db

metadata, plumbing = db.service_tables()


def _closing() -> list[Column[Any]]:
    """What closes a corrective action or a review's follow-up: when and by whom, the note and
    the evidence (links or names, as text)."""
    return [
        *db.acts("closed"),
        *db.optional(note=Text),
        Column("evidence", JSON, nullable=False, default=list),
    ]


wards = Table(
    "wards",
    metadata,
    *db.keys(ward=64),
    *db.required(name=200),
    Column("org_version", Integer, nullable=False, default=0),
    #: The city the ward belongs to (its administrator's declaration on a chart's load): that
    #: city's officials read the ward's figures on scoring. None: no city.
    *db.optional(city=64),
)

units = Table("units", metadata, *db.org_unit())

people = Table(
    "people",
    metadata,
    *db.org_person(),
    Column("units_in_charge", JSON, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
    #: The group of similar duties the 20 % cap applies within; NULL: by role.
    *db.optional(duty_group=64),
    #: cong_chuc (counted in the cap) or nguoi_lao_dong (classified, not counted).
    Column(
        "employment_type",
        String(16),
        nullable=False,
        default="cong_chuc",
        server_default="cong_chuc",
    ),
)

devices = Table(
    "devices",
    metadata,
    *db.keys(ward=64, device_id=64),
    *db.required(role=32),
    *db.optional(unit_id=64),
    *db.required(label_vi=200, label_en=200),
    Column("active", Boolean, nullable=False, default=True),
    #: kiosk: a device at the counter; qr: an anonymous link printed for one unit.
    Column("channel", String(8), nullable=False, default="kiosk", server_default="kiosk"),
    #: The device's current credential: the ``sid`` of the token it was last issued (None: none
    #: issued, or deactivated). Issuing another, or deactivating, revokes it.
    *db.optional(credential_id=64),
)

catalogs = Table(
    "catalogs",
    metadata,
    *db.keys(version=32),
    *db.required(body=JSON),
    *db.moments("published_at"),
    Column("current", Boolean, nullable=False, default=False),
    *db.optional(first_used_at=db.UtcDateTime),
)

audits = Table(
    "audits",
    metadata,
    *db.keys(audit_id=36),
    *db.required(ward=64, unit_id=64, period=7),
    *db.moments("performed_at"),
    *db.required(catalog_version=32, auditor_id=64, revision=Integer),
    *db.required(status=16),  # live | withdrawn
    *db.moments("created_at", "updated_at"),
    ForeignKeyConstraint(["ward", "unit_id"], ["units.ward", "units.unit_id"]),
    Index("ix_audits_ward_period", "ward", "period"),
)

audit_items = Table(
    "audit_items",
    metadata,
    *db.keys(audit_id=36, code=16),
    *db.required(pillar=4, weight=Float),
    *db.optional(score=Integer, note=Text),
    Column("evidence", JSON, nullable=False, default=list),
    ForeignKeyConstraint(["audit_id"], ["audits.audit_id"], ondelete="CASCADE"),
)

periods = Table(
    "periods",
    metadata,
    *db.keys(ward=64, period=7),
    *db.required(status=16),  # closed | reopened
    *db.optional(closed_at=db.UtcDateTime, reason=Text),
    #: A reopened month's last open day (the ward's local date): the automatic close closes it
    #: again after it. None for a month reopened before deadlines were kept (open until closed).
    *db.optional(closes_on=Date),
)

#: Every administrator's action (issue 14, item 5), as ``assessment.admin.action_recorded``
#: published it: who, when, what, to what, why. The chairman reads them.
admin_actions = Table(
    "admin_actions",
    metadata,
    #: The order they were recorded in (several share a moment: one command's).
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", String(36), nullable=False, unique=True),
    *db.required(ward=64, action=32, subject=200, actor_kind=16, actor_id=64),
    *db.optional(reason=Text),
    *db.required(details=JSON),
    *db.moments("recorded_at"),
    Index("ix_admin_actions_ward_recorded_at", "ward", "recorded_at"),
)

#: Every revision of every audit, as it was: an amendment or withdrawal never overwrites history.
audit_revisions = Table(
    "audit_revisions",
    metadata,
    *db.keys(audit_id=36),
    *db.keys(revision=Integer),
    *db.required(change=16),  # submitted | amended | withdrawn
    *db.optional(reason=Text),
    *db.required(state=JSON, actor_id=64),
    *db.moments("recorded_at"),
    ForeignKeyConstraint(["audit_id"], ["audits.audit_id"], ondelete="CASCADE"),
)

corrective_actions = Table(
    "corrective_actions",
    metadata,
    *db.keys(action_id=36),
    *db.required(ward=64, audit_id=36, unit_id=64, period=7, item_code=16, score=Integer),
    *db.required(owner_id=64, due_on=Date, status=16),  # status: open | closed
    *db.moments("opened_at"),
    *_closing(),
    # Closed by the audit itself (withdrawn, or amended so the item is no longer a finding).
    Column("superseded", Boolean, nullable=False, default=False, server_default=false()),
    # The last time a closed action was found not done and opened again, by whom and why.
    *db.acts("reopened"),
    *db.optional(reopen_reason=Text),
    ForeignKeyConstraint(["audit_id"], ["audits.audit_id"], ondelete="CASCADE"),
    UniqueConstraint("audit_id", "item_code"),
    Index("ix_corrective_actions_ward_period", "ward", "period"),
    # A unit's open actions (the board's), read without reading the ward's.
    Index("ix_corrective_actions_unit", "ward", "unit_id", "status", "due_on"),
)

# A unit's review of a month, quarter or year (họp đánh giá, rút kinh nghiệm): one per unit and
# period; ``figures`` are the period's figures as they stood when it was written.
period_reviews = Table(
    "period_reviews",
    metadata,
    *db.keys(review_id=36),
    *db.required(ward=64, unit_id=64, period=7, written_by=64),
    *db.required(went_well=Text, went_badly=Text, lessons=Text, figures=JSON),
    *db.moments("written_at"),
    *db.acts("acknowledged"),
    *db.optional(acknowledgement=Text),
    UniqueConstraint("ward", "unit_id", "period"),
)

review_follow_ups = Table(
    "review_follow_ups",
    metadata,
    *db.keys(follow_up_id=36),
    *db.required(ward=64, review_id=36, unit_id=64, owner_id=64),
    *db.required(task=Text, due_on=Date, status=16),  # status: open | closed
    *_closing(),
    ForeignKeyConstraint(["review_id"], ["period_reviews.review_id"], ondelete="CASCADE"),
    Index("ix_review_follow_ups_ward_unit", "ward", "unit_id"),
)

# The initiatives register (sổ sáng kiến): proposed by a person or their unit, decided by the
# chairman or the council, with the measured effect of an adopted one.
initiatives = Table(
    "initiatives",
    metadata,
    *db.keys(initiative_id=36),
    *db.required(ward=64, unit_id=64, proposed_by=64, period=7, status=16),
    Column("by_unit", Boolean, nullable=False, default=False, server_default=false()),
    *db.required(title=300, problem=Text, proposal=Text, expected_effect=Text),
    *db.moments("proposed_at"),
    *db.acts("decided"),
    *db.optional(reason=Text, measured_effect=Text),
    Index("ix_initiatives_ward_period", "ward", "period"),
)

self_assessments = Table(
    "self_assessments",
    metadata,
    *db.keys(self_assessment_id=36),
    *db.required(ward=64, person_id=64, unit_id=64, period=7, catalog_version=32),
    # status: submitted | approved | adjusted | returned; items: the person's own scores;
    # approved_items: what the head approved (own or adjusted)
    *db.required(revision=Integer, status=16, items=JSON),
    *db.optional(approved_items=JSON, reviewer_id=64, reason=Text),
    *db.moments("submitted_at"),
    *db.optional(reviewed_at=db.UtcDateTime),
    UniqueConstraint("ward", "person_id", "period"),
)

feedback = Table(
    "feedback",
    metadata,
    *db.keys(feedback_id=36),
    *db.required(ward=64, unit_id=64, period=7, level=Integer),
    *db.optional(officer_id=64, procedure=200),
    *db.optional(comment=Text),  # stored for the ward, never logged nor published
    *db.required(channel=8, device_id=64),
    #: When the citizen gave the rating (a kiosk offline sends it later): its month and day.
    *db.optional(captured_at=db.UtcDateTime),
    *db.moments("received_at"),
    #: Why the rating is held for review, not counted (a burst beyond the policy's windows:
    #: ``device`` or ``address``); None: counted (``handlers/feedback.py``).
    *db.optional(held=16),
    #: SHA-256 of the ward and the client's address (QR pages), to count an address's ratings
    #: in the policy's window; erased after a day by the housekeeping loop.
    *db.optional(client_hash=64),
    Index("ix_feedback_ward_period", "ward", "period"),
    Index("ix_feedback_device_received", "ward", "device_id", "received_at"),
    Index("ix_feedback_client_received", "client_hash", "received_at"),
)

#: A call-back owed to a dissatisfied citizen who left a contact and agreed to be contacted:
#: the contact kept apart from the rating (never published nor logged), erased after the
#: comments' retention; the unit head notes the outcome.
citizen_follow_ups = Table(
    "citizen_follow_ups",
    metadata,
    *db.keys(follow_up_id=36),
    *db.required(ward=64, feedback_id=36, unit_id=64, period=7, owner_id=64, status=16),
    *db.required(level=Integer),
    *db.optional(contact=200),
    *db.required(due_on=Date),
    *db.moments("opened_at"),
    *db.acts("done"),
    *db.optional(note=Text),
    ForeignKeyConstraint(["feedback_id"], ["feedback.feedback_id"], ondelete="CASCADE"),
    Index("ix_citizen_follow_ups_ward_period", "ward", "period"),
)

#: Campaigns (e.g. "Ngày xanh lần thứ I"): a dated checklist of their own, and one audit per
#: unit against it, kept apart from the monthly audits.
campaigns = Table(
    "campaigns",
    metadata,
    *db.keys(campaign_id=36),
    *db.required(ward=64, created_by=64, title=200, starts_on=Date, ends_on=Date),
    *db.required(items=JSON),  # [{"code", "text"}] in order
    *db.moments("created_at"),
)

campaign_audits = Table(
    "campaign_audits",
    metadata,
    *db.keys(audit_id=36),
    *db.required(ward=64, campaign_id=36, unit_id=64, auditor_id=64),
    *db.required(items=JSON),  # [{"code", "score"}] in checklist order
    *db.optional(note=Text),
    *db.moments("performed_at", "recorded_at"),
    ForeignKeyConstraint(["campaign_id"], ["campaigns.campaign_id"], ondelete="CASCADE"),
    UniqueConstraint("campaign_id", "unit_id"),
)

#: The period reports issued to the ward committee once their figures were final (one row per
#: ward and period: ``handlers/period_reports.py``), the files kept in the REPORTS bucket: the
#: last revision issued (1, then each corrected one), the fingerprint of its official figures
#: (``domain/period_reports.py``) and when a close of its months was last weighed against it.
period_reports = Table(
    "period_reports",
    metadata,
    *db.keys(ward=64, period=7),
    *db.moments("issued_at"),
    Column("revision", Integer, nullable=False, server_default="1"),
    *db.optional(fingerprint=64, checked_at=db.UtcDateTime),
)

#: Single-use rating codes of a unit's counter (printed on a receipt or shown): only the code's
#: SHA-256 is kept; ``used_at`` once a rating has used it (``handlers/feedback.py``).
rating_codes = Table(
    "rating_codes",
    metadata,
    *db.keys(ward=64, code_hash=64),
    *db.required(unit_id=64, issued_by=64),
    *db.moments("issued_at", "expires_at"),
    *db.optional(used_at=db.UtcDateTime),
)

#: Photos an auditor uploaded as evidence, re-encoded without their metadata; the bytes are in
#: the deployment's JetStream object store (``<ward>/<evidence_id>``), not here. ``audit_id``
#: and ``unit_id``: the audit that first referenced the photo (who may see it follows that
#: audit's read rights); None until one does (only its uploader sees it).
evidence = Table(
    "evidence",
    metadata,
    *db.keys(evidence_id=36),
    *db.required(ward=64, uploaded_by=64, content_type=16, sha256=64),
    *db.required(size=Integer, width=Integer, height=Integer),
    *db.moments("uploaded_at"),
    *db.optional(audit_id=36, unit_id=64),
    Index("ix_evidence_ward_audit", "ward", "audit_id"),
)

task_results = Table(
    "task_results",
    metadata,
    *db.keys(ward=64, person_id=64, period=7),
    *db.required(points=Float),
    Column("disqualified", Boolean, nullable=False, default=False, server_default=false()),
    *db.required(source_id=64),
    *db.moments("recorded_at"),
    #: integration (the HR system) or unit_head (a ward without one); the last recorded wins.
    Column(
        "source", String(16), nullable=False, default="integration", server_default="integration"
    ),
    *db.optional(note=Text),
)

#: Every task result ever recorded, as it was recorded: ``task_results`` holds the one in force.
task_result_records = Table(
    "task_result_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    *db.required(ward=64, person_id=64, period=7, points=Float, disqualified=Boolean, source=16),
    *db.optional(note=Text),
    *db.required(recorded_by=64, role=32),
    *db.moments("recorded_at"),
    Index("ix_task_result_records_ward_person_period", "ward", "person_id", "period"),
)

#: A ward's working calendar: its version (bumped and published on every change).
ward_calendars = Table(
    "ward_calendars",
    metadata,
    *db.keys(ward=64),
    *db.required(version=Integer),
    *db.moments("updated_at"),
)

#: The days a ward's calendar sets apart: days off (working false) and make-up working days.
calendar_days = Table(
    "calendar_days",
    metadata,
    *db.keys(ward=64, day=Date),
    *db.required(working=Boolean),
    Column("reason", String(300), nullable=False, default=""),
    *db.required(declared_by=64),
    *db.moments("declared_at"),
)

#: A command's first answer for retries with the same key (the runtime's command pipeline).
idempotency = plumbing.idempotency

#: Token buckets of kiosks and QR links, in the database so the limit holds across instances.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    *db.keys(ward=64, bucket=64),
    *db.required(tokens=Float),
    #: When ``tokens`` was last computed, in seconds since the epoch (portable arithmetic).
    Column("refilled_at_s", Float, nullable=False, server_default="0"),
)

# --- sign-in (docs/SECURITY.md, "People sign in") ------------------------------------------------

#: A person's password, as an argon2id hash (never the password, never logged or answered).
credentials = Table(
    "credentials",
    metadata,
    *db.keys(ward=64, person_id=64),
    *db.required(password_hash=255),
    *db.moments("changed_at"),
)

#: One-time secrets of invitation and reset links: only their SHA-256 is kept; used once.
sign_in_secrets = Table(
    "sign_in_secrets",
    metadata,
    *db.keys(secret_hash=64),
    *db.required(ward=64, person_id=64, purpose=16),
    *db.moments("created_at", "expires_at"),
    *db.optional(used_at=db.UtcDateTime),
    Index("ix_sign_in_secrets_person", "ward", "person_id"),
)

#: Refresh tokens, by their SHA-256: a sign-in starts a family, each refresh rotates within it;
#: an old one used again revokes the whole family.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    *db.keys(token_hash=64),
    *db.required(ward=64, person_id=64, family_id=36),
    *db.moments("issued_at", "expires_at"),
    *db.optional(used_at=db.UtcDateTime, revoked_at=db.UtcDateTime),
    Index("ix_refresh_tokens_person", "ward", "person_id"),
    Index("ix_refresh_tokens_family", "family_id"),
)

#: Failed sign-ins by the SHA-256 of the e-mail address given (known or not: the backoff must
#: not tell which), and until when the next attempt is refused.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    *db.keys(email_hash=64),
    *db.required(failures=Integer),
    *db.optional(locked_until=db.UtcDateTime),
)
