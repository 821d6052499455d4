"""The NATS broker: built in one place, streams declared from ``contracts.streams``."""

from __future__ import annotations

import logging

from faststream import AckPolicy
from faststream.nats import NatsBroker
from faststream.nats.security import NatsUserPassword
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import BucketNotFoundError, NotFoundError

from contracts import subjects
from contracts.streams import ALL_BUCKETS, ALL_STREAMS, BucketSpec, StreamSpec
from services.runtime.settings import ServiceSettings, separated

log = logging.getLogger(__name__)


def nats_servers(url: str) -> list[str]:
    """The servers of a NATS URL that may list several, comma-separated (a cluster's nodes):
    the client starts with any that answers and moves to another when one goes away."""
    return list(separated(url))


def inbox_prefix(service: str) -> str:
    """Replies to a service (API answers, pulled messages) come to an inbox of its own, so NATS
    permissions can keep every other user, front-ends included, from reading them."""
    return subjects.inbox_prefix(service)


def build_broker(settings: ServiceSettings) -> NatsBroker:
    """A broker whose subscribers ack only what the code acks (never FastStream's default)."""
    security = None
    if settings.nats_user and settings.nats_password:
        security = NatsUserPassword(settings.nats_user, settings.nats_password.get_secret_value())
    return NatsBroker(
        nats_servers(settings.nats_url),
        security=security,
        name=f"ward5s-{settings.service}",
        # Replies come to the inbox of the NATS user it connects as: a service's user is named
        # after it; the web pages connect as "frontend" (infra/nats/accounts.conf).
        inbox_prefix=inbox_prefix(settings.nats_user or settings.service),
        ack_policy=AckPolicy.MANUAL,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        graceful_timeout=10,
        log_level=logging.DEBUG,
    )


def jetstream(broker: NatsBroker) -> JetStreamContext:
    return broker.config.connection_state.stream


def stream_config(spec: StreamSpec, replicas: int = 1) -> StreamConfig:
    """The stream's configuration: kept forever (or ``max_age_s``), on file, ``replicas``
    copies; a mirror (``spec.mirror_of``) takes no subjects and no duplicate window of its own,
    its origin's messages arriving already deduplicated."""
    config = StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=spec.max_age_s,
        duplicate_window=spec.duplicate_window_s,
        num_replicas=replicas,
    )
    if spec.mirror_of is not None:
        config.subjects, config.duplicate_window = None, 0
        config.mirror = StreamSource(name=spec.mirror_of)
    return config


async def ensure_streams(
    js: JetStreamContext, specs: tuple[StreamSpec, ...] = ALL_STREAMS, replicas: int = 1
) -> None:
    """Create the streams (a mirror after its origin, in ``specs``' order), or bring an existing
    one to the declared configuration; then the object store buckets (:func:`ensure_buckets`),
    so every place that sets up the bus (the operator's ``python -m services.runtime.streams``,
    ``make run``, compose, the tests) makes them too. A mirror made after its origin has events
    copies them all, from the first."""
    for spec in specs:
        config = stream_config(spec, replicas)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("created stream %s", spec.name)
        else:
            await js.update_stream(config)
    await ensure_buckets(js, replicas=replicas)


async def ensure_buckets(
    js: JetStreamContext, specs: tuple[BucketSpec, ...] = ALL_BUCKETS, replicas: int = 1
) -> None:
    """Create the object store buckets that do not exist yet (file storage, ``replicas``
    copies); an existing bucket and its objects are left as they are."""
    for spec in specs:
        try:
            await js.object_store(spec.name)
        except BucketNotFoundError:
            config = ObjectStoreConfig(
                bucket=spec.name,
                description=spec.description,
                storage=StorageType.FILE,
                replicas=replicas,
            )
            await js.create_object_store(spec.name, config)
            log.info("created object store %s", spec.name)
