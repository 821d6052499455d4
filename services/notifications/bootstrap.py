"""The composition root of the notifications service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts.events import OrgChartPublished, event_type_name
from contracts.streams import ASSESSMENT, SCORING
from contracts.subjects import ANY_WARD, context_subjects, event_subject
from services.notifications import handlers
from services.notifications.adapters.tables import metadata, plumbing
from services.notifications.entrypoints import http
from services.runtime.consumer import ConsumerSpec
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, load_settings

NAME = "notifications"
MIGRATIONS = Path(__file__).parent / "migrations"

ORG_CHART = ConsumerSpec(
    name="notifications-org",
    stream=ASSESSMENT,
    subject=event_subject(ANY_WARD, event_type_name(OrgChartPublished)),
    description="The org chart, to know who leads which unit.",
)
SCORES = ConsumerSpec(
    name="notifications-scoring",
    stream=SCORING,
    subject=context_subjects("scoring"),
    description="Low scores and recoveries, to raise and resolve alerts.",
)


def settings() -> ServiceSettings:
    return load_settings(ServiceSettings, NAME, http_port=8003)


def build_runtime(config: ServiceSettings | None = None) -> Runtime:
    runtime = Runtime(config or settings(), metadata, plumbing, MIGRATIONS)
    runtime.consume(ORG_CHART, handlers.apply)
    runtime.consume(SCORES, handlers.apply)
    return runtime


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    return build_runtime(config).http_app(
        title="ward5s notifications",
        description="Alerts to the right leader, once, on time, in Vietnamese.",
        routers=[http.router],
    )
