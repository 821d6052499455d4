"""Every rule refuses what it should, with the documented status, code and field, in Vietnamese
by default and in English on request; a refusal stores nothing. Real NATS, real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest

from contracts.common import LOCAL_TZ
from contracts.periods import Month
from contracts.roles import Role
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    AUDITOR_VP,
    HEAD_KT,
    HEAD_VP,
    HR,
    KIOSK,
    STAFF_KT,
    TEST_BURST,
    audit_body,
    now_local,
    plus_body,
    this_month,
)
from tests.conftest import bearer
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def refused(
    service,
    path: str,
    body: object,
    headers: dict[str, str],
    status: int,
    code: str,
    field: str | None = None,
) -> dict:
    staged = await service.stored()
    answer = await service.http.post(path, json=body, headers=headers)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field), error
    assert error["message"]
    assert await service.stored() == staged, "a refused submission staged an event"
    return error  # type: ignore[no-any-return]


def past_month_body() -> dict:
    """An audit performed the month before last: closed by now whatever the day. (Last month
    is still open in the first days of this one, until its close day: ``Policy.close_day``,
    from the 5th working day on, later after Tết.)"""
    body = audit_body("vhxh")
    month = Month.of(now_local()).shift(-2)
    performed = datetime.combine(month.first_day() + timedelta(days=9), time(9), LOCAL_TZ)
    return {**body, "period": month.key, "performed_at": performed.isoformat()}


async def test_audit_rules(service) -> None:
    await refused(service, "/v1/audits", audit_body("kt"), AUDITOR_KT, 403, "own_unit", "unit_id")
    # The org chart decides the auditor's unit, whatever an older token says.
    stale = bearer("auditor", "p011", "vp")
    await refused(service, "/v1/audits", audit_body("kt"), stale, 403, "own_unit", "unit_id")
    await refused(service, "/v1/audits", audit_body(), STAFF_KT, 403, "forbidden")
    await refused(service, "/v1/audits", audit_body(), {}, 401, "unauthenticated")
    bad_token = {"Authorization": "Bearer not-a-token"}
    await refused(service, "/v1/audits", audit_body(), bad_token, 401, "unauthenticated")
    await refused(
        service, "/v1/audits", audit_body("nowhere"), AUDITOR_KT, 422, "unknown_unit", "unit_id"
    )

    body = audit_body()
    missing = {**body, "items": body["items"][1:]}
    await refused(service, "/v1/audits", missing, AUDITOR_KT, 422, "missing_items", "items")
    twice = {**body, "items": [body["items"][0], *body["items"]]}
    await refused(service, "/v1/audits", twice, AUDITOR_KT, 422, "duplicate_item", "items[1].code")
    stranger = {**body, "items": [*body["items"], {"code": "S9.9", "score": 1}]}
    field = f"items[{len(body['items'])}].code"
    await refused(service, "/v1/audits", stranger, AUDITOR_KT, 422, "unknown_item", field)
    too_high = {**body, "items": [{**body["items"][0], "score": 5}, *body["items"][1:]]}
    await refused(
        service, "/v1/audits", too_high, AUDITOR_KT, 422, "out_of_range", "items[0].score"
    )
    text_score = {**body, "items": [{**body["items"][0], "score": "3"}, *body["items"][1:]]}
    await refused(
        service, "/v1/audits", text_score, AUDITOR_KT, 422, "not_a_number", "items[0].score"
    )
    wrong_month = {**body, "period": Month.parse(body["period"]).shift(1).key}
    await refused(service, "/v1/audits", wrong_month, AUDITOR_KT, 422, "period_mismatch", "period")
    future = {**body, "performed_at": (now_local() + timedelta(days=2)).isoformat()}
    await refused(service, "/v1/audits", future, AUDITOR_KT, 422, "in_future", "performed_at")
    naive = {**body, "performed_at": now_local().replace(tzinfo=None).isoformat()}
    await refused(service, "/v1/audits", naive, AUDITOR_KT, 422, "needs_timezone", "performed_at")
    await refused(
        service,
        "/v1/audits",
        {**body, "catalog_version": "1999.1"},
        AUDITOR_KT,
        422,
        "unknown_catalog",
        "catalog_version",
    )
    await refused(
        service, "/v1/audits", {**body, "extra": 1}, AUDITOR_KT, 422, "unknown_field", "extra"
    )

    async def closed_by_now() -> bool:
        answer = await service.http.post("/v1/audits", json=past_month_body(), headers=AUDITOR_KT)
        return answer.status_code == 409

    await eventually(closed_by_now)  # the automatic close at the audit deadline
    await refused(
        service, "/v1/audits", past_month_body(), AUDITOR_KT, 409, "period_closed", "period"
    )

    staged = await service.stored()
    raw = await service.http.post(
        "/v1/audits",
        content=b'{"unit_id": ',
        headers={**AUDITOR_KT, "Content-Type": "application/json"},
    )
    assert raw.status_code == 400 and raw.json()["error"]["code"] == "malformed_json"
    huge = await service.http.post(
        "/v1/audits",
        content=b"[" + b"0," * 600_000 + b"0]",
        headers={**AUDITOR_KT, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    assert await service.stored() == staged


async def test_messages_in_vietnamese_or_english(service) -> None:
    vi = await refused(
        service, "/v1/audits", audit_body("kt"), AUDITOR_KT, 403, "own_unit", "unit_id"
    )
    assert vi["message"].startswith("Thành viên đoàn đánh giá không được")
    en_headers = {**AUDITOR_KT, "Accept-Language": "en-US,en;q=0.9"}
    en = await refused(
        service, "/v1/audits", audit_body("kt"), en_headers, 403, "own_unit", "unit_id"
    )
    assert en["message"] == (
        "An auditor may not audit their own unit, nor amend or withdraw an audit of it."
    )


async def test_amend_and_withdraw_rules(service) -> None:
    answer = await service.http.post("/v1/audits", json=audit_body("dvcu"), headers=AUDITOR_KT)
    assert answer.status_code == 201, answer.text
    audit = answer.json()["audit_id"]
    items = audit_body("dvcu")["items"]
    amend = f"/v1/audits/{audit}/amend"
    await refused(
        service,
        amend,
        {"items": items, "reason": "x"},
        AUDITOR_VP,
        403,
        "not_audit_author",
        "audit_id",
    )
    await refused(service, amend, {"items": items}, AUDITOR_KT, 422, "required", "reason")
    await refused(
        service,
        amend,
        {"items": items, "reason": "  "},
        AUDITOR_KT,
        422,
        "reason_required",
        "reason",
    )
    await refused(
        service,
        amend,
        {"items": items[2:], "reason": "x"},
        AUDITOR_KT,
        422,
        "missing_items",
        "items",
    )
    unknown = f"/v1/audits/{uuid.uuid4()}/amend"
    await refused(
        service,
        unknown,
        {"items": items, "reason": "x"},
        AUDITOR_KT,
        404,
        "unknown_audit",
        "audit_id",
    )
    await refused(
        service,
        "/v1/audits/not-a-uuid/amend",
        {"items": items, "reason": "x"},
        AUDITOR_KT,
        422,
        "bad_uuid",
        "audit_id",
    )
    withdraw = f"/v1/audits/{audit}/withdraw"
    assert (
        await service.http.post(withdraw, json={"reason": "Trùng phiếu"}, headers=AUDITOR_KT)
    ).is_success
    await refused(
        service, withdraw, {"reason": "again"}, AUDITOR_KT, 409, "audit_withdrawn", "audit_id"
    )
    await refused(
        service,
        amend,
        {"items": items, "reason": "x"},
        AUDITOR_KT,
        409,
        "audit_withdrawn",
        "audit_id",
    )


async def test_corrective_action_rules(service) -> None:
    answer = await service.http.post("/v1/audits", json=audit_body("vp", 0), headers=AUDITOR_KT)
    action = answer.json()["corrective_actions"][0]
    close = f"/v1/corrective-actions/{action}/close"
    await refused(service, close, {"note": ""}, HEAD_VP, 422, "too_short", "note")
    await refused(service, close, {"evidence": []}, HEAD_VP, 422, "required", "note")
    await refused(service, close, {"note": "Xong"}, HEAD_KT, 403, "not_action_owner", "action_id")
    await refused(service, close, {"note": "Xong"}, bearer("kiosk", "kiosk-01"), 403, "forbidden")
    unknown = f"/v1/corrective-actions/{uuid.uuid4()}/close"
    await refused(service, unknown, {"note": "Xong"}, HEAD_VP, 404, "unknown_action", "action_id")
    assert (await service.http.post(close, json={"note": "Xong"}, headers=HEAD_VP)).is_success
    await refused(service, close, {"note": "Lần nữa"}, HEAD_VP, 409, "action_closed", "action_id")

    # An owner who is not a person of the ward.
    body = audit_body("vp", 1)
    body["items"][0]["owner_id"] = "p999"
    await refused(
        service, "/v1/audits", body, AUDITOR_KT, 422, "unknown_person", "items[0].owner_id"
    )


async def test_self_assessment_rules(service) -> None:
    staff = bearer("staff", "p019", "vhxh")
    head = bearer("unit_head", "p017", "vhxh")
    assert (
        await service.http.post("/v1/self-assessments", json=plus_body(), headers=staff)
    ).is_success
    await refused(
        service, "/v1/self-assessments", plus_body(), staff, 409, "already_submitted", "period"
    )
    future = Month.parse(this_month()).shift(1).key
    await refused(
        service,
        "/v1/self-assessments",
        plus_body(period=future),
        bearer("staff", "p020", "vhxh"),
        422,
        "future_period",
        "period",
    )
    await refused(service, "/v1/self-assessments", plus_body(), KIOSK, 403, "forbidden")
    # A token of someone the org chart does not name (any more) does nothing.
    unknown_person = bearer("staff", "p999", "vhxh")
    await refused(
        service, "/v1/self-assessments", plus_body(), unknown_person, 403, "not_in_org_chart"
    )
    items = plus_body()["items"]
    await refused(
        service,
        "/v1/self-assessments",
        {"period": this_month(), "items": items[1:]},
        bearer("staff", "p021", "vhxh"),
        422,
        "missing_items",
        "items",
    )

    async with service.sessions() as session:
        from sqlalchemy import select

        from services.assessment.adapters.tables import self_assessments

        sa = await session.scalar(
            select(self_assessments.c.self_assessment_id).where(
                self_assessments.c.person_id == "p019"
            )
        )
    review = f"/v1/self-assessments/{sa}/review"
    await refused(service, review, {"outcome": "approved"}, HEAD_KT, 403, "not_reviewer")
    # Whom one reviews is the graders' rule (the policy may name anyone for the chairman's).
    await refused(service, review, {"outcome": "approved"}, staff, 403, "own_review")
    await refused(service, review, {"outcome": "returned"}, head, 422, "reason_required", "reason")
    await refused(
        service,
        review,
        {"outcome": "adjusted", "reason": "x"},
        head,
        422,
        "items_required",
        "items",
    )
    await refused(
        service,
        review,
        {"outcome": "approved", "items": items},
        head,
        422,
        "items_not_expected",
        "items",
    )
    await refused(service, review, {"outcome": "maybe"}, head, 422, "not_allowed", "outcome")
    unknown = f"/v1/self-assessments/{uuid.uuid4()}/review"
    await refused(
        service,
        unknown,
        {"outcome": "approved"},
        head,
        404,
        "unknown_self_assessment",
        "self_assessment_id",
    )
    assert (await service.http.post(review, json={"outcome": "approved"}, headers=head)).is_success
    await refused(
        service,
        review,
        {"outcome": "approved"},
        head,
        409,
        "not_awaiting_review",
        "self_assessment_id",
    )

    # A unit head's own is reviewed by the vice-chairman in charge, never by themself.
    own = await service.http.post("/v1/self-assessments", json=plus_body(), headers=head)
    own_review = f"/v1/self-assessments/{own.json()['self_assessment_id']}/review"
    await refused(service, own_review, {"outcome": "approved"}, head, 403, "own_review")
    other_deputy = bearer("vice_chairman", "p003", "vp", ("ttphcc", "dvcu", "vp"))
    await refused(service, own_review, {"outcome": "approved"}, other_deputy, 403, "not_reviewer")
    # The org chart as it is now decides, not what a token claims.
    claims_vhxh = bearer("vice_chairman", "p003", "vp", ("vhxh",))
    await refused(service, own_review, {"outcome": "approved"}, claims_vhxh, 403, "not_reviewer")
    deputy = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))
    assert (
        await service.http.post(own_review, json={"outcome": "approved"}, headers=deputy)
    ).is_success

    # A vice-chairman's is reviewed by the chairman, not by the head of the unit they sit in.
    vice = await service.http.post("/v1/self-assessments", json=plus_body(), headers=deputy)
    vice_review = f"/v1/self-assessments/{vice.json()['self_assessment_id']}/review"
    await refused(service, vice_review, {"outcome": "approved"}, deputy, 403, "own_review")
    head_vp = bearer("unit_head", "p004", "vp")
    await refused(service, vice_review, {"outcome": "approved"}, head_vp, 403, "not_reviewer")
    chairman = bearer("chairman", "p001", "vp")
    assert (
        await service.http.post(vice_review, json={"outcome": "approved"}, headers=chairman)
    ).is_success


async def test_feedback_rules_and_rate_limit(service) -> None:
    kiosk = bearer("kiosk", "kiosk-02", "ttphcc")
    body = {"unit_id": "ttphcc", "level": 5}
    await refused(
        service, "/v1/feedback", {**body, "level": 6}, kiosk, 422, "out_of_range", "level"
    )
    await refused(
        service, "/v1/feedback", {**body, "level": 0}, kiosk, 422, "out_of_range", "level"
    )
    await refused(
        service, "/v1/feedback", {**body, "comment": "x" * 1001}, kiosk, 422, "too_long", "comment"
    )
    await refused(service, "/v1/feedback", body, STAFF_KT, 403, "forbidden")
    await refused(
        service, "/v1/feedback", body, bearer("kiosk", "kiosk-99", "ttphcc"), 403, "unknown_device"
    )
    accepted = 0
    for level in range(1, 10):
        answer = await service.http.post(
            "/v1/feedback", json={**body, "level": level % 5 + 1}, headers=kiosk
        )
        if answer.status_code == 429:
            assert answer.json()["error"]["code"] == "rate_limited"
            break
        assert answer.status_code == 201, answer.text
        accepted += 1
    assert accepted == TEST_BURST
    await refused(service, "/v1/feedback", body, kiosk, 429, "rate_limited")


async def test_qr_link_is_bound_to_its_unit(service) -> None:
    device = {
        "role": "kiosk",
        "channel": "qr",
        "unit_id": "kt",
        "label_vi": "Mã QR Phòng Kinh tế",
        "label_en": "QR of the Economy office",
    }
    why = {"reason": "Mã QR cho quầy Phòng Kinh tế"}
    registered = await service.http.put(
        "/v1/org/devices/qr-kt", json=device, headers=ADMIN, params=why
    )
    assert registered.status_code == 200, registered.text
    link = {"Authorization": f"Bearer {registered.json()['token']}"}
    await refused(
        service, "/v1/feedback", {"unit_id": "vp", "level": 4}, link, 422, "wrong_unit", "unit_id"
    )
    await refused(
        service,
        "/v1/feedback",
        {"unit_id": "kt", "level": 4, "officer_id": "p999"},
        link,
        422,
        "unknown_person",
        "officer_id",
    )
    answer = await service.http.post(
        "/v1/feedback", json={"unit_id": "kt", "level": 4}, headers=link
    )
    assert answer.status_code == 201, answer.text
    (message,) = await service.settled_events(1, feedback_id=answer.json()["feedback_id"])
    assert message["event"]["data"]["channel"] == "qr"
    # Deactivated: its credential is revoked, the token no longer works.
    inactive = {**device, "active": False}
    await service.http.put("/v1/org/devices/qr-kt", json=inactive, headers=ADMIN, params=why)
    await refused(
        service, "/v1/feedback", {"unit_id": "kt", "level": 4}, link, 401, "unauthenticated"
    )


async def test_task_result_and_period_rules(service) -> None:
    body = {"person_id": "p012", "period": this_month(), "points": 50}
    await refused(
        service, "/v1/task-results", {**body, "points": 70.5}, HR, 422, "out_of_range", "points"
    )
    await refused(
        service, "/v1/task-results", {**body, "points": -1}, HR, 422, "out_of_range", "points"
    )
    await refused(
        service,
        "/v1/task-results",
        {**body, "person_id": "p999"},
        HR,
        422,
        "unknown_person",
        "person_id",
    )
    await refused(
        service, "/v1/task-results", {**body, "period": "2026-13"}, HR, 422, "bad_format", "period"
    )
    await refused(service, "/v1/task-results", body, STAFF_KT, 403, "forbidden")

    current = this_month()
    await refused(
        service, f"/v1/periods/{current}/close", None, ADMIN, 422, "period_not_over", "period"
    )
    await refused(service, "/v1/periods/2026-1/close", None, ADMIN, 422, "bad_format", "period")
    old = Month.parse(current).shift(-8).key
    await refused(service, f"/v1/periods/{old}/close", None, HEAD_KT, 403, "forbidden")
    await refused(
        service,
        f"/v1/periods/{current}/reopen",
        {"reason": "x"},
        ADMIN,
        409,
        "period_not_closed",
        "period",
    )
    # Past its close day, a month is closed before anyone (or the automatic close) closes it.
    late = {**body, "period": old}
    await refused(service, "/v1/task-results", late, HR, 409, "period_closed", "period")
    assert (await service.http.post(f"/v1/periods/{old}/close", headers=ADMIN)).is_success
    await refused(
        service, f"/v1/periods/{old}/close", None, ADMIN, 409, "period_already_closed", "period"
    )
    await refused(service, f"/v1/periods/{old}/reopen", {}, ADMIN, 422, "required", "reason")
    await refused(service, "/v1/task-results", late, HR, 409, "period_closed", "period")
    assert (
        await service.http.post(
            f"/v1/periods/{old}/reopen", json={"reason": "Bổ sung"}, headers=ADMIN
        )
    ).is_success
    assert (await service.http.post("/v1/task-results", json=late, headers=HR)).status_code == 201


async def test_catalog_versions_are_immutable(service) -> None:
    current = (await service.http.get("/v1/catalog", headers=STAFF_KT)).json()
    await refused(service, "/v1/catalog", current, STAFF_KT, 403, "forbidden")
    publish = "/v1/catalog?reason=B%E1%BB%99%20ti%C3%AAu%20ch%C3%AD%202027"
    without_reason = await service.http.post("/v1/catalog", json=current, headers=ADMIN)
    assert without_reason.status_code == 422
    assert without_reason.json()["error"]["field"] == "reason"
    same = await service.http.post(publish, json=current, headers=ADMIN)
    assert same.status_code == 200 and same.json()["created"] is False
    changed = {**current, "title": {"vi": "Khác", "en": "Other"}}
    await refused(service, publish, changed, ADMIN, 409, "catalog_version_exists", "version")
    newer = {**changed, "version": "2027.1"}
    created = await service.http.post(
        "/v1/catalog",
        json=newer,
        headers=ADMIN,
        params={"current": "false", "reason": "Bộ tiêu chí 2027"},
    )
    assert created.status_code == 201
    assert (await service.http.get("/v1/catalog", headers=STAFF_KT)).json()["version"] == current[
        "version"
    ]
    assert (
        await service.http.get("/v1/catalog", params={"version": "2027.1"}, headers=STAFF_KT)
    ).json()["title"]["en"] == "Other"


async def test_rate_bucket_refills_with_time_up_to_its_burst(service) -> None:
    """The bucket in the database: two at once, then one every ten seconds, never more than
    two saved up, whichever instance takes them."""
    from datetime import UTC, datetime

    from services.assessment.domain.policy import Policy
    from services.assessment.handlers.commands import take_token
    from services.runtime.auth import Principal
    from services.runtime.refusals import Refusal

    policy = Policy(feedback_burst=2, feedback_refill_s=10)
    instances = [service.sessions] * 2
    link = Principal(f"qr-{uuid.uuid4().hex[:8]}", "binh-dong", Role.KIOSK, "kt")
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    async def takes(seconds: float, instance: int = 0) -> bool:
        try:
            await take_token(instances[instance], policy, link, start + timedelta(seconds=seconds))
        except Refusal as refused:
            assert refused.status == 429
            return False
        return True

    assert [await takes(0), await takes(0, 1), await takes(1)] == [True, True, False]
    assert [await takes(9), await takes(10), await takes(11)] == [False, True, False]
    assert [await takes(3600), await takes(3600, 1), await takes(3600)] == [True, True, False]
