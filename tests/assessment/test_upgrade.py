"""An upgrade keeps assessment's records and publishes what the previous release had staged
(issue 21, item 6): assessment's database at the schema of the release before this one (the
newest migration's parent), holding the demo ward's chart and a few months of submissions
whose events are still in the outbox, is migrated by this release on start and served by it.
Every row the previous schema held is unchanged; every staged event goes onto the stream once,
as the previous release wrote it, and is read by the consumers' screen (schema version 1 is
still read); a new submission is taken. PostgreSQL, real NATS."""

from __future__ import annotations

import json
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from contracts import intake as schemas
from contracts.roles import Role
from services.assessment.bootstrap import MIGRATIONS, build_runtime
from services.assessment.demo import loader
from services.runtime.auth import Principal
from services.runtime.poison import screen
from tests.assessment.conftest import service_settings
from tests.support.bus import drained
from tests.support.http import eventually
from tests.support.upgrade import changes, every_row, to_previous_release

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

KIOSK = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")
#: Marks the relay sets as it publishes (not records of the ward).
WORK_MARKS = {"outbox": {"published_at", "attempts", "last_error"}}


async def on_stream(js, stream: str = "ASSESSMENT") -> list[tuple[str, str, bytes]]:
    """Every message of ``stream``: (its Nats-Msg-Id, subject, data as stored)."""
    info = await js.stream_info(stream)
    found = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(stream, sequence)
        found.append(((message.headers or {}).get("Nats-Msg-Id"), message.subject, message.data))
    return found


async def test_an_upgraded_database_keeps_its_records_and_publishes_what_was_staged(
    nats_server, nats_client, new_pg_database, tmp_path: Path
) -> None:
    url = new_pg_database()
    settings = service_settings(nats_server.url, url)
    # This release writes a ward's months, then the database goes back to the previous schema.
    await loader.load(settings, "full", str(tmp_path / "tokens.json"))
    previous = await to_previous_release(MIGRATIONS, url)
    before = await every_row(url, WORK_MARKS)
    columns, rows = before["outbox"]
    staged = {
        row[columns.index("event_id")]: (
            row[columns.index("subject")],
            row[columns.index("payload")],
        )
        for row in rows
    }
    assert len(staged) > 100 and before["audits"][1], {t: len(r) for t, (_, r) in before.items()}

    runtime, submissions = build_runtime(settings)
    await runtime.start()  # this release: migrations, then the relay
    try:
        await eventually(partial(drained, runtime), within=120)
        after = await every_row(url, like=before)
        assert changes(before, after) == {}, previous

        published = await on_stream(nats_client.jetstream())
        counts = Counter(msg_id for msg_id, _, _ in published)
        assert {msg_id for msg_id in staged} <= set(counts)
        assert [msg_id for msg_id in staged if counts[msg_id] != 1] == []
        for msg_id, subject, data in published:
            if msg_id in staged:
                assert (subject, json.loads(data)) == (
                    staged[msg_id][0],
                    json.loads(staged[msg_id][1]),
                )
                screen(subject, data)  # read as a consumer reads it: no poison

        status, taken = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=4)
        )
        assert status == 201
        await eventually(partial(drained, runtime), within=20)
        assert taken["feedback_id"] in {
            json.loads(data)["data"].get("feedback_id")
            for _, _, data in await on_stream(nats_client.jetstream())
        }
    finally:
        await runtime.stop()
