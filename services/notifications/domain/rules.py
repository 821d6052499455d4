"""The rules: what each alert is about, who is told first, and who next (pure, no I/O).

Each rule names its subject (a person, a unit or a corrective action) and a chain of levels
built from the org chart. The first recipients are told at once; an alert left unacknowledged
goes one level up the chain after the configured working days:

- ``self_assessment.missing``: the person → their unit head → the vice-chairman in charge of
  the unit → the chairman;
- ``review.overdue``: the unit head → the vice-chairman in charge → the chairman;
- ``audit.missing``: the audit lead (the ward's programme administrators, role ``admin``: the org
  chart has no audit-lead role, and they plan the audit rounds) and the vice-chairman in charge
  together → the chairman;
- ``corrective_action.overdue``: its owner → the unit head → the vice-chairman → the chairman;
- ``review_follow_up.overdue`` (a task a unit's periodic review set): the same as a corrective
  action's;
- ``citizen_follow_up.overdue`` (a dissatisfied citizen not called back by its due date): its
  owner (the unit head) → the vice-chairman in charge → the chairman;
- ``period_review.missing`` (a unit's review of a month, quarter or year not written by its
  deadline): the unit head → the vice-chairman in charge → the chairman;
- ``low_score.<metric>``: the unit head (and the vice-chairman in charge, for a unit total or
  citizen satisfaction) → the vice-chairman → the chairman.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.events import OrgPerson
from contracts.roles import Role
from services.notifications.domain.low_scores import rule_name

SELF_ASSESSMENT_MISSING = "self_assessment.missing"
REVIEW_OVERDUE = "review.overdue"
AUDIT_MISSING = "audit.missing"
ACTION_OVERDUE = "corrective_action.overdue"
FOLLOW_UP_OVERDUE = "review_follow_up.overdue"
PERIOD_REVIEW_MISSING = "period_review.missing"
CALL_BACK_OVERDUE = "citizen_follow_up.overdue"
#: The rules that watch a deadline (each has its text in ``texts.yaml`` under its name).
DEADLINE_RULES = frozenset(
    {
        SELF_ASSESSMENT_MISSING,
        REVIEW_OVERDUE,
        AUDIT_MISSING,
        ACTION_OVERDUE,
        FOLLOW_UP_OVERDUE,
        PERIOD_REVIEW_MISSING,
        CALL_BACK_OVERDUE,
    }
)
#: Scoring's metrics about citizens rather than the 5S checklist.
CITIZEN_METRICS = frozenset({"satisfaction", "dissatisfaction_spike"})
#: Metrics about one day rather than a period: their alerts are keyed by that day.
DAILY_METRICS = frozenset({"dissatisfaction_spike"})

#: The roles of officials who self-assess every month (leaders of the committee do not).
SELF_ASSESSING_ROLES = frozenset({Role.STAFF, Role.UNIT_HEAD, Role.AUDITOR, Role.ADMIN})


@dataclass(frozen=True)
class Route:
    """Who is told, level by level; ``first`` are the levels told when the alert is raised."""

    levels: tuple[tuple[OrgPerson, ...], ...]
    first: tuple[int, ...] = (0,)

    def initial(self) -> list[tuple[int, OrgPerson]]:
        told = [(level, person) for level in self.first for person in self.levels[level]]
        return told or self.above(max(self.first))

    def above(self, level: int) -> list[tuple[int, OrgPerson]]:
        """The next level up with someone in it (an empty level, e.g. a unit without a head,
        is skipped)."""
        for higher in range(level + 1, len(self.levels)):
            if self.levels[higher]:
                return [(higher, person) for person in self.levels[higher]]
        return []

    def is_top(self, level: int) -> bool:
        return not self.above(level)


def _with_role(people: Sequence[OrgPerson], role: Role) -> tuple[OrgPerson, ...]:
    return tuple(p for p in people if p.role is role)


def leaders(unit_id: str, people: Sequence[OrgPerson]) -> list[tuple[OrgPerson, ...]]:
    """The unit's chain of command: its head(s), the vice-chairman in charge, the chairman."""
    heads = tuple(p for p in _with_role(people, Role.UNIT_HEAD) if p.unit_id == unit_id)
    deputies = tuple(
        p for p in _with_role(people, Role.VICE_CHAIRMAN) if unit_id in p.units_in_charge
    )
    return [heads, deputies, _with_role(people, Role.CHAIRMAN)]


def route(
    rule: str, unit_id: str, people: Sequence[OrgPerson], person_id: str | None = None
) -> Route:
    chain = leaders(unit_id, people)
    if rule in (SELF_ASSESSMENT_MISSING, ACTION_OVERDUE, FOLLOW_UP_OVERDUE, CALL_BACK_OVERDUE):
        concerned = tuple(p for p in people if p.person_id == person_id)
        return Route((concerned, *chain))
    if rule == AUDIT_MISSING:
        return Route((_with_role(people, Role.ADMIN), chain[1], chain[2]), first=(0, 1))
    if rule in (rule_name("total"), *map(rule_name, CITIZEN_METRICS)):
        return Route(tuple(chain), first=(0, 1))
    return Route(tuple(chain))


#: The ward committee's leaders, who receive the period report unless the policy names others.
COMMITTEE_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})


def committee(people: Sequence[OrgPerson], named: Sequence[str] = ()) -> list[OrgPerson]:
    """Who receives the period report: the people ``named`` (person ids, the policy's
    ``report_recipients``) who are on the chart, or without any named the chairman and the
    vice-chairmen; in the chart's order."""
    if named:
        return [p for p in people if p.person_id in named]
    return [p for p in people if p.role in COMMITTEE_ROLES]


def expected_self_assessors(people: Sequence[OrgPerson]) -> list[OrgPerson]:
    return [p for p in people if p.role in SELF_ASSESSING_ROLES and p.unit_id]
