"""An upgrade keeps the figures (issue 21, item 6): scoring's database at the schema of the
release before this one (the newest migration's parent), holding a ward's figures, is migrated
to this release's schema and served by this release, and every figure is the same; the events
already applied are not applied again, new ones are. Events of every schema version published
so far (1) are still read. PostgreSQL, real NATS, scoring as a process."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from contracts.events import EVENT_TYPES
from services.runtime.migrations import alembic_config
from services.scoring.bootstrap import MIGRATIONS
from tests.scoring.projection import Projection
from tests.scoring.test_postgres_restart import applied, until
from tests.scoring.test_scale_out import figures, history, publish
from tests.support.stack import Stack
from tests.support.upgrade import previous_release

pytestmark = [pytest.mark.nats, pytest.mark.postgres, pytest.mark.e2e]


async def test_an_upgraded_database_keeps_its_figures_and_goes_on(
    nats_server, nats_client, new_pg_database, tmp_path
) -> None:
    url, reference = new_pg_database(), new_pg_database()
    stream = history()
    before, after = stream[:-20], stream[-20:]
    # The previous release's schema, with the figures of the events it had applied.
    previous = previous_release(MIGRATIONS, url)
    await asyncio.to_thread(command.upgrade, alembic_config(MIGRATIONS, url), previous)
    old = Projection(url)
    await old.feed(before)
    await old.engine.dispose()
    figures_before = await figures(url)
    assert figures_before["audit_records"]

    # This release: migrations on start, the same stream replayed, then what came since. The
    # release before applied through the inbox; this one by ward, each ward from its first
    # event (an audit stale by its revision, every other kind finding its inbox row).
    await publish(nats_client, before)
    stack = Stack(nats_server.url, {"scoring": url}, tmp_path).start("scoring")
    try:
        js = nats_client.jetstream()
        await until(lambda: applied(url, js), within=60)
        assert await figures(url) == figures_before  # nothing applied twice
        await publish(nats_client, after)
        await until(lambda: applied(url, js), within=60)
    finally:
        stack.stop()
    fresh = await Projection(reference).create()
    await fresh.feed(stream)
    await fresh.engine.dispose()
    assert await figures(url) == await figures(reference)


def test_every_event_type_reads_the_versions_published_so_far() -> None:
    for event_type in EVENT_TYPES:
        assert 1 in event_type.readable_versions, event_type.__name__
