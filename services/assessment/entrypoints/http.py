"""The assessment HTTP API for submissions and the screens' reads: parse, hand the body to the
command table through :func:`~services.assessment.entrypoints.deps.submit`, answer. Every
submission accepts an ``Idempotency-Key`` header. The administrators' routes (catalogue, org
chart, devices, tokens, exports) are in ``admin.py``, included here."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from contracts import intake as schemas
from contracts.periods import MonthKey
from services.assessment import views
from services.assessment.entrypoints import admin
from services.assessment.entrypoints.deps import (
    SUBMISSION_ERRORS,
    Month,
    Person,
    Sessions,
    submissions_of,
    submit,
)
from services.runtime.http import Caller, IdempotencyKey, error_responses

router = APIRouter(prefix="/v1", tags=["assessment"])


# --- audits and corrective actions ----------------------------------------------------------------


@router.post(
    "/audits",
    status_code=201,
    response_model=schemas.AuditOut,
    responses=error_responses(*SUBMISSION_ERRORS),
    summary="Submit a unit 5S audit (nộp phiếu đánh giá 5S)",
)
async def submit_audit(
    request: Request, body: schemas.AuditIn, caller: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    """Items scored 0–1 open corrective actions (owner: the unit head unless given)."""
    return await submit(request, body, caller, key)


@router.post(
    "/audits/{audit_id}/amend",
    response_model=schemas.AuditOut,
    responses=error_responses(*SUBMISSION_ERRORS, 404),
    summary="Amend an audit with a full new item list and a reason (sửa phiếu)",
)
async def amend_audit(
    request: Request,
    audit_id: uuid.UUID,
    body: schemas.AuditAmendIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    command = schemas.AuditAmendCommand(audit_id=audit_id, **body.model_dump())
    return await submit(request, command, caller, key)


@router.post(
    "/audits/{audit_id}/withdraw",
    response_model=schemas.AuditOut,
    responses=error_responses(*SUBMISSION_ERRORS, 404),
    summary="Withdraw an audit, with a reason (rút phiếu)",
)
async def withdraw_audit(
    request: Request,
    audit_id: uuid.UUID,
    body: schemas.ReasonIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    command = schemas.AuditWithdrawCommand(audit_id=audit_id, reason=body.reason)
    return await submit(request, command, caller, key)


@router.post(
    "/corrective-actions/{action_id}/close",
    responses=error_responses(*SUBMISSION_ERRORS, 404),
    summary="Close a corrective action with a note and evidence (đóng hành động khắc phục)",
)
async def close_corrective_action(
    request: Request,
    action_id: uuid.UUID,
    body: schemas.ActionCloseIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    command = schemas.ActionCloseCommand(action_id=action_id, **body.model_dump())
    return await submit(request, command, caller, key)


@router.post(
    "/corrective-actions/{action_id}/reopen",
    responses=error_responses(*SUBMISSION_ERRORS, 404),
    summary="Reopen a closed corrective action found not done, with a reason and a new due "
    "date (mở lại hành động khắc phục)",
)
async def reopen_corrective_action(
    request: Request,
    action_id: uuid.UUID,
    body: schemas.ActionReopenIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """The auditor who found it, the chairman, or the vice-chairman in charge of its unit; 409
    when it is open, or when its audit closed it (amend the audit instead)."""
    command = schemas.ActionReopenCommand(action_id=action_id, **body.model_dump())
    return await submit(request, command, caller, key)


# --- self-assessments -----------------------------------------------------------------------------


@router.post(
    "/self-assessments",
    status_code=201,
    responses=error_responses(*SUBMISSION_ERRORS),
    summary='Submit one\'s own monthly "+" self-assessment (tự đánh giá)',
)
async def submit_self_assessment(
    request: Request, body: schemas.SelfAssessmentIn, caller: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    return await submit(request, body, caller, key)


@router.post(
    "/self-assessments/{self_assessment_id}/review",
    responses=error_responses(*SUBMISSION_ERRORS, 404),
    summary="Approve, adjust (with a reason) or return (with a reason) a self-assessment",
)
async def review_self_assessment(
    request: Request,
    self_assessment_id: uuid.UUID,
    body: schemas.ReviewIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    command = schemas.ReviewCommand(self_assessment_id=self_assessment_id, **body.model_dump())
    return await submit(request, command, caller, key)


# --- feedback and task results --------------------------------------------------------------------


@router.post(
    "/feedback",
    status_code=201,
    responses=error_responses(*SUBMISSION_ERRORS, 429),
    summary="A citizen's rating from a kiosk or QR link (đánh giá mức độ hài lòng)",
)
async def receive_feedback(
    request: Request, body: schemas.FeedbackIn, caller: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    """Rate-limited per kiosk or QR link (429 when its bucket is empty)."""
    return await submit(request, body, caller, key)


@router.post(
    "/task-results",
    status_code=201,
    responses=error_responses(*SUBMISSION_ERRORS),
    summary="Task points (0–70) of a person for a month, from the HR/task system or the "
    'leader who reviews the person\'s "+" (ghi điểm nhiệm vụ)',
)
async def record_task_result(
    request: Request, body: schemas.TaskResultIn, caller: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    """The HR integration, or (in a ward without one) the person's reviewer in the current org
    chart (their unit head; for a unit head, the vice-chairman in charge or the chairman; for a
    vice-chairman, the chairman), with a note; the last one recorded wins and every recording
    is kept. Nobody records their own."""
    return await submit(request, body, caller, key)


@router.get(
    "/task-results/{person_id}/{period}",
    responses=error_responses(401, 403, 404, 422),
    summary="A person's task result for a month and every recording of it (who, when, why)",
)
async def task_result_history(
    caller: Caller,
    db: Sessions,
    person_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")],
    period: Month,
) -> dict[str, Any]:
    """The person, their unit head, the leaders, administrators and the HR integration."""
    async with db() as session:
        return await views.task_result_view(session, caller, person_id, period)


# --- periods --------------------------------------------------------------------------------------


@router.post(
    "/periods/{period}/close",
    responses=error_responses(*SUBMISSION_ERRORS),
    summary="Close a month (khóa sổ): its submissions are refused from then on",
)
async def close_period(
    request: Request, period: Month, caller: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    return await submit(request, schemas.PeriodCloseCommand(period=period), caller, key)


@router.post(
    "/periods/{period}/reopen",
    responses=error_responses(*SUBMISSION_ERRORS),
    summary="Reopen a closed month, with a reason (mở lại kỳ)",
)
async def reopen_period(
    request: Request,
    period: Month,
    body: schemas.ReasonIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    command = schemas.PeriodReopenCommand(period=period, reason=body.reason)
    return await submit(request, command, caller, key)


# --- the ward's working calendar -----------------------------------------------------------------

Day = Annotated[date, Path(description="YYYY-MM-DD")]


@router.get(
    "/calendar",
    responses=error_responses(401, 403, 422),
    summary="The ward's working calendar for a year (lịch làm việc): declared days off and "
    "make-up working days, with the national holidays they build on",
    tags=["calendar"],
)
async def get_calendar(
    caller: Person,
    request: Request,
    db: Sessions,
    year: Annotated[int, Query(ge=2020, le=2100)],
) -> dict[str, Any]:
    policy = submissions_of(request).policy
    async with db() as session:
        return await views.calendar_year(session, caller.ward, policy, year)


@router.put(
    "/calendar/days/{day}",
    responses=error_responses(*SUBMISSION_ERRORS),
    summary="Declare a day off or a make-up working day, with its reason (administrators)",
    tags=["calendar"],
)
async def declare_calendar_day(
    request: Request,
    day: Day,
    body: schemas.CalendarDayIn,
    caller: Caller,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """A make-up working day is a weekend day or a holiday; a day off a day that would be
    worked (422 otherwise). Publishes ``assessment.calendar.published`` when it changes."""
    command = schemas.CalendarDayCommand(day=day, **body.model_dump())
    return await submit(request, command, caller, key)


@router.delete(
    "/calendar/days/{day}",
    responses=error_responses(*SUBMISSION_ERRORS, 404),
    summary="Remove a day's declaration: it follows the national calendar again",
    tags=["calendar"],
)
async def remove_calendar_day(
    request: Request, day: Day, caller: Caller, key: IdempotencyKey = None
) -> JSONResponse:
    command = schemas.CalendarRemoveCommand(day=day)
    return await submit(request, command, caller, key)


# --- reading ------------------------------------------------------------------------------------


@router.get(
    "/audits/{audit_id}",
    responses=error_responses(401, 404, 422),
    summary="An audit with every revision (who changed what, and why)",
)
async def get_audit(caller: Caller, db: Sessions, audit_id: uuid.UUID) -> dict[str, Any]:
    async with db() as session:
        return await views.audit_detail(session, caller, str(audit_id))


@router.get(
    "/self-assessments",
    responses=error_responses(401, 422),
    summary="Self-assessments of a month the caller may see (their own, or their units')",
)
async def list_self_assessments(
    caller: Caller,
    db: Sessions,
    period: Annotated[MonthKey, Query(description="YYYY-MM")],
    status: Annotated[
        Literal["submitted", "approved", "adjusted", "returned"] | None, Query()
    ] = None,
) -> dict[str, Any]:
    async with db() as session:
        rows = await views.self_assessment_list(session, caller, period, status)
    return {"self_assessments": rows}


@router.get(
    "/corrective-actions",
    responses=error_responses(401, 422),
    summary="Corrective actions of the caller's units (or owned by the caller)",
)
async def list_corrective_actions(
    caller: Caller,
    db: Sessions,
    period: Annotated[MonthKey | None, Query(description="YYYY-MM")] = None,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
) -> dict[str, Any]:
    async with db() as session:
        rows = await views.corrective_action_list(session, caller, period, status)
    return {"corrective_actions": rows}


router.include_router(admin.router)
