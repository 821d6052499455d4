"""The ward's working calendar as assessment owns it: stored from the shipped files when the
ward's org chart is first loaded, changed by administrators through the API, published whole as
``assessment.calendar.published`` (version + 1) on every change, and used by assessment's own
deadlines and automatic close. Real NATS, real PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from contracts.common import LOCAL_TZ
from contracts.envelope import SYSTEM
from contracts.events import CalendarDay, CalendarPublishedData
from contracts.periods import Month
from services.assessment.adapters.tables import periods, wards
from services.assessment.handlers.calendar import ensure_known_calendars
from services.assessment.handlers.common import ward_policy
from services.assessment.handlers.periods import close_due_periods
from services.assessment.settings import shipped_policy
from services.runtime.workdays import WorkingCalendar
from tests.assessment.conftest import ADMIN, AUDITOR_KT, HEAD_KT, audit_body, now_local, unit_at
from tests.assessment.test_events import check_event

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

TYPE = "assessment.calendar.published"


async def published(service, version: int) -> CalendarPublishedData:
    """The one calendar event of this version of the demo ward."""
    found = await service.settled_events(1, version=version)
    mine = [m for m in found if m["event"]["type"] == TYPE]
    assert len(mine) == 1, mine
    event = check_event(mine[0], TYPE)
    assert event["ward"] == "binh-dong"
    return CalendarPublishedData.model_validate(event["data"])


async def test_the_shipped_calendar_is_stored_and_published_with_the_org_chart(service) -> None:
    first = await published(service, 1)
    assert first.days == shipped_policy().calendar_seed
    assert {(d.day, d.working) for d in first.days} >= {
        (date(2026, 1, 2), False),
        (date(2026, 1, 10), True),
        (date(2026, 8, 22), True),
        (date(2025, 4, 26), True),
    }
    answer = await service.http.get("/v1/calendar", params={"year": 2026}, headers=HEAD_KT)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["version"] >= 1
    declared = {d["day"]: d for d in body["declared"]}
    assert declared["2026-01-10"]["working"] is True
    assert "12729/VPCP-KGVX" in declared["2026-01-10"]["reason"]
    assert {"day": "2026-02-17", "name": "Tết Nguyên Đán"} in body["public_holidays"]
    assert body["weekend_workdays"] == ["2026-08-22"]
    assert all(d["day"].startswith("2026-") for d in body["declared"])


async def test_an_administrator_declares_and_removes_days(service) -> None:
    day_off, make_up = "2027-03-15", "2027-03-20"  # a Monday, a Saturday
    start = (await service.http.get("/v1/calendar", params={"year": 2027}, headers=ADMIN)).json()
    version = start["version"]
    body = {"working": False, "reason": "Nghỉ bù ngày hội của phường (Quyết định 12/QĐ-UBND)"}
    answer = await post_twice_put(service, f"/v1/calendar/days/{day_off}", body)
    assert answer == {
        "day": day_off,
        "declared": True,
        "working": False,
        "reason": body["reason"],
        "version": version + 1,
    }
    data = await published(service, version + 1)
    assert CalendarDay(day=date(2027, 3, 15), working=False, reason=body["reason"]) in data.days
    assert not WorkingCalendar.from_contract(data).is_working_day(date(2027, 3, 15))

    # The same declaration again changes nothing and publishes nothing.
    again = await service.http.put(f"/v1/calendar/days/{day_off}", json=body, headers=ADMIN)
    assert again.json()["version"] == version + 1

    worked = {"working": True, "reason": "Làm bù cho thứ Hai 15/03/2027"}
    answer = await post_twice_put(service, f"/v1/calendar/days/{make_up}", worked)
    assert answer["version"] == version + 2
    ward_calendar = WorkingCalendar.from_contract(await published(service, version + 2))
    assert ward_calendar.is_working_day(date(2027, 3, 20))
    assert ward_calendar.add_working_days(date(2027, 3, 12), 1) == date(2027, 3, 16)

    removed = await service.http.delete(f"/v1/calendar/days/{day_off}", headers=ADMIN)
    assert removed.status_code == 200, removed.text
    assert removed.json() == {
        "day": day_off,
        "declared": False,
        "working": True,
        "version": version + 3,
    }
    data = await published(service, version + 3)
    assert date(2027, 3, 15) not in {d.day for d in data.days}
    assert date(2027, 3, 20) in {d.day for d in data.days}
    # Every earlier declaration is still there: the event is the whole calendar.
    assert set(shipped_policy().calendar_seed) <= set(data.days)


async def post_twice_put(service, path: str, body: dict) -> dict:
    """PUT, then retry with the same Idempotency-Key: the same answer, nothing new stored."""
    headers = {**ADMIN, "Idempotency-Key": f"k-{path}-{body['working']}"}
    first = await service.http.put(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    staged = await service.stored()
    again = await service.http.put(path, json=body, headers=headers)
    assert again.json() == first.json()
    assert await service.stored() == staged
    return first.json()  # type: ignore[no-any-return]


async def refused(service, method: str, path: str, body, headers, status, code, field) -> dict:
    staged = await service.stored()
    answer = await service.http.request(method, path, json=body, headers=headers)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field), error
    assert await service.stored() == staged
    return error  # type: ignore[no-any-return]


async def test_pointless_or_unauthorised_declarations_are_refused(service) -> None:
    path = "/v1/calendar/days/{}"
    off = {"working": False, "reason": "Nghỉ"}
    on = {"working": True, "reason": "Làm bù"}
    error = await refused(
        service, "PUT", path.format("2027-03-13"), off, ADMIN, 422, "day_already_off", "working"
    )
    assert "13/03/2027" in error["message"] and "ngày nghỉ" in error["message"]
    english = await refused(
        service,
        "PUT",
        path.format("2027-03-16"),
        on,
        {**ADMIN, "Accept-Language": "en"},
        422,
        "day_already_working",
        "working",
    )
    assert english["message"].startswith("16/03/2027 is a working day already")
    await refused(
        service,
        "PUT",
        path.format("2027-03-16"),
        {"working": False},
        ADMIN,
        422,
        "required",
        "reason",
    )
    await refused(service, "PUT", path.format("2027-03-16"), off, HEAD_KT, 403, "forbidden", None)
    await refused(
        service, "DELETE", path.format("2027-03-16"), None, HEAD_KT, 403, "forbidden", None
    )
    await refused(service, "PUT", path.format("2027-02-30"), off, ADMIN, 422, "bad_date", "day")
    await refused(
        service,
        "DELETE",
        path.format("2027-03-17"),
        None,
        ADMIN,
        404,
        "calendar_day_not_declared",
        "day",
    )
    answer = await service.http.get("/v1/calendar", params={"year": 1999}, headers=ADMIN)
    assert answer.status_code == 422


async def test_assessment_deadlines_count_the_ward_s_days(service) -> None:
    today = now_local().date()
    national = shipped_policy()
    first_working = national.calendar.add_working_days(today, 1)
    body = {"working": False, "reason": "Nghỉ đột xuất theo chỉ đạo của UBND phường"}
    put = await service.http.put(
        f"/v1/calendar/days/{first_working.isoformat()}", json=body, headers=ADMIN
    )
    assert put.status_code == 200, put.text
    audit = audit_body("vhxh", lambda code: 1 if code.startswith("S1") else 3)
    answer = await service.http.post("/v1/audits", json=audit, headers=AUDITOR_KT)
    assert answer.status_code == 201, answer.text
    opened = await service.settled_events(1, audit_id=answer.json()["audit_id"])
    dues = {
        m["event"]["data"]["due_on"]
        for m in opened
        if m["event"]["type"] == "assessment.corrective_action.opened"
    }
    performed = datetime.fromisoformat(audit["performed_at"])
    async with service.sessions() as session:
        ward = await ward_policy(session, "binh-dong", national)
    expected = ward.corrective_action_due(performed)
    assert dues == {expected.isoformat()}
    # One working day later than the national calendar alone would say.
    assert national.calendar.add_working_days(national.corrective_action_due(performed), 1) == (
        expected
    )


async def test_the_automatic_close_counts_the_ward_s_days(service) -> None:
    # October 2027 would close after Mon 8 November (its 6th working day); the ward is off that
    # day, so it closes after Tue 9 November.
    put = await service.http.put(
        "/v1/calendar/days/2027-11-08",
        json={"working": False, "reason": "Nghỉ theo quyết định của phường"},
        headers=ADMIN,
    )
    assert put.status_code == 200, put.text
    policy = shipped_policy()
    assert policy.close_day(Month(2027, 10)) == date(2027, 11, 8)

    async def close_at(day: date) -> list[tuple[str, str]]:
        moment = datetime.combine(day, datetime.min.time(), LOCAL_TZ) + timedelta(hours=9)
        async with unit_at(service.sessions, moment) as uow:
            return await close_due_periods(uow, policy)

    assert ("binh-dong", "2027-10") not in await close_at(date(2027, 11, 9))
    assert ("binh-dong", "2027-10") in await close_at(date(2027, 11, 10))
    async with service.sessions() as session:
        status = await session.scalar(select(periods.c.status).where(periods.c.period == "2027-10"))
    assert status == "closed"


async def test_wards_without_a_calendar_get_one_at_start_up(service) -> None:
    now = now_local()
    async with unit_at(service.sessions, now) as uow:
        await uow.session.execute(
            wards.insert().values(ward="phu-my", name="Phú Mỹ", org_version=1)
        )
        seeded = await ensure_known_calendars(uow, shipped_policy(), SYSTEM)
        again = await ensure_known_calendars(uow, shipped_policy(), SYSTEM)
    assert (seeded, again) == (["phu-my"], [])
    messages = await service.settled_events(1)
    mine = [m for m in messages if m["event"]["type"] == TYPE and m["event"]["ward"] == "phu-my"]
    assert len(mine) == 1
    assert mine[0]["subject"] == "ward5s.phu-my.assessment.calendar.published"
