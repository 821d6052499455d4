"""The one command pipeline: every person's command, whichever edge it came by (HTTP or the NATS
intake), goes through the same steps on a :class:`~services.runtime.dispatch.Registry` keyed by
the command's body model class (over 400 lines on purpose: the pipeline's steps, in the order
they run, read best in one place):

1. :func:`metered` counts it by the entry's ``name`` and outcome (``accepted``, ``replayed``,
   ``refused_<status>``) on the service's counter;
2. :func:`authorised` refuses (403 ``forbidden``) a caller whose role is not in the entry's
   ``roles`` option, and a read-only role (``contracts.roles.READ_ONLY_ROLES``) always;
3. :func:`seated` (when the service gives a ``seat`` resolver) replaces the token's claims by the
   caller's seat as the service's org chart has it now (role, unit, units in charge), or refuses
   a caller it no longer names (a person removed, a device deactivated), and checks the entry's
   roles again against the seat, so that every later step and the handler judge by the org
   chart as it is now (a token's claims can only narrow what the seat allows); an entry
   registered with ``seated=False`` keeps the token's claims;
4. :func:`idempotent` answers a retry with the first answer: a command with a key
   (``Idempotency-Key`` over HTTP, ``Nats-Msg-Id`` on the intake) stores (ward, caller, key,
   request hash) -> (status, answer) in the command's own transaction; the same key with another
   body is refused (409 ``idempotency_key_reused``); a concurrent twin that lost the race gets
   the winner's answer;
5. :func:`rate_limited` takes a token from the caller's bucket (the service's hook) for entries
   registered with ``rate_limited=True``; replays take none;
6. :func:`in_unit_of_work` opens the :class:`~services.runtime.uow.UnitOfWork` the handler works
   in (``context.uow``): rows, events and the idempotency record are committed together.

A service registers its handlers with ``roles``, ``status`` (the HTTP status of an accepted
command, 200 by default) and ``name`` (metrics label, intake subject's last tokens, idempotency
kind); :class:`Commands` binds the registry to the service's plumbing for the edges::

    COMMANDS = command_registry("assessment commands", SUBMISSIONS, plumbing.idempotency, take)
    @COMMANDS.register(AuditIn, name="audit", roles={Role.AUDITOR}, status=201)
    async def submit_audit(context: Context, body: AuditIn) -> Answer: ...  # context.uow

The service's context is a subclass of :class:`CommandContext` (adding its policy, say) built by
the factory given to :class:`Commands`; every step reads what it needs from it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Self, TypeVar

from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import READ_ONLY_ROLES
from services.runtime import revocations
from services.runtime.auth import Principal
from services.runtime.characters import plain_text
from services.runtime.clock import FrozenClock, Now
from services.runtime.db import REVOKED_CREDENTIALS, SessionFactory
from services.runtime.dispatch import Entry, Next, Registry, Step
from services.runtime.jobs import run_forever
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork

__all__ = [
    "MAX_KEY_LENGTH",
    "Answer",
    "CommandContext",
    "Commands",
    "authorised",
    "command_registry",
    "forget_old_commands",
    "forget_old_keys",
    "housekeeping_forever",
    "idempotent",
    "in_unit_of_work",
    "metered",
    "rate_limited",
    "request_hash",
    "seated",
]

#: What a command answers: the JSON body of the HTTP answer (and of the intake's reply).
Answer = dict[str, Any]

log = logging.getLogger(__name__)

#: Keys are opaque to us; this bounds what we store.
MAX_KEY_LENGTH = 200


@dataclass(eq=False)
class CommandContext:
    """Who asks (``principal``), with which idempotency ``key``, at which moment (``now``, read
    once from the service's clock), and the unit of work the handler runs in (``uow``, opened by
    :func:`in_unit_of_work`). Services subclass it to add what their handlers need."""

    principal: Principal
    key: str | None
    sessions: SessionFactory
    units: Callable[[], UnitOfWork]
    now: datetime
    #: The answer's HTTP status when it is not the entry's ``status``: set by a handler whose
    #: answer depends on the outcome (201 created, 200 already there), and by
    #: :func:`idempotent` to the first answer's status when the answer is a replay.
    status: int | None = field(default=None, init=False)
    outcome: str = field(default="accepted", init=False)
    _uow: UnitOfWork | None = field(default=None, init=False, repr=False)
    _reads: AsyncSession | None = field(default=None, init=False, repr=False)
    _before_commit: list[Callable[[UnitOfWork, Answer], Awaitable[None]]] = field(
        default_factory=list, init=False, repr=False
    )

    @classmethod
    def read_clock(
        cls,
        principal: Principal,
        key: str | None,
        sessions: SessionFactory,
        outbox: Table,
        clock: Now,
    ) -> Self:
        """A context whose moment is read once from ``clock``; its units of work (staging in
        ``outbox``) all carry that moment."""
        now = clock.now()
        return cls(
            principal, key, sessions, UnitOfWork.factory(sessions, outbox, FrozenClock(now)), now
        )

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            raise RuntimeError("the unit of work is opened by the in_unit_of_work step")
        return self._uow

    async def reads(self) -> AsyncSession:
        """The one session the steps before the unit of work read in (the caller's seat, a
        key's first answer): each of them opening its own cost a connection's check-out, its
        liveness ping and its transaction. Closed before anything writes (:meth:`close_reads`),
        so a command holds one connection at a time. It reads in autocommit: each read sees
        what is committed when it runs (as it would in a read-committed transaction), without
        the round trips that open and end a transaction."""
        if self._reads is None:
            self._reads = self.sessions()
            await self._reads.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self._reads

    async def close_reads(self) -> None:
        if self._reads is not None:
            reads, self._reads = self._reads, None
            await reads.close()

    def before_commit(self, write: Callable[[UnitOfWork, Answer], Awaitable[None]]) -> None:
        """Run ``write(uow, answer)`` after the handler, in its transaction (a step's record)."""
        self._before_commit.append(write)


C = TypeVar("C", bound=CommandContext)


def status_of(entry: Entry[Any, Any]) -> int:
    """The HTTP status of an accepted command of ``entry`` (its ``status`` option, else 200)."""
    return int(entry.options.get("status", 200))


def metered(counter: Counter) -> Step[Any, Answer]:
    """Count every command on ``counter`` (labels: kind, outcome)."""

    async def step(
        entry: Entry[Any, Answer], context: CommandContext, body: Any, call_next: Next[Any, Answer]
    ) -> Answer:
        try:
            answer = await call_next(context, body)
        except Refusal as refused:
            counter.labels(entry.name, f"refused_{refused.status}").inc()
            raise
        counter.labels(entry.name, context.outcome).inc()
        return answer

    return step


#: A service's view of who the caller is now: the principal with the role, unit and units in
#: charge the service's org chart gives them, or a refusal (a person removed, a device
#: deactivated). Given the command's context; reads in a session of its own.
ResolveSeat = Callable[[Any], Awaitable[Principal]]


def seated(resolve: ResolveSeat) -> Step[Any, Answer]:
    """Judge the caller by their seat now, not by their token: ``context.principal`` becomes
    ``resolve(context)`` (same ward and subject) and the entry's roles are checked against it,
    for every entry not registered with ``seated=False``."""

    async def step(
        entry: Entry[Any, Answer], context: CommandContext, body: Any, call_next: Next[Any, Answer]
    ) -> Answer:
        if entry.options.get("seated", True):
            context.principal = await resolve(context)
            check_roles(entry, context.principal)
        return await call_next(context, body)

    return step


def check_roles(entry: Entry[Any, Answer], principal: Principal) -> None:
    """403 ``forbidden`` for a role not in the entry's ``roles`` (every role if not given),
    and for a read-only role (a city's) whatever the entry's roles say."""
    roles = entry.options.get("roles")
    role = principal.role
    if role in READ_ONLY_ROLES or (roles is not None and role not in roles):
        raise Refusal(Kind.FORBIDDEN, "forbidden")


async def authorised(
    entry: Entry[Any, Answer], context: CommandContext, body: Any, call_next: Next[Any, Answer]
) -> Answer:
    """Refuse the token's role as :func:`check_roles` does, before anything is read."""
    check_roles(entry, context.principal)
    return await call_next(context, body)


def request_hash(kind: str, body: BaseModel) -> str:
    canonical = f"{kind}\n{body.model_dump_json()}".encode()
    return hashlib.sha256(canonical).hexdigest()


def idempotent(table: Table) -> Step[Any, Answer]:
    """The first answer again for a retry with the same key; ``table`` is the service's
    ``PlumbingTables.idempotency``."""

    async def recall(context: CommandContext, digest: str) -> Answer | None:
        # A fresh session: the twin that won the race committed after the first read.
        async with context.sessions() as session:
            return await _recall(session, table, context, digest)

    async def step(
        entry: Entry[Any, Answer], context: CommandContext, body: Any, call_next: Next[Any, Answer]
    ) -> Answer:
        key = context.key
        if key is None:
            return await call_next(context, body)
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            raise Refusal(Kind.INVALID, "bad_format", "Idempotency-Key")
        digest = request_hash(entry.name, body)
        prior = await _recall(await context.reads(), table, context, digest)
        if prior is not None:
            return prior

        async def record(uow: UnitOfWork, answer: Answer) -> None:
            await uow.session.execute(
                table.insert().values(
                    ward=context.principal.ward,
                    caller=context.principal.subject_id,
                    key=key,
                    kind=entry.name,
                    request_hash=digest,
                    status=context.status or status_of(entry),
                    response=answer,
                    created_at=uow.now,
                )
            )

        context.before_commit(record)
        try:
            return await call_next(context, body)
        except IntegrityError:
            # A concurrent request won the race: with the same key, answer as it did.
            prior = await recall(context, digest)
            if prior is not None:
                return prior
            raise Refusal(Kind.CONFLICT, "conflict") from None

    return step


async def _recall(
    session: AsyncSession, table: Table, context: CommandContext, digest: str
) -> Answer | None:
    row = (
        await session.execute(
            select(table).where(
                table.c.ward == context.principal.ward,
                table.c.caller == context.principal.subject_id,
                table.c.key == context.key,
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise Refusal(Kind.CONFLICT, "idempotency_key_reused", "Idempotency-Key")
    context.status, context.outcome = int(row.status), "replayed"
    return dict(row.response)


async def forget_old_keys(session: AsyncSession, table: Table, before: datetime) -> int:
    """Drop idempotency records older than ``before``: retries come within minutes, and the
    stream's own duplicate window is two hours. Returns how many went."""
    result = await session.execute(table.delete().where(table.c.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


#: A service's own housekeeping, done in the same unit of work as forgetting old keys.
Chores = Callable[[UnitOfWork], Awaitable[None]]


async def forget_old_commands(
    units: Callable[[], UnitOfWork], table: Table, keep: timedelta, chores: Chores | None = None
) -> int:
    """One housekeeping pass, in one unit of work: the service's ``chores`` (if any), then the
    idempotency records (``table``) older than ``keep`` by the unit's clock are dropped, and so
    are the revoked credentials declared beside them whose tokens have all expired
    (:mod:`services.runtime.revocations`). Returns how many idempotency records went."""
    revoked = table.metadata.tables.get(REVOKED_CREDENTIALS)
    async with units() as uow:
        if chores is not None:
            await chores(uow)
        forgotten = await forget_old_keys(uow.session, table, uow.now - keep)
        if revoked is not None:
            await revocations.forget_expired(uow.session, revoked, uow.now)
    if forgotten:
        log.info("forgot %d old idempotency keys", forgotten)
    return forgotten


async def housekeeping_forever(
    units: Callable[[], UnitOfWork],
    table: Table,
    keep: timedelta,
    every_s: float,
    stop: asyncio.Event | None = None,
    chores: Chores | None = None,
) -> None:
    """:func:`forget_old_commands` every ``every_s`` seconds until ``stop`` is set: every
    service's housekeeping loop. Every instance may run it (a delete of old rows is safe to
    repeat; a service's ``chores`` must be too)."""

    async def once() -> None:
        await forget_old_commands(units, table, keep, chores)

    await run_forever("housekeeping", once, interval_s=every_s, stop=stop)


#: A service's rate limit: take one token for the caller of ``context`` or raise a refusal.
TakeToken = Callable[[Any], Awaitable[None]]


def rate_limited(take: TakeToken) -> Step[Any, Answer]:
    """Call ``take(context)`` before entries registered with ``rate_limited=True``."""

    async def step(
        entry: Entry[Any, Answer], context: CommandContext, body: Any, call_next: Next[Any, Answer]
    ) -> Answer:
        if entry.options.get("rate_limited"):
            await context.close_reads()
            await take(context)
        return await call_next(context, body)

    return step


async def in_unit_of_work(
    entry: Entry[Any, Answer], context: CommandContext, body: Any, call_next: Next[Any, Answer]
) -> Answer:
    """Run the handler in a unit of work, then the steps' before-commit writes, then commit."""
    await context.close_reads()
    async with context.units() as uow:
        context._uow = uow
        answer = await call_next(context, body)
        for write in context._before_commit:
            await write(uow, answer)
    return answer


def command_registry(
    name: str,
    counter: Counter,
    idempotency: Table,
    take_token: TakeToken | None = None,
    seat: ResolveSeat | None = None,
) -> Registry[Any, Answer]:
    """A registry of commands with the standard pipeline (metrics, authorisation, no control
    character in the body (``characters.plain_text``), the caller's
    seat now when ``seat`` is given, idempotency, the rate limit when ``take_token`` is given,
    the unit of work)."""
    steps: list[Step[Any, Answer]] = [metered(counter), authorised, plain_text]
    if seat is not None:
        steps.append(seated(seat))
    steps.append(idempotent(idempotency))
    if take_token is not None:
        steps.append(rate_limited(take_token))
    steps.append(in_unit_of_work)
    return Registry(name, pipeline=steps)


class Commands(Generic[C]):
    """A command registry bound to a service's plumbing: what the HTTP and intake edges call.

    ``context(principal, key)`` builds the service's :class:`CommandContext` for one command."""

    def __init__(
        self, registry: Registry[Any, Answer], context: Callable[[Principal, str | None], C]
    ) -> None:
        self.registry = registry
        self.context = context
        #: Checked before every command: raises a refusal when commands cannot be taken now
        #: (``Runtime.check_bus``: the bus refuses to store events). None: always taken.
        self.gate: Callable[[], None] | None = None

    def entries(self) -> Sequence[Entry[Any, Answer]]:
        return self.registry.entries()

    async def execute(
        self, principal: Principal, body: BaseModel, key: str | None = None
    ) -> tuple[int, Answer]:
        """Run ``body``'s command for ``principal``: (HTTP status, JSON answer), or a refusal."""
        if self.gate is not None:
            self.gate()
        entry = self.registry.entry(type(body))
        context = self.context(principal, key)
        try:
            answer = await self.registry.run(entry, context, body)
        finally:
            await context.close_reads()  # a step refused before the unit of work
        return context.status or status_of(entry), answer
