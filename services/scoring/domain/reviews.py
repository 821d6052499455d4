"""How "+" reviews change a person's sums, whatever order they arrive in (pure, no I/O).

Each self-assessment keeps one record: its newest review and what that review approved. A review
is newer when its revision is higher or, for the same revision, when it happened later (a head
may adjust after approving). A newer review retracts the record's contribution and adds its own;
a returned one adds nothing until the person resubmits and the head approves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from contracts.events import SelfAssessmentReviewed, TaskResultRecorded
from services.scoring.domain.aggregates import Contribution, PillarSums, contribution

PLUS = "P"  # the pillar of a person's "+" items
PersonMonth = tuple[str, str, str]  # ward, person, month
ReviewKey = tuple[str, str]  # ward, self-assessment id


def order_key(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch: compared exactly, stored as an integer."""
    return round(moment.timestamp() * 1_000_000)


#: A person's month's task result as kept: points, event time (µs), event id, disqualified.
TaskResultState = tuple[float, int, str, bool]
Key = TypeVar("Key")


def task_result_state(event: TaskResultRecorded) -> TaskResultState:
    result = event.data
    return (result.points, order_key(event.occurred_at), str(event.event_id), result.disqualified)


def keep_latest(results: dict[Key, TaskResultState], key: Key, new: TaskResultState) -> None:
    """A month keeps the task result recorded last in event time (then by event id), whatever
    order they arrive in."""
    current = results.get(key)
    if current is None or new[1:3] > current[1:3]:
        results[key] = new


@dataclass(frozen=True)
class ReviewRecord:
    person_id: str
    unit_id: str
    month: str
    revision: int
    reviewed_us: int
    live: bool
    sums: Contribution = field(default_factory=dict)

    @property
    def version(self) -> tuple[int, int]:
        return (self.revision, self.reviewed_us)


def review_record(event: SelfAssessmentReviewed) -> ReviewRecord:
    data = event.data
    live = data.outcome != "returned"
    return ReviewRecord(
        data.person_id,
        data.unit_id,
        data.period,
        data.revision,
        order_key(event.occurred_at),
        live,
        contribution(data.items) if live else {},
    )


def review_supersedes(new: ReviewRecord, current: ReviewRecord | None) -> bool:
    return current is None or new.version > current.version


class ReviewFold:
    """Reviews applied in stream order to their self-assessments' records, by the one rule the
    handler (a batch against the stored records) and the rebuild (the whole stream, from none)
    both follow.

    ``records``: each self-assessment's current record, (ward, self-assessment id) to
    :class:`ReviewRecord`; updated as reviews supersede them. After :meth:`apply`: ``changed``,
    each record replaced, with the id of the event that brought it; ``sums``, what changed in
    each (ward, person, month)'s approved "+" (a returned review makes its month known with
    zeros); ``units``, the unit each of those months takes, that of the review applied last."""

    def __init__(self, records: dict[ReviewKey, ReviewRecord] | None = None) -> None:
        self.records = records if records is not None else {}
        self.changed: dict[ReviewKey, tuple[ReviewRecord, str]] = {}
        self.sums: dict[PersonMonth, PillarSums] = {}
        self.units: dict[PersonMonth, str] = {}

    def apply(self, key: ReviewKey, new: ReviewRecord, event_id: str) -> bool:
        """Apply the review ``new`` (from event ``event_id``) to self-assessment ``key``;
        False if it does not supersede the record (:func:`review_supersedes`)."""
        current = self.records.get(key)
        if not review_supersedes(new, current):
            return False
        ward = key[0]
        # The old review's "+" leaves its person's month and the new one's enters theirs;
        # every month touched takes the new review's unit.
        if current is not None and current.live and PLUS in current.sums:
            self._add((ward, current.person_id, current.month), new.unit_id, -current.sums[PLUS])
        plus = new.sums.get(PLUS) if new.live else None
        self._add((ward, new.person_id, new.month), new.unit_id, plus or PillarSums())
        self.records[key] = new
        self.changed[key] = (new, event_id)
        return True

    def _add(self, month: PersonMonth, unit: str, sums: PillarSums) -> None:
        before = self.sums.get(month)
        self.sums[month] = sums if before is None else before + sums
        self.units[month] = unit
