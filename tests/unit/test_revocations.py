"""Revoked credentials (docs/SECURITY.md, "Revoking"): a token whose ``sid`` is listed is
refused by the verifier; a listing is kept until its tokens have expired, then housekeeping
forgets it; a verifier that cannot read the list answers "cannot check now" (503), not 401."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts.roles import Role
from services.runtime import revocations
from services.runtime.auth import (
    InvalidToken,
    KeysUnavailable,
    Principal,
    TokenVerifier,
    issue_token,
)
from services.runtime.clock import FrozenClock
from services.runtime.commands import forget_old_commands
from services.runtime.db import PlumbingTables, create_engine, new_metadata, session_factory
from services.runtime.token_keys import KeyRing, LocalKeys
from services.runtime.uow import UnitOfWork

METADATA = new_metadata()
PLUMBING = PlumbingTables(METADATA, commands=True)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[object]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'revoked.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield session_factory(engine)
    await engine.dispose()


async def test_a_token_of_a_revoked_credential_is_refused_and_only_it(sessions, tmp_path) -> None:
    ring = KeyRing(tmp_path / "keys")
    ring.rotate(prefix="test-")
    verifier = TokenVerifier(
        "scoring", LocalKeys(ring), revocations.checker(sessions, PLUMBING.revoked)
    )
    signed_out = Principal("p001", "binh-dong", Role.CHAIRMAN, "vp", session_id="family-1")
    other = Principal("p001", "binh-dong", Role.CHAIRMAN, "vp", session_id="family-2")
    minted = {p.session_id: ring_token(ring, p) for p in (signed_out, other)}
    assert (await verifier.verify(minted["family-1"])).session_id == "family-1"
    async with sessions() as session, session.begin():
        await revoke(session, "p001", "family-1", hours=24)
        # Listed twice (a redelivered event): kept once.
        await revoke(session, "p001", "family-1", hours=24)
    with pytest.raises(InvalidToken, match="revoked"):
        await verifier.verify(minted["family-1"])
    assert (await verifier.verify(minted["family-2"])).session_id == "family-2"


async def test_housekeeping_forgets_a_revocation_once_its_tokens_expired(sessions) -> None:
    async with sessions() as session, session.begin():
        await revoke(session, "kiosk-01", "old", hours=1)
        await revoke(session, "kiosk-02", "young", hours=3)

    def units(at: datetime):
        return lambda: UnitOfWork(sessions, PLUMBING.outbox, FrozenClock(at))

    await forget_old_commands(
        units(NOW + timedelta(hours=2)), PLUMBING.idempotency, timedelta(days=1)
    )
    async with sessions() as session:
        assert not await revocations.is_revoked(session, PLUMBING.revoked, "old")
        assert await revocations.is_revoked(session, PLUMBING.revoked, "young")


async def test_an_unreadable_list_is_a_check_that_cannot_be_made_now(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # no tables
    check = revocations.checker(session_factory(engine), PLUMBING.revoked)
    with pytest.raises(KeysUnavailable):
        await check("family-1")
    await engine.dispose()


async def test_a_credential_remembered_as_standing_is_refused_at_the_revocations_commit(
    sessions,
) -> None:
    """The check remembers a standing credential (an hour here, so only the commit can make it
    read again): revoked in this process, it is refused from the commit on, not before."""
    check = revocations.checker(sessions, PLUMBING.revoked, revocations.Standing(ttl_s=3600))
    assert not await check("family-1")
    async with sessions() as session, session.begin():
        await revoke(session, "p001", "family-1", hours=24)
        assert not await check("family-1")  # not committed yet: it stands
    assert await check("family-1")
    assert not await check("family-2")


async def test_a_read_begun_before_a_revocations_commit_is_not_remembered(sessions) -> None:
    """A check that read the table before another transaction's revocation committed answered
    with what it read, but does not keep it for the next request."""
    standing = revocations.Standing(ttl_s=3600)
    began = standing.generation
    async with sessions() as session, session.begin():
        await revoke(session, "p001", "family-1", hours=24)
    standing.remember("family-1", began)
    assert not standing.holds("family-1")


async def test_a_revocation_by_another_process_is_refused_within_the_standing_delay(
    sessions, tmp_path
) -> None:
    """Listed by another instance (this process sees no commit): refused once the credential's
    standing lapses, ``revocations.STANDING_S`` at most."""
    moment = [0.0]
    standing = revocations.Standing(clock=lambda: moment[0])
    check = revocations.checker(sessions, PLUMBING.revoked, standing)
    assert not await check("family-1")
    with sqlite3.connect(tmp_path / "revoked.db") as other:  # not through this process's hooks
        other.execute(
            "INSERT INTO revoked_credentials (credential_id, ward, subject_id, revoked_at, until)"
            " VALUES ('family-1', 'binh-dong', 'p001', ?, ?)",
            (NOW.isoformat(), (NOW + timedelta(hours=24)).isoformat()),
        )
    assert not await check("family-1")
    moment[0] += revocations.STANDING_S
    assert await check("family-1")


async def revoke(session: Any, subject: str, credential: str, hours: int) -> None:
    """List ``credential`` of ``subject`` as revoked at NOW, for ``hours``."""
    until = NOW + timedelta(hours=hours)
    await revocations.revoke(
        session, PLUMBING.revoked, "binh-dong", subject, [credential], NOW, until
    )


def ring_token(ring: KeyRing, principal: Principal) -> str:
    return issue_token(ring.current(), principal, timedelta(hours=1))
