"""Whatever order the events arrive in, duplicated, amended, withdrawn or reordered, every
aggregate equals a simple computation from the final state of the submissions."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.catalog import default_catalog
from contracts.envelope import Event
from services.scoring.adapters.policy_file import default_policy
from services.scoring.views import people as person_views
from services.scoring.views import units as views
from tests.scoring import events as ev
from tests.scoring.projection import Projection
from tests.support.examples import examples

UNITS = ("kt", "vp")
MONTHS = ("2026-01", "2026-02")
PEOPLE = ("p1", "p2")
WEIGHTS = {code: item.weight for code, item in default_catalog().audit_items.items()}
POLICY = default_policy()

scores = st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=25, max_size=25)


@dataclass(frozen=True)
class AuditStory:
    unit: str
    versions: tuple[tuple[str, tuple[int | None, ...]], ...]  # (month, scores) per revision
    withdrawn: bool


audit_stories = st.builds(
    AuditStory,
    unit=st.sampled_from(UNITS),
    versions=st.lists(
        st.tuples(st.sampled_from(MONTHS), scores.map(tuple)), min_size=1, max_size=3
    ).map(tuple),
    withdrawn=st.booleans(),
)
review_stories = st.lists(
    st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from(MONTHS),
        st.lists(
            st.tuples(
                st.sampled_from(("approved", "adjusted", "returned")),
                st.lists(st.integers(0, 4), min_size=8, max_size=8),
            ),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=3,
    unique_by=lambda story: (story[0], story[1]),
)
ratings = st.lists(
    st.tuples(
        st.sampled_from(UNITS),
        st.sampled_from(MONTHS),
        st.integers(1, 5),
        st.integers(1, 3),  # day of the month (UTC)
        st.integers(0, 23),  # hour (UTC): from 17:00 it is the next day in the ward
    ),
    max_size=12,
)
tasks = st.lists(
    st.tuples(st.sampled_from(PEOPLE), st.sampled_from(MONTHS), st.integers(0, 70)), max_size=4
)


def audit_events(story: AuditStory) -> list[Event]:
    audit_id = uuid.uuid4()
    out: list[Event] = []
    before = None
    for revision, (month, marks) in enumerate(story.versions, start=1):
        if revision == 1:
            event: Event = ev.submitted(audit_id, story.unit, month, marks)
        else:
            event = ev.amended(audit_id, story.unit, month, revision, marks, before)
        before = ev.state(revision, month, marks)
        out.append(event)
    if story.withdrawn:
        out.append(
            ev.withdrawn(audit_id, story.unit, before.period, len(story.versions) + 1, before)
        )
    return out


def expected_unit_sums(stories: Sequence[AuditStory]) -> dict[tuple[str, str, str], list[int]]:
    """The reference: each audit's last version, unless withdrawn, item by item."""
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for story in stories:
        if story.withdrawn:
            continue
        month, marks = story.versions[-1]
        for code, score in zip(ev.CODES, marks, strict=True):
            slot = sums[(story.unit, month, code.split(".")[0])]
            if score is None:
                slot[3] += 1
            else:
                weight = round(WEIGHTS[code] * 1000)
                slot[0] += weight * score
                slot[1] += weight * 4
                slot[2] += 1
    return {key: value for key, value in sums.items() if any(value)}


def arrival(draw: st.DrawFn, stream: list[Event]) -> list[list[Event]]:
    """The stream as delivered: some events twice, shuffled, cut into batches."""
    delivered = list(stream)
    for event in draw(st.lists(st.sampled_from(stream), max_size=5)) if stream else []:
        delivered.append(event)
    delivered = draw(st.permutations(delivered))
    cuts = sorted(draw(st.lists(st.integers(0, len(delivered)), max_size=4)))
    batches, start = [], 0
    for cut in [*cuts, len(delivered)]:
        if cut > start:
            batches.append(delivered[start:cut])
            start = cut
    return batches


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[AuditStory], list, list, list, list[list[Event]]]:
    audits = draw(st.lists(audit_stories, max_size=4))
    reviews = draw(review_stories)
    feedback = draw(ratings)
    task_list = draw(tasks)
    stream: list[Event] = [e for story in audits for e in audit_events(story)]
    for person, month, versions in reviews:
        sa_id = uuid.uuid4()
        for revision, (outcome, marks) in enumerate(versions, start=1):
            stream.append(
                ev.reviewed(
                    person,
                    "kt",
                    month,
                    marks,
                    outcome=outcome,
                    revision=revision,
                    self_assessment_id=sa_id,
                )
            )
    stream += [
        ev.feedback(unit, month, level, day=day, hour=hour)
        for unit, month, level, day, hour in feedback
    ]
    stream += [
        ev.task_result(person, month, points, hour=hour)
        for hour, (person, month, points) in enumerate(task_list)
    ]
    return audits, reviews, feedback, task_list, arrival(draw, stream)


async def check(history: tuple) -> None:
    audits, reviews, feedback, task_list, batches = history
    with tempfile.TemporaryDirectory() as scratch:
        projection = await Projection(f"sqlite+aiosqlite:///{Path(scratch) / 'p.db'}").create()
        try:
            for batch in batches:
                await projection.feed(batch)
            tables = await projection.tables()
            async with projection.sessions() as session:
                figures = {
                    month: await views.unit_figures(session, ev.WARD, None, [month])
                    for month in MONTHS
                }
                people = await person_views.person_months(session, ev.WARD, None, MONTHS, POLICY)
        finally:
            await projection.close()

    # 5S sums per unit, month and pillar.
    stored = {(r[1], r[2], r[3]): list(r[4:8]) for r in tables["unit_month_pillars"] if any(r[4:8])}
    assert stored == expected_unit_sums(audits)
    # Citizen ratings per unit, month and level.
    counted: dict[tuple[str, str, int], int] = defaultdict(int)
    very_dissatisfied: dict[tuple[str, str], int] = defaultdict(int)
    for unit, month, level, day, hour in feedback:
        counted[(unit, month, level)] += 1
        if level == 1:
            local = ev.moment(month, day=day, hour=hour) + timedelta(hours=7)  # UTC+7, no DST
            very_dissatisfied[(unit, local.date().isoformat())] += 1
    assert {(r[1], str(r[2])): r[3] for r in tables["unit_day_very_dissatisfied"]} == dict(
        very_dissatisfied
    )
    assert {(r[1], r[2], r[3]): r[4] for r in tables["unit_month_feedback"]} == dict(counted)
    for month in MONTHS:
        for unit in UNITS:
            levels = {lvl: n for (u, m, lvl), n in counted.items() if (u, m) == (unit, month)}
            got = figures[month].get(unit)
            ratings = sum(levels.values())
            satisfied = levels.get(5, 0) + levels.get(4, 0)  # "Rất hài lòng", "Hài lòng"
            values = got.values(POLICY) if got else {}
            # The share of satisfied citizens and the index (mean of the level values), exact.
            assert values.get("satisfaction") == (
                Fraction(100 * satisfied, ratings) if levels else None
            )
            assert values.get("satisfaction_index") == (
                Fraction(
                    sum(POLICY.satisfaction.level_values[lvl] * n for lvl, n in levels.items()),
                    ratings,
                )
                if levels
                else None
            )
    # Each person's approved "+" %: the last review of each self-assessment, unless returned.
    for person, month, versions in reviews:
        outcome, marks = versions[-1]
        plus = None if outcome == "returned" else Fraction(100 * sum(marks), 4 * len(marks))
        assert people[(person, month)].plus_percent == plus
    # Task results: the one recorded last.
    last_task = {(p, m): points for p, m, points in task_list}
    for (person, month), found in people.items():
        assert found.task_points == last_task.get((person, month))


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(histories())
def test_every_aggregate_equals_the_final_state_of_the_submissions(history: tuple) -> None:
    asyncio.run(check(history))
