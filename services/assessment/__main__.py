"""``python -m services.assessment [serve|migrate|demo|keys|invite|org-import|city-token]``."""

from __future__ import annotations

import argparse
import asyncio

from services.assessment import bootstrap
from services.assessment.entrypoints.city_tokens import (
    configure_city_token_command,
    run_city_token_command,
)
from services.assessment.entrypoints.first_admin import configure_invite_command, run_invite_command
from services.assessment.entrypoints.keys import configure_keys_command, run_keys_command
from services.assessment.entrypoints.org_import import (
    configure_org_import_command,
    run_org_import_command,
)
from services.runtime.cli import Command, main
from services.runtime.settings import ServiceSettings


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mode",
        choices=["full", "org"],
        default="full",
        help="full: org chart and a few months of submissions; org: org only",
    )
    parser.add_argument("--tokens", default="var/demo-tokens.json")


def _load_demo(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    from services.assessment.demo import loader

    asyncio.run(loader.load(settings, arguments.mode, arguments.tokens))


if __name__ == "__main__":
    main(
        bootstrap,
        {
            "demo": Command("load the demo ward and write its tokens", _load_demo, _demo_arguments),
            "keys": Command(
                "list, rotate or retire the keys tokens are signed with",
                run_keys_command,
                configure_keys_command,
            ),
            "invite": Command(
                "invite a person of a ward's org chart to set their password (e.g. its first "
                "administrator): the link is e-mailed and printed",
                run_invite_command,
                configure_invite_command,
            ),
            "org-import": Command(
                "load a ward's org chart from a CSV or XLSX file (thousands of people: a "
                "progress bar with the time left), replacing the one it has",
                run_org_import_command,
                configure_org_import_command,
            ),
            "city-token": Command(
                "mint a city official's token (role city, for scoring)",
                run_city_token_command,
                configure_city_token_command,
            ),
        },
    )
