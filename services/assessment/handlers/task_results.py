"""Task points (0-70) of a person for a month, and whether a disciplinary measure disqualifies
them: from the HR integration, or, in a ward without an HR system, from the leader who reviews the
person's "+" self-assessment (``domain/graders.py``: their unit head; for a unit head, the
vice-chairman in charge of the unit or the chairman; for a vice-chairman, the chairman), with a
note saying where the points come from.

The last one recorded wins, whoever recorded it (``task_results`` holds it); every recording is
kept as it was in ``task_result_records`` (who, with which role, when, the points, the
disqualifier and the note), and each is published as ``assessment.task_result.recorded`` with
its ``source`` and ``note``."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Row

from contracts import intake as schemas
from contracts.events import TaskResultRecorded, TaskResultRecordedData
from contracts.roles import Role
from services.assessment.adapters import task_results
from services.assessment.domain.graders import grading_refusal
from services.assessment.handlers.common import (
    Context,
    check_period_in_window,
    check_period_open,
    find_person,
    optional_text,
)
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork

#: Who may ask to record task results: the HR integration, or a leader who grades people (the
#: org chart then decides whom they grade).
RECORDERS = frozenset({Role.INTEGRATION, Role.UNIT_HEAD, Role.VICE_CHAIRMAN, Role.CHAIRMAN})

Source = Literal["integration", "leader"]


async def _recorder(uow: UnitOfWork, context: Context, person: Row[Any]) -> tuple[Source, str]:
    """Which recorder the caller is, and with which role (as the org chart has it now).

    The HR integration records anyone's. Anyone else must be the person's grader in the org
    chart as it is now, whatever their token says (``domain/graders.py``, the rule the "+"
    review follows): 403 ``own_task_result`` for one's own points (nobody grades themself),
    403 ``not_grader_of_person`` for anyone else's they do not grade."""
    principal = context.principal
    if principal.role is Role.INTEGRATION:
        return "integration", principal.role.value
    grader = context.seat
    refusal = grading_refusal(grader, person.person_id, person.role, person.unit_id)
    if refusal == "own":
        raise Refusal(Kind.FORBIDDEN, "own_task_result", "person_id")
    if refusal is not None:
        raise Refusal(Kind.FORBIDDEN, "not_grader_of_person", "person_id")
    return "leader", grader.role


async def record_task_result(
    uow: UnitOfWork, context: Context, body: schemas.TaskResultIn
) -> dict[str, Any]:
    """Record a person's task points for a month (``body.period`` YYYY-MM, ``points`` 0-70).

    Errors: 422 ``unknown_person`` (``person_id``); 403 as ``_recorder`` says; 422
    ``required`` (``note``) when a leader gives no note; 422 ``future_period``; 409
    ``period_closed``. Returns what is now in force, with its source."""
    person = await find_person(uow.session, context.ward, body.person_id, "person_id")
    source, role = await _recorder(uow, context, person)
    note = optional_text(body.note)
    if source == "leader" and note is None:
        raise Refusal(Kind.INVALID, "required", "note")
    check_period_in_window(body.period, context)
    await check_period_open(uow.session, context, body.period)
    # The person, month, points and disqualifier as sent; the note as kept, and its source.
    data = TaskResultRecordedData(**body.model_dump(exclude={"note"}), source=source, note=note)
    await task_results.record(
        uow.session, context.ward, data, context.principal.subject_id, role, context.now
    )
    uow.emit(TaskResultRecorded(**context.envelope(), data=data))
    return data.model_dump()
