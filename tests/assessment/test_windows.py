"""What a person sends must make sense before it is accepted: every date within the window the
policy sets once (``domain/window.py``), every flag a JSON boolean and every number a JSON
number, and no submission into a month whose close day is over, whether or not the automatic
close has run for it. Real NATS, real PostgreSQL."""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import select

from contracts import intake as schemas
from contracts.catalog import Catalog, default_catalog
from contracts.common import LOCAL_TZ
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters.tables import corrective_actions, periods
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.domain.self_assessments import PlusScore
from services.assessment.domain.window import (
    check_calendar_day,
    check_due,
    check_moment,
    check_month,
    first_day,
)
from services.assessment.handlers import audits as audit_handlers
from services.assessment.handlers import periods as period_handlers
from services.assessment.handlers import self_assessments as plus_handlers
from services.assessment.handlers.common import Context, period_is_open
from services.assessment.settings import shipped_policy
from services.runtime.auth import Principal
from services.runtime.clock import wall
from services.runtime.db import transaction
from services.runtime.refusals import Refusal
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    HEAD_KT,
    HR,
    KIOSK,
    STAFF_KT,
    audit_body,
    now_local,
    plus_body,
    this_month,
    unit_at,
)
from tests.assessment.test_corrective_actions import CHAIRMAN, closed_actions
from tests.assessment.test_rules import refused

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

WARD = "binh-dong"
#: The day the defects were found: Monday 30/11/2026, Vietnam time.
REPORTED = datetime(2026, 11, 30, 10, 0, tzinfo=LOCAL_TZ)


# --- dates ----------------------------------------------------------------------------------------


async def test_a_reopen_due_9999_12_31_is_refused_in_both_languages(service) -> None:
    _, (action,) = await closed_actions(service, 1)
    path = f"/v1/corrective-actions/{action}/reopen"
    body = {"reason": "x", "due_on": "9999-12-31"}
    error = await refused(service, path, body, CHAIRMAN, 422, "date_out_of_window", "due_on")
    assert "31/12/9999" in error["message"] and "nằm ngoài khoảng cho phép" in error["message"]
    english = await service.http.post(
        path, json=body, headers={**CHAIRMAN, "Accept-Language": "en"}
    )
    assert english.status_code == 422
    assert "outside the allowed window" in english.json()["error"]["message"]


def test_the_window_of_dates_is_decided_once() -> None:
    policy = shipped_policy()
    assert check_due(date(2027, 11, 30), policy, REPORTED) == date(2027, 11, 30)
    assert check_calendar_day(date(2027, 12, 31), policy, REPORTED) == date(2027, 12, 31)
    assert check_month("2025-01", policy, REPORTED) == Month(2025, 1)
    for check, value, code in [
        (check_due, date(2027, 12, 1), "date_out_of_window"),  # 366 days ahead
        (check_due, date(9999, 12, 31), "date_out_of_window"),
        (check_due, date(2026, 11, 30), "due_not_future"),
        (check_calendar_day, date(2028, 1, 3), "calendar_year"),
        (check_calendar_day, date(2026, 11, 27), "past_day"),
        (check_month, "2024-12", "period_out_of_window"),
        (check_month, "0000-01", "period_out_of_window"),
        (check_month, "2026-12", "future_period"),
    ]:
        with pytest.raises(Refusal) as refused_:
            check(value, policy, REPORTED)  # type: ignore[operator]
        assert refused_.value.code == code, (check, value)


def test_a_moment_out_of_the_window_is_told_by_its_date_in_vietnam() -> None:
    """A moment sent with another offset is refused and shown by its day in Vietnam: Tokyo's
    00:30 on 1 January 2025 is 31/12/2024 here, before the window's first day 01/01/2025 (it
    once read "01/01/2025 is outside 01/01/2025 .. 30/11/2026")."""
    tokyo = datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=9)))
    with pytest.raises(Refusal) as refusal:
        check_moment(tokyo, shipped_policy(), REPORTED, "performed_at")
    assert refusal.value.code == "date_out_of_window"
    assert refusal.value.params == {
        "value": "31/12/2024",
        "first": "01/01/2025",
        "last": "30/11/2026",
    }


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(),
    moment=st.datetimes(timezones=st.timezones()),
    now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2040, 1, 1)),
)
def test_every_date_is_inside_its_window_or_refused_as_such(
    day: date, moment: datetime, now: datetime
) -> None:
    """Whatever date arrives: accepted only inside its window, otherwise a ``Refusal`` 422
    (never an overflow or any other exception reaching the client)."""
    policy, now = shipped_policy(), now.replace(tzinfo=UTC)
    today = now.astimezone(LOCAL_TZ).date()
    checks = [
        (check_due, day, lambda: today < day <= today + timedelta(days=policy.due_horizon_days)),
        (check_calendar_day, day, lambda: today <= day and day.year <= today.year + 1),
        (check_month, f"{day.year:04d}-{day.month:02d}", lambda: today.year - 1 <= day.year),
    ]
    for check, value, inside in checks:
        try:
            check(value, policy, now)  # type: ignore[operator]
        except Refusal as refusal:
            assert refusal.status == 422
        else:
            assert inside(), (check, value)
    try:
        check_moment(moment, policy, now, "performed_at")
    except Refusal as refusal:
        assert refusal.field == "performed_at"
    else:
        assert moment <= now + policy.clock_skew
        assert Month.of(moment).year >= today.year - 1


async def test_dates_outside_the_window_are_refused_at_every_entry(service) -> None:
    ancient = {
        **audit_body("vhxh"),
        "period": "0001-01",
        "performed_at": "0001-01-01T00:00:00+14:00",
    }
    await refused(
        service, "/v1/audits", ancient, AUDITOR_KT, 422, "date_out_of_window", "performed_at"
    )
    old = {"person_id": "p012", "period": "2019-01", "points": 60}
    await refused(service, "/v1/task-results", old, HR, 422, "period_out_of_window", "period")
    await refused(
        service,
        "/v1/self-assessments",
        plus_body(period="0000-01"),
        STAFF_KT,
        422,
        "period_out_of_window",
        "period",
    )
    for action in ("close", "reopen"):
        await refused(
            service,
            f"/v1/periods/0000-01/{action}",
            {"reason": "x"},
            ADMIN,
            422,
            "period_out_of_window",
            "period",
        )


# --- strict flags and numbers ---------------------------------------------------------------------

#: A valid-looking body of every body model (its scalars are what the sweep replaces), and where
#: it is sent. Values need not pass the business rules: a wrong type is refused before them.
CATALOG = default_catalog().model_dump(mode="json", by_alias=True)
CASES: list[tuple[type[BaseModel], str, str, dict[str, str], dict[str, Any]]] = [
    (schemas.AuditIn, "POST", "/v1/audits", AUDITOR_KT, audit_body("vhxh")),
    (
        schemas.AuditAmendIn,
        "POST",
        f"/v1/audits/{uuid.uuid4()}/amend",
        AUDITOR_KT,
        {"items": audit_body("vhxh")["items"], "reason": "x"},
    ),
    (schemas.SelfAssessmentIn, "POST", "/v1/self-assessments", STAFF_KT, plus_body()),
    (
        schemas.ReviewIn,
        "POST",
        f"/v1/self-assessments/{uuid.uuid4()}/review",
        HEAD_KT,
        {"outcome": "adjusted", "reason": "x", "items": plus_body()["items"]},
    ),
    (
        schemas.FeedbackIn,
        "POST",
        "/v1/feedback",
        KIOSK,
        {"unit_id": "kt", "level": 5, "contact_consent": False},
    ),
    (
        schemas.InitiativeIn,
        "POST",
        "/v1/initiatives",
        STAFF_KT,
        {"title": "x", "problem": "x", "proposal": "x", "expected_effect": "x", "by_unit": False},
    ),
    (schemas.RatingCodesIn, "POST", "/v1/rating-codes", HEAD_KT, {"unit_id": "kt", "count": 2}),
    (
        schemas.TaskResultIn,
        "POST",
        "/v1/task-results",
        HR,
        {"person_id": "p012", "period": this_month(), "points": 60, "disqualified": False},
    ),
    (
        schemas.CalendarDayIn,
        "PUT",
        "/v1/calendar/days/2027-01-09",
        ADMIN,
        {"working": True, "reason": "x"},
    ),
    (
        schemas.DeviceIn,
        "PUT",
        "/v1/org/devices/kiosk-x?reason=x",
        ADMIN,
        {"role": "kiosk", "label_vi": "x", "label_en": "x", "active": True},
    ),
    (
        Catalog,
        "POST",
        "/v1/catalog?reason=x",
        ADMIN,
        default_catalog().model_dump(mode="json", by_alias=True),
    ),
]
WRONG = {
    bool: ["yes", "true", "no", 1, 0, "1"],
    int: [True, "3", 3.5, "x"],
    float: [True, "65", "x"],
}


def _scalar(annotation: Any) -> type | None:
    """bool, int or float when the annotation is one (optional or annotated), else None."""
    for kind in (bool, int, float):
        if annotation is kind:
            return kind
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _scalar(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found = {_scalar(a) for a in typing.get_args(annotation) if a is not type(None)} - {None}
        return found.pop() if len(found) == 1 else None
    return None


def _paths(model: type[BaseModel], value: Any, at: tuple[Any, ...] = ()) -> list[tuple]:
    """(path, type) of every bool, int and float field in ``value`` (a body of ``model``),
    into nested models, lists and tuples."""
    found: list[tuple] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if not isinstance(value, dict) or key not in value:
            if _scalar(info.annotation) is not None:
                raise AssertionError(f"{model.__name__}.{name}: add it to the sweep's body")
            continue
        found += _walk(info.annotation, value[key], (*at, key))
    return found


def _walk(annotation: Any, value: Any, at: tuple[Any, ...]) -> list[tuple]:
    kind = _scalar(annotation)
    if kind is not None:
        return [(at, kind)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _paths(annotation, value, at) if isinstance(value, dict) else []
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _walk(args[0], value, at)
    if origin in (typing.Union, types.UnionType):
        return [p for arg in args if arg is not type(None) for p in _walk(arg, value, at)]
    if origin in (list, tuple) and isinstance(value, list):
        each = [args[min(i, len(args) - 1)] for i in range(len(value))]
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            each = [args[0]] * len(value)
        return [p for i, v in enumerate(value) for p in _walk(each[i], v, (*at, i))]
    return []


def _replaced(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[path[0]] = _replaced(body[path[0]], path[1:], new)  # type: ignore[index]
    return copy


def _field(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def test_the_sweep_covers_every_body_model() -> None:
    bodies = {case[0] for case in CASES}
    models = {
        m
        for m in vars(schemas).values()
        if isinstance(m, type) and issubclass(m, schemas.Body) and m is not schemas.Body
    }
    # Commands are the path-addressed bodies plus an id; items are swept inside their bodies.
    inner = {schemas.AuditItemIn, schemas.PlusItemIn}
    covered = bodies | inner | {m for m in models if m.__name__.endswith("Command")}
    with_scalars = {
        m for m in models if any(_scalar(f.annotation) for f in m.model_fields.values())
    }
    assert with_scalars <= covered, with_scalars - covered


@pytest.mark.parametrize(
    ("model", "method", "path", "headers", "body"), CASES, ids=[c[0].__name__ for c in CASES]
)
async def test_flags_and_numbers_take_only_their_json_type(
    service, model, method, path, headers, body
) -> None:
    fields = _paths(model, body)
    assert fields, "the sweep found no flag or number to try"
    before = await service.stored()
    for where, kind in fields:
        for wrong in WRONG[kind]:
            answer = await service.http.request(
                method, path, json=_replaced(body, where, wrong), headers=headers
            )
            assert answer.status_code == 422, (where, wrong, answer.text)
            assert answer.json()["error"]["field"] == _field(where), (where, wrong, answer.text)
    assert await service.stored() == before


async def test_the_given_loose_values_are_refused(service) -> None:
    base = {"person_id": "p012", "period": this_month(), "points": 60}
    for wrong in ("yes", 1):
        body = {**base, "disqualified": wrong}
        await refused(service, "/v1/task-results", body, HR, 422, "not_a_boolean", "disqualified")
    for wrong in (True, "65"):
        body = {**base, "points": wrong}
        await refused(service, "/v1/task-results", body, HR, 422, "not_a_number", "points")
    answer = await service.http.put(
        "/v1/calendar/days/2027-01-09", json={"working": "no", "reason": "x"}, headers=ADMIN
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "working"


# --- old months -----------------------------------------------------------------------------------


def context(principal: Principal, now: datetime) -> Context:
    return Context(principal, shipped_policy(), now)


AUDITOR = Principal("p011", WARD, Role.AUDITOR, "kt")
STAFF = Principal("p012", WARD, Role.STAFF, "kt")
MANAGER = Principal("p006", WARD, Role.ADMIN, "vp")


def june_audit() -> AuditDraft:
    catalog = default_catalog()
    performed = datetime.combine(date(2026, 6, 15), time(9, 30), LOCAL_TZ)
    items = [ItemInput(code, 1 if code.endswith(".1") else 3) for code in catalog.audit_items]
    return AuditDraft("vhxh", "2026-06", performed, catalog.version, items)


def january_plus() -> list[PlusScore]:
    return [PlusScore(code, 3) for code in default_catalog().plus_items]


async def test_months_past_their_close_day_are_closed_whether_or_not_the_job_ran(
    service,
) -> None:
    async with transaction(service.sessions) as session:
        stored = select(periods.c.period).where(periods.c.ward == WARD)
        assert not {"2026-01", "2026-06"} & set((await session.scalars(stored)).all())
    for submit in (
        lambda u: audit_handlers.submit_audit(u, context(AUDITOR, REPORTED), june_audit()),
        lambda u: plus_handlers.submit_self_assessment(
            u, context(STAFF, REPORTED), "2026-01", january_plus()
        ),
    ):
        with pytest.raises(Refusal) as closed:
            async with unit_at(service.sessions, REPORTED) as uow:
                await submit(uow)
        assert (closed.value.status, closed.value.code) == (409, "period_closed")


async def test_an_administrator_reopens_june_and_its_actions_are_due_from_the_audit(
    service,
) -> None:
    async with unit_at(service.sessions, REPORTED) as uow:
        reopened = await period_handlers.reopen_period(
            uow, context(MANAGER, REPORTED), "2026-06", "Nhập bù phiếu tháng 6"
        )
    # Open again until Wednesday 2 December: 2 working days from Monday 30 November.
    assert reopened == {"period": "2026-06", "status": "reopened", "closes_on": "2026-12-02"}
    async with unit_at(service.sessions, REPORTED) as uow:
        accepted = await audit_handlers.submit_audit(uow, context(AUDITOR, REPORTED), june_audit())
        assert accepted.corrective_actions
        due = await uow.session.scalar(
            select(corrective_actions.c.due_on).where(
                corrective_actions.c.audit_id == str(accepted.audit_id)
            )
        )
    # Ten working days from Mon 30/11/2026, not from the audit's 15/06/2026 (due 29/06/2026).
    assert due == date(2026, 12, 14)


async def test_the_automatic_close_reaches_back_to_the_ward_s_first_activity(service) -> None:
    early = datetime(2026, 2, 2, 9, 0, tzinfo=LOCAL_TZ)  # January still open
    async with unit_at(service.sessions, early) as uow:
        await plus_handlers.submit_self_assessment(
            uow,
            context(Principal("p013", WARD, Role.STAFF, "kt"), early),
            "2026-01",
            january_plus(),
        )
    async with unit_at(service.sessions, REPORTED) as uow:
        closed = await period_handlers.close_due_periods(uow, shipped_policy())
    months = {period for ward, period in closed if ward == WARD}
    # Every month from January is closed, but June which an administrator reopened.
    assert {"2026-01", "2026-02", "2026-05", "2026-07"} <= months
    assert "2026-06" not in months and "2026-11" not in months
    assert min(months) == "2026-01"


async def test_calendar_days_in_the_past_and_kiosks_reading_the_calendar_are_refused(
    service,
) -> None:
    body = {"working": False, "reason": "Nghỉ bù"}
    answer = await service.http.put("/v1/calendar/days/2020-01-06", json=body, headers=ADMIN)
    assert answer.status_code == 422, answer.text
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("past_day", "day")
    assert "06/01/2020" in answer.json()["error"]["message"]
    removed = await service.http.delete("/v1/calendar/days/2026-01-02", headers=ADMIN)
    assert removed.status_code == 422 and removed.json()["error"]["code"] == "past_day"
    far = await service.http.put("/v1/calendar/days/2100-01-04", json=body, headers=ADMIN)
    assert far.status_code == 422 and far.json()["error"]["code"] == "calendar_year"
    year = now_local().year
    kiosk = await service.http.get("/v1/calendar", params={"year": year}, headers=KIOSK)
    assert kiosk.status_code == 403, kiosk.text
    person = await service.http.get("/v1/calendar", params={"year": year}, headers=STAFF_KT)
    assert person.status_code == 200, person.text


async def test_june_reopened_closes_again_after_its_deadline(service) -> None:
    """June, reopened on Monday 30 November until Wednesday 2 December, is closed again on
    Thursday 3 December: for submissions, and by the automatic close (on PostgreSQL)."""
    thursday = datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL_TZ)
    with pytest.raises(Refusal) as closed:
        async with unit_at(service.sessions, thursday) as uow:
            await audit_handlers.submit_audit(uow, context(AUDITOR, thursday), june_audit())
    assert (closed.value.status, closed.value.code) == (409, "period_closed")
    async with unit_at(service.sessions, thursday) as uow:
        months = await period_handlers.close_due_periods(uow, shipped_policy())
    assert (WARD, "2026-06") in months
    async with transaction(service.sessions) as session:
        status = await session.scalar(
            select(periods.c.status).where(periods.c.ward == WARD, periods.c.period == "2026-06")
        )
    assert status == "closed"


async def test_the_months_listed_are_open_as_a_submission_would_find_them(service) -> None:
    """``GET /v1/periods`` reads the window's months in two queries; each month's ``open`` is
    what ``period_is_open`` (a submission's check) says: two months back closed by hand, three
    back reopened until tomorrow, the current month open, the rest by the ward's calendar (the
    automatic close having closed the months past their deadline)."""
    now = wall()  # the service's clock, which WARD5S_WALL_CLOCK_START moves as well
    closed, reopened = Month.of(now).shift(-2).key, Month.of(now).shift(-3).key
    for month in (closed, reopened):  # by hand, unless the automatic close came first
        answer = await service.http.post(f"/v1/periods/{month}/close", headers=ADMIN)
        assert answer.status_code == 200 or "period_already_closed" in answer.text, answer.text
    tomorrow = (now.astimezone(LOCAL_TZ) + timedelta(days=1)).date().isoformat()
    body = {"reason": "Bổ sung phiếu đánh giá", "closes_on": tomorrow}
    answer = await service.http.post(f"/v1/periods/{reopened}/reopen", json=body, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    listed = (await service.http.get("/v1/periods", headers=AUDITOR_KT)).json()["months"]
    policy = service.app.state.submissions.policy
    async with service.sessions() as session:
        expected = [
            {
                "period": m["period"],
                "open": await period_is_open(session, WARD, policy, m["period"], now),
            }
            for m in listed
        ]
    assert listed == expected
    opened = {m["period"]: m["open"] for m in listed}
    assert opened[Month.of(now).key] and opened[reopened] and not opened[closed]
    assert Month.parse(listed[-1]["period"]) == Month.of_date(first_day(policy, now))
