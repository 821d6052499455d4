"""Reopening a closed corrective action found not done (issue 12, item 10): by those who check
the work — the auditor who found it, the chairman, the vice-chairman in charge of its unit —
with a reason and a new due date in the ward's working days; refused for an open one, and for
one its audit closed. The org chart's optional columns reach the published chart. Real NATS,
real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.assessment.handlers.common import ward_policy
from services.assessment.settings import shipped_policy
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    AUDITOR_VP,
    HEAD_VP,
    audit_body,
    now_local,
)
from tests.assessment.test_events import check_event, post_twice
from tests.assessment.test_rules import refused
from tests.conftest import bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

HEAD_VHXH = bearer("unit_head", "p017", "vhxh")
CHAIRMAN = bearer("chairman", "p001", "vp")
VICE_VHXH = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))
VICE_OTHERS = bearer("vice_chairman", "p003", "vp", ("ttphcc", "dvcu", "vp"))


async def closed_actions(service, count: int) -> tuple[str, list[str]]:
    """An audit of vhxh by p011 with ``count`` findings, each closed by the unit's head."""
    codes = audit_body("vhxh")["items"][:count]
    low = {item["code"] for item in codes}
    body = audit_body("vhxh", lambda code: 1 if code in low else 3)
    audit = await post_twice(service, "/v1/audits", body, AUDITOR_KT)
    actions = audit["corrective_actions"]
    assert len(actions) == count
    for action in actions:
        path = f"/v1/corrective-actions/{action}/close"
        closed = await service.http.post(path, json={"note": "Đã dọn"}, headers=HEAD_VHXH)
        assert closed.status_code == 200, closed.text
    return audit["audit_id"], actions


async def test_the_auditor_reopens_with_a_due_date_in_working_days(service) -> None:
    _, (action,) = await closed_actions(service, 1)
    path = f"/v1/corrective-actions/{action}/reopen"
    reason = "Kiểm tra lại ngày 20: kho vẫn chưa sắp xếp"
    answer = await post_twice(service, path, {"reason": reason}, AUDITOR_KT)
    async with service.sessions() as session:
        ward = await ward_policy(session, "binh-dong", shipped_policy())
    due = ward.corrective_action_due(now_local())
    assert answer == {
        "action_id": action,
        "status": "open",
        "unit_id": "vhxh",
        "owner_id": "p017",
        "due_on": due.isoformat(),
    }
    events = await service.settled_events(3, action_id=action)
    assert [m["event"]["type"] for m in events] == [
        "assessment.corrective_action.opened",
        "assessment.corrective_action.closed",
        "assessment.corrective_action.reopened",
    ]
    data = check_event(events[-1], "assessment.corrective_action.reopened")["data"]
    assert (data["reopened_by"], data["reason"], data["due_on"], data["owner_id"]) == (
        "p011",
        reason,
        due.isoformat(),
        "p017",
    )
    listed = await service.http.get(
        "/v1/corrective-actions", params={"status": "open"}, headers=HEAD_VHXH
    )
    (row,) = [a for a in listed.json()["corrective_actions"] if a["action_id"] == action]
    assert (row["reopened_by"], row["reopen_reason"], row["due_on"]) == ("p011", reason, str(due))
    # Open again: it cannot be reopened, and its owner can close it once more.
    await refused(service, path, {"reason": "x"}, AUDITOR_KT, 409, "action_open", "action_id")
    close = f"/v1/corrective-actions/{action}/close"
    assert (await service.http.post(close, json={"note": "Xong"}, headers=HEAD_VHXH)).is_success


async def test_who_may_reopen_and_with_what(service) -> None:
    audit_id, (first, second, third) = await closed_actions(service, 3)
    path = f"/v1/corrective-actions/{first}/reopen"
    body = {"reason": "Chưa khắc phục"}
    await refused(service, path, body, AUDITOR_VP, 403, "not_action_checker", "action_id")
    await refused(service, path, body, VICE_OTHERS, 403, "not_action_checker", "action_id")
    await refused(service, path, body, HEAD_VP, 403, "forbidden")
    await refused(service, path, body, HEAD_VHXH, 403, "forbidden")
    await refused(service, path, body, ADMIN, 403, "forbidden")
    await refused(service, path, {}, AUDITOR_KT, 422, "required", "reason")
    today = now_local().date()
    on_today = {**body, "due_on": today.isoformat()}
    await refused(service, path, on_today, AUDITOR_KT, 422, "due_not_future", "due_on")
    unknown = f"/v1/corrective-actions/{uuid.uuid4()}/reopen"
    await refused(service, unknown, body, AUDITOR_KT, 404, "unknown_action", "action_id")

    # The vice-chairman in charge of the unit, with a due date of their own.
    due = (today + timedelta(days=7)).isoformat()
    answer = await service.http.post(path, json={**body, "due_on": due}, headers=VICE_VHXH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["due_on"] == due
    (event,) = [
        m
        for m in await service.settled_events(1, action_id=first)
        if m["event"]["type"] == "assessment.corrective_action.reopened"
    ]
    assert event["event"]["data"]["reopened_by"] == "p002"
    # The chairman may reopen any unit's.
    chairman = await service.http.post(
        f"/v1/corrective-actions/{second}/reopen", json=body, headers=CHAIRMAN
    )
    assert chairman.status_code == 200, chairman.text

    # An action its audit closed is reopened by amending the audit, not by hand.
    withdrawn = await service.http.post(
        f"/v1/audits/{audit_id}/withdraw", json={"reason": "Chấm nhầm đơn vị"}, headers=AUDITOR_KT
    )
    assert withdrawn.status_code == 200, withdrawn.text
    superseded = f"/v1/corrective-actions/{first}/reopen"
    await refused(service, superseded, body, AUDITOR_KT, 409, "action_superseded", "action_id")
    # The third was closed by its owner before the audit was withdrawn: still reopenable.
    third_path = f"/v1/corrective-actions/{third}/reopen"
    assert (await service.http.post(third_path, json=body, headers=AUDITOR_KT)).is_success


async def test_the_org_chart_carries_duty_groups_and_employment_types(service) -> None:
    current = (await service.http.get("/v1/org", headers=ADMIN)).json()
    people = {p["person_id"]: p for p in current["people"]}
    # The demo chart: one-stop counter staff form their own group; two người lao động.
    assert people["p026"]["duty_group"] == "mot_cua"
    assert people["p001"]["duty_group"] is None
    assert {p for p, v in people.items() if v["employment_type"] == "nguoi_lao_dong"} == {
        "p009",
        "p038",
    }
    header = "person_id,full_name,email,role,unit_id,unit_name_vi,unit_name_en,units_in_charge"
    lines = [
        f"{header},duty_group,duty_group_name_vi,duty_group_name_en,employment_type",
        "p001,Trần Quốc Khải,,chairman,vp,Văn phòng,Office,,,,,",
        "p002,Lê Thị Bích Ngọc,,vice_chairman,vp,Văn phòng,Office,kt;vhxh,,,,",
        "p017,Đỗ Thị Phương Thảo,,unit_head,vhxh,Văn hóa,Culture,,,,,",
        "p019,Nguyễn Thị Tuyết Mai,,staff,vhxh,Văn hóa,Culture,,"
        "van_hoa,Nhóm văn hóa,Culture,cong_chuc",
        "p020,Cao Minh Trí,,staff,vhxh,Văn hóa,Culture,,,,,nguoi_lao_dong",
    ]
    csv_headers = {**ADMIN, "Content-Type": "text/csv"}
    chart = "/v1/org/chart?reason=Nh%C3%B3m%20nhi%E1%BB%87m%20v%E1%BB%A5"
    bad = "\n".join([*lines, "p021,Vũ Thị Lan Anh,,staff,vhxh,Văn hóa,Culture,,,,,thoi_vu"])
    refused_answer = await service.http.put(
        chart, content=bad.encode(), headers={**csv_headers, "Accept-Language": "en"}
    )
    assert refused_answer.status_code == 422
    error = refused_answer.json()["error"]
    assert (error["code"], error["field"]) == ("employment_type", "line 7.employment_type")
    assert error["message"].startswith("Line 7, column employment_type")
    answer = await service.http.put(chart, content="\n".join(lines).encode(), headers=csv_headers)
    assert answer.status_code == 200, answer.text
    (published,) = [
        m
        for m in await service.settled_events(1, version=answer.json()["org_version"])
        if m["event"]["type"] == "assessment.org.published"
    ]
    people = {p["person_id"]: p for p in published["event"]["data"]["people"]}
    assert (people["p019"]["duty_group"], people["p019"]["employment_type"]) == (
        "van_hoa",
        "cong_chuc",
    )
    # The group the ward defines goes out with its name (schema version 2).
    assert published["event"]["schema_version"] == 2
    assert published["event"]["data"]["duty_groups"] == [
        {"group_id": "van_hoa", "name": {"vi": "Nhóm văn hóa", "en": "Culture"}}
    ]
    assert (people["p020"]["duty_group"], people["p020"]["employment_type"]) == (
        None,
        "nguoi_lao_dong",
    )
    assert people["p017"]["employment_type"] == "cong_chuc"
