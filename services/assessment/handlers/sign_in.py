"""People sign in (issue 14, item 2; docs/SECURITY.md, "People sign in").

A person sets their password through a one-time link (an administrator's invitation, or a reset
they ask for by e-mail address), e-mailed by notifications from ``assessment.sign_in.link_issued``
(the link sealed for it). Signing in with e-mail and password gives a short access token, minted
with the person's seat in the org chart as it is now, and an opaque refresh token; a refresh
rotates it (an old one used again revokes its whole family), sign-out revokes it, and so do a
password set and an org chart load that changes the person.

Every function here works in the caller's unit of work. Those that refuse a sign-in answer
None rather than raise, so that the failure counted is committed; the edge then answers 401.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr
from sqlalchemy import Row

from contracts.envelope import SYSTEM, Actor
from contracts.events import SignInLinkIssued, SignInLinkIssuedData, SignInLinkPurpose
from services.assessment.adapters import credentials as stored
from services.assessment.adapters import org
from services.assessment.domain import credentials as rules
from services.assessment.domain.org import OrgRow
from services.assessment.handlers.common import find_person
from services.assessment.handlers.revoking import revoke_sessions
from services.runtime.auth import Principal, seated
from services.runtime.refusals import Kind, Refusal
from services.runtime.sealing import seal
from services.runtime.uow import UnitOfWork

#: Mints a person's access token for a principal, valid ``lifetimes.access`` from a moment.
Mint = Callable[[Principal, datetime], str]


@dataclass(frozen=True)
class SignInConfig:
    """What sign-in needs besides the database: the issuer's minting, the lifetimes, where the
    links point and the key they are sealed with for notifications."""

    mint: Mint
    lifetimes: rules.Lifetimes
    link_base: str
    mail_key: SecretStr
    #: How passwords are hashed: a key of ``rules.HASHINGS`` (the settings' ``password_hashing``).
    hashing: str = rules.DEFAULT_HASHING


@dataclass(frozen=True)
class Session:
    """What a sign-in or a refresh answers."""

    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lasts
    refresh_expires_in: int
    #: The person's name as the org chart has it now (the pages' bar names who is signed in).
    full_name: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "refresh_expires_in": self.refresh_expires_in,
            "full_name": self.full_name,
        }


def principal_of(person: Row[Any]) -> Principal:
    """A person's seat in the org chart as a token's principal."""
    return seated(person.person_id, person.ward, person)


# --- links ------------------------------------------------------------------------------------


#: An adapter's insert of a secret's row: the session, the secret's digest, the other columns.
AddHashed = Callable[..., Awaitable[None]]


async def keep_hashed(
    uow: UnitOfWork,
    add: AddHashed,
    ward: str,
    person_id: str,
    lifetime: timedelta,
    **values: Any,
) -> str:
    """A new random secret for a person of ``ward`` (a link's, a refresh token's:
    ``domain.credentials.new_secret``), stored by ``add`` as its SHA-256 only (never the secret
    itself: docs/SECURITY.md), with ``values`` and its expiry ``lifetime`` after the unit's
    now. Answers the secret, to be given out once."""
    secret = rules.new_secret()
    await add(
        uow.session,
        rules.digest(secret),
        ward=ward,
        person_id=person_id,
        expires_at=uow.now + lifetime,
        **values,
    )
    return secret


async def issue_link(
    uow: UnitOfWork,
    person: Row[Any],
    purpose: SignInLinkPurpose,
    config: SignInConfig,
    actor: Actor = SYSTEM,
) -> str:
    """A new one-time link for ``person`` (their older unused links are voided): its secret's
    hash stored with its expiry (``lifetimes.invitation`` or ``.reset``), and the link sealed
    in ``assessment.sign_in.link_issued`` for notifications to e-mail. Answers the link."""
    now = uow.now
    lifetime = config.lifetimes.invitation if purpose == "invitation" else config.lifetimes.reset
    await stored.retire_secrets(uow.session, person.ward, person.person_id, now)
    secret = await keep_hashed(
        uow,
        stored.add_secret,
        person.ward,
        person.person_id,
        lifetime,
        purpose=purpose,
        created_at=now,
    )
    link = f"{config.link_base}?{urlencode({'secret': secret})}"
    sealed = seal(
        config.mail_key, {"link": link, "email": person.email, "full_name": person.full_name}
    )
    data = SignInLinkIssuedData(
        person_id=person.person_id, purpose=purpose, expires_at=now + lifetime, sealed=sealed
    )
    uow.emit(
        SignInLinkIssued(ward=person.ward, occurred_at=now, recorded_at=now, actor=actor, data=data)
    )
    return link


async def invite(
    uow: UnitOfWork, ward: str, person_id: str, config: SignInConfig, actor: Actor
) -> tuple[Row[Any], str]:
    """An invitation link for an active person of the ward's org chart with an e-mail address
    (422 ``unknown_person`` / ``no_email``, field ``person_id``); answers the person and the
    link."""
    person = await find_person(uow.session, ward, person_id, "person_id")
    if not person.email:
        raise Refusal(Kind.INVALID, "no_email", "person_id")
    return person, await issue_link(uow, person, "invitation", config, actor)


async def request_reset(uow: UnitOfWork, email: str, config: SignInConfig) -> int:
    """A reset link for each active person with ``email`` (none for an unknown address: the
    edge answers the same either way), but none for a person sent one less than
    ``lifetimes.reset_interval`` ago, so that asking again and again cannot flood their
    mailbox; how many were issued."""
    issued = 0
    for person in await stored.people_with_email(uow.session, email):
        last = await stored.last_link_at(uow.session, person.ward, person.person_id, "reset")
        if last is not None and uow.now - last < config.lifetimes.reset_interval:
            continue
        await issue_link(uow, person, "reset", config)
        issued += 1
    return issued


async def set_password(
    uow: UnitOfWork, secret: str, password: str, hashing: str = rules.DEFAULT_HASHING
) -> str:
    """Set the password of the link's person, using the link up: 422 ``link_invalid`` (field
    ``secret``) for an unknown, used or expired link or a person no longer in the org chart,
    ``password_*`` (``rules.check_new_password``) for a weak one; hashed as ``hashing`` says
    (``SignInConfig.hashing``). Every session of the person is revoked and their other links
    voided. Answers the person id."""
    now = uow.now
    row = await stored.take_secret(uow.session, rules.digest(secret), now)
    person = None
    if row is not None:
        person = await org.active_person(uow.session, row.ward, row.person_id)
    if row is None or person is None:
        raise Refusal(Kind.INVALID, "link_invalid", "secret")
    rules.check_new_password(password, person.email)
    password_hash = await asyncio.to_thread(rules.hash_password, password, hashing)
    await stored.set_password(uow.session, row.ward, row.person_id, password_hash, now)
    families = await stored.revoke_person(uow.session, row.ward, row.person_id, now)
    await revoke_sessions(uow, row.ward, row.person_id, families)
    await stored.retire_secrets(uow.session, row.ward, row.person_id, now)
    return str(row.person_id)


# --- sessions ---------------------------------------------------------------------------------


async def sign_in(
    uow: UnitOfWork, email: str, password: str, config: SignInConfig
) -> Session | None:
    """A session for the active person with ``email`` whose password this is, or None: an
    unknown address, a wrong password, a person without one, or an address under backoff
    (``rules.backoff``: counted per address, known or not, and checked with the same argon2
    work either way, so the answer tells nothing of whether the address exists)."""
    now, key = uow.now, rules.email_key(email)
    failed = await stored.failures(uow.session, key)
    if failed is not None and failed.locked_until is not None and now < failed.locked_until:
        return None
    matched, decoy = None, rules.decoy_hash(config.hashing)
    for person in await stored.people_with_email(uow.session, email):
        known = await stored.password_hash(uow.session, person.ward, person.person_id)
        if await asyncio.to_thread(rules.password_matches, known or decoy, password):
            matched = person if known else None
            break
    else:
        await asyncio.to_thread(rules.password_matches, decoy, password)
    if matched is None:
        count = (failed.failures if failed is not None else 0) + 1
        delay = rules.backoff(count)
        await stored.save_failures(uow.session, key, count, now + delay if delay else None)
        return None
    await stored.clear_failures(uow.session, key)
    return await _session(uow, matched, str(uuid.uuid4()), config)


async def refresh(uow: UnitOfWork, token: str, config: SignInConfig) -> Session | None:
    """A new session in the refresh token's family, or None: an unknown, expired or revoked
    token, a person no longer in the org chart, or a token already used, which revokes the whole
    family (whoever holds the newer one, the thief or the person, must sign in again)."""
    now = uow.now
    row = await stored.refresh_row(uow.session, rules.digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    person = await org.active_person(uow.session, row.ward, row.person_id)
    if not await stored.use_refresh(uow.session, row.token_hash, now) or person is None:
        await _revoke_family(uow, row)
        return None
    return await _session(uow, person, row.family_id, config)


async def sign_out(uow: UnitOfWork, token: str) -> None:
    """Revoke the refresh token's family (nothing for an unknown token)."""
    row = await stored.refresh_row(uow.session, rules.digest(token))
    if row is not None:
        await _revoke_family(uow, row)


async def _revoke_family(uow: UnitOfWork, row: Row[Any]) -> None:
    """Revoke the session of refresh token ``row``: its family's refresh tokens, and the
    access tokens minted from it in every service."""
    if await stored.revoke_family(uow.session, row.family_id, uow.now):
        await revoke_sessions(uow, row.ward, row.person_id, [row.family_id])


async def _session(
    uow: UnitOfWork, person: Row[Any], family_id: str, config: SignInConfig
) -> Session:
    now, life = uow.now, config.lifetimes
    token = await keep_hashed(
        uow,
        stored.add_refresh,
        person.ward,
        person.person_id,
        life.refresh,
        family_id=family_id,
        issued_at=now,
    )
    return Session(
        access_token=config.mint(replace(principal_of(person), session_id=family_id), now),
        refresh_token=token,
        expires_in=int(life.access.total_seconds()),
        refresh_expires_in=int(life.refresh.total_seconds()),
        full_name=person.full_name,
    )


# --- the org chart changes people -------------------------------------------------------------


def _seat(values: Mapping[str, Any] | Any) -> tuple[Any, ...]:
    return (
        values["role"],
        values["unit_id"],
        tuple(sorted(values["units_in_charge"] or ())),
    )


async def revoke_changed(
    uow: UnitOfWork, ward: str, before: Sequence[Row[Any]], after: Sequence[OrgRow]
) -> list[str]:
    """Revoke the sessions of every person the new chart removes or moves (role, unit, units in
    charge) from the seat they had in ``before`` (the ward's active people before the load);
    answers their ids."""
    new = {
        row.person_id: _seat(
            {"role": row.role.value, "unit_id": row.unit_id, "units_in_charge": row.units_in_charge}
        )
        for row in after
    }
    changed = [
        person.person_id for person in before if new.get(person.person_id) != _seat(person._mapping)
    ]
    for person_id in changed:
        families = await stored.revoke_person(uow.session, ward, person_id, uow.now)
        await revoke_sessions(uow, ward, person_id, families)
    return changed
