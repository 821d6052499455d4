"""The composition root of the scoring service."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import nats
from fastapi import FastAPI

from contracts.periods import Month
from contracts.streams import ASSESSMENT
from contracts.subjects import context_subjects
from services.runtime.cli import Command
from services.runtime.consumer import ConsumerSpec
from services.runtime.errors import register_messages
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, load_settings
from services.scoring import metrics, views
from services.scoring.adapters import store
from services.scoring.adapters.tables import metadata, plumbing
from services.scoring.domain.policy import default_policy
from services.scoring.entrypoints import admin, http
from services.scoring.handlers import Scoring
from services.scoring.rebuild import RebuildReport, nats_access, rebuild

NAME = "scoring"
MIGRATIONS = Path(__file__).parent / "migrations"

ASSESSMENT_EVENTS = ConsumerSpec(
    name="scoring-assessment",
    stream=ASSESSMENT,
    subject=context_subjects("assessment"),
    description="Audits, self-assessments, feedback, task results and periods, folded into sums.",
    pipelined=True,
)

register_messages(
    {
        # What each endpoint accepts: services.scoring.domain.periods.
        "bad_period": (
            "Kỳ không hợp lệ (dùng {accepts_vi}; năm từ {first} đến {last}).",
            "Not a valid period (use {accepts_en}; years {first} to {last}).",
        ),
        "no_score": (
            "Chưa có điểm của người này trong kỳ.",
            "This person has no score for the period.",
        ),
    }
)


#: Events per consumer batch: the per-batch work (statements, announcements) is shared by more
#: events; at low load a batch is whatever arrived within the pull's short wait.
CONSUMER_BATCH = 2048


def settings() -> ServiceSettings:
    return load_settings(ServiceSettings, NAME, http_port=8002, consumer_batch=CONSUMER_BATCH)


def build_runtime(config: ServiceSettings | None = None) -> tuple[Runtime, Scoring]:
    config = config or settings()
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS)
    scoring = Scoring(default_policy())
    runtime.consume(
        dataclasses.replace(ASSESSMENT_EVENTS, batch_size=config.consumer_batch),
        scoring.apply,
    )

    async def show_current_month() -> None:
        """The dashboards' gauges, from the stored sums, before the first event arrives."""
        month = Month.of(datetime.now(UTC)).key
        async with runtime.sessions() as session:
            wards = {w for w, _, m in await store.months_with_units(session) if m == month}
            for ward in sorted(wards):
                for unit, figures in (
                    await views.unit_figures(session, ward, None, [month])
                ).items():
                    metrics.show_unit(ward, unit, figures.values(scoring.policy))

    runtime.on_start(show_current_month)
    return runtime, scoring


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    runtime, scoring = build_runtime(config)
    app = runtime.http_app(
        title="ward5s scoring",
        description="Rolling 5S+ aggregates, classification and income tier, from the events.",
        routers=[http.router, admin.router],
    )
    app.state.policy = scoring.policy
    app.state.scoring = scoring
    return app


async def rebuild_now(config: ServiceSettings) -> RebuildReport:
    """Replay the stream into a fresh projection and swap it in (the service may be running)."""
    runtime, scoring = build_runtime(config)
    await runtime.migrate()
    password = config.nats_password.get_secret_value() if config.nats_password else None
    connection = await nats.connect(config.nats_url, user=config.nats_user, password=password)
    try:
        return await rebuild(
            connection.jetstream(),
            runtime.sessions,
            scoring,
            ASSESSMENT_EVENTS.name,
            nats=nats_access(config),
        )
    finally:
        await connection.close()
        await runtime.engine.dispose()


def _rebuild_command(config: ServiceSettings, _: argparse.Namespace) -> None:
    print(json.dumps(asdict(asyncio.run(rebuild_now(config))), indent=2))


COMMANDS = {
    "rebuild": Command(
        help="replay the ASSESSMENT stream into a fresh projection and swap it in",
        run=_rebuild_command,
    )
}
