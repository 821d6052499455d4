"""The composition root of the notifications service: settings, the policy handed to the pure
domain, the refusals' texts, the clock, the units of work, the bus intake, the scheduler and the
HTTP app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from contracts.streams import ASSESSMENT, REPORTS, SCORING
from contracts.subjects import context_subjects
from services.notifications.adapters.channels import Mailer
from services.notifications.adapters.tables import metadata, plumbing
from services.notifications.adapters.webhooks import AddressGuard, Webhook
from services.notifications.domain.links import LinkMaker
from services.notifications.domain.policy import Policy
from services.notifications.domain.refusals import MESSAGES
from services.notifications.entrypoints import http
from services.notifications.handlers import intake
from services.notifications.handlers.commands import People
from services.notifications.handlers.sending import Retry, Sender
from services.notifications.jobs import Scheduler
from services.notifications.settings import NotificationsSettings, notifications_settings
from services.runtime.broker import jetstream
from services.runtime.clock import Clock
from services.runtime.consumer import ConsumerSpec
from services.runtime.objects import Bucket
from services.runtime.refusals import register_messages
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, networks, own_settings, separated
from services.runtime.uow import UnitOfWork
from services.runtime.workdays import WorkingCalendar

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


def policy_of(config: NotificationsSettings) -> Policy:
    """The rules' numbers from the settings; the stand-in calendar read from ``calendar_file``
    (the national calendar alone without one)."""
    return Policy(
        calendar=WorkingCalendar.from_file(
            Path(config.calendar_file) if config.calendar_file else None
        ),
        escalation_days=config.escalation_working_days,
        send_from=config.send_from,
        send_until=config.send_until,
        repeat=timedelta(hours=config.repeat_hours),
        digest_at=config.digest_at,
        period_review_day=config.period_review_working_day,
        report_recipients=separated(config.report_recipients),
    )


def guard_of(config: NotificationsSettings) -> AddressGuard:
    """Which addresses a webhook may reach: public ones and the allow-listed networks."""
    return AddressGuard(networks(config.webhook_allowed_networks))


def sender_of(config: NotificationsSettings) -> Sender:
    """The channels (SMTP, signed webhooks), the links in messages, retries and the claim."""
    secret = config.signing_secret.get_secret_value()
    webhook = Webhook(guard_of(config), config.webhook_deadline_s, config.webhook_max_answer_bytes)
    return Sender(
        Mailer(
            config.smtp_host,
            config.smtp_port,
            config.mail_from,
            user=config.smtp_user,
            password=config.smtp_password.get_secret_value() if config.smtp_password else None,
            starttls=config.smtp_starttls,
            timeout_s=config.smtp_timeout_s,
            deadline_s=config.smtp_deadline_s,
        ),
        webhook,
        LinkMaker(secret, config.public_url, timedelta(hours=config.link_ttl_hours)),
        Retry(config.retry_base_s, config.retry_max_s),
        lease=timedelta(seconds=config.claim_s),
        sign_in_key=config.sign_in_mail_key,
        concurrency=config.send_concurrency,
        disable_webhook_after=config.webhook_disable_after,
    )


@dataclass(frozen=True)
class Notifications:
    """The running service: its runtime, clock and policy, its units of work, its scheduler and
    the command pipeline of people's commands."""

    settings: NotificationsSettings
    runtime: Runtime
    clock: Clock
    policy: Policy
    units: Callable[[], UnitOfWork]
    scheduler: Scheduler
    people: People


def build_service(config: ServiceSettings | None = None) -> Notifications:
    config = own_settings(NotificationsSettings, config, settings)
    register_messages(MESSAGES)
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS)
    clock = Clock(adjustable=config.environment != "production", start=config.clock_start)
    policy = policy_of(config)
    units = UnitOfWork.factory(runtime.sessions, plumbing.outbox, clock)
    apply = partial(intake.apply, policy, plumbing.outbox, clock)
    runtime.consume(FACTS, apply)
    runtime.consume(SCORES, apply)
    reports = Bucket(lambda: jetstream(runtime.broker), REPORTS.name)
    sender = replace(sender_of(config), reports=reports)
    scheduler = Scheduler(policy, units, sender, config.tick_s)

    runtime.background("scheduler", scheduler.run)
    runtime.housekeeping(units, config.keep_commands, config.housekeeping_s)
    # Looked up when called, so a test may stand in for the scheduler's wake-up.
    people = People(runtime.sessions, policy, clock, lambda: scheduler.wake(), guard_of(config))
    people.gate = runtime.check_bus  # 503 while the bus cannot store the events
    return Notifications(config, runtime, clock, policy, units, scheduler, people)


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
