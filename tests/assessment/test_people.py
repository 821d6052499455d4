"""The people of one's units (``GET /v1/people``), for the programme's pages to name people and
offer a follow-up's owner: a unit head lists their unit, a vice-chairman the units in their
charge, judged by the seat the org chart gives now (in-memory SQLite, the demo ward; the roles
through HTTP are the security matrix's row)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.assessment.handlers.seats import current_principal
from services.assessment.views.people import unit_people
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from tests.assessment.test_commands import Ward
from tests.assessment.test_seats import ADMIN, HEAD_KT, VICE_KT, chart

KT_BY_NAME = ["p014", "p013", "p015", "p012", "p011", "p010", "p016"]  # Đạt, Hân, My, Nam, ...


async def listed(sessions: SessionFactory, caller, unit_id: str | None = None) -> list[dict]:
    async with sessions() as session:
        return await unit_people(session, await current_principal(session, caller), unit_id)


async def test_a_unit_head_lists_their_units_people_by_name_in_vietnamese_order(
    demo_sessions: SessionFactory,
) -> None:
    people = await listed(demo_sessions, HEAD_KT)
    assert [p["person_id"] for p in people] == KT_BY_NAME
    assert people[0] == {
        "person_id": "p014",
        "full_name": "Phan Thành Đạt",
        "role": "staff",
        "unit_id": "kt",
    }
    assert await listed(demo_sessions, HEAD_KT, "vp") == []  # not their unit: nobody


async def test_a_vice_chairman_lists_the_units_in_their_charge(demo_sessions) -> None:
    units = {p["unit_id"] for p in await listed(demo_sessions, VICE_KT)}
    assert units == {"kt", "vhxh", "vp"}  # in charge of kt and vhxh; seated in vp
    only = await listed(demo_sessions, VICE_KT, "vhxh")
    assert only and {p["unit_id"] for p in only} == {"vhxh"}


async def test_a_head_moved_to_another_unit_lists_that_units_people(demo_sessions) -> None:
    ward = Ward(demo_sessions, FrozenClock(datetime(2026, 3, 10, 3, tzinfo=UTC)))
    await ward.run(ADMIN, chart(p010={"unit_id": "vhxh"}))
    people = await listed(demo_sessions, HEAD_KT)  # the token still says kt
    assert {p["unit_id"] for p in people} == {"vhxh"}
    assert "p010" in {p["person_id"] for p in people}
