"""Database plumbing: one async engine per service, SQLite by default, PostgreSQL by URL.

Every service declares its tables on its own ``MetaData`` with the outbox and inbox tables on it
(:func:`service_tables`: :func:`new_metadata` and :class:`PlumbingTables`), so they live in the
service's own database and are written in the same transaction as its business rows; its columns
by the factories here (:func:`keys`, :func:`required`, :func:`optional`, :func:`moments` ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
    make_url,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SessionFactory = async_sessionmaker[AsyncSession]


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back with its zone, on every database.

    PostgreSQL keeps the zone itself; SQLite stores the wall time and forgets the offset, so a
    time given in Vietnam time (+07:00) would come back seven hours off. Converting to UTC on the
    way in and marking UTC on the way out makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a moment stored in the database must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING)


#: What a column factory is given for a column: an ``int`` is a string's length (``String(n)``),
#: anything else the column's SQL type (``Integer``, ``JSON``, ``UtcDateTime()`` ...).
Kind = int | TypeEngine[Any] | type[TypeEngine[Any]]


def _typed(kind: Kind) -> TypeEngine[Any] | type[TypeEngine[Any]]:
    return String(kind) if isinstance(kind, int) else kind


def keys(**kinds: Kind) -> list[Column[Any]]:
    """A table's key columns, ``name=kind`` in order (see ``Kind``): ``*keys(ward=64,
    unit_id=64)`` declares the composite primary key most tables of every service share.
    Their values are the application's (an id, a revision, the one row's ``1``), never numbered
    by the database: a lone integer key is no SERIAL/AUTOINCREMENT column."""
    return [
        Column(name, _typed(kind), primary_key=True, autoincrement=False)
        for name, kind in kinds.items()
    ]


def required(**kinds: Kind) -> list[Column[Any]]:
    """NOT NULL columns, ``name=kind`` in order (see ``Kind``): ``*required(ward=64,
    revision=Integer, details=JSON)``."""
    return [Column(name, _typed(kind), nullable=False) for name, kind in kinds.items()]


def optional(**kinds: Kind) -> list[Column[Any]]:
    """Columns that may be NULL, ``name=kind`` in order (see ``Kind``): ``*optional(note=Text,
    officer_id=64)``."""
    return [Column(name, _typed(kind)) for name, kind in kinds.items()]


def moments(*names: str) -> list[Column[datetime]]:
    """NOT NULL UTC timestamp columns (``created_at``, ``updated_at`` ...), in order."""
    return [Column(name, UtcDateTime(), nullable=False) for name in names]


def org_unit() -> list[Column[Any]]:
    """A unit of the org chart as each service that keeps a copy stores it: the ward and unit
    id (the key) and its names."""
    return [*keys(ward=64, unit_id=64), *required(name_vi=200, name_en=200)]


def org_person() -> list[Column[Any]]:
    """A person of the org chart as each service that keeps a copy stores it: the ward and
    person id (the key), name, e-mail, role and unit."""
    return [
        *keys(ward=64, person_id=64),
        Column("full_name", String(200), nullable=False),
        Column("email", String(254)),
        Column("role", String(32), nullable=False),
        Column("unit_id", String(64)),
    ]


def acts(*names: str) -> list[Column[Any]]:
    """For each act a row may undergo (``closed``, ``decided`` ...), in order: when
    (``<name>_at``, UTC) and by whom (``<name>_by``, a person's id), both NULL until it does."""
    return [
        column
        for name in names
        for column in (Column(f"{name}_at", UtcDateTime()), Column(f"{name}_by", String(64)))
    ]


#: The table of revoked credentials every service keeps (``PlumbingTables.revoked``).
REVOKED_CREDENTIALS = "revoked_credentials"


class PlumbingTables:
    """The outbox and inbox tables, declared on a service's metadata; with ``commands=True``
    also the idempotency records of the command pipeline (``services.runtime.commands``) and
    the revoked credentials every bearer token is checked against
    (``services.runtime.revocations``)."""

    idempotency: Table
    revoked: Table

    def __init__(self, metadata: MetaData, *, commands: bool = False) -> None:
        # Events waiting to be published; ``published_at`` is set once JetStream acknowledged.
        self.outbox = Table(
            "outbox",
            metadata,
            Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
            Column("event_id", String(36), nullable=False, unique=True),
            *required(subject=255, payload=LargeBinary),
            *moments("created_at"),
            *optional(published_at=UtcDateTime),
            Column("attempts", Integer, nullable=False, default=0),
            *optional(last_error=Text),
        )
        Index("ix_outbox_pending", self.outbox.c.id, postgresql_where=text("published_at IS NULL"))
        # Events this service has applied: a redelivered event finds its id here and is skipped.
        self.inbox = Table(
            "inbox",
            metadata,
            *keys(consumer=64, event_id=36),
            *required(event_type=128),
            *moments("processed_at"),
        )
        if commands:
            # Credentials (a person's session, a device's credential: a token's ``sid``) revoked
            # before the tokens minted from them expire: every request's token is checked here
            # (``services.runtime.revocations``). Kept until ``until``, when those have expired.
            self.revoked = Table(
                REVOKED_CREDENTIALS,
                metadata,
                *keys(credential_id=64),
                *required(ward=64, subject_id=64),
                *moments("revoked_at", "until"),
            )
            # A command's first answer, found again by a retry with the same key.
            self.idempotency = Table(
                "idempotency",
                metadata,
                *keys(ward=64, caller=64, key=200),
                *required(kind=64, request_hash=64, status=Integer, response=JSON),
                *moments("created_at"),
            )


def service_tables() -> tuple[MetaData, PlumbingTables]:
    """A service's own metadata (:func:`new_metadata`), its plumbing tables declared on it first
    (outbox, inbox, idempotency records, revoked credentials): the two every service's
    ``adapters/tables.py`` declares its tables beside, ``metadata, plumbing =
    db.service_tables()``."""
    metadata = new_metadata()
    return metadata, PlumbingTables(metadata, commands=True)


#: Where to ask which database is in use: a URL, or anything bound to the database.
Bound = str | AsyncSession | AsyncEngine | AsyncConnection | Session | Engine | Connection


def dialect_name(where: Bound) -> str:
    """The database in use (``postgresql``, ``sqlite``) for a URL, a session, an engine or a
    connection: the one way every module asks."""
    if isinstance(where, str):
        return make_url(where).get_backend_name()
    if isinstance(where, AsyncSession | Session):
        return where.get_bind().dialect.name
    return where.dialect.name


def is_postgres(where: Bound) -> bool:
    return dialect_name(where) == "postgresql"


def is_sqlite(where: Bound) -> bool:
    return dialect_name(where) == "sqlite"


def make_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder (``var/`` on a fresh clone)."""
    path = url.split("///", 1)[1] if is_sqlite(url) and "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str) -> AsyncEngine:
    """The service's engine. Its errors never carry the statement's bound parameters (a
    citizen's comment, a person's name): ``hide_parameters`` (docs/SECURITY.md)."""
    if is_sqlite(url):
        make_sqlite_folder(url)
        engine = create_async_engine(url, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the HTTP handlers read while the relay writes; the busy timeout makes
            # writers queue instead of failing when two tasks commit at once.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=10, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "checkout")
    def _closed(_dbapi: Any, _record: Any, proxy: Any) -> None:
        # asyncpg notices a connection the server closed (a restart, a killed backend) when it
        # happens: a check-out finds it closed without a round trip, and the pool takes another
        # (DisconnectionError). pool_pre_ping sent BEGIN, a query and ROLLBACK on every
        # check-out, several times per request.
        if proxy.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")

    return engine


def upsert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that takes ``on_conflict_do_nothing/do_update`` on PostgreSQL and SQLite alike."""
    if is_postgres(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def batch_for_one(statement: Select[Any], order: Any, size: int) -> Select[Any]:
    """``statement`` as the batch one instance works on: at most ``size`` rows, in ``order``
    (a column; None for any), locked and skipping the rows another instance holds, so two
    instances never take the same row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has
    one writer and leaves it out)."""
    if order is not None:
        statement = statement.order_by(order)
    return statement.limit(size).with_for_update(skip_locked=True)


async def all_rows(session: AsyncSession, statement: Any) -> list[Any]:
    """Every row ``statement`` (a select, or a write ``RETURNING`` rows) gives, as a list."""
    return list((await session.execute(statement)).all())


def picked(row: Any, *names: str) -> dict[str, Any]:
    """The columns ``names`` of ``row`` (a result row, or a mapping), as they are, by name."""
    columns = row._mapping if hasattr(row, "_mapping") else row
    return {name: columns[name] for name in names}


def from_row(kind: type[T], row: Any, **given: Any) -> T:
    """``kind`` (a dataclass or a pydantic model) made of the columns of ``row`` named as its
    fields, ``given`` in place of (or beside) them; a field no column names keeps its default."""
    if dataclasses.is_dataclass(kind):
        names = [f.name for f in dataclasses.fields(kind)]
    else:
        names = list(cast(type[BaseModel], kind).model_fields)
    columns = row._mapping
    taken = {name: columns[name] for name in names if name in columns and name not in given}
    return kind(**taken, **given)


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success and rolled back on error."""
    async with sessions() as session, session.begin():
        yield session
