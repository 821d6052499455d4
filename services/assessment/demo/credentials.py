"""The demo's credentials: each demo device its credential and each demo person a session, so
that the tokens of ``var/demo-tokens.json`` are revoked as anyone's are (a device deactivated or
rotated, a person moved or removed by an org chart load: docs/SECURITY.md, "Revoking"); and one
demo person a password, so that the sign-in page can be tried (demo stacks only: the loader
refuses production)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta

from services.assessment.adapters import credentials as stored
from services.assessment.adapters import org
from services.assessment.adapters.tables import plumbing
from services.assessment.domain import credentials as rules
from services.assessment.domain.credentials import Lifetimes
from services.assessment.handlers.devices import replace_credential
from services.assessment.handlers.sign_in import keep_hashed
from services.runtime.auth import Principal
from services.runtime.db import SessionFactory
from services.runtime.uow import UnitOfWork

#: The demo person who signs in with a password (an official of Phòng Kinh tế), and the
#: password: printed by ``make run``, known to anyone who reads this, so demo only.
DEMO_PASSWORD_PERSON = "p012"
DEMO_PASSWORD = "Bình Đông 5S+ thử"


async def demo_credentials(
    sessions: SessionFactory, people: list[Principal], devices: list[Principal], life: timedelta
) -> list[Principal]:
    """``people`` each with a new session of ``life`` (a refresh family whose refresh token is
    never given out) and ``devices`` each with a new credential (the one before revoked): the
    principals to mint the demo's tokens for, with their ``session_id``."""
    minted = []
    async with UnitOfWork(sessions, plumbing.outbox) as uow:
        now = uow.now
        for person in people:
            family = str(uuid.uuid4())
            await keep_hashed(
                uow,
                stored.add_refresh,
                person.ward,
                person.subject_id,
                life,
                family_id=family,
                issued_at=now,
            )
            minted.append(replace(person, session_id=family))
        for device in devices:
            row = await org.device(uow.session, device.ward, device.subject_id)
            current = row.credential_id if row is not None else None
            credential = await replace_credential(
                uow, device.ward, device.subject_id, current, Lifetimes().device
            )
            minted.append(replace(device, session_id=credential))
    return minted


async def demo_password(sessions: SessionFactory, ward: str, hashing: str) -> None:
    """Give :data:`DEMO_PASSWORD_PERSON` the password :data:`DEMO_PASSWORD` (hashed as the
    settings' ``password_hashing`` says), checked by the rules every new password meets."""
    rules.check_new_password(DEMO_PASSWORD)
    password_hash = await asyncio.to_thread(rules.hash_password, DEMO_PASSWORD, hashing)
    async with UnitOfWork(sessions, plumbing.outbox) as uow:
        await stored.set_password(uow.session, ward, DEMO_PASSWORD_PERSON, password_hash, uow.now)
