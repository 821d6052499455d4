"""The consumer lag gauges read what JetStream says of a real durable consumer."""

from __future__ import annotations

import pytest
from nats.aio.client import Client
from prometheus_client import REGISTRY

from contracts.streams import ASSESSMENT
from contracts.subjects import context_subjects, event_subject
from services.runtime.consumer import ConsumerSpec
from services.runtime.lag import measure_lag

pytestmark = pytest.mark.nats

PROBE = ConsumerSpec("lag-probe", ASSESSMENT, context_subjects("assessment"), "a test consumer")


def gauge(name: str, consumer: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": "ops-test", "consumer": consumer})


async def test_pending_and_awaiting_ack(nats_client: Client) -> None:
    js = nats_client.jetstream()
    subscription = await js.pull_subscribe(
        PROBE.subject, durable=PROBE.name, stream=ASSESSMENT.name
    )
    for number in range(5):
        await js.publish(event_subject("binh-dong", "assessment.lag.probe"), str(number).encode())

    await measure_lag("ops-test", js, [PROBE])
    assert gauge("ward5s_consumer_pending_messages", PROBE.name) == 5
    assert gauge("ward5s_consumer_ack_pending_messages", PROBE.name) == 0

    delivered = await subscription.fetch(2, timeout=5)
    await measure_lag("ops-test", js, [PROBE])
    assert gauge("ward5s_consumer_pending_messages", PROBE.name) == 3
    assert gauge("ward5s_consumer_ack_pending_messages", PROBE.name) == 2

    for message in delivered:
        await message.ack_sync()
    await measure_lag("ops-test", js, [PROBE])
    assert gauge("ward5s_consumer_ack_pending_messages", PROBE.name) == 0


async def test_a_consumer_not_there_is_skipped(nats_client: Client) -> None:
    missing = ConsumerSpec("not-created", ASSESSMENT, PROBE.subject, "never created")
    await measure_lag("ops-test", nats_client.jetstream(), [missing])
    assert gauge("ward5s_consumer_pending_messages", "not-created") is None
