"""Task points (0-70) of a person for a month, and whether a disciplinary measure disqualifies
them: from the HR integration, or, in a ward without an HR system, from the leader who reviews the
person's "+" self-assessment (``domain/graders.py``: their unit head; for a unit head, the
vice-chairman in charge of the unit or the chairman; for a vice-chairman, the chairman), with a
note saying where the points come from.

The last one recorded wins, whoever recorded it (``task_results`` holds it); every recording is
kept as it was in ``task_result_records`` (who, with which role, when, the points, the
disqualifier and the note), and each is published as ``assessment.task_result.recorded`` with
its ``source`` and ``note``.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import TaskResultRecorded, TaskResultRecordedData
from contracts.roles import Role
from services.assessment.adapters.tables import people, plumbing, task_result_records, task_results
from services.assessment.domain.graders import grading_refusal
from services.assessment.handlers import (
    Context,
    check_period_in_window,
    check_period_open,
    find_person,
    seat_of,
)
from services.runtime.auth import Principal
from services.runtime.db import upsert
from services.runtime.errors import ApiError
from services.runtime.outbox import stage

#: Who may ask to record task results: the HR integration, or a leader who grades people (the
#: org chart then decides whom they grade).
RECORDERS = frozenset({Role.INTEGRATION, Role.UNIT_HEAD, Role.VICE_CHAIRMAN, Role.CHAIRMAN})

Source = Literal["integration", "leader"]


async def _recorder(session: AsyncSession, context: Context, person: Any) -> tuple[Source, str]:
    """Which recorder the caller is, and with which role (as the org chart has it now).

    The HR integration records anyone's. Anyone else must be the person's grader in the org
    chart as it is now, whatever their token says (``domain/graders.py``, the rule the "+"
    review follows): 403 ``own_task_result`` for one's own points (nobody grades themself),
    403 ``not_grader_of_person`` for anyone else's they do not grade."""
    principal = context.principal
    if principal.role is Role.INTEGRATION:
        return "integration", principal.role.value
    grader = await seat_of(session, context.ward, principal.subject_id)
    refusal = grading_refusal(grader, person.person_id, person.role, person.unit_id)
    if refusal == "own":
        raise ApiError(403, "own_task_result", "person_id")
    if refusal is not None or grader is None:
        raise ApiError(403, "not_grader_of_person", "person_id")
    return "leader", grader.role


async def record_task_result(
    session: AsyncSession,
    context: Context,
    person_id: str,
    period: str,
    points: float,
    disqualified: bool = False,
    note: str | None = None,
) -> dict[str, Any]:
    """Record a person's task points for a month (``period`` YYYY-MM, ``points`` 0-70).

    Errors (``ApiError``): 422 ``unknown_person`` (``person_id``); 403 as ``_recorder`` says;
    422 ``required`` (``note``) when a leader gives no note; 422 ``future_period``; 409
    ``period_closed``. Returns what is now in force, with its source."""
    person = await find_person(session, context.ward, person_id, "person_id")
    source, role = await _recorder(session, context, person)
    note = note.strip() if note and note.strip() else None
    if source == "leader" and note is None:
        raise ApiError(422, "required", "note")
    check_period_in_window(period, context)
    await check_period_open(session, context, period)
    values = {
        "points": points,
        "disqualified": disqualified,
        "source_id": context.principal.subject_id,
        "recorded_at": context.now,
        "source": source,
        "note": note,
    }
    statement = upsert(session, task_results).values(
        ward=context.ward, person_id=person_id, period=period, **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[task_results.c.ward, task_results.c.person_id, task_results.c.period],
            set_=values,
        )
    )
    await session.execute(
        task_result_records.insert().values(
            ward=context.ward,
            person_id=person_id,
            period=period,
            points=points,
            disqualified=disqualified,
            source=source,
            note=note,
            recorded_by=context.principal.subject_id,
            role=role,
            recorded_at=context.now,
        )
    )
    event = TaskResultRecorded(
        **context.envelope(),
        data=TaskResultRecordedData(
            person_id=person_id,
            period=period,
            points=points,
            disqualified=disqualified,
            source=source,
            note=note,
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return {
        "person_id": person_id,
        "period": period,
        "points": points,
        "disqualified": disqualified,
        "source": source,
        "note": note,
    }


def _may_see(principal: Principal, person: Any) -> bool:
    if principal.role in (Role.INTEGRATION, Role.ADMIN, Role.CHAIRMAN):
        return True
    if principal.subject_id == person.person_id:
        return True
    if principal.role is Role.UNIT_HEAD:
        return principal.unit_id == person.unit_id
    return principal.role is Role.VICE_CHAIRMAN and person.unit_id in principal.units_in_charge


async def task_result_view(
    session: AsyncSession, principal: Principal, person_id: str, period: str
) -> dict[str, Any]:
    """The task result in force for a person and month (None before any) and every recording
    of it, oldest first. Errors: 404 ``unknown_person``; 403 ``forbidden`` unless the caller is
    the person, their unit head, a leader in charge, an administrator or the HR integration."""
    person = (
        await session.execute(
            select(people).where(people.c.ward == principal.ward, people.c.person_id == person_id)
        )
    ).first()
    if person is None:
        raise ApiError(404, "unknown_person", "person_id")
    if not _may_see(principal, person):
        raise ApiError(403, "forbidden")
    rows = (
        await session.execute(
            select(task_result_records)
            .where(
                task_result_records.c.ward == principal.ward,
                task_result_records.c.person_id == person_id,
                task_result_records.c.period == period,
            )
            .order_by(task_result_records.c.record_id)
        )
    ).all()
    history = [
        {
            "points": r.points,
            "disqualified": r.disqualified,
            "source": r.source,
            "note": r.note,
            "recorded_by": r.recorded_by,
            "role": r.role,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for r in rows
    ]
    return {
        "person_id": person_id,
        "period": period,
        "current": history[-1] if history else None,
        "history": history,
    }
