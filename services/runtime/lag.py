"""How far each durable consumer is behind its stream, as gauges Prometheus can alert on.

JetStream knows, per durable consumer, how many messages are still to be delivered and how many
were delivered but not yet acknowledged. Asking it from the service (with the rights the consumer
already has) gives the lag without extra monitoring access; every instance of a service reports
the same figure, so dashboards take the ``max`` over instances.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from nats.js import JetStreamContext

from services.runtime.consumer import ConsumerSpec
from services.runtime.jobs import run_forever
from services.runtime.metrics import CONSUMER_ACK_PENDING, CONSUMER_PENDING

log = logging.getLogger(__name__)

LAG_POLL_S = 5.0


async def _lag_of(js: JetStreamContext, stream: str, durable: str) -> tuple[int, int] | None:
    """A durable's (pending, ack pending) counts; None if it cannot be asked (not made yet, or
    the bus reconnecting: the caller tries again next round)."""
    try:
        info = await js.consumer_info(stream, durable, timeout=2)
    except Exception as error:
        log.debug("lag of %s unknown: %s", durable, error)
        return None
    return info.num_pending or 0, info.num_ack_pending or 0


async def measure_lag(service: str, js: JetStreamContext, specs: Sequence[ConsumerSpec]) -> None:
    """Set the lag gauges of every consumer once; a consumer that cannot be asked is skipped."""
    for spec in specs:
        counts = await _lag_of(js, spec.stream.name, spec.name)
        if counts is None:
            continue
        CONSUMER_PENDING.labels(service, spec.name).set(counts[0])
        CONSUMER_ACK_PENDING.labels(service, spec.name).set(counts[1])


async def measure_partitioned_lag(
    service: str, js: JetStreamContext, spec: ConsumerSpec, durables: Sequence[str]
) -> None:
    """Set the lag gauges of a partitioned consumer (``services.runtime.partitions``) once:
    the sums over its partitions' ``durables``, under the consumer's own name, so that every
    instance reports the same figure whichever partitions it holds."""
    pending = ack_pending = 0
    for name in durables:
        counts = await _lag_of(js, spec.stream.name, name)
        if counts is not None:
            pending += counts[0]
            ack_pending += counts[1]
    CONSUMER_PENDING.labels(service, spec.name).set(pending)
    CONSUMER_ACK_PENDING.labels(service, spec.name).set(ack_pending)


async def report_lag(
    service: str,
    js: JetStreamContext,
    specs: Sequence[ConsumerSpec],
    poll_s: float = LAG_POLL_S,
    stop: asyncio.Event | None = None,
) -> None:
    """Measure the lag every ``poll_s`` seconds, for the life of the service (or until ``stop``)."""

    async def measure() -> None:
        await measure_lag(service, js, specs)

    await run_forever(f"consumer lag of {service}", measure, interval_s=poll_s, stop=stop)
