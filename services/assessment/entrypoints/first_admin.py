"""``python -m services.assessment invite``: the deployment's operator invites a person of a
ward's org chart, a ward's first administrator above all (no administrator can sign in before
one has a password), optionally loading the ward's first org chart from a CSV file first (no
administrator could load it through the API either). Both are recorded as admin actions whose
actor is ``operator`` (docs/SECURITY.md, "A ward's first administrator")."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from contracts.roles import Role
from services.assessment.adapters import credentials, org
from services.assessment.entrypoints.keys import Issuer
from services.assessment.entrypoints.org_csv import parse_org_upload
from services.assessment.entrypoints.org_import import OPERATOR, load_as_operator
from services.assessment.entrypoints.sign_in import SignInEdge, sign_in_config
from services.assessment.handlers import sign_in
from services.assessment.handlers.admin_actions import record_admin_action
from services.assessment.handlers.common import Context
from services.assessment.settings import AssessmentSettings, assessment_settings
from services.runtime.auth import Principal
from services.runtime.clock import SystemClock
from services.runtime.db import create_engine, session_factory
from services.runtime.refusals import Refusal
from services.runtime.settings import ServiceSettings


def configure_invite_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ward", required=True, help="the ward's id, as in its org chart")
    parser.add_argument("--email", required=True, help="the person's address in the org chart")
    parser.add_argument("--reason", required=True, help="why (recorded as the operator's action)")
    parser.add_argument(
        "--org-chart",
        type=Path,
        help="a ward with no org chart yet: load this CSV first (docs/OPERATIONS.md's columns)",
    )
    parser.add_argument("--ward-name", help="with --org-chart: the ward's name")


def run_invite_command(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    try:
        link = asyncio.run(invite(assessment_settings(settings), arguments))
    except Refusal as refusal:
        raise SystemExit(f"refused: {refusal.code} ({refusal.field or ''})") from None
    print(f"invitation e-mailed by notifications (once assessment's relay runs); the link:\n{link}")


async def invite(config: AssessmentSettings, arguments: argparse.Namespace) -> str:
    """Load the ward's first org chart when one is given, then invite the active person with
    the address; answers the link. ``SystemExit`` for a ward that has a chart already (with
    ``--org-chart``) or no such person; the service's database must be migrated."""
    engine = create_engine(config.database_url)
    try:
        edge = SignInEdge.of(
            session_factory(engine),
            SystemClock(),
            sign_in_config(config, Issuer.of(config.key_ring(), config)),
        )
        async with edge.units() as uow:
            context = Context(
                Principal(OPERATOR, arguments.ward, Role.ADMIN), config.policy(), uow.now
            )
            if arguments.org_chart is not None:
                if await org.has_chart(uow.session, arguments.ward):
                    raise SystemExit(f"{arguments.ward} has an org chart: load it through the API")
                rows = parse_org_upload(arguments.org_chart.read_bytes())
                await load_as_operator(uow, context, arguments.ward_name, rows, arguments.reason)
            found = [
                p
                for p in await credentials.people_with_email(uow.session, arguments.email)
                if p.ward == arguments.ward
            ]
            if not found:
                raise SystemExit(f"no active person with {arguments.email} in {arguments.ward}")
            person = found[0]
            link = await sign_in.issue_link(uow, person, "invitation", edge.config, context.actor)
            await record_admin_action(
                uow, context, "invitation.issued", person.person_id, arguments.reason
            )
        return link
    finally:
        await engine.dispose()
