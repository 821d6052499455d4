"""The administrators' routes of the assessment API (and the catalogue and exports every
official reads): publish a catalogue version, replace the org chart from CSV, register devices
and answer their credentials (these three through the command pipeline, like every submission,
each with a reason and recorded: ``handlers/admin_actions.py``), the record of administrators'
actions the chairman reads, and a month's audits and corrective actions exported.

No route issues a token *as a person*: a person's token comes from their own sign-in, never
from an administrator (issue 14, item 5). A device's token is answered when its credential is
issued (``handlers/devices.py``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime

from contracts import intake as schemas
from contracts.catalog import Catalog
from contracts.common import ENTITY_PATTERN, ENTITY_SLUG, Text
from contracts.roles import Role
from contracts.text import NFC
from services.assessment import views
from services.assessment.domain.org import DeviceRow
from services.assessment.entrypoints.deps import (
    Admin,
    MonthQuery,
    command_route,
    submissions_of,
    submit,
)
from services.assessment.entrypoints.org_csv import parse_org_upload
from services.assessment.handlers.commands import (
    CatalogPublication,
    DeviceRegistration,
    DeviceRotation,
    OrgChartUpload,
)
from services.assessment.handlers.common import get_catalog as stored_catalog
from services.assessment.views.held_ratings import held_ratings
from services.runtime.auth import Principal
from services.runtime.exports import EXPORT_CONTENT, Separator, export_response
from services.runtime.http import Caller, IdempotencyKey, Language, Reads, error_responses, require
from services.runtime.refusals import Kind, Refusal

router = APIRouter()
#: The org chart's routes (units, people, devices) and the record of administrators' actions.
organisation = APIRouter(tags=["organisation"])
#: Citizens' ratings held for review.
feedback = APIRouter(tags=["feedback"])

#: Why an administrator does what they do: recorded with the action, read by the chairman.
AdminReason = Annotated[
    str,
    Query(
        min_length=1,
        max_length=1000,
        description="Why (recorded with the action, read by the chairman)",
    ),
    NFC,
]
#: Who reads what administrators did: the chairman, and the administrators themselves.
Overseer = Annotated[Principal, Depends(require(Role.CHAIRMAN, Role.ADMIN))]


# --- catalogue ------------------------------------------------------------------------------------


@router.get(
    "/catalog",
    responses=error_responses(404),
    summary="The criteria catalogue (bộ tiêu chí), current or by version",
)
async def get_catalog(
    caller: Caller, session: Reads, version: Annotated[str | None, Query(max_length=32)] = None
) -> dict[str, Any]:
    catalog = await stored_catalog(session, version)
    return catalog.model_dump(mode="json", by_alias=True)


@router.post(
    "/catalog",
    status_code=201,
    responses=error_responses(400, 409, 413),
    summary="Publish a new catalogue version (versions are immutable)",
)
async def publish_catalog(
    admin: Admin,
    request: Request,
    body: Catalog,
    reason: AdminReason,
    current: Annotated[bool, Query(description="Make it the current version")] = True,
    key: IdempotencyKey = None,
) -> JSONResponse:
    publication = CatalogPublication(catalog=body, current=current, reason=reason)
    return await submit(request, publication, admin, key)


# --- organisation (administrators) ----------------------------------------------------------------


@organisation.get(
    "/org",
    summary="The ward's units, people and devices",
)
async def get_org(
    admin: Admin,
    session: Reads,
    q: Annotated[
        str,
        Query(
            max_length=200,
            description="Only the people whose name this finds, ignoring case and (unless it "
            "carries them) tone marks: 'nguyen van an' finds 'Nguyễn Văn An'",
        ),
        NFC,
    ]
    | None = None,
) -> dict[str, Any]:
    """Units, devices and people, these in Vietnamese order of their names."""
    return await views.org_chart(session, admin.ward, q)


@organisation.put(
    "/org/chart",
    responses=error_responses(400, 413),
    summary="Replace the org chart from a spreadsheet (CSV or XLSX, one line per person)",
)
async def load_org_chart(
    admin: Admin,
    request: Request,
    csv_text: Annotated[
        bytes,
        Body(
            media_type="text/csv",
            description="person_id,full_name,email,role,unit_id,unit_name_vi,unit_name_en,"
            "units_in_charge, and optionally duty_group (the 20 % cap's group; empty: by role) "
            "with its name duty_group_name_vi, duty_group_name_en (required with a group; "
            "English: the Vietnamese when empty) "
            "and employment_type (cong_chuc | nguoi_lao_dong; empty: cong_chuc). As Excel or "
            "LibreOffice saves it: an .xlsx workbook (its first sheet), or CSV text separated "
            'by commas, semicolons or tabs, in UTF-8 (with or without BOM), UTF-16 ("Unicode '
            'Text") or Windows-1258',
        ),
    ],
    reason: AdminReason,
    ward_name: Annotated[str, Query(max_length=200), NFC] | None = None,
    city: Annotated[
        str | None,
        Query(
            pattern=f"^({ENTITY_SLUG})?$",
            description="The city the ward belongs to: its officials (role city) may then read "
            "the ward's figures on scoring. Empty: the ward leaves its city; absent: unchanged",
        ),
    ] = None,
    key: IdempotencyKey = None,
) -> JSONResponse:
    rows = tuple(parse_org_upload(csv_text))
    upload = OrgChartUpload(ward_name=ward_name, rows=rows, city=city, reason=reason)
    return await submit(request, upload, admin, key)


#: A device's id in the register.
DeviceId = Annotated[str, Path(pattern=ENTITY_PATTERN)]


@organisation.put(
    "/org/devices/{device_id}",
    responses=error_responses(400),
    summary="Register or change a kiosk, a QR link (for one unit) or an integration; answers "
    "its bearer token when a credential is issued (a new or reactivated device), null when it "
    "keeps its own; deactivating one revokes its credential",
)
async def save_device(
    admin: Admin,
    request: Request,
    device_id: DeviceId,
    body: schemas.DeviceIn,
    reason: AdminReason,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    device = DeviceRow(
        device_id,
        Role(body.role),
        body.unit_id,
        Text(vi=body.label_vi, en=body.label_en),
        body.channel,
        body.active,
    )
    registration = DeviceRegistration(device=device, reason=reason)
    return await _device_command(request, admin, registration, key)


@organisation.post(
    "/org/devices/{device_id}/credential",
    responses=error_responses(404),
    summary="Issue a device a new credential (rotation): answers its new bearer token; the one "
    "before is refused from its next request on, the other devices keep theirs",
)
async def rotate_device_credential(
    admin: Admin,
    request: Request,
    device_id: DeviceId,
    reason: AdminReason,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    rotation = DeviceRotation(device_id=device_id, reason=reason)
    return await _device_command(request, admin, rotation, key)


async def _device_command(
    request: Request,
    admin: Principal,
    command: DeviceRegistration | DeviceRotation,
    key: str | None,
) -> dict[str, Any]:
    """``command`` run through the command pipeline as ``admin``, answered as
    ``{"device_id", "token"}``: the token of the credential it issued (None for none), minted
    for the device alone and never stored."""
    _, answer = await submissions_of(request).execute(admin, command, key)
    credential, token = answer.get("credential_id"), None
    if credential:
        device = Principal(
            answer["device_id"],
            admin.ward,
            Role(answer["role"]),
            answer["unit_id"],
            session_id=credential,
        )
        token = request.app.state.issuer.device(device)
    return {"device_id": answer["device_id"], "token": token}


@organisation.get(
    "/admin/actions",
    summary="What administrators did (org charts, devices and credentials, catalogues, months, "
    "calendar days): who, when, to what and why; for the chairman and administrators",
)
async def admin_actions(
    caller: Overseer,
    session: Reads,
    since: Annotated[
        AwareDatetime | None, Query(description="From this moment on (ISO 8601 with offset)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, Any]:
    """The ward's administrators' actions recorded at or after ``since``, oldest first."""
    return {"actions": await views.admin_actions(session, caller.ward, since, limit)}


# Each group joins the router after its last route, so the API lists its paths in this file's order.
router.include_router(organisation)


@feedback.get(
    "/feedback/held",
    summary="Citizens' ratings held for review (bursts beyond the policy's windows), counted "
    "apart from the score: by unit, device, reason and level; for the chairman and administrators",
)
async def held_feedback(caller: Overseer, session: Reads, period: MonthQuery) -> dict[str, Any]:
    return await held_ratings(session, caller.ward, period)


command_route(
    feedback,
    "POST",
    "/feedback/held/release",
    "release_held_feedback",
    schemas.HeldReleaseIn,
    summary="Count, after review, a unit's ratings of an open month held for review (all, or "
    "one device's), with the reason; recorded as an administrator's action",
    doc="Administrators. 409 period_closed for a closed month (its figures are final).",
)
router.include_router(feedback)


# --- exports --------------------------------------------------------------------------------------

EXPORTERS = {"audits": views.audit_sheet, "corrective-actions": views.action_sheet}


@router.get(
    "/exports/{what}.{fmt}",
    responses=EXPORT_CONTENT,
    response_class=Response,
    summary="Audits or corrective actions of a month as CSV or XLSX (headings in Vietnamese, "
    "English by Accept-Language; names, item texts, Vietnam time)",
)
async def export(
    caller: Caller,
    session: Reads,
    lang: Language,
    what: Literal["audits", "corrective-actions"],
    fmt: Literal["csv", "xlsx"],
    period: MonthQuery,
    separator: Separator = ",",
) -> Response:
    """Each caller gets the units they see: the whole ward for administrators, the chairman and
    auditors; their units for vice-chairmen and unit heads."""
    if caller.role in (Role.STAFF, Role.KIOSK, Role.INTEGRATION):
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    sheet = await EXPORTERS[what](session, caller, period)
    return export_response(sheet, fmt, lang, f"{what}-{caller.ward}-{period}", separator)
