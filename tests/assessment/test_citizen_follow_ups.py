"""Citizen follow-up through the API: a "Không hài lòng" or "Rất không hài lòng" rating whose
citizen left a phone number or e-mail and agreed to be contacted opens a call-back for the unit
head, who notes the outcome; the contact is kept apart (never in an event), shown only to whoever
calls, and erased with the comments after the policy's retention; the board reads the follow-ups
done per unit, for a period or a range of months in one read. Real NATS, real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.periods import Month
from services.assessment.domain.policy import Policy
from services.assessment.jobs import forget_old_comments
from tests.assessment.conftest import KIOSK, now_local, read_stream, unit_at
from tests.conftest import bearer

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

HEAD_TTPHCC = bearer("unit_head", "p024", "ttphcc")
CHAIRMAN = bearer("chairman", "p001", "vp")
KIOSK_2 = bearer("kiosk", "kiosk-02", "ttphcc")  # each kiosk rates a few times in a burst
PHONE = "0912 345 678"
MAIL = "nguoidan@example.vn"
COMMENT = "Chờ ở quầy một cửa hơn một tiếng mới được tiếp nhận hồ sơ."


def rating(level: int, **extra: object) -> dict[str, object]:
    return {"unit_id": "ttphcc", "level": level, **extra}


async def test_dissatisfied_citizens_who_consent_are_called_back(service) -> None:
    before = await service.stored()
    refused = await service.http.post("/v1/feedback", json=rating(2, contact=PHONE), headers=KIOSK)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("contact_consent_required", "contact_consent")
    assert error["message"] == (
        "Chỉ lưu số điện thoại hoặc email khi người dân đồng ý được liên hệ lại."
    )
    bad = await service.http.post(
        "/v1/feedback", json=rating(1, contact="gọi tôi", contact_consent=True), headers=KIOSK
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "contact")
    assert await service.stored() == before

    for body, kiosk in (
        (rating(1, contact=PHONE, contact_consent=True), KIOSK),
        (rating(2, contact=MAIL, contact_consent=True, comment=COMMENT), KIOSK),
        (rating(5, contact=PHONE, contact_consent=True), KIOSK_2),  # satisfied: no call-back
        (rating(2), KIOSK_2),  # no contact: nobody to call
    ):
        answer = await service.http.post("/v1/feedback", json=body, headers=kiosk)
        assert answer.status_code == 201, answer.text

    listed = await service.http.get("/v1/citizen-follow-ups", headers=HEAD_TTPHCC)
    follow_ups = listed.json()["follow_ups"]
    # The rating's comment beside the contact, for whoever makes the call.
    assert sorted((f["level"], f["contact"], f["owner_id"], f["comment"]) for f in follow_ups) == [
        (1, PHONE, "p024", None),
        (2, MAIL, "p024", COMMENT),
    ]
    leaders = await service.http.get("/v1/citizen-follow-ups", headers=CHAIRMAN)
    assert {(f["contact"], f["comment"]) for f in leaders.json()["follow_ups"]} == {(None, None)}
    # No event carries a contact.
    published = str([m["event"] for m in await read_stream(service.nc)])
    assert PHONE not in published and MAIL not in published

    first = next(f for f in follow_ups if f["level"] == 1)["follow_up_id"]
    done_path = f"/v1/citizen-follow-ups/{first}/done"
    outcome = {"note": "Đã gọi lại, hướng dẫn bổ sung hồ sơ; người dân đồng ý."}
    not_theirs = await service.http.post(done_path, json=outcome, headers=CHAIRMAN)
    assert not_theirs.status_code == 403
    done = await service.http.post(done_path, json=outcome, headers=HEAD_TTPHCC)
    assert done.status_code == 200, done.text
    again = await service.http.post(done_path, json=outcome, headers=HEAD_TTPHCC)
    assert again.status_code == 409

    month = Month.of(now_local()).key
    counts = await service.http.get(
        "/v1/citizen-follow-ups/counts", params={"period": month}, headers=CHAIRMAN
    )
    assert counts.json()["units"] == [{"unit_id": "ttphcc", "opened": 2, "done": 1}]
    # The board's last 12 months in one read: a range of months, both ends included.
    this = Month.parse(month)
    window = {"from": this.shift(-11).key, "to": month}
    ranged = await service.http.get(
        "/v1/citizen-follow-ups/counts", params=window, headers=CHAIRMAN
    )
    assert ranged.json() == {**window, "units": counts.json()["units"]}
    before_this = {"from": this.shift(-11).key, "to": this.shift(-1).key}
    earlier = await service.http.get(
        "/v1/citizen-follow-ups/counts", params=before_this, headers=CHAIRMAN
    )
    assert earlier.json()["units"] == []
    for params, code, field in (
        ({}, "required", "period"),
        ({"period": month, "from": month}, "not_allowed", "from"),
        ({"from": month}, "required", "to"),
        ({"from": month, "to": this.shift(-1).key}, "out_of_range", "to"),
        ({"from": this.shift(-36).key, "to": month}, "out_of_range", "to"),  # 37 months
        ({"from": "2026-13", "to": month}, "bad_format", "from"),
    ):
        refused = await service.http.get(
            "/v1/initiatives/counts",
            params=params,
            headers={**CHAIRMAN, "Accept-Language": "en"},
        )
        assert refused.status_code == 422, (params, refused.text)
        error = refused.json()["error"]
        assert (error["code"], error["field"]) == (code, field), params
        assert error["message"].isascii()  # in English, as asked

    # After the retention of comments the contacts are erased; the follow-ups stay.
    policy = Policy()
    # A minute past it: the follow-ups were opened by the service's clock, not this process's.
    past_retention = now_local() + policy.comment_retention + timedelta(minutes=1)
    async with unit_at(service.sessions, past_retention) as uow:
        assert await forget_old_comments(uow, policy) >= 2
    after = await service.http.get("/v1/citizen-follow-ups", headers=HEAD_TTPHCC)
    assert {(f["contact"], f["comment"]) for f in after.json()["follow_ups"]} == {(None, None)}
    assert len(after.json()["follow_ups"]) == 2
    assert timedelta(days=400) == policy.comment_retention
