"""Revoked credentials: how a token is refused before it expires (docs/SECURITY.md, "Revoking").

Every token names the credential it was minted from (claim ``sid``): a signed-in person's
session (the family of their refresh tokens), a device's current credential. Revoking one lists
its id in the service's ``revoked_credentials`` table (``PlumbingTables.revoked``), kept until
every token minted from it has expired; :class:`~services.runtime.auth.TokenVerifier` refuses
(401) a token whose ``sid`` is listed, on every request, read or write, HTTP or the NATS intake.

Assessment, which revokes (sign-out, a replayed refresh token, a password set, an org chart load
that moves or removes a person, a device deactivated or its credential rotated), lists them in
the revoking transaction and announces them (``assessment.credential.revoked``); scoring and
notifications list them as that event reaches them. One mechanism, in every service.

The check reads the table once per credential per :data:`STANDING_S` at most: a credential
found standing is remembered that long (:class:`Standing`), and every revocation committed in
this process (``revoke``: assessment's own, or the event recorded by scoring and
notifications) forgets everything remembered at its commit, so this instance refuses a revoked
credential at once; another instance of the service within :data:`STANDING_S`, as the event
itself reaches the other services within the bus' delay.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import CredentialsRevoked
from services.runtime.auth import KeysUnavailable
from services.runtime.db import SessionFactory, upsert
from services.runtime.hooks import after_commit

#: Whether a credential id is revoked (the verifier's check).
IsRevoked = Callable[[str], Awaitable[bool]]

#: How long (s) a credential found standing is taken as standing without reading the table
#: again: the delay before another instance refuses what one revoked (this one refuses at once).
STANDING_S = 1.0


class Standing:
    """The credentials a checker found standing, each until a moment (``clock``, s) within
    ``ttl_s``. Every revocation committed in this process forgets all of them (:func:`revoke`)
    and moves ``generation``, so a read that began before that commit is not remembered."""

    def __init__(
        self, ttl_s: float = STANDING_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self.generation = 0
        self._until: dict[str, float] = {}
        _EVERYONE.add(self)

    def holds(self, credential_id: str) -> bool:
        return self._until.get(credential_id, 0.0) > self.clock()

    def remember(self, credential_id: str, generation: int) -> None:
        """Remember ``credential_id`` as standing, read when ``generation`` was current (and
        so not if a revocation committed since)."""
        if generation != self.generation or self.ttl_s <= 0:
            return
        if len(self._until) >= 10_000:  # bounded: the oldest have mostly lapsed anyway
            self._until.clear()
        self._until[credential_id] = self.clock() + self.ttl_s

    def forget(self) -> None:
        self._until.clear()
        self.generation += 1

    @classmethod
    def forget_everywhere(cls) -> None:
        for standing in list(_EVERYONE):
            standing.forget()


async def revoke(
    session: AsyncSession,
    table: Table,
    ward: str,
    subject_id: str,
    credential_ids: Iterable[str],
    revoked_at: datetime,
    until: datetime,
) -> None:
    """List ``credential_ids`` (of ``subject_id``, a person or device of ``ward``) as revoked
    from ``revoked_at`` until ``until`` (when the last token minted from them has expired); a
    credential listed already keeps its row."""
    rows = [
        {
            "credential_id": credential_id,
            "ward": ward,
            "subject_id": subject_id,
            "revoked_at": revoked_at,
            "until": until,
        }
        for credential_id in credential_ids
    ]
    if rows:
        await session.execute(upsert(session, table).values(rows).on_conflict_do_nothing())
        # At the commit: a check never takes a credential revoked here as standing after it.
        after_commit(session, Standing.forget_everywhere)


async def record_event(session: AsyncSession, table: Table, event: CredentialsRevoked) -> None:
    """List the credentials of an ``assessment.credential.revoked`` event (scoring's and
    notifications' consumers, in their transaction)."""
    data = event.data
    await revoke(
        session,
        table,
        event.ward,
        data.subject_id,
        data.credential_ids,
        event.occurred_at,
        data.until,
    )


async def is_revoked(session: AsyncSession, table: Table, credential_id: str) -> bool:
    """Whether ``credential_id`` is listed (expired rows still count until forgotten: their
    tokens are refused as expired anyway)."""
    found = await session.execute(
        select(table.c.credential_id).where(table.c.credential_id == credential_id)
    )
    return found.first() is not None


#: Every live :class:`Standing`, for the revocations' commits to reach.
_EVERYONE: weakref.WeakSet[Standing] = weakref.WeakSet()


def checker(sessions: SessionFactory, table: Table, standing: Standing | None = None) -> IsRevoked:
    """The verifier's check, each read in a session of its own, a credential found standing
    remembered by ``standing`` (a :class:`Standing` of :data:`STANDING_S` by default). Raises
    :class:`~services.runtime.auth.KeysUnavailable` (503: the token cannot be checked now, it
    may well be valid) when the database cannot be read: fail closed, but not as a 401."""
    known = standing or Standing()

    async def check(credential_id: str) -> bool:
        if known.holds(credential_id):
            return False
        generation = known.generation
        try:
            async with sessions() as session:
                revoked = await is_revoked(session, table, credential_id)
        except (SQLAlchemyError, OSError) as error:
            raise KeysUnavailable(
                f"revoked credentials unreadable: {type(error).__name__}"
            ) from None
        if not revoked:
            known.remember(credential_id, generation)
        return revoked

    return check


async def forget_expired(session: AsyncSession, table: Table, now: datetime) -> int:
    """Drop the rows whose tokens have all expired; how many."""
    gone = await session.execute(delete(table).where(table.c.until < now))
    return int(gone.rowcount)  # type: ignore[attr-defined]
