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


async def measure_lag(service: str, js: JetStreamContext, specs: Sequence[ConsumerSpec]) -> None:
    """Set the lag gauges of every consumer once; a consumer that cannot be asked is skipped."""
    for spec in specs:
        try:
            info = await js.consumer_info(spec.stream.name, spec.name, timeout=2)
        except Exception as error:  # the bus may be reconnecting: try again next round
            log.debug("lag of %s unknown: %s", spec.name, error)
            continue
        CONSUMER_PENDING.labels(service, spec.name).set(info.num_pending or 0)
        CONSUMER_ACK_PENDING.labels(service, spec.name).set(info.num_ack_pending or 0)


async def measure_partitioned_lag(
    service: str, js: JetStreamContext, spec: ConsumerSpec, durables: Sequence[str]
) -> None:
    """Set the lag gauges of a partitioned consumer (``services.runtime.partitions``) once:
    the sums over its partitions' ``durables``, under the consumer's own name, so that every
    instance reports the same figure whichever partitions it holds."""
    pending = ack_pending = 0
    for name in durables:
        try:
            info = await js.consumer_info(spec.stream.name, name, timeout=2)
        except Exception as error:  # not made yet, or the bus reconnecting: next round
            log.debug("lag of %s unknown: %s", name, error)
            continue
        pending += info.num_pending or 0
        ack_pending += info.num_ack_pending or 0
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
