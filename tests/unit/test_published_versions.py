"""Events of every schema version published so far are still read (issue 21, item 6): each
version's JSON Schema is kept in ``contracts/schemas/<type>.v<N>.json`` once published
(``make schemas``), and the code must list every such N among its type's readable versions,
or the poison screen dead-letters the previous release's events as ``unsupported_version``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.events import EVENT_TYPES, event_type_name
from services.runtime.poison import Poison, screen

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
PUBLISHED = sorted(
    (match[1], int(match[2]))
    for path in SCHEMAS.glob("*.json")
    if (match := re.fullmatch(r"(.+)\.v(\d+)\.json", path.name))
)
TYPES = {event_type_name(event_type): event_type for event_type in EVENT_TYPES}


def test_every_event_type_has_its_published_schema() -> None:
    assert {name for name, _ in PUBLISHED} == set(TYPES)


@pytest.mark.parametrize(("name", "version"), PUBLISHED, ids=[f"{n}.v{v}" for n, v in PUBLISHED])
def test_every_published_version_is_read(name: str, version: int) -> None:
    event_type = TYPES[name]
    assert version in event_type.readable_versions
    # The poison screen takes it past the version check (its data is another matter).
    raw = (
        f'{{"type": "{name}", "schema_version": {version}, "ward": "binh-dong", '
        f'"occurred_at": "{datetime.now(UTC).isoformat()}", "actor": {{"kind": "system"}}, '
        '"data": {}}'
    ).encode()
    with pytest.raises(Poison) as refused:
        screen(f"ward5s.binh-dong.{name}", raw)
    assert refused.value.reason != "unsupported_version"
