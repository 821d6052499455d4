"""The administrators' commands, each recorded with its actor and reason
(``admin_actions.py``), registered on assessment's pipeline (``pipeline.py``): closing and
reopening months, the working calendar, and (by HTTP only) catalogues, the org chart, devices
and invitations to sign in."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from contracts import intake as schemas
from contracts.catalog import Catalog
from services.assessment.domain.credentials import Lifetimes
from services.assessment.domain.org import DeviceRow, OrgRow
from services.assessment.handlers import (
    calendar,
    catalog,
    devices,
    feedback,
    org,
    periods,
    sign_in,
)
from services.assessment.handlers.admin_actions import record_admin_action
from services.assessment.handlers.pipeline import ADMIN, COMMANDS, Submission, command
from services.runtime.commands import Answer
from services.runtime.refusals import Kind, Refusal

# --- by HTTP and by the intake ----------------------------------------------------------------


@command(schemas.PeriodCloseCommand, roles=ADMIN)
async def close_period(context: Submission, body: schemas.PeriodCloseCommand) -> Answer:
    answer = await context.run(periods.close_period, body.period)
    await context.run(record_admin_action, "period.closed", body.period, None)
    return answer


@command(schemas.PeriodReopenCommand, roles=ADMIN)
async def reopen_period(context: Submission, body: schemas.PeriodReopenCommand) -> Answer:
    answer = await context.run(periods.reopen_period, body.period, body.reason, body.closes_on)
    await context.run(
        record_admin_action,
        "period.reopened",
        body.period,
        body.reason,
        closes_on=answer["closes_on"],
    )
    return answer


@COMMANDS.register(schemas.HeldReleaseIn, name="feedback.release", roles=ADMIN)
async def release_held_feedback(context: Submission, body: schemas.HeldReleaseIn) -> Answer:
    answer = await context.run(feedback.release_held, body.period, body.unit_id, body.device_id)
    subject = f"{body.unit_id}/{body.period}"
    details = {"released": str(answer["released"])}
    if body.device_id:
        details["device_id"] = body.device_id
    await context.run(record_admin_action, "feedback.released", subject, body.reason, **details)
    return answer


@command(schemas.CalendarDayCommand, roles=ADMIN)
async def declare_day(context: Submission, body: schemas.CalendarDayCommand) -> Answer:
    day = body.day.isoformat()
    answer = await context.run(calendar.declare_day, body.day, body.working, body.reason)
    working = "true" if body.working else "false"
    await context.run(
        record_admin_action, "calendar.day_declared", day, body.reason, working=working
    )
    return answer


@command(schemas.CalendarRemoveCommand, roles=ADMIN)
async def remove_day(context: Submission, body: schemas.CalendarRemoveCommand) -> Answer:
    day = body.day.isoformat()
    answer = await context.run(calendar.remove_day, body.day)
    await context.run(record_admin_action, "calendar.day_removed", day, None)
    return answer


# --- administrators' commands by HTTP only (no intake subject), each with the reason given -------


class CatalogPublication(BaseModel):
    """Publish ``catalog`` (``current``: the version submissions default to from now on)."""

    catalog: Catalog
    current: bool = True
    reason: str | None = None


class OrgChartUpload(BaseModel):
    """Replace the ward's org chart with ``rows`` (read from the upload and checked)."""

    ward_name: str | None = None
    reason: str | None = None
    rows: tuple[OrgRow, ...]
    #: The ward's city: given, it replaces the stored one ("" clears it); None keeps it.
    city: str | None = None


class DeviceRegistration(BaseModel):
    """Register or change a kiosk, a QR link or an integration (``handlers/devices.py``)."""

    device: DeviceRow
    reason: str | None = None


class DeviceRotation(BaseModel):
    """Issue a device a new credential, revoking its current one."""

    device_id: str
    reason: str | None = None


@COMMANDS.register(CatalogPublication, name="catalog.publish", roles=ADMIN, status=201)
async def publish_catalog(context: Submission, body: CatalogPublication) -> Answer:
    """201 with ``created`` true for a new version, 200 with false for one stored already."""
    created = await catalog.ensure_catalog(context.uow, body.catalog, current=body.current)
    context.status = None if created else 200
    if created:
        version, current = body.catalog.version, "true" if body.current else "false"
        await context.run(
            record_admin_action, "catalog.published", version, body.reason, current=current
        )
    return {"version": body.catalog.version, "created": created}


@COMMANDS.register(OrgChartUpload, name="org.chart", roles=ADMIN)
async def load_org_chart(context: Submission, body: OrgChartUpload) -> Answer:
    ctx = context.handler_context
    version = await org.load_org_chart(
        context.uow,
        ctx.ward,
        body.ward_name,
        body.rows,
        actor=ctx.actor,
        policy=ctx.policy,
        city=body.city,
    )
    await context.run(
        record_admin_action,
        "org_chart.loaded",
        str(version),
        body.reason,
        people=str(len(body.rows)),
    )
    return {"org_version": version, "people": len(body.rows)}


@COMMANDS.register(DeviceRegistration, name="org.device", roles=ADMIN)
async def save_device(context: Submission, body: DeviceRegistration) -> Answer:
    """The device's id and the credential issued to it, if any (the HTTP edge mints its token,
    which is never stored)."""
    device = body.device
    credential = await context.run(devices.register, device, body.reason, _device_life(context))
    return devices.answer(device.device_id, device.role.value, device.unit_id, credential)


@COMMANDS.register(DeviceRotation, name="org.device.credential", roles=ADMIN)
async def rotate_device_credential(context: Submission, body: DeviceRotation) -> Answer:
    """The device's id and its new credential (the HTTP edge mints its token)."""
    return await context.run(devices.rotate, body.device_id, body.reason, _device_life(context))


def _device_life(context: Submission) -> timedelta:
    """How long a device's token lives (the sign-in configuration's, else the default)."""
    return (context.sign_in.lifetimes if context.sign_in else Lifetimes()).device


class Invitation(BaseModel):
    """Invite a person of the org chart to set their password (e-mailed a one-time link)."""

    person_id: str
    reason: str | None = None


@COMMANDS.register(Invitation, name="sign_in.invite", roles=ADMIN, status=202)
async def invite(context: Submission, body: Invitation) -> Answer:
    """202: the link goes by e-mail (through notifications), never in the answer."""
    ctx, uow = context.handler_context, context.uow
    if context.sign_in is None:
        raise Refusal(Kind.UNAVAILABLE, "unavailable")
    person, _ = await sign_in.invite(uow, ctx.ward, body.person_id, context.sign_in, ctx.actor)
    await context.run(
        record_admin_action, "invitation.issued", body.person_id, body.reason, holder="person"
    )
    expires_at = uow.now + context.sign_in.lifetimes.invitation
    return {"person_id": person.person_id, "sent_to": "email", "expires_at": expires_at.isoformat()}
