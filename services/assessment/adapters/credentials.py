"""People's sign-in rows: passwords (hashed), one-time secrets and refresh tokens (by their
SHA-256), and failed sign-ins by address (``tables.py``, "sign-in")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import (
    credentials,
    people,
    refresh_tokens,
    sign_in_failures,
    sign_in_secrets,
)


async def people_with_email(session: AsyncSession, email: str) -> Sequence[Row[Any]]:
    """The active people of every ward whose e-mail address is ``email`` (any case)."""
    query = select(people).where(
        func.lower(people.c.email) == email.strip().lower(), people.c.active.is_(True)
    )
    return (await session.execute(query.order_by(people.c.ward, people.c.person_id))).all()


async def password_hash(session: AsyncSession, ward: str, person_id: str) -> str | None:
    found: str | None = await session.scalar(
        select(credentials.c.password_hash).where(
            credentials.c.ward == ward, credentials.c.person_id == person_id
        )
    )
    return found


async def set_password(
    session: AsyncSession, ward: str, person_id: str, password_hash: str, now: datetime
) -> None:
    where = (credentials.c.ward == ward, credentials.c.person_id == person_id)
    values = {"password_hash": password_hash, "changed_at": now}
    changed = await session.execute(update(credentials).where(*where).values(**values))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(credentials.insert().values(ward=ward, person_id=person_id, **values))


# --- one-time secrets -------------------------------------------------------------------------


async def add_secret(session: AsyncSession, secret_hash: str, **values: Any) -> None:
    await session.execute(sign_in_secrets.insert().values(secret_hash=secret_hash, **values))


async def take_secret(session: AsyncSession, secret_hash: str, now: datetime) -> Row[Any] | None:
    """Mark the secret used and answer its row, if it is unused and not expired at ``now``
    (one UPDATE, so two requests racing with one secret cannot both have it)."""
    t = sign_in_secrets
    taken = await session.execute(
        update(t)
        .where(t.c.secret_hash == secret_hash, t.c.used_at.is_(None), t.c.expires_at > now)
        .values(used_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return (await session.execute(select(t).where(t.c.secret_hash == secret_hash))).first()


async def last_link_at(
    session: AsyncSession, ward: str, person_id: str, purpose: str
) -> datetime | None:
    """When the person's newest link of ``purpose`` was made (None before any)."""
    t = sign_in_secrets
    return await session.scalar(
        select(func.max(t.c.created_at)).where(
            t.c.ward == ward, t.c.person_id == person_id, t.c.purpose == purpose
        )
    )


async def retire_secrets(session: AsyncSession, ward: str, person_id: str, now: datetime) -> None:
    """Every unused secret of the person is used up (a new link, or a password set, voids the
    older links)."""
    t = sign_in_secrets
    await session.execute(
        update(t)
        .where(t.c.ward == ward, t.c.person_id == person_id, t.c.used_at.is_(None))
        .values(used_at=now)
    )


# --- refresh tokens ---------------------------------------------------------------------------


async def add_refresh(session: AsyncSession, token_hash: str, **values: Any) -> None:
    await session.execute(refresh_tokens.insert().values(token_hash=token_hash, **values))


async def refresh_row(session: AsyncSession, token_hash: str) -> Row[Any] | None:
    t = refresh_tokens
    return (await session.execute(select(t).where(t.c.token_hash == token_hash))).first()


async def use_refresh(session: AsyncSession, token_hash: str, now: datetime) -> bool:
    """Mark a live refresh token used (rotated); False when it was used or revoked already."""
    t = refresh_tokens
    used = await session.execute(
        update(t)
        .where(t.c.token_hash == token_hash, t.c.used_at.is_(None), t.c.revoked_at.is_(None))
        .values(used_at=now)
    )
    return bool(used.rowcount == 1)  # type: ignore[attr-defined]


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> bool:
    """Revoke the live refresh tokens of a family; whether it had any (False: revoked before)."""
    t = refresh_tokens
    revoked = await session.execute(
        update(t).where(t.c.family_id == family_id, t.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    return bool(revoked.rowcount)  # type: ignore[attr-defined]


async def revoke_person(
    session: AsyncSession, ward: str, person_id: str, now: datetime
) -> list[str]:
    """Revoke every refresh token of the person; the families that had live ones."""
    t = refresh_tokens
    revoked = await session.execute(
        update(t)
        .where(t.c.ward == ward, t.c.person_id == person_id, t.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(t.c.family_id)
    )
    return sorted({row.family_id for row in revoked})


# --- failed sign-ins --------------------------------------------------------------------------


async def failures(session: AsyncSession, email_hash: str) -> Row[Any] | None:
    t = sign_in_failures
    return (await session.execute(select(t).where(t.c.email_hash == email_hash))).first()


async def save_failures(
    session: AsyncSession, email_hash: str, count: int, locked_until: datetime | None
) -> None:
    t = sign_in_failures
    values = {"failures": count, "locked_until": locked_until}
    changed = await session.execute(update(t).where(t.c.email_hash == email_hash).values(**values))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(t.insert().values(email_hash=email_hash, **values))


async def clear_failures(session: AsyncSession, email_hash: str) -> None:
    await session.execute(
        sign_in_failures.delete().where(sign_in_failures.c.email_hash == email_hash)
    )
