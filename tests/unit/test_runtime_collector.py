"""The cyclic collector's thresholds by what a service's process does: raised where batches of
events are applied (scoring, notifications), CPython's own where requests alone are answered
(assessment, web), so that their requests' garbage does not wait for a rare collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from services.assessment.bootstrap import build_app as assessment_app
from services.runtime.process import GC_YOUNG_THRESHOLD, tune_garbage_collector
from services.runtime.settings import ServiceSettings
from services.scoring.bootstrap import build_app as scoring_app

CPYTHON = (700, 10, 10)


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*CPYTHON)
    yield
    gc.set_threshold(*before)


def settings(service: str) -> ServiceSettings:
    return ServiceSettings(
        service=service,
        environment="test",
        http_port=0,
        nats_url="nats://127.0.0.1:1",
        database_url="sqlite+aiosqlite:///:memory:",
    )


@pytest.mark.usefixtures("thresholds")
def test_a_process_that_applies_events_collects_rarely_one_that_answers_requests_as_cpython() -> (
    None
):
    assert scoring_app(settings("scoring")).state.runtime.applies_events
    assert not assessment_app(settings("assessment")).state.runtime.applies_events
    tune_garbage_collector(applies_events=False)
    assert gc.get_threshold() == CPYTHON
    tune_garbage_collector(applies_events=True)
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 20, 20)
