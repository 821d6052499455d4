"""Assessment answers a city's token with 403 on every write endpoint (and every read: a city
reads its wards' figures on scoring only), and stores nothing for it; a ward's org chart load
names the ward's city, which its publication carries."""

from __future__ import annotations

import pytest

from tests.assessment.conftest import Service
from tests.support.city import answers_to_a_city, city_bearer, write_routes

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def test_every_write_refuses_a_city_and_stores_nothing(service: Service) -> None:
    before = await service.stored()
    answers = await answers_to_a_city(service.app, service.http)
    assert len(write_routes(service.app)) >= 15  # the sweep found the writes
    assert {route: status for route, status in answers.items() if status != 403} == {}
    assert await service.stored() == before


async def test_a_city_reads_nothing_of_a_ward_here(service: Service) -> None:
    for path in ("/v1/catalog", "/v1/org", "/v1/corrective-actions"):
        answer = await service.http.get(path, headers=city_bearer())
        assert answer.status_code == 403, path
