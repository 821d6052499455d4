"""Each kind of submission produces exactly one event with the documented subject and schema;
a retried submission (same Idempotency-Key or Nats-Msg-Id) produces none and gets the first
answer back. Real NATS, real PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from contracts.events import parse_event
from contracts.periods import Month
from contracts.subjects import intake_subject
from services.assessment.adapters.tables import feedback
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    HEAD_KT,
    HR,
    KIOSK,
    STAFF_KT,
    audit_body,
    plus_body,
    this_month,
)
from tests.conftest import token

pytestmark = [pytest.mark.nats, pytest.mark.postgres]
WARD_SUBJECT = "ward5s.binh-dong.assessment."


def keyed(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


async def post_twice(service, path: str, body: dict | None, headers: dict) -> dict:
    """Submit, then retry with the same key: the same answer, nothing new stored."""
    headers = keyed(headers)
    first = await service.http.post(path, json=body, headers=headers)
    assert first.status_code in (200, 201), first.text
    staged = await service.stored()
    again = await service.http.post(path, json=body, headers=headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert await service.stored() == staged
    return first.json()  # type: ignore[no-any-return]


def check_event(message: dict, event_type: str) -> dict:
    """The documented subject, the event id as Nats-Msg-Id, and the contract's schema."""
    assert message["subject"] == WARD_SUBJECT + event_type.removeprefix("assessment.")
    event = parse_event(json.dumps(message["event"]))
    assert event.type == event_type
    assert message["msg_id"] == str(event.event_id)
    return message["event"]  # type: ignore[no-any-return]


async def test_audit_lifecycle_publishes_each_change_once(service) -> None:
    low = {"S1.1", "S2.1"}
    answer = await post_twice(
        service, "/v1/audits", audit_body("vhxh", lambda c: 1 if c in low else 3), AUDITOR_KT
    )
    audit_id = answer["audit_id"]
    assert len(answer["corrective_actions"]) == 2

    events = await service.settled_events(3, audit_id=audit_id)
    by_type = sorted(m["event"]["type"] for m in events)
    assert by_type == [
        "assessment.audit.submitted",
        "assessment.corrective_action.opened",
        "assessment.corrective_action.opened",
    ]
    submitted = check_event(
        next(m for m in events if m["event"]["type"].endswith("submitted")),
        "assessment.audit.submitted",
    )
    assert submitted["data"]["revision"] == 1 and submitted["actor"]["id"] == "p011"
    opened = [check_event(m, "assessment.corrective_action.opened") for m in events[1:]]
    assert {e["data"]["item_code"] for e in opened} == low
    assert {e["data"]["owner_id"] for e in opened} == {"p017"}  # the head of vhxh
    assert len({e["correlation_id"] for e in [submitted, *opened]}) == 1

    # Amend: one more finding; the old ones keep their actions.
    body = audit_body("vhxh", lambda c: 0 if c in {*low, "S3.1"} else 3)
    amend = {"items": body["items"], "reason": "Chấm lại sau khi xem ảnh"}
    amended = await post_twice(service, f"/v1/audits/{audit_id}/amend", amend, AUDITOR_KT)
    assert amended["revision"] == 2 and len(amended["corrective_actions"]) == 1
    events = await service.settled_events(5, audit_id=audit_id)
    amendment = check_event(
        next(m for m in events if m["event"]["type"].endswith("amended")),
        "assessment.audit.amended",
    )
    assert amendment["data"]["replaces"]["revision"] == 1
    assert amendment["data"]["reason"] == "Chấm lại sau khi xem ảnh"

    # Close one corrective action (the unit head), with a note and evidence.
    action = answer["corrective_actions"][0]
    closing = {"note": "Đã sắp xếp lại hồ sơ", "evidence": ["photo-17.jpg"]}
    closed = await post_twice(
        service,
        f"/v1/corrective-actions/{action}/close",
        closing,
        {"Authorization": f"Bearer {token('unit_head', 'p017', 'vhxh')}"},
    )
    assert closed["status"] == "closed"
    (message,) = await service.settled_events(1, action_id=action, closed_by="p017")
    assert check_event(message, "assessment.corrective_action.closed")["data"]["evidence"] == [
        "photo-17.jpg"
    ]

    withdrawn = await post_twice(
        service, f"/v1/audits/{audit_id}/withdraw", {"reason": "Nhầm đơn vị"}, AUDITOR_KT
    )
    assert withdrawn == {**withdrawn, "revision": 3, "status": "withdrawn"}
    events = await service.settled_events(9, audit_id=audit_id)
    assert len(events) == 9
    (withdrawal,) = [m for m in events if m["event"]["type"].endswith("withdrawn")]
    data = check_event(withdrawal, "assessment.audit.withdrawn")["data"]
    assert data["revision"] == 3 and data["replaces"]["revision"] == 2
    # The two actions still open are closed by the withdrawal, so nobody chases them.
    superseded = [
        check_event(m, "assessment.corrective_action.closed")["data"]
        for m in events
        if m["event"]["type"].endswith("closed") and m["event"]["data"]["superseded"]
    ]
    assert len(superseded) == 2 and action not in {d["action_id"] for d in superseded}
    assert all(d["note"].startswith("Đóng tự động") for d in superseded)
    listed = await service.http.get(
        "/v1/corrective-actions", params={"period": this_month()}, headers=AUDITOR_KT
    )
    statuses = {
        a["item_code"]: a["status"]
        for a in listed.json()["corrective_actions"]
        if a["audit_id"] == audit_id
    }
    assert statuses == {"S1.1": "closed", "S2.1": "closed", "S3.1": "closed"}


async def test_an_amendment_that_lifts_a_finding_closes_its_action(service) -> None:
    first = await post_twice(
        service, "/v1/audits", audit_body("vhxh", lambda c: 1 if c == "S4.1" else 3), AUDITOR_KT
    )
    (action,) = first["corrective_actions"]
    lifted = {"items": audit_body("vhxh", 3)["items"], "reason": "Đã chấm nhầm S4.1"}
    await post_twice(service, f"/v1/audits/{first['audit_id']}/amend", lifted, AUDITOR_KT)
    (closing,) = await service.settled_events(1, action_id=action, superseded=True)
    assert check_event(closing, "assessment.corrective_action.closed")["data"]["note"].endswith(
        "(Đã chấm nhầm S4.1)"
    )
    # Scored low again by a later amendment: a new action is opened for it.
    again = {
        "items": audit_body("vhxh", lambda c: 0 if c == "S4.1" else 3)["items"],
        "reason": "Kiểm tra lại S4.1",
    }
    reopened = await post_twice(service, f"/v1/audits/{first['audit_id']}/amend", again, AUDITOR_KT)
    assert len(reopened["corrective_actions"]) == 1
    assert reopened["corrective_actions"][0] != action


async def test_self_assessment_review_cycle(service) -> None:
    first = await post_twice(service, "/v1/self-assessments", plus_body(4), STAFF_KT)
    sa = first["self_assessment_id"]
    returned = await post_twice(
        service,
        f"/v1/self-assessments/{sa}/review",
        {"outcome": "returned", "reason": "Chưa có minh chứng"},
        HEAD_KT,
    )
    assert returned["status"] == "returned"
    again = await post_twice(service, "/v1/self-assessments", plus_body(3), STAFF_KT)
    assert again == {**first, "revision": 2}
    adjusted = await post_twice(
        service,
        f"/v1/self-assessments/{sa}/review",
        {"outcome": "adjusted", "reason": "Điều chỉnh P.2", "items": plus_body(2)["items"]},
        HEAD_KT,
    )
    assert adjusted["status"] == "adjusted"

    events = await service.settled_events(4, self_assessment_id=sa)
    kinds = [(m["event"]["type"], m["event"]["data"]["revision"]) for m in events]
    assert kinds == [
        ("assessment.self_assessment.submitted", 1),
        ("assessment.self_assessment.reviewed", 1),
        ("assessment.self_assessment.submitted", 2),
        ("assessment.self_assessment.reviewed", 2),
    ]
    check_event(events[0], "assessment.self_assessment.submitted")
    review = check_event(events[3], "assessment.self_assessment.reviewed")["data"]
    assert review["outcome"] == "adjusted" and review["reviewer_id"] == "p010"
    assert {item["score"] for item in review["items"]} == {2}
    assert check_event(events[1], "assessment.self_assessment.reviewed")["data"]["items"] == []


async def test_feedback_keeps_the_comment_off_the_bus(service) -> None:
    body = {"unit_id": "ttphcc", "level": 1, "officer_id": "p026", "comment": "Chờ quá lâu"}
    answer = await post_twice(service, "/v1/feedback", body, KIOSK)
    (message,) = await service.settled_events(1, feedback_id=answer["feedback_id"])
    data = check_event(message, "assessment.feedback.received")["data"]
    assert data["level"] == 1 and data["channel"] == "kiosk" and data["period"] == this_month()
    assert "Chờ quá lâu" not in json.dumps(message["event"], ensure_ascii=False)
    async with service.sessions() as session:
        stored = await session.scalar(
            select(feedback.c.comment).where(feedback.c.feedback_id == answer["feedback_id"])
        )
    assert stored == "Chờ quá lâu"


async def test_task_result_and_period_close_and_reopen(service) -> None:
    body = {"person_id": "p013", "period": this_month(), "points": 61.5}
    await post_twice(service, "/v1/task-results", body, HR)
    (message,) = await service.settled_events(1, person_id="p013", points=61.5)
    assert check_event(message, "assessment.task_result.recorded")["data"]["disqualified"] is False
    sanctioned = {"person_id": "p015", "period": this_month(), "points": 65, "disqualified": True}
    await post_twice(service, "/v1/task-results", sanctioned, HR)
    (message,) = await service.settled_events(1, person_id="p015", points=65.0)
    assert message["event"]["data"]["disqualified"] is True

    old = Month.parse(this_month()).shift(-6).key  # older than the automatic close looks
    await post_twice(service, f"/v1/periods/{old}/close", None, ADMIN)
    await post_twice(service, f"/v1/periods/{old}/reopen", {"reason": "Bổ sung phiếu"}, ADMIN)
    events = await service.settled_events(2, period=old)
    assert [m["event"]["type"] for m in events] == [
        "assessment.period.closed",
        "assessment.period.reopened",
    ]
    check_event(events[0], "assessment.period.closed")
    check_event(events[1], "assessment.period.reopened")


async def test_a_key_reused_for_another_body_is_refused(service) -> None:
    headers = keyed(HR)
    body = {"person_id": "p014", "period": this_month(), "points": 40}
    assert (await service.http.post("/v1/task-results", json=body, headers=headers)).is_success
    other = await service.http.post(
        "/v1/task-results", json={**body, "points": 41}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


async def test_intake_answers_like_http_and_once_per_message_id(service) -> None:
    subject = intake_subject("binh-dong", "audit")
    headers = {
        "Authorization": AUDITOR_KT["Authorization"],
        "Nats-Msg-Id": str(uuid.uuid4()),
    }
    payload = json.dumps(audit_body("ttphcc", 4)).encode()
    first = json.loads((await service.nc.request(subject, payload, 5, headers=headers)).data)
    assert first["status"] == 201, first
    again = json.loads((await service.nc.request(subject, payload, 5, headers=headers)).data)
    assert again == first
    (message,) = await service.settled_events(1, audit_id=first["body"]["audit_id"])
    check_event(message, "assessment.audit.submitted")

    other = json.dumps(audit_body("ttphcc", 3)).encode()
    reused = json.loads((await service.nc.request(subject, other, 5, headers=headers)).data)
    assert reused["status"] == 409
    assert reused["body"]["error"]["code"] == "idempotency_key_reused"

    # The same refusals as HTTP, with the same body.
    fresh = {**headers, "Nats-Msg-Id": str(uuid.uuid4()), "Accept-Language": "en"}
    refused = json.loads(
        (await service.nc.request(subject, b'{"unit_id": "ttphcc"}', 5, headers=fresh)).data
    )
    http = await service.http.post(
        "/v1/audits", json={"unit_id": "ttphcc"}, headers={**AUDITOR_KT, "Accept-Language": "en"}
    )
    assert refused == {"status": http.status_code, "body": http.json()}
    assert refused["status"] == 422 and refused["body"]["error"]["field"] == "period"

    anonymous = json.loads((await service.nc.request(subject, payload, 5)).data)
    assert anonymous["status"] == 401
    other_ward = json.loads(
        (
            await service.nc.request(intake_subject("phu-my", "audit"), payload, 5, headers=headers)
        ).data
    )
    assert other_ward["status"] == 403


async def test_every_kind_has_an_intake(service) -> None:
    """Each intake subject answers (here: a refusal for an empty body, never silence)."""
    from contracts.intake import INTAKE_KINDS

    for kind in INTAKE_KINDS.values():
        reply = await service.nc.request(
            intake_subject("binh-dong", kind),
            b"{}",
            5,
            headers={"Authorization": ADMIN["Authorization"]},
        )
        status = json.loads(reply.data)["status"]
        assert status in (403, 422), (kind, status)


async def test_a_review_through_the_intake_carries_its_id_in_the_body(service) -> None:
    """Path ids travel in the intake body; a redelivered request is answered, not re-applied."""
    person = {"Authorization": f"Bearer {token('staff', 'p015', 'kt')}"}
    submitted = await service.http.post("/v1/self-assessments", json=plus_body(), headers=person)
    sa = submitted.json()["self_assessment_id"]
    headers = {"Authorization": HEAD_KT["Authorization"], "Nats-Msg-Id": str(uuid.uuid4())}
    body = json.dumps({"self_assessment_id": sa, "outcome": "approved"}).encode()
    subject = intake_subject("binh-dong", "self_assessment.review")
    answers = [
        json.loads((await service.nc.request(subject, body, 5, headers=headers)).data)
        for _ in range(3)
    ]
    assert answers[0]["status"] == 200 and answers[0]["body"]["status"] == "approved"
    assert answers[1:] == answers[:1] * 2
    events = await service.settled_events(2, self_assessment_id=sa)
    assert [m["event"]["type"] for m in events] == [
        "assessment.self_assessment.submitted",
        "assessment.self_assessment.reviewed",
    ]
