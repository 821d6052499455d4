"""The composition root of the scoring service: its settings, the policy read from its file and
handed to the handler, the refusals' texts, the consumer (each batch in a unit of work on the
service's clock) and the HTTP routes."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
from dataclasses import asdict
from pathlib import Path

import nats
from fastapi import FastAPI
from sqlalchemy import Table

from contracts.periods import Month
from contracts.streams import ASSESSMENT, SCORING_ASSESSMENT
from contracts.subjects import context_subjects
from services.runtime.broker import jetstream
from services.runtime.cli import Command
from services.runtime.clock import Now, SystemClock
from services.runtime.consumer import ConsumerSpec
from services.runtime.progress import bar
from services.runtime.refusals import Refusal, register_messages
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings
from services.runtime.uow import UnitOfWork
from services.scoring import metrics
from services.scoring.adapters import month_sums
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import metadata, partition_marks, plumbing
from services.scoring.domain.audits import AUDIT_EVENTS, HeldAudit
from services.scoring.domain.refusals import MESSAGES
from services.scoring.entrypoints import admin, exports, http
from services.scoring.handlers import Scoring, audits
from services.scoring.handlers.commands import ScoringCommands
from services.scoring.rebuild import RebuildReport, Tracker, nats_access, rebuild
from services.scoring.settings import CONSUMER_BATCH, NAME, scoring_settings, settings
from services.scoring.views import units as unit_views

__all__ = ["ASSESSMENT_EVENTS", "CONSUMER_BATCH", "MIGRATIONS", "NAME", "build_app", "settings"]

MIGRATIONS = Path(__file__).parent / "migrations"

ASSESSMENT_EVENTS = ConsumerSpec(
    name="scoring-assessment",
    stream=ASSESSMENT,
    subject=context_subjects("assessment"),
    description="Audits, self-assessments, feedback, task results and periods, folded into sums.",
    pipelined=True,
    # Audits, by far the most frequent, are decoded by structs mirroring their contracts, and
    # held until their batch commits as the records they make (not their items).
    decoder=audits.decode,
)

#: The same events applied by ward (the default delivery): each ward's durable is on scoring's
#: own mirror of ASSESSMENT, where scoring's NATS user may make and delete consumers by any name
#: (``infra/nats/accounts.conf``). The mirror keeps ASSESSMENT's sequences, so the marks, the
#: proofs of a run's head and a rebuild read from ASSESSMENT all count the same messages.
PARTITIONED_EVENTS = dataclasses.replace(ASSESSMENT_EVENTS, stream=SCORING_ASSESSMENT)


def needs_inbox(event: object) -> bool:
    """Whether an event claims its id in the inbox besides its partition's mark: every kind but
    the audits, whose revision makes a copy of one (republished after the stream's duplicate
    window, or a dead letter replayed) stale, so that it changes nothing."""
    return type(event) not in _AUDITS


_AUDITS = frozenset((*AUDIT_EVENTS, HeldAudit))


def build_runtime(
    config: ServiceSettings | None = None, clock: Now | None = None
) -> tuple[Runtime, Scoring]:
    """The service's runtime and its handler, scoring by the default policy file's rules;
    ``clock`` (the system's by default) dates what the service records and announces."""
    config = scoring_settings(config)
    clock = clock or SystemClock()
    register_messages(MESSAGES)
    runtime = Runtime(config, metadata, plumbing, MIGRATIONS)
    scoring = Scoring(default_policy())
    if config.delivery == "partitioned":
        spec = dataclasses.replace(PARTITIONED_EVENTS, batch_size=config.consumer_batch)
        runtime.consume_partitioned(
            spec, scoring.apply, partition_marks, clock, needs_inbox=needs_inbox
        )
    else:
        spec = dataclasses.replace(ASSESSMENT_EVENTS, batch_size=config.consumer_batch)
        runtime.consume_in_units(spec, scoring.apply, clock)

    async def show_current_month() -> None:
        """The dashboards' gauges, from the stored sums, before the first event arrives."""
        month = Month.of(clock.now()).key
        async with runtime.sessions() as session:
            wards = {w for w, _, m in await month_sums.months_with_units(session) if m == month}
            for ward in sorted(wards):
                for unit, figures in (
                    await unit_views.unit_figures(session, ward, None, [month])
                ).items():
                    metrics.show_unit(ward, unit, figures.values(scoring.policy))

    runtime.on_start(show_current_month)
    units = UnitOfWork.factory(runtime.sessions, clock=clock)  # stages no events
    runtime.housekeeping(units, config.keep_commands, config.housekeeping_interval_s)
    return runtime, scoring


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    clock = SystemClock()
    runtime, scoring = build_runtime(config, clock)

    async def rebuild_live() -> RebuildReport:
        """The rebuild behind the admin's command, inside the running service."""
        return await rebuild(
            jetstream(runtime.broker),
            runtime.sessions,
            scoring,
            ASSESSMENT_EVENTS.name,
            nats=nats_access(runtime.settings),
            marks=_marks(runtime.settings),
        )

    app = runtime.http_app(
        title="ward5s scoring",
        description="Rolling 5S+ aggregates, classification and income tier, from the events.",
        routers=[http.router, exports.router, admin.router],
    )
    app.state.policy = scoring.policy
    app.state.clock = clock
    #: A city's officials read the wards of their city here (runtime.http refuses them elsewhere).
    app.state.serves_cities = True
    #: People's commands (the chairman's decisions, the rebuild) through the one pipeline.
    app.state.commands = ScoringCommands(runtime.sessions, scoring.policy, clock, rebuild_live)
    app.state.commands.gate = runtime.check_bus  # 503 while the bus cannot store the events
    return app


async def rebuild_now(config: ServiceSettings, tracker: Tracker | None = None) -> RebuildReport:
    """Replay the stream into a fresh projection and swap it in (the service may be running);
    ``tracker`` follows its progress. Refused (``rebuild_running``) while another runs."""
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
            tracker=tracker,
            marks=_marks(config),
        )
    finally:
        await connection.close()
        await runtime.engine.dispose()


def _marks(config: ServiceSettings) -> Table | None:
    """The partitions' marks a rebuild raises to what it replayed, when the events are applied
    by partition."""
    return partition_marks if scoring_settings(config).delivery == "partitioned" else None


async def _rebuild_shown(config: ServiceSettings) -> RebuildReport:
    """The rebuild, with a progress bar (events folded, then each stage) and its ETA."""
    tracker = Tracker()
    with bar() as shown:
        task = shown.add_task("rebuild: starting", total=None)

        def draw(stage: str, done: int, total: int) -> None:
            shown.update(task, description=f"rebuild: {stage}", completed=done, total=total or None)
            shown.refresh()

        work = asyncio.create_task(rebuild_now(config, tracker))
        drawn = 0
        while True:
            for figures in tracker.finished[drawn:]:
                draw(*figures)
            drawn = len(tracker.finished)
            draw(*tracker.now())
            if work.done():
                return work.result()
            await asyncio.wait({work}, timeout=0.5)


def _rebuild_command(config: ServiceSettings, _: argparse.Namespace) -> None:
    try:
        report = asyncio.run(_rebuild_shown(config))
    except Refusal as refused:
        raise SystemExit(refused.body("en")["error"]["message"]) from None
    print(json.dumps(asdict(report), indent=2))


COMMANDS = {
    "rebuild": Command(
        help="replay the ASSESSMENT stream into a fresh projection and swap it in",
        run=_rebuild_command,
    )
}
