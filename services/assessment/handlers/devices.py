"""Devices and integrations have credentials of their own (issue 14, item 3; docs/SECURITY.md,
"Devices and integrations").

A kiosk, a QR link or the HR integration is registered by an administrator; each registered and
active device has one current credential, an id kept in the device register (``credential_id``)
and carried by its token as ``sid``. The token itself is answered once, never stored. Issuing
another credential (a rotation) or deactivating the device revokes the one before, in every
service, from the next request on (``handlers/revoking.py``); the other devices keep theirs. A
token names its ward, and the seat step judges it by the register's role and unit now; a kiosk
or QR link rates only its own unit (``handlers/feedback.py``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from contracts.envelope import SYSTEM, Actor
from contracts.roles import Role
from services.assessment.adapters import org
from services.assessment.domain.org import DeviceRow
from services.assessment.handlers import org as org_handlers
from services.assessment.handlers.admin_actions import record_admin_action
from services.assessment.handlers.common import Context
from services.assessment.handlers.revoking import revoke_credentials
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


async def register(
    uow: UnitOfWork, ctx: Context, device: DeviceRow, reason: str | None, lifetime: timedelta
) -> str | None:
    """Register ``device`` in the caller's ward, or change it, recorded as ``device.registered``.
    Answers the id of the credential issued to it (the edge mints its token): for a device new,
    reactivated or given another role; None when it keeps its credential, and when it is
    deactivated, which revokes it. ``lifetime``: how long its tokens live. Errors (422): a kiosk
    or QR link without its unit (``required``, field ``unit_id``), a unit not in the chart."""
    if device.role is Role.KIOSK and not device.unit_id:
        raise Refusal(Kind.INVALID, "required", "unit_id")
    before = await org.device(uow.session, ctx.ward, device.device_id)
    await org_handlers.save_device(uow, ctx.ward, device)
    details = {"role": device.role.value, "active": "true" if device.active else "false"}
    await record_admin_action(uow, ctx, "device.registered", device.device_id, reason, **details)
    current = before.credential_id if before is not None else None
    if not device.active:
        await _replace(uow, ctx, device.device_id, current, reason, lifetime, issue=False)
        return None
    if current is not None and before is not None and before.role == device.role.value:
        return None
    return await _replace(uow, ctx, device.device_id, current, reason, lifetime, issue=True)


async def rotate(
    uow: UnitOfWork, ctx: Context, device_id: str, reason: str | None, lifetime: timedelta
) -> dict[str, Any]:
    """Issue an active device of the caller's ward a new credential, revoking its current one
    (404 ``not_found`` for no such active device); answers it as :func:`answer` does."""
    device = found(
        await org.active_device(uow.session, ctx.ward, device_id), "not_found", "device_id"
    )
    credential = await _replace(
        uow, ctx, device_id, device.credential_id, reason, lifetime, issue=True
    )
    return answer(device_id, device.role, device.unit_id, credential)


def answer(
    device_id: str, role: str, unit_id: str | None, credential_id: str | None
) -> dict[str, Any]:
    """A device command's answer: what the edge mints the device's token with (``credential_id``
    None: no token)."""
    return {
        "device_id": device_id,
        "role": role,
        "unit_id": unit_id,
        "credential_id": credential_id,
    }


async def _replace(
    uow: UnitOfWork,
    ctx: Context,
    device_id: str,
    current: str | None,
    reason: str | None,
    lifetime: timedelta,
    *,
    issue: bool,
) -> str | None:
    """:func:`replace_credential`, recorded as the caller's actions: ``credential.revoked``
    (``current``, if any), then ``credential.issued`` (the new one, when ``issue``)."""
    new = await replace_credential(
        uow, ctx.ward, device_id, current, lifetime, ctx.actor, issue=issue
    )
    if current is not None:
        await record_admin_action(
            uow, ctx, "credential.revoked", device_id, reason, holder="device"
        )
    if new is not None:
        await record_admin_action(uow, ctx, "credential.issued", device_id, reason, holder="device")
    return new


async def replace_credential(
    uow: UnitOfWork,
    ward: str,
    device_id: str,
    current: str | None,
    lifetime: timedelta,
    actor: Actor = SYSTEM,
    *,
    issue: bool = True,
) -> str | None:
    """Give the device of ``ward`` a new credential (``issue``; else none), revoking its
    ``current`` one (its tokens live at most ``lifetime`` from now) in every service; answers
    the new credential's id."""
    new = uuid.uuid4().hex if issue else None
    await org.set_device_credential(uow.session, ward, device_id, new)
    if current is not None:
        until = uow.now + lifetime
        await revoke_credentials(uow, ward, device_id, [current], until, actor)
    return new
