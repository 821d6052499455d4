"""Revoking credentials before their tokens expire (docs/SECURITY.md, "Revoking"): a person's
sessions (``handlers/sign_in.py``) and a device's credential (``handlers/devices.py``).

Each revocation lists the credentials in this service's ``revoked_credentials`` (its tokens are
refused from the commit on) and announces them as ``assessment.credential.revoked``, which
scoring and notifications list in theirs (:mod:`services.runtime.revocations`), all in the
revoking unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from contracts.envelope import SYSTEM, Actor
from contracts.events import CredentialsRevoked, CredentialsRevokedData
from services.assessment.adapters.tables import plumbing
from services.runtime import revocations
from services.runtime.uow import UnitOfWork

#: The longest a token minted from a person's session lives: the demo's (a day); a signed-in
#: person's access token lasts minutes. A revoked session is listed this long.
SESSION_TOKENS_LIVE = timedelta(hours=24)


async def revoke_credentials(
    uow: UnitOfWork,
    ward: str,
    subject_id: str,
    credential_ids: Iterable[str],
    until: datetime,
    actor: Actor = SYSTEM,
) -> None:
    """Refuse from now on every token minted from ``credential_ids`` (of the person or device
    ``subject_id`` of ``ward``), in every service; ``until`` the last of them expires."""
    ids = tuple(credential_ids)
    if not ids:
        return
    now = uow.now
    await revocations.revoke(uow.session, plumbing.revoked, ward, subject_id, ids, now, until)
    data = CredentialsRevokedData(subject_id=subject_id, credential_ids=ids, until=until)
    uow.emit(
        CredentialsRevoked(ward=ward, occurred_at=now, recorded_at=now, actor=actor, data=data)
    )


async def revoke_sessions(
    uow: UnitOfWork, ward: str, person_id: str, family_ids: Iterable[str]
) -> None:
    """Refuse from now on every token of the person's sessions ``family_ids``."""
    until = uow.now + SESSION_TOKENS_LIVE
    await revoke_credentials(uow, ward, person_id, family_ids, until)
