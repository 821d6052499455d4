"""The composition root of the assessment service."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from contracts.catalog import default_catalog
from contracts.envelope import SYSTEM
from services.assessment import handlers
from services.assessment.adapters.tables import metadata, plumbing
from services.assessment.calendar import SHIPPED_CALENDAR_DIR, ensure_known_calendars
from services.assessment.commands import Submissions
from services.assessment.domain.policy import Policy
from services.assessment.entrypoints import http
from services.assessment.entrypoints.intake import register_intake
from services.runtime.db import SessionFactory, transaction
from services.runtime.jobs import run_forever
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, load_settings, own_settings
from services.runtime.workdays import WorkingCalendar, read_calendar_days

NAME = "assessment"
MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


class AssessmentSettings(ServiceSettings):
    """``WARD5S_ASSESSMENT_<NAME>``: deadlines in working days and the kiosk rate limit."""

    corrective_action_working_days: int = 10
    feedback_burst: int = 10
    feedback_refill_s: float = 6.0
    #: The calendar file, or directory of files, every ward's working calendar starts from (its
    #: days off and make-up working days with their reasons; see ``read_calendar_days`` and
    #: docs/OPERATIONS.md). Default: the files shipped with the service.
    calendar_file: Path | None = SHIPPED_CALENDAR_DIR
    #: How often the automatic period close looks for months past their close day.
    auto_close_interval_s: float = 300.0
    auto_close_lookback_months: int = 3
    #: How long a retry with the same idempotency key still gets the first answer back.
    idempotency_retention_days: float = 30.0

    def policy(self) -> Policy:
        seed = read_calendar_days(self.calendar_file)
        return Policy(
            calendar=WorkingCalendar.from_days(seed),
            calendar_seed=seed,
            corrective_action_working_days=self.corrective_action_working_days,
            feedback_burst=self.feedback_burst,
            feedback_refill_s=self.feedback_refill_s,
            auto_close_lookback_months=self.auto_close_lookback_months,
        )


def settings() -> AssessmentSettings:
    return load_settings(AssessmentSettings, NAME, http_port=8001)


def assessment_settings(config: ServiceSettings | None) -> AssessmentSettings:
    return own_settings(AssessmentSettings, config, settings)


async def housekeeping_forever(
    sessions: SessionFactory,
    policy: Policy,
    every_s: float,
    keep_keys: timedelta,
    stop: asyncio.Event | None = None,
) -> None:
    """The automatic close of past months (``Policy.close_day``), and forgetting old idempotency
    keys. Every instance may run it: closing is race-safe (see ``handlers.close_due_periods``)."""

    async def once() -> None:
        async with transaction(sessions) as session:
            closed = await handlers.close_due_periods(session, policy)
            await handlers.forget_old_keys(session, datetime.now(UTC) - keep_keys)
        for ward, period in closed:
            log.info("closed period %s of %s after its close day", period, ward)

    await run_forever("housekeeping", once, interval_s=every_s, stop=stop)


def build_runtime(
    config: ServiceSettings | None = None,
) -> tuple[Runtime, Submissions]:
    config = assessment_settings(config)
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS)
    policy = config.policy()
    submissions = Submissions(runtime.sessions, policy)
    register_intake(runtime.broker, submissions, config.token_secret.get_secret_value())

    async def install_default_catalog() -> None:
        async with transaction(runtime.sessions) as session:
            await handlers.ensure_catalog(session, default_catalog())

    async def seed_calendars() -> None:
        """Wards whose org chart came before their stored calendar get it now."""
        async with transaction(runtime.sessions) as session:
            seeded = await ensure_known_calendars(session, policy, SYSTEM, datetime.now(UTC))
        for ward in seeded:
            log.info("working calendar of %s stored from %s", ward, config.calendar_file)

    async def start_housekeeping() -> None:
        keep_keys = timedelta(days=config.idempotency_retention_days)
        every_s = config.auto_close_interval_s
        runtime.spawn(
            housekeeping_forever(runtime.sessions, policy, every_s, keep_keys, runtime.stopping),
            "housekeeping",
        )

    runtime.on_start(install_default_catalog)
    runtime.on_start(seed_calendars)
    runtime.on_start(start_housekeeping)
    return runtime, submissions


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    runtime, submissions = build_runtime(config)
    app = runtime.http_app(
        title="ward5s assessment",
        description="The system of record of the 5S+ programme: organisation, criteria, audits, "
        "self-assessments, citizen feedback, task results and periods. Every submission is also "
        "accepted by request-reply on NATS (`ward5s.<ward>.intake.<kind>`), with the same answer.",
        routers=[http.router],
    )
    app.state.submissions = submissions
    return app
