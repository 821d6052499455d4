"""People's commands go through the one command pipeline: a retry with the same Idempotency-Key
gets the first answer and changes nothing more, the same key with another request is refused,
and every command is counted by kind and outcome. Real NATS and SMTP; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from services.notifications.adapters.tables import plumbing
from services.notifications.jobs import forget_old_commands
from tests.conftest import bearer
from tests.notifications.conftest import Starter
from tests.notifications.harness import Harness, local, low_score, org_chart
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

HEAD = bearer("unit_head", "p010", "kt")
STAFF = bearer("staff", "p012", "kt")


def counted(kind: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "ward5s_notifications_commands_total", {"kind": kind, "outcome": outcome}
    )
    return value or 0.0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


async def alerted(
    notifications: Starter, database_url: str, **settings: Any
) -> tuple[Harness, str]:
    service: Harness = await notifications(
        clock_start=local(2026, 3, 10, 9), database_url=database_url, **settings
    )
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="S1"))
    await service.wait_mail(1)
    (alert,) = await service.alerts("p010", "unit_head")
    return service, f"/v1/alerts/{alert['alert_id']}"


async def test_a_retried_acknowledgement_is_answered_once(notifications, database_url):
    service, path = await alerted(notifications, database_url)
    before = counted("acknowledge", "replayed"), counted("acknowledge", "accepted")
    key = {"Idempotency-Key": "ack-1", **HEAD}
    first = await service.http.post(f"{path}/ack", headers=key)
    again = await service.http.post(f"{path}/ack", headers=key)
    assert first.status_code == again.status_code == 200
    assert (
        again.json()
        == first.json()
        == {"alert_id": path.rsplit("/", 1)[1], "status": "acknowledged"}
    )
    assert counted("acknowledge", "accepted") == before[1] + 1
    assert counted("acknowledge", "replayed") == before[0] + 1
    # The same key for another request is refused, in Vietnamese, naming the header.
    reused = await service.http.post(f"{path}/snooze", json={"hours": 2}, headers=key)
    assert reused.status_code == 409
    assert reused.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": "Khóa Idempotency-Key này đã dùng cho một yêu cầu khác.",
        "field": "Idempotency-Key",
    }


async def test_a_retried_snooze_holds_from_the_first_time(notifications, database_url):
    service, path = await alerted(notifications, database_url)
    key = {"Idempotency-Key": "snooze-1", **HEAD}
    first = await service.http.post(f"{path}/snooze", json={"hours": 2}, headers=key)
    assert first.status_code == 200
    service.clock.advance(3600)
    again = await service.http.post(f"{path}/snooze", json={"hours": 2}, headers=key)
    assert again.json()["snoozed_until"] == first.json()["snoozed_until"]
    fresh = await service.http.post(f"{path}/snooze", json={"hours": 2}, headers=HEAD)
    assert fresh.json()["snoozed_until"] > first.json()["snoozed_until"]


async def test_refused_commands_are_counted_and_keys_are_the_callers_own(
    notifications, database_url
):
    service, path = await alerted(notifications, database_url)
    refused = counted("acknowledge", "refused_404")
    # Another person's alert does not exist for them, with or without a key.
    someone = await service.http.post(f"{path}/ack", headers={"Idempotency-Key": "k", **STAFF})
    assert someone.status_code == 404
    assert counted("acknowledge", "refused_404") == refused + 1
    # A key is the caller's own: the head's request with that key is theirs, not a replay.
    own = await service.http.post(f"{path}/ack", headers={"Idempotency-Key": "k", **HEAD})
    assert own.status_code == 200 and own.json()["status"] == "acknowledged"
    chosen = {"email": False, "digest": True}
    put = {"Idempotency-Key": "prefs-1", **STAFF}
    first = await service.http.put("/v1/preferences/me", json=chosen, headers=put)
    again = await service.http.put("/v1/preferences/me", json=chosen, headers=put)
    assert first.status_code == again.status_code == 200
    assert (
        again.json()
        == first.json()
        == {
            "person_id": "p012",
            "email": False,
            "webhook_url": None,
            "digest": True,
            "webhook_secret": None,
        }
    )
    other = await service.http.put("/v1/preferences/me", json={"email": True}, headers=put)
    assert other.status_code == 409


async def test_old_keys_are_forgotten(notifications, database_url):
    service, path = await alerted(notifications, database_url)
    key = {"Idempotency-Key": "ack-old", **HEAD}
    assert (await service.http.post(f"{path}/ack", headers=key)).status_code == 200
    keep = timedelta(days=service.service.settings.idempotency_retention_days)
    assert await forget_old_commands(service.service.units, keep) == 0  # still fresh
    service.clock.advance(keep.total_seconds() + 60)
    assert await forget_old_commands(service.service.units, keep) == 1
    # The key is free again: the same request is taken as new (and changes nothing more).
    before = counted("acknowledge", "accepted")
    again = await service.http.post(f"{path}/ack", headers=key)
    assert again.status_code == 200 and counted("acknowledge", "accepted") == before + 1


async def test_the_running_service_forgets_old_keys_by_itself(notifications, database_url):
    """The housekeeping loop the runtime runs for the service (``Runtime.housekeeping``, every
    ``housekeeping_s``) forgets a key once it is older than the retention, by the service's
    clock."""
    service, path = await alerted(notifications, database_url, housekeeping_s=0.05)
    key = {"Idempotency-Key": "ack-by-itself", **HEAD}
    assert (await service.http.post(f"{path}/ack", headers=key)).status_code == 200

    async def kept() -> int:
        async with service.service.runtime.sessions() as session:
            rows = await session.execute(select(func.count()).select_from(plumbing.idempotency))
        return int(rows.scalar_one())

    async def forgotten() -> bool:
        return await kept() == 0

    assert await kept() == 1
    keep = timedelta(days=service.service.settings.idempotency_retention_days)
    service.clock.advance(keep.total_seconds() + 60)
    assert await eventually(forgotten, within=5)
