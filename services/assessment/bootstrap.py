"""The composition root of the assessment service: settings, the policy (calendar files read
here), the refusals' texts, the clock, the units of work, the command table bound to them, the
NATS intake, the HTTP app and the background job."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from contracts.envelope import SYSTEM
from contracts.streams import REPORTS
from services.assessment.adapters.photo_store import PhotoStore
from services.assessment.adapters.scoring_figures import ScoringFigures
from services.assessment.adapters.tables import metadata, plumbing
from services.assessment.domain.messages import MESSAGES
from services.assessment.entrypoints import evidence, http, programme
from services.assessment.entrypoints.intake import register_intake
from services.assessment.entrypoints.keys import Issuer
from services.assessment.entrypoints.keys import router as jwks_router
from services.assessment.entrypoints.sign_in import SignInEdge, sign_in_config
from services.assessment.handlers.calendar import ensure_known_calendars
from services.assessment.handlers.catalog import install_shipped_catalogs
from services.assessment.handlers.commands import Submissions
from services.assessment.handlers.period_reports import Reporting
from services.assessment.jobs import chores, reports_forever
from services.assessment.settings import (
    NAME,
    AssessmentSettings,
    assessment_settings,
    settings,
)
from services.runtime.broker import jetstream
from services.runtime.clock import SystemClock
from services.runtime.objects import Bucket
from services.runtime.refusals import register_messages
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings
from services.runtime.token_keys import LocalKeys
from services.runtime.uow import UnitOfWork

#: Re-exported: the service's launcher and tools find every service's settings here.
__all__ = [
    "MIGRATIONS",
    "NAME",
    "AssessmentSettings",
    "assessment_settings",
    "build_app",
    "build_runtime",
    "register_texts",
    "settings",
]

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


def register_texts() -> None:
    """The texts of this service's refusals, in Vietnamese and English (at start-up)."""
    register_messages(MESSAGES)


def build_runtime(config: ServiceSettings | None = None) -> tuple[Runtime, Submissions]:
    """The service's runtime (database, bus, start-up hooks) and its command table."""
    config = assessment_settings(config)
    register_texts()
    ring = config.key_ring()
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS, token_keys=LocalKeys(ring))
    policy = config.policy()
    clock = SystemClock()
    units = UnitOfWork.factory(runtime.sessions, plumbing.outbox, clock)
    issuer = Issuer.of(ring, config)
    signing_in = sign_in_config(config, issuer)
    photos = PhotoStore(lambda: jetstream(runtime.broker))
    scoring = ScoringFigures(config.scoring_url, issuer.for_scoring, config.scoring_timeout_s)
    submissions = Submissions(runtime.sessions, policy, clock, signing_in, photos, scoring)
    submissions.gate = runtime.check_bus  # 503 while the bus cannot store the events
    register_intake(runtime.broker, submissions, runtime.verifier)

    async def install_default_catalog() -> None:
        async with units() as uow:
            await install_shipped_catalogs(uow)

    async def seed_calendars() -> None:
        """Wards whose org chart came before their stored calendar get it now."""
        async with units() as uow:
            seeded = await ensure_known_calendars(uow, policy, SYSTEM)
        for ward in seeded:
            log.info("working calendar of %s stored from %s", ward, config.calendar_file)

    reporting = Reporting(
        scoring,
        Bucket(lambda: jetstream(runtime.broker), REPORTS.name),
        config.report_lookback_months,
        timedelta(seconds=config.report_settle_s),
    )
    runtime.on_start(install_default_catalog)
    runtime.on_start(seed_calendars)
    runtime.housekeeping(units, config.keep_commands, config.auto_close_interval_s, chores(policy))
    every_s = config.report_interval_s
    runtime.background("period reports", partial(reports_forever, units, reporting, every_s))
    return runtime, submissions


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    runtime, submissions = build_runtime(config)
    app = runtime.http_app(
        title="ward5s assessment",
        description="The system of record of the 5S+ programme: organisation, criteria, audits, "
        "self-assessments, citizen feedback, task results and periods. Every submission is also "
        "accepted by request-reply on NATS (`ward5s.<ward>.intake.<kind>`), with the same answer.",
        routers=[http.router, programme.router, jwks_router],
    )
    app.state.submissions = submissions
    app.state.photos = submissions.photos
    # A photo may be larger than a JSON body: its route reads it with the policy's cap.
    app.state.body_limits[evidence.PATH] = submissions.policy.evidence_max_bytes
    keys = runtime.token_keys
    assert isinstance(keys, LocalKeys)  # the issuer verifies with its own keys
    app.state.issuer = Issuer.of(keys.ring, assessment_settings(config))
    assert submissions.sign_in is not None
    app.state.sign_in = SignInEdge.of(runtime.sessions, submissions.clock, submissions.sign_in)
    return app
