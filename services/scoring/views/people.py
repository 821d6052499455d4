"""People's figures from the stored sums: their months, the ward's classification of a period,
and one person's answer — the band of both comes from one place,
:func:`services.scoring.domain.classification.classify` over every person of the ward."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters import closes, evidence, month_sums, org, task_results
from services.scoring.domain.alerts import unit_metrics
from services.scoring.domain.classification import Result, classify
from services.scoring.domain.exact import display, exact
from services.scoring.domain.people import NOTHING, PersonMonth, assess
from services.scoring.domain.policy import Policy
from services.scoring.domain.roster import UNLISTED, Member
from services.scoring.views.units import Question

PersonMonths = dict[tuple[str, str], PersonMonth]


async def person_months(
    session: AsyncSession,
    ward: str,
    person_ids: Iterable[str] | None,
    months: Sequence[str],
    policy: Policy,
) -> PersonMonths:
    """Each (person, month) with a reviewed "+" self-assessment or a task result (everyone of
    the ward when ``person_ids`` is None), with what its score is made of."""
    people = None if person_ids is None else list(person_ids)
    if people == []:
        return {}  # the batch touched nobody: no round trip on the audits' hot path
    return await _person_months(session, ward, people, months, policy)


async def _person_months(
    session: AsyncSession,
    ward: str,
    people: list[str] | None,
    months: Sequence[str],
    policy: Policy,
    members: dict[str, Member] | None = None,
) -> PersonMonths:
    """As :func:`person_months`; ``members``, the ward's roster if already read."""
    plus = await month_sums.person_plus(session, ward, people, months)
    tasks = await task_results.task_points(session, ward, people, months)
    task_only = set(tasks) - set(plus)
    if members is None and task_only:
        members = await org.roster(session, ward)
    # The unit of a month is that of its review; a month with a task result alone takes the
    # person's unit in the org chart.
    unit_of: dict[tuple[str, str], str | None] = {key: unit for key, (unit, _) in plus.items()}
    unit_of |= {key: (members or {}).get(key[0], UNLISTED).unit_id for key in task_only}
    units = {unit for unit in unit_of.values() if unit is not None}
    wanted = month_sums.Selection.of_units(ward, units, months)
    unit_sums = await month_sums.unit_sums(session, wanted) if units else {}
    found: PersonMonths = {}
    for (person, month), unit in unit_of.items():
        total = None
        if unit is not None:
            total = unit_metrics(unit_sums.get((unit, month), {}), policy.pillar_weights)["total"]
        task = tasks.get((person, month))
        found[(person, month)] = PersonMonth(
            person,
            unit,
            None if total is None else exact(total),
            plus[(person, month)][1].percent if (person, month) in plus else None,
            None if task is None else exact(task.points),
            task is not None and task.disqualified,
        )
    return found


@dataclass(frozen=True)
class WardPeople:
    """The ward's people over a period: their months and the classification."""

    months: PersonMonths
    result: Result


async def ward_people(
    session: AsyncSession, ward: str, period: str, months: Sequence[str], policy: Policy
) -> WardPeople:
    """Everyone of the ward's current org chart, and anyone else with a "+" review or a task
    result in the ``months`` of ``period``, classified (with the chairman's decisions for
    ``period``)."""
    members = await org.roster(session, ward)
    found = await _person_months(session, ward, None, months, policy, members)
    by_person: dict[str, dict[str, PersonMonth]] = defaultdict(dict)
    for (person, month), month_score in found.items():
        by_person[person][month] = month_score
    standings = [
        assess(
            person, months, by_person.get(person, {}), policy, members.get(person, UNLISTED).unit_id
        )
        for person in sorted(set(members) | set(by_person))
    ]
    decisions = await org.decisions(session, ward, period)
    return WardPeople(found, classify(standings, members, policy, decisions))


async def classification(
    session: AsyncSession, ward: str, period: str, months: Sequence[str], policy: Policy
) -> Result:
    """The ward's classification of ``period`` (its ``months``)."""
    return (await ward_people(session, ward, period, months, policy)).result


def _month_answer(month: str, m: PersonMonth | None, policy: Policy) -> dict[str, Any]:
    if m is None:
        return {"month": month, "points": None, "missing": list(NOTHING)}
    return {
        "month": month,
        "points": display(m.points(policy)),
        "general_points": display(m.general(policy)),
        "unit_total_percent": display(m.unit_total),
        "unit_audited": m.unit_audited,
        "plus_percent": display(m.plus_percent),
        "task_points": display(m.task_points),
        "disqualified": m.disqualified,
        "missing": list(m.missing),
    }


async def person_score(
    session: AsyncSession, asked: Question, person_id: str
) -> dict[str, Any] | None:
    """A person's period ``asked``: the row of the ward's classification (the same band as
    ``/v1/classification``) with every month of it; None for someone neither in the org chart
    nor with anything recorded."""
    ward, span, policy = asked.ward, asked.span, asked.policy
    people = await ward_people(session, ward, span.key, span.months, policy)
    row = next((c for c in people.result.people if c.person_id == person_id), None)
    if row is None:
        return None
    closed, late = await closes.closed_and_late(session, ward, "person", person_id, span.months)
    answer: dict[str, Any] = {
        **row.model_dump(mode="json"),
        "period": span.key,
        "months": [
            _month_answer(month, people.months.get((person_id, month)), policy)
            for month in span.months
        ],
        "provisional": row.status != "classified" or not set(span.months) <= closed,
        "late": bool(late),
        "policy_version": policy.version,
    }
    if asked.explain:
        tasks = await task_results.task_points(session, ward, [person_id], span.months)
        answer["explain"] = {
            "reviews": await evidence.live_reviews(session, ward, person_id, span.months),
            "task_results": [
                {"month": month, "event_id": task.event_id}
                for (_, month), task in sorted(tasks.items())
            ],
        }
    return answer
