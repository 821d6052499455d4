"""Composition of one service process: database, bus, outbox relay, consumers and HTTP, started
and stopped together. Each service's ``bootstrap.py`` builds a :class:`Runtime` and adds its own
consumers and routes; ``python -m services.<name>`` serves it.

A service with a database passes its metadata, its outbox/inbox tables and its migrations:
``Runtime(settings, metadata, plumbing, MIGRATIONS)``. One without (a web front-end that only
talks to the others) passes the settings alone: ``Runtime(settings)``; it has the bus, HTTP,
health and metrics, but no engine, sessions, relay or consumers (asking for them is an error),
and its readiness checks the bus only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from faststream.nats import NatsBroker
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import EVENT_TYPES, event_type_name
from contracts.subjects import event_subject
from services.runtime import revocations
from services.runtime.auth import KeySource, KeysUnavailable, TokenVerifier
from services.runtime.broker import build_broker, ensure_streams, jetstream
from services.runtime.clock import Now
from services.runtime.commands import Chores, housekeeping_forever
from services.runtime.consumer import Apply, ApplyInUnit, ConsumerSpec, EventConsumer
from services.runtime.db import (
    PlumbingTables,
    SessionFactory,
    create_engine,
    is_sqlite,
    session_factory,
)
from services.runtime.http import create_http_app
from services.runtime.lag import report_lag
from services.runtime.migrator import upgrade_in_child
from services.runtime.outbox import OutboxRelay
from services.runtime.partitions import PartitionedConsumer
from services.runtime.refusals import Kind, Refusal
from services.runtime.settings import ServiceSettings
from services.runtime.token_keys import remote_keys
from services.runtime.uow import UnitOfWork
from services.runtime.ward_batches import WardBatches

log = logging.getLogger(__name__)

T = TypeVar("T")


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        metadata: MetaData | None = None,
        plumbing: PlumbingTables | None = None,
        migrations: Path | None = None,
        token_keys: KeySource | None = None,
    ) -> None:
        settings.check_production()
        self.settings = settings
        #: Where bearer tokens' public keys come from: the issuer passes its own; the others
        #: read the issuer's JWKS (``WARD5S_JWKS_URL``) or a JWKS file (``WARD5S_JWKS_FILE``).
        self.token_keys: KeySource = token_keys or remote_keys(
            settings.jwks_url,
            settings.jwks_file,
            refresh_s=settings.jwks_refresh_s,
            max_age_s=settings.jwks_max_age_s,
        )
        self.metadata = metadata
        self._plumbing = plumbing
        self.migrations = migrations
        self._engine: AsyncEngine | None = None
        self._sessions: SessionFactory | None = None
        if plumbing is not None:
            if metadata is None or migrations is None:
                raise ValueError("a service with a database gives its metadata and migrations")
            self._engine = create_engine(settings.sqlalchemy_url)
            self._sessions = session_factory(self._engine)
        # Every token is checked against the credentials revoked (services.runtime.revocations).
        revoked = getattr(plumbing, "revoked", None)
        self.verifier = TokenVerifier(
            settings.service,
            self.token_keys,
            revocations.checker(self._sessions, revoked)
            if self._sessions is not None and revoked is not None
            else None,
        )
        self.broker: NatsBroker = build_broker(settings)
        self.consumers: list[EventConsumer] = []
        self.partitioned: list[PartitionedConsumer] = []
        self.relay: OutboxRelay | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        #: Set when the service stops: background loops (``jobs.run_forever``) end on it.
        self.stopping = asyncio.Event()
        self._startup: list[Callable[[], Awaitable[None]]] = []
        self._document_publications()

    @property
    def has_database(self) -> bool:
        return self._engine is not None

    @property
    def applies_events(self) -> bool:
        """Whether this service applies batches of events (it has a consumer)."""
        return bool(self.consumers or self.partitioned)

    @property
    def engine(self) -> AsyncEngine:
        return self._database_part(self._engine)

    @property
    def sessions(self) -> SessionFactory:
        return self._database_part(self._sessions)

    @property
    def plumbing(self) -> PlumbingTables:
        return self._database_part(self._plumbing)

    def _database_part(self, part: T | None) -> T:
        if part is None:
            raise RuntimeError(f"{self.name} was built without a database")
        return part

    @property
    def name(self) -> str:
        return self.settings.service

    def _document_publications(self) -> None:
        """Declare, for the AsyncAPI document, every event this service publishes. The outbox
        relay does the publishing; these publishers only describe it."""
        for event_type in EVENT_TYPES:
            if event_type.owner == self.name:
                self.broker.publisher(
                    event_subject("{ward}", event_type_name(event_type)),
                    schema=event_type,
                    title=event_type_name(event_type),
                    description=(event_type.__doc__ or "").strip() or None,
                )

    def consume(self, spec: ConsumerSpec, apply: Apply) -> EventConsumer:
        """Apply ``spec``'s events with ``apply(session, events)`` in the batch's transaction."""
        return self._consume(
            EventConsumer(self.name, spec, self.sessions, self.plumbing.inbox, apply, self.broker)
        )

    def consume_in_units(
        self, spec: ConsumerSpec, apply: ApplyInUnit, clock: Now | None = None
    ) -> EventConsumer:
        """Apply ``spec``'s events with ``apply(uow, events)``: each batch in a unit of work
        whose time is ``clock``'s and whose emitted events go to the service's outbox."""
        units = UnitOfWork.factory(self.sessions, self.plumbing.outbox, clock)
        return self._consume(
            EventConsumer(
                self.name, spec, self.sessions, self.plumbing.inbox, apply, self.broker, units
            )
        )

    def consume_partitioned(
        self,
        spec: ConsumerSpec,
        apply: ApplyInUnit,
        marks: Table,
        clock: Now | None = None,
        needs_inbox: Callable[[Any], bool] = lambda event: True,
    ) -> PartitionedConsumer:
        """Apply ``spec``'s events partitioned by ward, each exactly once by its partition's
        high-water mark in ``marks`` (``services.runtime.partitions``), in units of work as
        :meth:`consume_in_units`."""
        consumer = PartitionedConsumer(
            WardBatches(
                self.name,
                spec,
                self.sessions,
                UnitOfWork.factory(self.sessions, self.plumbing.outbox, clock),
                apply,
                self.plumbing.inbox,
                marks,
                lambda: jetstream(self.broker),
                needs_inbox,
            )
        )
        self.partitioned.append(consumer)
        return consumer

    def _consume(self, consumer: EventConsumer) -> EventConsumer:
        consumer.register()
        self.consumers.append(consumer)
        return consumer

    def on_start(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` once the database is migrated and the bus connected."""
        self._startup.append(hook)

    def spawn(self, coroutine: Any, name: str) -> None:
        """Run a background job for the life of the service."""
        self._tasks.append(asyncio.create_task(coroutine, name=f"{self.name}:{name}"))

    def background(self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Once the service has started (after the hooks declared before this call), run
        ``loop(stopping)`` as the job ``name`` for the life of the service: a loop on
        ``jobs.run_forever`` that ends when :attr:`stopping` is set."""

        async def start() -> None:
            self.spawn(loop(self.stopping), name)

        self.on_start(start)

    def housekeeping(
        self,
        units: Callable[[], UnitOfWork],
        keep: timedelta,
        every_s: float,
        chores: Chores | None = None,
    ) -> None:
        """Every ``every_s`` seconds once started, in one unit of work of ``units``: the
        service's ``chores``, then forgetting its commands' idempotency records older than
        ``keep`` (and the revoked credentials whose tokens have all expired):
        :func:`~services.runtime.commands.housekeeping_forever` on :attr:`plumbing`."""
        table = self.plumbing.idempotency
        self.background(
            "housekeeping",
            partial(housekeeping_forever, units, table, keep, every_s, chores=chores),
        )

    async def migrate(self) -> None:
        """Bring the service's database to the newest revision, in a child process
        (``services.runtime.migrator``: Alembic never loads here). Raises ``MigrationFailed``
        with the child's error text when it fails."""
        if self.migrations is not None and self.has_database:
            url, level = self.settings.sqlalchemy_url, self.settings.log_level
            await upgrade_in_child(self.migrations, url, level)

    async def start(self) -> None:
        self.stopping.clear()
        await self.migrate()
        await self.broker.connect()
        if self.settings.declare_streams:
            await ensure_streams(jetstream(self.broker))
        for hook in self._startup:
            await hook()
        await self._fetch_token_keys()
        for consumer in self.consumers:  # an earlier release's durables take today's settings
            await consumer.reconcile(jetstream(self.broker))
        await self.broker.start()
        if self.has_database:
            self._start_relay()
        for partitioned in self.partitioned:
            partitioned.start()
        if self.consumers:
            specs = [consumer.spec for consumer in self.consumers]
            lag = report_lag(self.name, jetstream(self.broker), specs, stop=self.stopping)
            self.spawn(lag, "consumer-lag")
        log.info("%s started", self.name)

    def _start_relay(self) -> None:
        self.relay = OutboxRelay(
            self.name,
            self.sessions,
            self.plumbing.outbox,
            jetstream(self.broker),
            batch=self.settings.relay_batch,
            poll_s=self.settings.relay_poll_s,
            lock_rows=not is_sqlite(self.settings.sqlalchemy_url),
        )
        self.spawn(self.relay.run(self.stopping), "outbox-relay")

    async def stop(self) -> None:
        """Stop background jobs, consumers and the bus, each within a bounded time: a stop that
        hung would keep a restart (or a deployment) waiting forever."""
        self.stopping.set()
        for task in self._tasks:
            task.cancel()
        await _within(asyncio.gather(*self._tasks, return_exceptions=True), "background jobs")
        self._tasks.clear()
        for consumer in self.consumers:
            await _within(consumer.stop(), f"consumer {consumer.spec.name}")
        for partitioned in self.partitioned:
            await _within(partitioned.stop(), f"consumer {partitioned.spec.name}")
        await _within(self.broker.stop(), "the bus connection")
        if self._engine is not None:
            await self._engine.dispose()
        log.info("%s stopped", self.name)

    def check_bus(self) -> None:
        """Refuse (503 ``bus_full``) while JetStream refuses to store this service's events
        (its storage is full): a submission taken now would wait in the outbox for space, so
        the caller is told to try later instead. Cleared as soon as a batch is stored."""
        if self.relay is not None and self.relay.refused is not None:
            raise Refusal(Kind.UNAVAILABLE, "bus_full")

    async def _fetch_token_keys(self) -> None:
        """Have the token keys before the first request if they can be had; a service started
        before the issuer still starts (and answers 503 to tokens until it has them)."""
        try:
            await self.token_keys.ready()
        except KeysUnavailable as error:
            log.warning("%s: %s; bearer tokens are answered 503 until then", self.name, error)

    async def tokens(self) -> None:
        """Readiness: the public keys that check bearer tokens are at hand."""
        await self.token_keys.ready()

    async def database(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def bus(self) -> None:
        if not await self.broker.ping(timeout=1):
            raise ConnectionError("not connected to NATS")

    def http_app(self, *, title: str, description: str, routers: Sequence[APIRouter]) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        metrics_token = self.settings.metrics_token
        app = create_http_app(
            self.name,
            title=title,
            description=description,
            token_verifier=self.verifier,
            readiness=[self.database, self.bus, self.tokens]
            if self.has_database
            else [self.bus, self.tokens],
            metrics_token=metrics_token.get_secret_value() if metrics_token else None,
            lifespan=lifespan,
            production=self.settings.environment == "production",
            trusted_proxies=self.settings.trusted_proxies,
        )
        for router in routers:
            app.include_router(router)
        app.state.runtime = self
        return app


#: How long each step of a stop may take before it is abandoned.
STOP_STEP_S = 15.0


async def _within(step: Awaitable[object], what: str) -> None:
    try:
        await asyncio.wait_for(step, STOP_STEP_S)
    except TimeoutError:
        log.error("stopping %s took over %.0f s; going on without it", what, STOP_STEP_S)
