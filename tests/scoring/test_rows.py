"""The projection's rows follow from the final state of the facts, not from how the events were
batched or ordered: a unit's month holds a row exactly while a live audit contributes to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from contracts.envelope import Event
from tests.scoring import events as ev
from tests.scoring.projection import Projection


def audit_then_withdrawal() -> tuple[Event, Event, Event]:
    audit_id = uuid.uuid4()
    first = ev.submitted(audit_id, "kt", "2026-02", [3] * 25)
    withdrawn = ev.withdrawn(audit_id, "kt", "2026-02", 2, first.data)
    other = ev.submitted(uuid.uuid4(), "vp", "2026-02", [2] * 25)
    return first, withdrawn, other


@pytest.mark.parametrize(
    "batches",
    [
        pytest.param(lambda a, w, o: [[a], [w], [o]], id="withdrawn in a later batch"),
        pytest.param(lambda a, w, o: [[a, w, o]], id="withdrawn in the same batch"),
        pytest.param(lambda a, w, o: [[w], [o], [a]], id="withdrawal first"),
    ],
)
async def test_a_unit_month_emptied_by_a_withdrawal_has_no_row(sqlite_url: str, batches) -> None:
    projection = await Projection(sqlite_url).create()
    try:
        fed: Sequence[Sequence[Event]] = batches(*audit_then_withdrawal())
        for batch in fed:
            await projection.feed(batch)
        rows = (await projection.tables())["unit_month_pillars"]
        assert {row[1] for row in rows} == {"vp"}, "only the unit with a live audit has rows"
        assert len(rows) == 5 and all(row[4] > 0 for row in rows)
    finally:
        await projection.close()


@pytest.mark.postgres
async def test_two_reviews_of_a_month_naming_two_units_in_one_batch_make_one_row(
    pg_url: str,
) -> None:
    """A person moved between units mid-month: the month keeps the unit reviewed last (on
    PostgreSQL one upsert may not touch a row twice, so the batch must give one row)."""
    projection = await Projection(pg_url).create()
    try:
        first = ev.reviewed("p01", "kt", "2026-02", [4] * 8, self_assessment_id=uuid.uuid4())
        second = ev.reviewed(
            "p01", "vp", "2026-02", [2] * 8, self_assessment_id=uuid.uuid4(), hour=9
        )
        await projection.feed([first, second])
        rows = (await projection.tables())["person_month_plus"]
        assert len(rows) == 1
        _, person, month, unit, points, max_points, scored, na = rows[0]
        assert (person, month, unit) == ("p01", "2026-02", "vp")
        assert (points, max_points, scored, na) == (48_000, 64_000, 16, 0)
    finally:
        await projection.close()
