"""People's commands to notifications follow the org chart as this service keeps it (issue 14,
item 4): a recipient the chart no longer names acknowledges, snoozes and chooses nothing, whatever
their token says; one moved keeps their own alerts. In-memory SQLite, through the one command
pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel

from contracts.events import AlertData
from contracts.notification_commands import (
    AcknowledgeCommand,
    PreferencesCommand,
    SnoozeCommand,
)
from contracts.roles import Role
from services.notifications.adapters.tables import metadata
from services.notifications.handlers.commands import People
from services.runtime.auth import Principal
from services.runtime.clock import Clock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import in_memory
from tests.notifications.harness import PEOPLE, WARD, low_score, org_chart
from tests.notifications.test_handlers import POLICY, TUESDAY, feed, staged

HEAD_KT = Principal("p010", WARD, Role.UNIT_HEAD, "kt")


@pytest.fixture
async def sessions() -> AsyncIterator[SessionFactory]:
    async with in_memory(metadata) as made:
        yield made


async def head_s_alert(sessions: SessionFactory) -> str:
    """A low score of kt raises an alert for its head, p010: its id."""
    await feed(sessions, TUESDAY, org_chart(), low_score(metric="total", value=42.5))
    for event in await staged(sessions):
        data = getattr(event, "data", None)
        if isinstance(data, AlertData) and data.recipient_id == "p010":
            return str(data.alert_id)
    raise AssertionError("no alert for the head")


def commands(sessions: SessionFactory) -> People:
    return People(sessions, POLICY, Clock(adjustable=False), lambda: None)


async def test_a_recipient_removed_from_the_chart_acknowledges_snoozes_and_chooses_nothing(
    sessions: SessionFactory,
) -> None:
    alert_id = await head_s_alert(sessions)
    without_head = tuple(p for p in PEOPLE if p.person_id != "p010")
    await feed(sessions, TUESDAY, org_chart(version=2, people=without_head))
    bodies: list[BaseModel] = [
        AcknowledgeCommand(alert_id=alert_id),
        SnoozeCommand(alert_id=alert_id, hours=24),
        PreferencesCommand(person_id="p010", email=False, webhook_url=None, digest=True),
    ]
    for body in bodies:
        with pytest.raises(Refusal) as refused:
            await commands(sessions).execute(HEAD_KT, body)
        assert (refused.value.kind, refused.value.code) == (Kind.FORBIDDEN, "not_in_org_chart")


async def test_a_recipient_still_in_the_chart_acknowledges_their_alert(
    sessions: SessionFactory,
) -> None:
    alert_id = await head_s_alert(sessions)
    status, answer = await commands(sessions).execute(
        HEAD_KT, AcknowledgeCommand(alert_id=alert_id)
    )
    assert (status, answer["status"]) == (200, "acknowledged")
    # A token claiming another role gets the chart's: p012 is staff, not an admin.
    claimed_admin = Principal("p012", WARD, Role.ADMIN, "kt")
    other = PreferencesCommand(person_id="p013", email=False, webhook_url=None, digest=True)
    with pytest.raises(Refusal) as refused:
        await commands(sessions).execute(claimed_admin, other)
    assert (refused.value.kind, refused.value.code) == (Kind.FORBIDDEN, "forbidden")
