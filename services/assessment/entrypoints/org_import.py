"""``python -m services.assessment org-import``: the deployment's operator loads a ward's org
chart from a CSV or XLSX file (the columns of docs/OPERATIONS.md, read as the API reads an
upload: ``entrypoints/org_csv.py``), replacing the one it has, with a progress bar of the people
stored and the time left (``services.runtime.progress``); a ward of thousands of people takes a
while. Recorded as an admin action whose actor is ``operator``; the chart is published by the
running service's outbox relay."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from contracts.roles import Role
from services.assessment.adapters.tables import plumbing
from services.assessment.domain.org import OrgRow
from services.assessment.entrypoints.org_csv import parse_org_upload
from services.assessment.handlers.admin_actions import record_admin_action
from services.assessment.handlers.common import Context
from services.assessment.handlers.org import load_org_chart
from services.assessment.settings import AssessmentSettings, assessment_settings
from services.runtime.auth import Principal
from services.runtime.clock import SystemClock
from services.runtime.db import create_engine, session_factory
from services.runtime.progress import bar
from services.runtime.refusals import Refusal
from services.runtime.settings import ServiceSettings
from services.runtime.uow import UnitOfWork

#: Who the operator's actions are recorded as.
OPERATOR = "operator"


def configure_org_import_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ward", required=True, help="the ward's id")
    parser.add_argument(
        "--file", type=Path, required=True, help="the org chart: CSV or XLSX, one line a person"
    )
    parser.add_argument("--reason", required=True, help="why (recorded as the operator's action)")
    parser.add_argument("--ward-name", help="the ward's name (kept when not given)")


def run_org_import_command(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    try:
        version, people = asyncio.run(import_org_chart(assessment_settings(settings), arguments))
    except Refusal as refusal:
        raise SystemExit(f"refused: {refusal.body('en')['error']['message']}") from None
    print(
        f"org chart {version} of {arguments.ward}: {people} people "
        "(published by assessment's relay once it runs)"
    )


async def import_org_chart(
    config: AssessmentSettings, arguments: argparse.Namespace
) -> tuple[int, int]:
    """Read ``arguments.file`` and make it the ward's org chart; answers (its version, people).
    Errors: the upload's refusals (``org_csv``, ``domain/org.py``: the line and column named);
    the service's database must be migrated."""
    rows = parse_org_upload(arguments.file.read_bytes())
    engine = create_engine(config.database_url)
    try:
        units = UnitOfWork.factory(session_factory(engine), plumbing.outbox, SystemClock())
        async with units() as uow:
            context = Context(
                Principal(OPERATOR, arguments.ward, Role.ADMIN), config.policy(), uow.now
            )
            version = await load_as_operator(
                uow, context, arguments.ward_name, rows, arguments.reason
            )
        return version, len(rows)
    finally:
        await engine.dispose()


async def load_as_operator(
    uow: UnitOfWork,
    context: Context,
    ward_name: str | None,
    rows: list[OrgRow],
    reason: str,
) -> int:
    """Make ``rows`` the org chart of the context's ward in ``uow`` and record it as the
    operator's action (``org_chart.loaded``), showing the people stored with the time left;
    answers the chart's version."""
    with bar() as shown:
        task = shown.add_task("org chart: storing people", total=len(rows))
        version = await load_org_chart(
            uow,
            context.ward,
            ward_name,
            rows,
            actor=context.actor,
            policy=context.policy,
            stored=lambda count: shown.advance(task, count),
        )
        await record_admin_action(
            uow, context, "org_chart.loaded", str(version), reason, people=str(len(rows))
        )
    return version
