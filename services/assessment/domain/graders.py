"""Who grades a person: reviews their "+" self-assessment and, in a ward without an HR system,
records their task points (issue 12, item 2). One rule, from the org chart, with no I/O.

- a unit's people are graded by the head of their unit;
- a unit head by the vice-chairman in charge of the unit, or by the chairman;
- a vice-chairman by the chairman;
- the chairman by the level above, outside the ward: the HR integration records their task
  points and, unless the policy names a reviewer (``Policy.chairman_reviewer``), their "+"
  review; a reviewer the policy names reviews it instead (someone outside the chairman's line
  of command, such as the ward's Party secretary: a vice-chairman or unit head, whom the
  chairman grades, never does, even if named).

Nobody grades themself, and nobody is graded by a subordinate (issue 14, item 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contracts.roles import Role

#: Why someone may not grade a person: it is their own, or they are not the person's grader.
NotGrader = Literal["own", "not_grader"]


@dataclass(frozen=True)
class Seat:
    """A person's place in the org chart as it is now: ``role`` a ``Role`` value, ``unit_id``
    their unit, ``units_in_charge`` the units a vice-chairman is in charge of."""

    person_id: str
    role: str
    unit_id: str | None
    units_in_charge: tuple[str, ...] = ()


#: Those the chairman grades: never the chairman's grader, whatever the policy names.
CHAIRMAN_SUBORDINATE_GRADERS = frozenset({Role.VICE_CHAIRMAN.value, Role.UNIT_HEAD.value})


def grading_refusal(
    grader: Seat | None,
    person_id: str,
    person_role: str,
    unit_id: str | None,
    chairman_reviewer: str | None = None,
) -> NotGrader | None:
    """None when ``grader`` grades the person ``person_id`` (role ``person_role``, graded as a
    member of ``unit_id``); otherwise why not. ``grader`` None: the caller holds no seat in
    the current org chart (not a person of the ward, or no longer active).
    ``chairman_reviewer``: the person id the policy names to review the chairman's "+" (None:
    the HR integration records the review made outside the ward)."""
    if grader is not None and grader.person_id == person_id:
        return "own"
    if grader is None or not _grades(grader, person_role, unit_id, chairman_reviewer):
        return "not_grader"
    return None


def _grades(
    grader: Seat, person_role: str, unit_id: str | None, chairman_reviewer: str | None
) -> bool:
    if person_role == Role.CHAIRMAN.value:
        if chairman_reviewer is None:
            return grader.role == Role.INTEGRATION.value
        return (
            grader.person_id == chairman_reviewer
            and grader.role not in CHAIRMAN_SUBORDINATE_GRADERS
        )
    if person_role == Role.VICE_CHAIRMAN.value:
        return grader.role == Role.CHAIRMAN.value
    if person_role == Role.UNIT_HEAD.value:
        return grader.role == Role.CHAIRMAN.value or (
            grader.role == Role.VICE_CHAIRMAN.value
            and unit_id is not None
            and unit_id in grader.units_in_charge
        )
    return grader.role == Role.UNIT_HEAD.value and unit_id is not None and grader.unit_id == unit_id
