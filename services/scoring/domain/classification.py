"""The ward's classification of a period: the 20 % cap on "xuất sắc", the chairman's decisions on
ties, and the income tier (pure, no I/O).

Decree 335/2025/NĐ-CP: "xuất sắc" may be held by at most 20 % of those rated "tốt", per agency
*and within each group of công chức with similar duties*; it concerns công chức, not người lao
động; a tie at the quota's edge is the head of agency's call. So, per duty group of the ward
(the org chart's ``duty_group``, by default leaders or specialists):

- only công chức rated "tốt" or "xuất sắc" by their scores are counted (``counted_in_quota``,
  exactly the quota's ``base``); người lao động keep the band their score gives;
- the quota is ``floor(share × N)`` with N those rated "tốt" or "xuất sắc" (policy
  ``quota_base: tot_or_better``), or the largest X with X ≤ share × (N − X), i.e.
  ``floor(share × N / (1 + share))`` (``tot_only``: 20 % of those left at "tốt");
- the highest exact scores keep "xuất sắc"; those below the edge become "tốt"
  (``quota_demoted``); those tied *at* the edge, when they do not all fit, wait for the
  chairman (``pending_decision``, no band, no income) until a :class:`Decision` names who of
  them keeps it — a decision that no longer fits (the scores moved) is not applied.

Income: a share of the maximum coefficient by band (policy ``income.shares``, each at most its
``income.caps``, Decision 20/2024/QĐ-UBND); nothing without a band.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contracts.events import Classification, MonthGap, QuotaGroup
from services.scoring.domain.exact import display, exact
from services.scoring.domain.people import Standing
from services.scoring.domain.policy import Policy
from services.scoring.domain.roster import UNLISTED, Member

#: Decimals of an income coefficient as published.
COEFFICIENT_DIGITS = 4
#: The bands, by score, of those the quota is counted from (its base, before the policy's
#: reading of it): "xuất sắc" and "tốt" (Decree 335: 20 % of those rated "tốt").
RATED = ("xuat_sac", "tot")


@dataclass(frozen=True)
class Decision:
    """The chairman's call in one duty group: who of those tied at the edge keeps "xuất sắc"."""

    duty_group: str
    excellent: frozenset[str]


@dataclass(frozen=True)
class Tie:
    """People tied at the edge of a group's quota, and how many of them may keep "xuất sắc"."""

    tied: frozenset[str]
    room: int


@dataclass
class Result:
    people: list[Classification]
    quotas: list[QuotaGroup]
    #: Every group with a tie at its edge, decided or not (a decision may be taken again).
    ties: dict[str, Tie] = field(default_factory=dict)


def quota_of(rated: int, policy: Policy) -> int:
    """The most who may be "xuất sắc" in a group where ``rated`` công chức are rated "tốt" or
    "xuất sắc" by their scores, under the policy's reading of the base (exact)."""
    share = exact(policy.excellent_quota)
    if policy.quota_base == "tot_only":
        return math.floor(share * rated / (1 + share))
    return math.floor(share * rated)


def decision_problem(tie: Tie | None, excellent: Iterable[str]) -> str | None:
    """Why a decision naming ``excellent`` cannot settle ``tie`` (an error code), or None."""
    named = set(excellent)
    if tie is None:
        return "no_tie"
    if not named <= tie.tied:
        return "not_tied"
    if len(named) > tie.room:
        return "over_quota"
    return None


def classify(
    standings: Iterable[Standing],
    members: Mapping[str, Member],
    policy: Policy,
    decisions: Mapping[str, Decision] | None = None,
) -> Result:
    """Everyone of one ward for one period: the cap per duty group, the chairman's decisions,
    the income tier. ``members``: the org chart by person id (anyone missing is
    :data:`UNLISTED`); ``decisions`` by duty group. People come out best score first, then by
    id (the order decides nothing)."""
    decisions = decisions or {}
    people = sorted(standings, key=lambda s: (s.points is None, -(s.points or 0), s.person_id))
    member = {s.person_id: members.get(s.person_id, UNLISTED) for s in people}
    classified = {
        s.person_id
        for s in people
        if s.band is not None and member[s.person_id].employment_type == "cong_chuc"
    }
    # Exactly the quota's base: a classified công chức that "hoàn thành" or "không hoàn thành"
    # (a disqualifier) is in the group but not in its base, so not counted.
    counted = {s.person_id for s in people if s.person_id in classified and s.band in RATED}
    groups: dict[str, list[Standing]] = defaultdict(list)
    for s in people:
        if s.person_id in classified:
            groups[member[s.person_id].group].append(s)

    demoted: set[str] = set()
    pending: set[str] = set()
    decided: dict[str, bool] = {}  # person -> keeps "xuất sắc", by the chairman's decision
    quotas: list[QuotaGroup] = []
    ties: dict[str, Tie] = {}
    for group, standing in sorted(groups.items()):
        rated = sum(1 for s in standing if s.person_id in counted)
        quota = quota_of(rated, policy)
        excellent = [s for s in standing if s.band == "xuat_sac"]  # best first
        kept = len(excellent)
        waiting = 0
        if len(excellent) > quota:
            edge = excellent[quota - 1].points if quota else None
            if edge is not None and excellent[quota].points == edge:
                above = [s for s in excellent if s.points is not None and s.points > edge]
                tie = Tie(
                    frozenset(s.person_id for s in excellent if s.points == edge),
                    quota - len(above),
                )
                ties[group] = tie
                demoted |= {
                    s.person_id for s in excellent if s.points is not None and s.points < edge
                }
                decision = decisions.get(group)
                if decision is not None and decision_problem(tie, decision.excellent) is None:
                    for person in tie.tied:
                        decided[person] = person in decision.excellent
                    demoted |= tie.tied - decision.excellent
                    kept = len(above) + len(decision.excellent)
                else:
                    pending |= tie.tied
                    kept, waiting = len(above), len(tie.tied)
            else:
                demoted |= {s.person_id for s in excellent[quota:]}
                kept = quota
        quotas.append(
            QuotaGroup(duty_group=group, base=rated, quota=quota, excellent=kept, pending=waiting)
        )

    result = [
        _classification(
            s,
            member[s.person_id],
            policy,
            s.person_id in counted,
            s.person_id in demoted,
            s.person_id in pending,
            decided,
            ties,
        )
        for s in people
    ]
    return Result(result, quotas, ties)


def _classification(
    s: Standing,
    member: Member,
    policy: Policy,
    counted: bool,
    demoted: bool,
    pending: bool,
    decided: Mapping[str, bool],
    ties: Mapping[str, Tie],
) -> Classification:
    band = "tot" if demoted else s.band
    if pending:
        band = None
    status = (
        "pending_decision" if pending else ("classified" if band is not None else "not_classified")
    )
    share = coefficient = None
    if band is not None:
        paid = exact(policy.income.shares[band])
        share = float(paid)
        coefficient = display(paid * exact(policy.income.max_coefficient), COEFFICIENT_DIGITS)
    return Classification(
        person_id=s.person_id,
        unit_id=s.unit_id or member.unit_id,
        points=display(s.points),
        status=status,
        band=band,
        missing=s.missing,
        gaps=tuple(MonthGap(month=m, missing=parts) for m, parts in s.gaps),
        unit_not_audited=s.unit_not_audited,
        disqualified=s.disqualified,
        duty_group=member.group,
        employment_type=member.employment_type,
        counted_in_quota=counted,
        quota_demoted=demoted,
        tie_at_cap=any(s.person_id in tie.tied for tie in ties.values()),
        decided_by_chairman=s.person_id in decided,
        provisional=status == "not_classified",
        income_share=share,
        income_coefficient=coefficient,
    )
