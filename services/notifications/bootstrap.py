"""The composition root of the notifications service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from contracts.streams import ASSESSMENT, SCORING
from contracts.subjects import context_subjects
from services.notifications import handlers, intake
from services.notifications.adapters.channels import Mailer, Webhook
from services.notifications.adapters.tables import metadata, plumbing
from services.notifications.entrypoints import http
from services.notifications.scheduler import LinkMaker, Retry, Scheduler
from services.notifications.settings import NotificationsSettings, notifications_settings
from services.runtime.clock import Clock
from services.runtime.consumer import ConsumerSpec
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, own_settings

NAME = "notifications"
MIGRATIONS = Path(__file__).parent / "migrations"

FACTS = ConsumerSpec(
    name="notifications-assessment",
    stream=ASSESSMENT,
    subject=context_subjects("assessment"),
    description="The org chart, submissions, reviews, audits and corrective actions: who leads "
    "which unit, and which deadlines are met.",
)
SCORES = ConsumerSpec(
    name="notifications-scoring",
    stream=SCORING,
    subject=context_subjects("scoring"),
    description="Low scores and recoveries, to raise and resolve alerts.",
)


def settings() -> NotificationsSettings:
    return notifications_settings()


@dataclass(frozen=True)
class Notifications:
    """The running service: its runtime, its clock and rules, and its scheduler."""

    settings: NotificationsSettings
    runtime: Runtime
    policy: handlers.Policy
    scheduler: Scheduler


def build_service(config: ServiceSettings | None = None) -> Notifications:
    config = own_settings(NotificationsSettings, config, settings)
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS)
    clock = Clock(adjustable=config.environment != "production", start=config.clock_start)
    policy = handlers.Policy.from_settings(config, clock)
    apply = partial(intake.apply, policy)
    runtime.consume(FACTS, apply)
    runtime.consume(SCORES, apply)
    secret = config.signing_secret.get_secret_value()
    scheduler = Scheduler(
        policy,
        runtime.sessions,
        Mailer(
            config.smtp_host,
            config.smtp_port,
            config.mail_from,
            user=config.smtp_user,
            password=config.smtp_password.get_secret_value() if config.smtp_password else None,
            starttls=config.smtp_starttls,
            timeout_s=config.smtp_timeout_s,
        ),
        Webhook(secret),
        LinkMaker(secret, config.public_url, timedelta(hours=config.link_ttl_hours)),
        Retry(config.retry_base_s, config.retry_max_s),
        config.tick_s,
        claim=timedelta(seconds=config.claim_s),
    )

    async def start_scheduler() -> None:
        runtime.spawn(scheduler.run(runtime.stopping), "scheduler")

    runtime.on_start(start_scheduler)
    return Notifications(config, runtime, policy, scheduler)


def build_runtime(config: ServiceSettings | None = None) -> Runtime:
    return build_service(config).runtime


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    service = build_service(config)
    app = service.runtime.http_app(
        title="ward5s notifications",
        description="Alerts to the right leader, once, on time, in Vietnamese.",
        routers=[http.router],
    )
    app.state.notifications = service
    return app
