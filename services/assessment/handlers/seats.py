"""Who the caller is now: the command pipeline's seat step (``services.runtime.commands.seated``)
for this service, which owns the org chart. Every command is judged by the caller's role, unit
and units in charge as the org chart has them at the moment of the request, never by what their
token said when it was issued: a person moved loses the rights of their old seat on their next
request, a person removed and a device deactivated lose all of them (issue 14, item 4).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import Role
from services.assessment.adapters import org
from services.runtime.auth import Principal, seated
from services.runtime.commands import CommandContext
from services.runtime.refusals import Kind, Refusal

#: Roles held by a device of the ward's device register, not by a person of its org chart.
DEVICE_ROLES = frozenset({Role.KIOSK, Role.INTEGRATION})


async def current_principal(session: AsyncSession, principal: Principal) -> Principal:
    """``principal`` (from a verified token) as the ward's org chart and device register have
    it now: same ward and subject, the role, unit and units in charge of their seat.

    Errors (403): ``unknown_device`` for a device (kiosk, QR link, integration) that is not
    registered and active in the ward with that role; ``not_in_org_chart`` for a person who is
    not an active person of the ward's org chart. The one exception is an administrator of a
    ward that has no org chart yet: they load the first one."""
    ward, subject = principal.ward, principal.subject_id
    if principal.role in DEVICE_ROLES:
        device = await org.active_device(session, ward, subject)
        if device is None or device.role != principal.role.value:
            raise Refusal(Kind.FORBIDDEN, "unknown_device")
        return Principal(subject, ward, principal.role, device.unit_id)
    person = await org.active_person(session, ward, subject)
    if person is None:
        if principal.role is Role.ADMIN and not await org.has_chart(session, ward):
            return principal
        raise Refusal(Kind.FORBIDDEN, "not_in_org_chart")
    return seated(subject, ward, person)


async def resolve_seat(context: CommandContext) -> Principal:
    """The seat step's resolver: :func:`current_principal` in the steps' reading session."""
    return await current_principal(await context.reads(), context.principal)
