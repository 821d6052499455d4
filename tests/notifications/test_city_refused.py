"""Notifications answers a city's token with 403 on every write endpoint and every read: a
city's officials read their wards' figures on scoring only."""

from __future__ import annotations

import pytest

from tests.notifications.conftest import Starter
from tests.support.city import answers_to_a_city, city_bearer, write_routes

pytestmark = [pytest.mark.nats]


async def test_every_write_and_read_refuses_a_city(notifications: Starter) -> None:
    harness = await notifications()
    app = harness.http._transport.app  # type: ignore[attr-defined]
    answers = await answers_to_a_city(app, harness.http)
    assert len(write_routes(app)) >= 4  # the sweep found the writes
    assert {route: status for route, status in answers.items() if status != 403} == {}
    for path in ("/v1/alerts", "/v1/preferences/p001", "/v1/deliveries/failed"):
        answer = await harness.http.get(path, headers=city_bearer())
        assert answer.status_code == 403, path
