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
from services.scoring.domain.aggregates import Contribution, contribution


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
