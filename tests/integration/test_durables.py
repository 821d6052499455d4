"""Consumer settings changed in code reach durable consumers made by an earlier release
(issue 21, item 4): at start-up the editable fields are updated in place, and a difference
JetStream cannot update stops the start with a message that says what to do. Real NATS."""

from __future__ import annotations

from pathlib import Path

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from contracts.streams import ASSESSMENT
from services.runtime.broker import ensure_streams
from services.runtime.durables import ConsumerOutdated
from services.scoring.bootstrap import ASSESSMENT_EVENTS, build_app
from services.scoring.settings import ScoringSettings
from tests.scoring.events import closed
from tests.support.keys import session_keys

pytestmark = [pytest.mark.nats]


def scoring(nats_url: str, tmp_path: Path):
    """Scoring through the inbox, whose one durable on ASSESSMENT an earlier release made (by
    ward, each ward's durable is made again at its mark on every start)."""
    settings = ScoringSettings(
        delivery="inbox",
        service="scoring",
        environment="test",
        http_port=0,
        nats_url=nats_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/scoring.db",
        consumer_batch=64,
        **session_keys().settings(),
    )
    return build_app(settings).state.runtime


async def old_durable(js, **settings) -> None:
    await js.add_consumer(
        ASSESSMENT.name,
        ConsumerConfig(
            name=ASSESSMENT_EVENTS.name,
            durable_name=ASSESSMENT_EVENTS.name,
            filter_subject=ASSESSMENT_EVENTS.subject,
            ack_policy=AckPolicy.EXPLICIT,
            **settings,
        ),
    )


async def test_an_earlier_releases_durable_takes_the_codes_settings_and_keeps_its_place(
    nats_server, nats_client, tmp_path: Path
) -> None:
    js = nats_client.jetstream()
    await ensure_streams(js)
    await old_durable(js, deliver_policy=DeliverPolicy.ALL, max_ack_pending=10, ack_wait=5.0)
    # It had delivered and acknowledged two events before the upgrade.
    events = [closed("2026-01"), closed("2026-02")]
    for event in events:
        await js.publish(event.subject, event.model_dump_json().encode())
    reader = await js.pull_subscribe_bind(ASSESSMENT_EVENTS.name, ASSESSMENT.name)
    for message in await reader.fetch(2, timeout=5):
        await message.ack_sync()
    await reader.unsubscribe()

    runtime = scoring(nats_server.url, tmp_path)
    await runtime.start()
    try:
        info = await js.consumer_info(ASSESSMENT.name, ASSESSMENT_EVENTS.name)
        assert info.config.max_ack_pending == max(64 * 8, 1000)
        assert info.config.ack_wait == ASSESSMENT_EVENTS.ack_wait_s == 30.0
        assert info.ack_floor.stream_seq == 2  # the same consumer, at its place
    finally:
        await runtime.stop()


async def test_a_durable_that_cannot_be_updated_stops_the_start_with_what_to_do(
    nats_server, nats_client, tmp_path: Path
) -> None:
    js = nats_client.jetstream()
    await ensure_streams(js)
    await old_durable(js, deliver_policy=DeliverPolicy.NEW, max_ack_pending=10)
    runtime = scoring(nats_server.url, tmp_path)
    try:
        with pytest.raises(ConsumerOutdated) as refused:
            await runtime.start()
    finally:
        await runtime.stop()
    message = str(refused.value)
    assert "scoring-assessment" in message
    assert "deliver_policy is new, the code wants all" in message
    assert f"nats consumer rm {ASSESSMENT.name} scoring-assessment" in message
    # Left as it was: nothing half-updated.
    info = await js.consumer_info(ASSESSMENT.name, ASSESSMENT_EVENTS.name)
    assert info.config.max_ack_pending == 10
