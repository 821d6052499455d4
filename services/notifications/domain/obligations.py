"""What is owed now, worked out from what is true now (pure, no I/O).

Assessment's events say what happened to a submission: an audit submitted, amended, withdrawn; a
self-assessment submitted, approved, adjusted, returned and submitted again; a corrective action
opened, closed, reopened. Notifications keeps the newest state of each (a ``Record``) and derives
every obligation from it, so a deadline is met by what stands now, not by a submission that was
once made:

- ``audit.missing`` (unit, month) is met while at least one audit of the unit for the month is
  live; withdrawing the only one makes it owed again;
- ``self_assessment.missing`` (person, month) is met while the person's self-assessment stands
  (submitted, approved or adjusted); a returned one must be submitted again;
- ``review.overdue`` (person, month) is owed while the self-assessment waits for its review, and
  counts from the submission of the revision waiting; a review (a return included) ends it;
- ``corrective_action.overdue`` (action) is owed while the action is open, by its current due
  date; a reopened action is owed again, by its new one; ``review_follow_up.overdue`` (a task a
  periodic review set) and ``citizen_follow_up.overdue`` (a call-back owed to a dissatisfied
  citizen) likewise, by their due dates, until closed or done;
- ``period_review.missing`` (unit, month, quarter or year) is owed until the unit's review of
  the period is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contracts.periods import Month
from services.notifications.domain import rules

AUDIT = "audit"
SELF_ASSESSMENT = "self_assessment"
ACTION = "corrective_action"
FOLLOW_UP = "review_follow_up"
CALL_BACK = "citizen_follow_up"
#: The deadline of each kind of task followed by its due date.
_OVERDUE = {
    ACTION: rules.ACTION_OVERDUE,
    FOLLOW_UP: rules.FOLLOW_UP_OVERDUE,
    CALL_BACK: rules.CALL_BACK_OVERDUE,
}

LIVE, WITHDRAWN = "live", "withdrawn"
SUBMITTED, RETURNED = "submitted", "returned"
OPEN, CLOSED = "open", "closed"
#: The states in which a person's self-assessment of the month stands.
STANDING = frozenset({SUBMITTED, "approved", "adjusted"})


@dataclass(frozen=True)
class Record:
    """The newest known state of one submission. ``(revision, as_of)`` orders the events about
    it: an audit's revision; a self-assessment's revision, its review after its submission; a
    corrective action has none, its events' times order it."""

    kind: str
    record_id: str
    subject_id: str
    period: str
    unit_id: str
    status: str
    revision: int
    as_of: datetime
    details: Mapping[str, Any] = field(default_factory=dict)

    def supersedes(self, stored: Record | None) -> bool:
        """Whether this state is newer than the one kept (a redelivered or late event is not)."""
        return stored is None or (self.revision, self.as_of) > (stored.revision, stored.as_of)


def self_assessment_key(person_id: str, period: str) -> str:
    """One self-assessment per person and month (assessment resubmits a returned one as the
    next revision of the same one)."""
    return f"{person_id}/{period}"


def self_assessment_order(revision: int, reviewed: bool) -> int:
    """A revision's review comes after its submission, and both before the next revision."""
    return 2 * revision + (1 if reviewed else 0)


@dataclass(frozen=True)
class Obligation:
    """One deadline's state: ``owed`` True while what it waits for is not true.

    ``basis`` is what its deadline counts from besides the period (a review: the day the waiting
    revision was submitted; an action: its due date), kept so a new calendar can move it;
    ``instance`` names the thing owed, so a new one (a resubmission, a reopening) is alerted
    afresh rather than counted as the one already alerted."""

    rule: str
    subject_id: str
    period: str
    owed: bool
    unit_id: str
    person_id: str | None = None
    basis: Mapping[str, Any] = field(default_factory=dict)
    instance: str = ""


def self_assessment_obligations(record: Record) -> list[Obligation]:
    """A person's self-assessment of a month: the submission owed again once returned, the
    review owed while it waits."""
    person, period, unit = record.subject_id, record.period, record.unit_id
    revision = record.revision // 2
    return [
        Obligation(
            rules.SELF_ASSESSMENT_MISSING,
            person,
            period,
            owed=record.status not in STANDING,
            unit_id=unit,
            person_id=person,
        ),
        Obligation(
            rules.REVIEW_OVERDUE,
            person,
            period,
            owed=record.status == SUBMITTED,
            unit_id=unit,
            person_id=person,
            basis={"submitted_on": record.details.get("submitted_on"), "revision": revision},
            instance=f"revision:{revision}",
        ),
    ]


def audit_obligation(unit_id: str, period: str, live_audits: int) -> Obligation:
    """A unit's audit of a month: met while any audit of it stands."""
    return Obligation(rules.AUDIT_MISSING, unit_id, period, owed=live_audits == 0, unit_id=unit_id)


def review_obligation(unit_id: str, period: str, written: bool) -> Obligation:
    """A unit's periodic review of ``period``: met once written."""
    return Obligation(
        rules.PERIOD_REVIEW_MISSING, unit_id, period, owed=not written, unit_id=unit_id
    )


def action_obligation(record: Record) -> Obligation:
    """A corrective action or a review's follow-up (``record.kind``): owed while open, by its
    current due date (its alerts are filed under the month it is due). A close that arrives
    before the opening has no due date yet: it is met all the same."""
    due = record.details.get("due_on")
    basis: dict[str, Any] = {}
    if due is not None:
        due_on = date.fromisoformat(due)
        basis = {
            "due_on": due_on.isoformat(),
            "item_code": record.details.get("item_code"),
            "period": Month.of_date(due_on).key,
        }
    return Obligation(
        _OVERDUE[record.kind],
        record.subject_id,
        "",  # an action is watched by its due date, not a period
        owed=record.status == OPEN and due is not None,
        unit_id=record.unit_id,
        person_id=record.details.get("owner_id"),
        basis=basis,
        instance=f"due:{due}" if due else "",
    )
