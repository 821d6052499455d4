"""A batch of audits as the hot path decodes them (contracts.fast structs through screen_fast)
folds to the same rows as the same batch as contract models, retractions included; and a batch
writes each table set-wise: one statement for the inbox, one for the audits' records, one for
the units' sums, whatever the batch's size (PostgreSQL: one JSON document; SQLite: executemany)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from contracts import fast
from contracts.envelope import Event
from services.runtime.poison import screen_fast
from tests.scoring import events as ev
from tests.scoring.projection import Projection

pytestmark = [pytest.mark.postgres]

WRITTEN = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", re.IGNORECASE)


def batch() -> list[Event]:
    """Forty audits over four units and two months; a third amended, a sixth withdrawn."""
    events: list[Event] = []
    for n in range(40):
        audit_id = uuid.UUID(int=n + 1)
        unit, month = f"unit-{n % 4}", ("2026-01", "2026-02")[n % 2]
        scores = [(n + k) % 5 if (n + k) % 7 else None for k in range(6)]
        events.append(ev.submitted(audit_id, unit, month, scores))
        before = ev.state(1, month, scores)
        if n % 3 == 0:
            events.append(ev.amended(audit_id, unit, month, 2, scores[::-1], before))
        if n % 6 == 1:
            events.append(ev.withdrawn(audit_id, unit, month, 2, before))
    return events


def as_hot_path(events: list[Event]) -> list[Any]:
    decoded = [screen_fast(e.subject, e.model_dump_json().encode()) for e in events]
    assert all(isinstance(d, fast.FastEvent) for d in decoded)  # every one took the fast path
    return decoded


async def written(projection: Projection, events: list[Any]) -> Counter[tuple[str, str]]:
    """Feed ``events`` as one batch; the statements that wrote, per (verb, table)."""
    seen: Counter[tuple[str, str]] = Counter()

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        found = WRITTEN.match(statement)
        if found:
            seen[(found.group(1).split()[0].upper(), found.group(2))] += 1

    event.listen(projection.engine.sync_engine, "before_cursor_execute", note)
    try:
        await projection.feed(events)
    finally:
        event.remove(projection.engine.sync_engine, "before_cursor_execute", note)
    return seen


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    if request.param == "sqlite":
        return lambda name: f"sqlite+aiosqlite:///{tmp_path / name}.db"
    make = request.getfixturevalue("new_pg_database")
    return lambda _: str(make())


async def test_the_hot_paths_structs_fold_as_the_contracts_models_one_statement_per_table(
    url: Callable[[str], str],
) -> None:
    events = batch()
    models = await Projection(url("models")).create()
    structs = await Projection(url("structs")).create()
    try:
        await models.feed(events)
        statements = await written(structs, as_hot_path(events))
        assert await structs.tables() == await models.tables()
        assert (await structs.tables())["audit_records"]  # something was folded
        for table in ("inbox", "audit_records", "unit_month_pillars"):
            assert statements[("INSERT", table)] == 1, statements
            assert statements[("UPDATE", table)] == 0, statements
        # Slots an amendment took points from are swept of empty rows in one statement.
        assert statements[("DELETE", "unit_month_pillars")] <= 1, statements
    finally:
        await models.close()
        await structs.close()
