"""Task points from the HR integration or, in a ward without one, from the leader who reviews
the person's "+" (their unit head; for a unit head, the vice-chairman in charge or the chairman;
for a vice-chairman, the chairman) with a note: the last one recorded wins, every recording is
kept, and each event says who recorded it and why (issue 12, item 2). Real NATS, real
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.assessment.adapters.tables import task_result_records, task_results
from tests.assessment.conftest import HEAD_KT, HEAD_VP, HR, STAFF_KT, this_month
from tests.assessment.test_events import check_event, post_twice
from tests.assessment.test_rules import refused
from tests.conftest import bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

VICE_KT = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))
VICE_VP = bearer("vice_chairman", "p003", "vp", ("ttphcc", "dvcu", "vp"))
CHAIRMAN = bearer("chairman", "p001", "vp")


async def test_the_hr_system_and_the_unit_head_both_record_the_last_one_wins(service) -> None:
    period = this_month()
    path = "/v1/task-results"
    await post_twice(service, path, {"person_id": "p013", "period": period, "points": 52}, HR)
    note = "Theo bảng theo dõi nhiệm vụ tháng của phòng"
    by_head = {"person_id": "p013", "period": period, "points": 61.5, "note": f" {note} "}
    answer = await post_twice(service, path, by_head, HEAD_KT)
    assert answer == {
        "person_id": "p013",
        "period": period,
        "points": 61.5,
        "disqualified": False,
        "source": "leader",
        "note": note,
    }
    events = await service.settled_events(2, person_id="p013", period=period)
    recorded = [check_event(m, "assessment.task_result.recorded") for m in events]
    assert [(e["data"]["source"], e["data"]["note"], e["data"]["points"]) for e in recorded] == [
        ("integration", None, 52.0),
        ("leader", note, 61.5),
    ]
    assert [e["actor"] for e in recorded] == [
        {"kind": "integration", "id": "hr-sync"},
        {"kind": "person", "id": "p010"},
    ]

    # The HR system's next recording wins again.
    sanction = {"person_id": "p013", "period": period, "points": 40, "disqualified": True}
    await post_twice(service, path, sanction, HR)
    async with service.sessions() as session:
        current = (
            await session.execute(select(task_results).where(task_results.c.person_id == "p013"))
        ).one()
        kept = (
            await session.execute(
                select(task_result_records)
                .where(task_result_records.c.person_id == "p013")
                .order_by(task_result_records.c.record_id)
            )
        ).all()
    assert (current.points, current.disqualified, current.source, current.note) == (
        40.0,
        True,
        "integration",
        None,
    )
    assert [(r.points, r.source, r.recorded_by, r.role, r.note) for r in kept] == [
        (52.0, "integration", "hr-sync", "integration", None),
        (61.5, "leader", "p010", "unit_head", note),
        (40.0, "integration", "hr-sync", "integration", None),
    ]

    seen = await service.http.get(f"/v1/task-results/p013/{period}", headers=HEAD_KT)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert [h["source"] for h in body["history"]] == ["integration", "leader", "integration"]
    assert body["current"]["points"] == 40.0 and body["current"]["disqualified"] is True
    for caller in (VICE_KT, bearer("staff", "p013", "kt")):
        assert (
            await service.http.get(f"/v1/task-results/p013/{period}", headers=caller)
        ).is_success
    other = await service.http.get(f"/v1/task-results/p013/{period}", headers=HEAD_VP)
    assert other.status_code == 403
    nobody = await service.http.get(f"/v1/task-results/p999/{period}", headers=HR)
    assert nobody.status_code == 404


async def test_who_may_record_and_with_what(service) -> None:
    path = "/v1/task-results"
    body = {"person_id": "p014", "period": this_month(), "points": 60, "note": "Theo dõi"}
    # Another unit's head, even with a token that says otherwise: the org chart decides.
    await refused(service, path, body, HEAD_VP, 403, "not_grader_of_person", "person_id")
    stale = bearer("unit_head", "p004", "kt")
    await refused(service, path, body, stale, 403, "not_grader_of_person", "person_id")
    own = {**body, "person_id": "p010"}
    await refused(service, path, own, HEAD_KT, 403, "own_task_result", "person_id")
    await refused(service, path, body, STAFF_KT, 403, "forbidden")
    # A vice-chairman grades unit heads, not their people.
    await refused(service, path, body, VICE_KT, 403, "not_grader_of_person", "person_id")
    no_note = {k: v for k, v in body.items() if k != "note"}
    error = await refused(service, path, no_note, HEAD_KT, 422, "required", "note")
    assert error["message"] == "Thiếu trường bắt buộc."
    await refused(service, path, {**body, "note": "   "}, HEAD_KT, 422, "required", "note")
    await refused(service, path, {**body, "note": "x" * 1001}, HEAD_KT, 422, "too_long", "note")
    # The HR integration needs no note.
    answer = await service.http.post(path, json=no_note, headers=HR)
    assert answer.status_code == 201 and answer.json()["source"] == "integration"


async def test_a_unit_heads_points_come_from_whoever_reviews_their_plus(service) -> None:
    """In a ward without an HR system, a unit head's points are recorded by the vice-chairman
    in charge of the unit or by the chairman, a vice-chairman's by the chairman; as the org
    chart has it now, never by themselves."""
    period = this_month()
    path = "/v1/task-results"
    note = "Theo kết quả giao ban tháng của UBND phường"
    head_kt = {"person_id": "p010", "period": period, "points": 63, "note": note}
    answer = await post_twice(service, path, head_kt, VICE_KT)
    assert (answer["source"], answer["points"], answer["note"]) == ("leader", 63.0, note)
    (event,) = await service.settled_events(1, person_id="p010", period=period)
    recorded = check_event(event, "assessment.task_result.recorded")
    assert recorded["actor"] == {"kind": "person", "id": "p002"}
    assert (recorded["data"]["source"], recorded["data"]["points"]) == ("leader", 63.0)
    seen = await service.http.get(f"/v1/task-results/p010/{period}", headers=VICE_KT)
    assert seen.status_code == 200, seen.text
    assert [
        (h["recorded_by"], h["role"], h["source"], h["note"]) for h in seen.json()["history"]
    ] == [("p002", "vice_chairman", "leader", note)]

    # The vice-chairman in charge of other units may not, even with a token that claims kt.
    await refused(service, path, head_kt, VICE_VP, 403, "not_grader_of_person", "person_id")
    claims_kt = bearer("vice_chairman", "p003", "vp", ("kt",))
    await refused(service, path, head_kt, claims_kt, 403, "not_grader_of_person", "person_id")
    # Nor does a head record their own, nor a vice-chairman theirs, nor the chairman theirs.
    await refused(service, path, head_kt, HEAD_KT, 403, "own_task_result", "person_id")
    vice = {**head_kt, "person_id": "p002"}
    await refused(service, path, vice, VICE_KT, 403, "own_task_result", "person_id")
    chairman = {**head_kt, "person_id": "p001"}
    await refused(service, path, chairman, CHAIRMAN, 403, "own_task_result", "person_id")
    # Nobody in the ward grades the chairman: their points come from the HR system.
    await refused(service, path, chairman, VICE_KT, 403, "not_grader_of_person", "person_id")
    assert (await service.http.post(path, json=chairman, headers=HR)).status_code == 201
    # A leader, too, says where the points come from.
    no_note = {k: v for k, v in head_kt.items() if k != "note"}
    await refused(service, path, no_note, VICE_KT, 422, "required", "note")

    # The chairman records a vice-chairman's and any unit head's; the last one wins.
    for person_id, points in (("p002", 66), ("p004", 58.5), ("p010", 64)):
        body = {"person_id": person_id, "period": period, "points": points, "note": note}
        answer = await post_twice(service, path, body, CHAIRMAN)
        assert (answer["person_id"], answer["source"], answer["points"]) == (
            person_id,
            "leader",
            float(points),
        )
    async with service.sessions() as session:
        current = (
            await session.execute(select(task_results).where(task_results.c.person_id == "p010"))
        ).one()
        kept = (
            await session.execute(
                select(task_result_records.c.person_id, task_result_records.c.role)
                .where(task_result_records.c.recorded_by == "p001")
                .order_by(task_result_records.c.record_id)
            )
        ).all()
    assert (current.points, current.source_id, current.source) == (64.0, "p001", "leader")
    assert [tuple(r) for r in kept] == [
        ("p002", "chairman"),
        ("p004", "chairman"),
        ("p010", "chairman"),
    ]
