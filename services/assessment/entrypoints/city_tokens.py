"""``python -m services.assessment city-token --city <city> --subject <id>``: the deployment's
operator mints a city official's token (role ``city``: their city, no ward), for scoring only,
lasting as long as a person's token. Scoring then answers it for the wards whose org chart
names that city (docs/ARCHITECTURE.md, "A city")."""

from __future__ import annotations

import argparse
from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

from contracts.common import EntityId
from contracts.roles import Role
from services.assessment.settings import assessment_settings
from services.runtime.auth import Principal, issue_token
from services.runtime.settings import ServiceSettings

#: A city reads on scoring alone: its token is for no other service.
CITY_AUDIENCE = ("scoring",)
_ID: TypeAdapter[str] = TypeAdapter(EntityId)


def configure_city_token_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", required=True, help="the city's id, as wards' org charts name it")
    parser.add_argument("--subject", required=True, help="the official's id")


def city_principal(city: str, subject: str) -> Principal:
    """A city official (``SystemExit`` naming the argument for an id that is not one)."""
    for name, value in (("--city", city), ("--subject", subject)):
        try:
            _ID.validate_python(value)
        except ValidationError:
            raise SystemExit(f"{name}: letters, digits, '.', '_' or '-', at most 64") from None
    return Principal(subject, "", Role.CITY, city=city)


def run_city_token_command(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    config = assessment_settings(settings)
    ring = config.key_ring()  # production: its own key only (fail closed)
    principal = city_principal(arguments.city, arguments.subject)
    ttl = timedelta(hours=config.person_token_hours)
    print(issue_token(ring.current(), principal, ttl, CITY_AUDIENCE))
