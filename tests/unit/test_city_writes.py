"""A city's officials write nothing: every command of the three services' command pipelines
refuses the ``city`` role, whatever the command's own roles (even those any role may send)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from contracts.roles import PERSON_ROLES, Role
from services.assessment.handlers.commands import COMMANDS as ASSESSMENT
from services.notifications.handlers.commands import COMMANDS as NOTIFICATIONS
from services.runtime.auth import Principal
from services.runtime.commands import authorised
from services.runtime.dispatch import Entry
from services.runtime.refusals import Refusal
from services.scoring.handlers.commands import COMMANDS as SCORING

CITY = Principal("city-officer", "", Role.CITY, city="hcmc")
ENTRIES = [
    pytest.param(entry, id=f"{registry.name}:{entry.name}")
    for registry in (ASSESSMENT, SCORING, NOTIFICATIONS)
    for entry in registry.entries()
]


@dataclass
class Context:
    principal: Principal


async def reached(context: Any, body: Any) -> Any:
    return "handled"


def test_no_person_of_a_ward_s_org_chart_is_a_city() -> None:
    assert Role.CITY not in PERSON_ROLES


@pytest.mark.parametrize("entry", ENTRIES)
async def test_every_command_refuses_a_city(entry: Entry[Any, Any]) -> None:
    with pytest.raises(Refusal) as refused:
        await authorised(entry, Context(CITY), None, reached)  # type: ignore[arg-type]
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    # The same step lets a role the command names through (so the refusal is the city's).
    allowed = entry.options.get("roles") or set(Role) - {Role.CITY}
    someone = Principal("p1", "binh-dong", sorted(allowed)[0], "kt")
    assert await authorised(entry, Context(someone), None, reached) == "handled"  # type: ignore[arg-type]
