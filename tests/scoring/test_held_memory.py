"""What a scoring process holds while it applies a long stream, on a real nats-server and
PostgreSQL: each audit is held from its decoding to its batch's commit as the record it makes,
never as its 25+ item objects; and once a batch is committed nothing of it stays alive, with the
cyclic collector set as a service sets it (to run rarely) and no collection after a batch, so a
process applying a million events holds about one batch, not the batches whose statements sat
in reference cycles until the collector came round (each process grew by tens of MiB)."""

from __future__ import annotations

import dataclasses
import gc
import uuid
from collections.abc import Iterator

import pytest

from contracts import fast
from services.runtime.process import GC_YOUNG_THRESHOLD
from services.scoring import bootstrap
from services.scoring.domain.audits import AuditRecord, HeldAudit
from services.scoring.handlers.audits import decode
from tests.scoring import events as ev
from tests.scoring.test_scale_out import Instance, config, publish
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

BATCH = 32
BATCHES = 12


def test_an_audit_is_held_as_its_record_not_its_items() -> None:
    audit = ev.submitted(uuid.uuid4(), "kt", "2026-01", [3, None, 4, 1, 2] * 5)
    held = decode(audit.subject, audit.model_dump_json().encode())
    assert isinstance(held, HeldAudit)
    # Nothing of the decoded struct is kept: no items, no envelope beyond what the fold reads.
    assert not any(isinstance(value, fast.AuditItem | tuple) for value in _fields(held))
    assert held.event_id == audit.event_id and held.audit_id == audit.data.audit_id
    assert held.record.sums["S1"].scored == 4 and held.record.sums["S1"].not_applicable == 1


def _holds(values: list[object], ids: set[str]) -> bool:
    return bool(values) and isinstance(values[0], str) and values[0] in ids


def _fields(held: HeldAudit) -> list[object]:
    return [getattr(held, f.name) for f in dataclasses.fields(held)]


@pytest.fixture
def collector_as_a_service_sets_it() -> Iterator[None]:
    """The service's thresholds (``tune_garbage_collector``), nothing collected meanwhile but by
    them; the test process's own restored after."""
    before = gc.get_threshold()
    gc.collect()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


async def test_nothing_of_an_applied_batch_stays_alive(
    nats_client, nats_server, pg_url, collector_as_a_service_sets_it
) -> None:
    settings = config(nats_server.url, pg_url).model_copy(update={"consumer_batch": BATCH})
    instance = Instance(settings)
    await instance.runtime.migrate()
    audits = [
        ev.submitted(uuid.uuid4(), ("kt", "vp")[n % 2], "2026-01", [n % 5] * 25)
        for n in range(BATCH * BATCHES)
    ]
    await publish(nats_client, audits)
    assert bootstrap.ASSESSMENT_EVENTS.decoder is decode  # the consumer holds what it decodes
    await instance.runtime.start()
    try:

        async def applied() -> bool:
            return instance.applied == len(audits)

        await eventually(applied, within=30)
        alive = [o for o in gc.get_objects() if isinstance(o, HeldAudit | AuditRecord)]
        # At most the batch the consumer may still be finishing; before, a dozen batches'.
        assert len(alive) <= 2 * BATCH, f"{len(alive)} audits of applied batches still alive"
        # Nor the batches' values, though nothing collects cycles after a batch: the bulk
        # statements are built once and take a batch's rows as parameters, so no statement
        # holds a list of its ids; the batch being finished may be alive.
        ids = {str(a.event_id) for a in audits} | {str(a.data.audit_id) for a in audits}
        arrays = [o for o in gc.get_objects() if isinstance(o, list) and _holds(o, ids)]
        assert len(arrays) < BATCHES, f"{len(arrays)} lists of applied batches' ids still alive"
    finally:
        await instance.runtime.stop()
