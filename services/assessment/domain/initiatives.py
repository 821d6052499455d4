"""Who decides on an initiative, and which decisions each state still takes (pure): the
chairman or a member of the council the policy names (``Policy.initiative_council``), never on
their own initiative; adopted and rejected are final."""

from __future__ import annotations

from contracts.roles import Role
from services.runtime.auth import Principal

#: The decisions each status may still take.
NEXT = {
    "proposed": frozenset({"accepted", "piloting", "adopted", "rejected"}),
    "accepted": frozenset({"piloting", "adopted", "rejected"}),
    "piloting": frozenset({"adopted", "rejected"}),
    "adopted": frozenset(),
    "rejected": frozenset(),
}


def on_council(principal: Principal, council: tuple[str, ...]) -> bool:
    """Whether ``principal`` decides on initiatives: the chairman, or a person the council
    names."""
    return principal.role is Role.CHAIRMAN or principal.subject_id in council


def may_decide(
    principal: Principal, council: tuple[str, ...], proposed_by: str, status: str
) -> bool:
    """Whether ``principal`` may decide now on an initiative ``proposed_by`` someone in
    ``status``: on the council, not their own, and not decided for good."""
    not_theirs = principal.subject_id != proposed_by
    return on_council(principal, council) and not_theirs and bool(NEXT[status])
