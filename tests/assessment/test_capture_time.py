"""A citizen's rating keeps the time it was given: a kiosk or QR page that was offline sends it
later with ``captured_at``, and the month and the day it counts in follow that time (Vietnam
time), within the policy's bounds (``window.check_capture``). By HTTP and by the NATS intake on a
real nats-server and PostgreSQL, and through the command pipeline on SQLite (fast tier)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from contracts import intake
from contracts.common import LOCAL_TZ
from contracts.events import FeedbackReceived
from contracts.roles import Role
from contracts.subjects import intake_subject
from services.assessment.adapters.tables import feedback
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import Submissions
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Refusal
from tests.assessment.conftest import ADMIN, KIOSK
from tests.assessment.test_commands import Ward
from tests.assessment.test_events import check_event
from tests.assessment.test_rules import refused
from tests.conftest import WARD, bearer

#: Given at the kiosk at 23:50 on 31 March 2026 (local), sent when it came back at 00:10.
GIVEN = datetime(2026, 3, 31, 23, 50, tzinfo=LOCAL_TZ)
SENT = datetime(2026, 4, 1, 0, 10, tzinfo=LOCAL_TZ)
KIOSK_01 = Principal("kiosk-01", WARD, Role.KIOSK, "ttphcc")


def rating(captured_at: datetime | None, level: int = 1) -> dict[str, Any]:
    body: dict[str, Any] = {"unit_id": "ttphcc", "level": level}
    if captured_at is not None:
        body["captured_at"] = captured_at.isoformat()
    return body


# --- the rule, through the command pipeline (fast) ----------------------------------------------


@pytest.fixture
def ward(demo_sessions: SessionFactory) -> Ward:
    return Ward(demo_sessions, FrozenClock(SENT))


async def rate(ward: Ward, captured_at: datetime | None) -> tuple[int, dict[str, Any]]:
    return await ward.run(KIOSK_01, intake.FeedbackIn.model_validate(rating(captured_at)))


async def refusal(ward: Ward, captured_at: datetime) -> tuple[int, str, str | None]:
    with pytest.raises(Refusal) as refused_rating:
        await rate(ward, captured_at)
    error = refused_rating.value
    return error.status, error.code, error.field


async def test_a_rating_counts_in_the_month_and_day_it_was_given(ward: Ward) -> None:
    status, answer = await rate(ward, GIVEN)
    assert status == 201
    assert answer["period"] == "2026-03"
    assert datetime.fromisoformat(answer["captured_at"]) == GIVEN
    (event,) = [e for e in await ward.staged() if isinstance(e, FeedbackReceived)]
    assert event.data.period == "2026-03"
    assert event.occurred_at == GIVEN  # scoring's day of a "Rất không hài lòng": 31/03
    assert event.recorded_at == SENT
    async with ward.sessions() as session:
        row = (await session.execute(select(feedback))).one()
    assert (row.period, row.captured_at, row.received_at) == ("2026-03", GIVEN, SENT)


async def test_without_a_capture_time_a_rating_counts_when_it_arrives(ward: Ward) -> None:
    status, answer = await rate(ward, None)
    assert (status, answer["period"]) == (201, "2026-04")
    assert datetime.fromisoformat(answer["captured_at"]) == SENT


async def test_capture_time_bounds_come_from_the_policy(ward: Ward) -> None:
    policy = Policy()
    assert policy.clock_skew == timedelta(minutes=2)
    assert policy.capture_max_age == timedelta(days=7)
    # The device's clock a minute ahead of the server's: forgiven. Three minutes: refused.
    assert (await rate(ward, SENT + timedelta(minutes=1)))[0] == 201
    assert await refusal(ward, SENT + timedelta(minutes=3)) == (422, "in_future", "captured_at")
    # Seven days old is accepted; a minute more is not.
    assert (await rate(ward, SENT - timedelta(days=7)))[1]["period"] == "2026-03"
    too_old = SENT - timedelta(days=7, minutes=1)
    assert await refusal(ward, too_old) == (422, "capture_too_old", "captured_at")


# --- HTTP and the NATS intake, real servers ------------------------------------------------------


@pytest.fixture
def at_midnight(service) -> Any:
    """The service's clock at 00:10 on 1 April 2026 for this module's tests."""
    submissions: Submissions = service.app.state.submissions
    real, submissions.clock = submissions.clock, FrozenClock(SENT)
    yield service
    submissions.clock = real


async def test_today_a_rating_with_its_capture_time_is_accepted_in_its_month(at_midnight) -> None:
    service = at_midnight
    answer = await service.http.post("/v1/feedback", json=rating(GIVEN), headers=KIOSK)
    assert answer.status_code == 201, answer.text  # was 422 unknown_field
    assert answer.json()["period"] == "2026-03"
    (message,) = await service.settled_events(1, feedback_id=answer.json()["feedback_id"])
    event = check_event(message, "assessment.feedback.received")
    assert event["data"]["period"] == "2026-03"
    assert datetime.fromisoformat(event["occurred_at"]) == GIVEN

    # The same by the NATS intake (another kiosk: each has its own rate bucket).
    kiosk = bearer("kiosk", "kiosk-02", "ttphcc")
    headers = {"Authorization": kiosk["Authorization"], "Nats-Msg-Id": str(uuid.uuid4())}
    subject = intake_subject(WARD, "feedback")
    payload = json.dumps(rating(GIVEN, level=5)).encode()
    reply = json.loads((await service.nc.request(subject, payload, 5, headers=headers)).data)
    assert reply["status"] == 201, reply
    assert reply["body"]["period"] == "2026-03"
    again = json.loads((await service.nc.request(subject, payload, 5, headers=headers)).data)
    assert again == reply
    (message,) = await service.settled_events(1, feedback_id=reply["body"]["feedback_id"])
    assert datetime.fromisoformat(message["event"]["occurred_at"]) == GIVEN


async def test_capture_times_out_of_bounds_are_refused_with_their_codes(at_midnight) -> None:
    service = at_midnight
    path = "/v1/feedback"
    future = rating(SENT + timedelta(minutes=10))
    error = await refused(service, path, future, KIOSK, 422, "in_future", "captured_at")
    assert "01/04/2026 00:10" in error["message"]
    old = rating(SENT - timedelta(days=8))
    error = await refused(service, path, old, KIOSK, 422, "capture_too_old", "captured_at")
    assert "24/03/2026 00:10" in error["message"]  # the oldest accepted, in Vietnam time
    # March closed by hand: a rating given in March is refused, whenever it is sent.
    closed = await service.http.post("/v1/periods/2026-03/close", headers=ADMIN)
    assert closed.status_code == 200, closed.text
    late = rating(GIVEN + timedelta(minutes=5))
    await refused(service, path, late, KIOSK, 409, "period_closed", "captured_at")
    # Each kiosk rates at most 4 times at once in the tests: the English text from the other.
    other = bearer("kiosk", "kiosk-02", "ttphcc")
    english = await service.http.post(path, json=old, headers={**other, "Accept-Language": "en"})
    assert "more than 7 days old" in english.json()["error"]["message"]
