"""The assessment HTTP API for submissions and the screens' reads: parse, hand the body to the
command table through :func:`~services.assessment.entrypoints.deps.submit`, answer. Every
submission accepts an ``Idempotency-Key`` header. The administrators' routes (catalogue, org
chart, devices, tokens, exports) are in ``admin.py``, included here."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from contracts import intake as schemas
from contracts.common import ENTITY_PATTERN
from contracts.periods import MonthKey
from services.assessment import views
from services.assessment.entrypoints import admin, evidence, sign_in
from services.assessment.entrypoints.deps import (
    Month,
    MonthQuery,
    Person,
    command_route,
    submissions_of,
)
from services.assessment.handlers.common import ward_policy
from services.runtime.http import Caller, Reads, error_responses

router = APIRouter(prefix="/v1", tags=["assessment"])


# --- submissions: each route hands one command to the command table --------------------------

command_route(
    router,
    "POST",
    "/audits",
    "submit_audit",
    schemas.AuditIn,
    status_code=201,
    response_model=schemas.AuditOut,
    summary="Submit a unit 5S audit (nộp phiếu đánh giá 5S)",
    doc="Items scored 0–1 open corrective actions (owner: the unit head unless given).",
)
command_route(
    router,
    "POST",
    "/audits/{audit_id}/amend",
    "amend_audit",
    schemas.AuditAmendCommand,
    errors=(404,),
    response_model=schemas.AuditOut,
    summary="Amend an audit with a full new item list and a reason (sửa phiếu)",
)
command_route(
    router,
    "POST",
    "/audits/{audit_id}/withdraw",
    "withdraw_audit",
    schemas.AuditWithdrawCommand,
    errors=(404,),
    response_model=schemas.AuditOut,
    summary="Withdraw an audit, with a reason (rút phiếu)",
)
command_route(
    router,
    "POST",
    "/corrective-actions/{action_id}/close",
    "close_corrective_action",
    schemas.ActionCloseCommand,
    errors=(404,),
    summary="Close a corrective action with a note and evidence (đóng biện pháp khắc phục)",
)
command_route(
    router,
    "POST",
    "/corrective-actions/{action_id}/reopen",
    "reopen_corrective_action",
    schemas.ActionReopenCommand,
    errors=(404,),
    summary="Reopen a closed corrective action found not done, with a reason and a new due "
    "date (mở lại biện pháp khắc phục)",
    doc="The auditor who found it, the chairman, or the vice-chairman in charge of its unit; "
    "409\nwhen it is open, or when its audit closed it (amend the audit instead).",
)
command_route(
    router,
    "POST",
    "/self-assessments",
    "submit_self_assessment",
    schemas.SelfAssessmentIn,
    status_code=201,
    summary='Submit one\'s own monthly "+" self-assessment (tự đánh giá)',
)
command_route(
    router,
    "POST",
    "/self-assessments/{self_assessment_id}/review",
    "review_self_assessment",
    schemas.ReviewCommand,
    errors=(404,),
    summary="Approve, adjust (with a reason) or return (with a reason) a self-assessment",
)
command_route(
    router,
    "POST",
    "/feedback",
    "receive_feedback",
    schemas.FeedbackIn,
    errors=(429,),
    status_code=201,
    summary="A citizen's rating from a kiosk or QR link (đánh giá mức độ hài lòng)",
    doc="Rate-limited per kiosk or QR link (429 when its bucket is empty).",
)
command_route(
    router,
    "POST",
    "/rating-codes",
    "issue_rating_codes",
    schemas.RatingCodesIn,
    status_code=201,
    summary="Single-use rating codes of one's unit, to print on receipts or show at the "
    "counter (mã đánh giá dùng một lần)",
    doc="Staff and the head of the unit, for their own unit; administrators for any. A rating "
    "with a code\nis counted whatever the kiosk's or QR link's pace (each code once).",
)
command_route(
    router,
    "POST",
    "/task-results",
    "record_task_result",
    schemas.TaskResultIn,
    status_code=201,
    summary="Task points (0–70) of a person for a month, from the HR/task system or the "
    'leader who reviews the person\'s "+" (ghi điểm nhiệm vụ)',
    doc="The HR integration, or (in a ward without one) the person's reviewer in the current "
    "org\nchart (their unit head; for a unit head, the vice-chairman in charge or the chairman; "
    "for a\nvice-chairman, the chairman), with a note; the last one recorded wins and every "
    "recording\nis kept. Nobody records their own.",
)


@router.get(
    "/task-results/{person_id}/{period}",
    responses=error_responses(404),
    summary="A person's task result for a month and every recording of it (who, when, why)",
)
async def task_result_history(
    caller: Caller,
    session: Reads,
    person_id: Annotated[str, Path(pattern=ENTITY_PATTERN)],
    period: Month,
) -> dict[str, Any]:
    """The person, their unit head, the leaders, administrators and the HR integration."""
    return await views.task_result_view(session, caller, person_id, period)


# --- periods --------------------------------------------------------------------------------------


@router.get(
    "/periods",
    summary="The months one may send for (the window, newest first), each open or closed now",
    tags=["periods"],
)
async def get_periods(caller: Person, request: Request, session: Reads) -> dict[str, Any]:
    """Any person of the ward: the pages offer only open months and say before sending that
    a moment falls in a closed one."""
    submissions = submissions_of(request)
    return await views.months(session, caller.ward, submissions.policy, submissions.clock.now())


command_route(
    router,
    "POST",
    "/periods/{period}/close",
    "close_period",
    schemas.PeriodCloseCommand,
    param=Month,
    summary="Close a month (khóa sổ): its submissions are refused from then on",
)
command_route(
    router,
    "POST",
    "/periods/{period}/reopen",
    "reopen_period",
    schemas.PeriodReopenCommand,
    param=Month,
    summary="Reopen a closed month, with a reason, until a deadline (mở lại kỳ)",
    doc="The month closes again by itself after ``closes_on`` (default: 2 working days from\n"
    "today in the ward's calendar).",
)


# --- the ward's working calendar -----------------------------------------------------------------

Day = Annotated[date, Path(description="YYYY-MM-DD")]


@router.get(
    "/calendar",
    summary="The ward's working calendar for a year (lịch làm việc): declared days off and "
    "make-up working days, with the national holidays they build on",
    tags=["calendar"],
)
async def get_calendar(
    caller: Person,
    request: Request,
    session: Reads,
    year: Annotated[int, Query(ge=2020, le=2100)],
) -> dict[str, Any]:
    policy = submissions_of(request).policy
    return await views.calendar_year(session, caller.ward, policy, year)


command_route(
    router,
    "PUT",
    "/calendar/days/{day}",
    "declare_calendar_day",
    schemas.CalendarDayCommand,
    param=Day,
    tags=["calendar"],
    summary="Declare a day off or a make-up working day, with its reason (administrators)",
    doc="A make-up working day is a weekend day or a holiday; a day off a day that would be\n"
    "worked (422 otherwise). Publishes ``assessment.calendar.published`` when it changes.",
)
command_route(
    router,
    "DELETE",
    "/calendar/days/{day}",
    "remove_calendar_day",
    schemas.CalendarRemoveCommand,
    param=Day,
    errors=(404,),
    tags=["calendar"],
    summary="Remove a day's declaration: it follows the national calendar again",
)


# --- reading ------------------------------------------------------------------------------------


@router.get(
    "/units",
    summary="The ward's units (đơn vị): ids and names, for anyone of the ward",
)
async def list_units(caller: Caller, session: Reads) -> dict[str, Any]:
    return {"units": await views.ward_units(session, caller.ward)}


@router.get(
    "/audits/{audit_id}",
    responses=error_responses(404),
    summary="An audit with every revision (who changed what, and why)",
)
async def get_audit(caller: Caller, session: Reads, audit_id: uuid.UUID) -> dict[str, Any]:
    return await views.audit_detail(session, caller, str(audit_id))


@router.get(
    "/self-assessments",
    summary="Self-assessments of a month the caller may see (their own, or their units')",
)
async def list_self_assessments(
    caller: Caller,
    request: Request,
    session: Reads,
    period: MonthQuery,
    status: Annotated[
        Literal["submitted", "approved", "adjusted", "returned"] | None, Query()
    ] = None,
) -> dict[str, Any]:
    policy = await ward_policy(session, caller.ward, submissions_of(request).policy)
    rows = await views.self_assessment_list(session, caller, period, status, policy)
    return {"self_assessments": rows}


@router.get(
    "/corrective-actions",
    summary="Corrective actions of the caller's units (or owned by the caller)",
)
async def list_corrective_actions(
    caller: Caller,
    session: Reads,
    period: Annotated[MonthKey | None, Query(description="YYYY-MM")] = None,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    unit_id: Annotated[str | None, Query(pattern=ENTITY_PATTERN)] = None,
    due_before: Annotated[date | None, Query(description="due before this day")] = None,
    limit: Annotated[int | None, Query(ge=0, description="the first, soonest due")] = None,
) -> dict[str, Any]:
    rows, total = await views.corrective_action_list(
        session, caller, period, status, unit_id, due_before, limit
    )
    return {"corrective_actions": rows, "total": total}


router.include_router(admin.router)
router.include_router(sign_in.router)
router.include_router(evidence.router)
