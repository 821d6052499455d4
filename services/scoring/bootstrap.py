"""The composition root of the scoring service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts.streams import ASSESSMENT
from contracts.subjects import context_subjects
from services.runtime.consumer import ConsumerSpec
from services.runtime.errors import register_messages
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, load_settings
from services.scoring.adapters.tables import metadata, plumbing
from services.scoring.domain.policy import default_policy
from services.scoring.entrypoints import http
from services.scoring.handlers import Scoring

NAME = "scoring"
MIGRATIONS = Path(__file__).parent / "migrations"

ASSESSMENT_EVENTS = ConsumerSpec(
    name="scoring-assessment",
    stream=ASSESSMENT,
    subject=context_subjects("assessment"),
    description="Audits, self-assessments, feedback, task results and periods, folded into sums.",
)

register_messages(
    {
        "bad_period": (
            "Kỳ không hợp lệ (dùng YYYY-MM, YYYY-Qn hoặc YYYY).",
            "Not a valid period (use YYYY-MM, YYYY-Qn or YYYY).",
        ),
    }
)


def settings() -> ServiceSettings:
    return load_settings(ServiceSettings, NAME, http_port=8002)


def build_runtime(config: ServiceSettings | None = None) -> tuple[Runtime, Scoring]:
    config = config or settings()
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS)
    scoring = Scoring(default_policy())
    runtime.consume(
        ConsumerSpec(**{**ASSESSMENT_EVENTS.__dict__, "batch_size": config.consumer_batch}),
        scoring.apply,
    )
    return runtime, scoring


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    runtime, scoring = build_runtime(config)
    app = runtime.http_app(
        title="ward5s scoring",
        description="Rolling 5S+ aggregates, classification and income tier, from the events.",
        routers=[http.router],
    )
    app.state.policy = scoring.policy
    return app
