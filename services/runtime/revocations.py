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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import CredentialsRevoked
from services.runtime.auth import KeysUnavailable
from services.runtime.db import SessionFactory, upsert

#: Whether a credential id is revoked (the verifier's check).
IsRevoked = Callable[[str], Awaitable[bool]]


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


def checker(sessions: SessionFactory, table: Table) -> IsRevoked:
    """The verifier's check, each in a session of its own. Raises
    :class:`~services.runtime.auth.KeysUnavailable` (503: the token cannot be checked now, it
    may well be valid) when the database cannot be read: fail closed, but not as a 401."""

    async def check(credential_id: str) -> bool:
        try:
            async with sessions() as session:
                return await is_revoked(session, table, credential_id)
        except (SQLAlchemyError, OSError) as error:
            raise KeysUnavailable(
                f"revoked credentials unreadable: {type(error).__name__}"
            ) from None

    return check


async def forget_expired(session: AsyncSession, table: Table, now: datetime) -> int:
    """Drop the rows whose tokens have all expired; how many."""
    gone = await session.execute(delete(table).where(table.c.until < now))
    return int(gone.rowcount)  # type: ignore[attr-defined]
