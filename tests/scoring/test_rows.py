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
