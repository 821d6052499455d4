"""Operators re-drive dead letters once the cause is fixed (issue 21, item 4): the command
``python -m services.<name> deadletters list|show|replay`` against a real nats-server. A replay
is applied once by the consumer that had failed, not again by one that had applied it, and a
second replay finds nothing to do; a message today's code still refuses stays parked."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import SYSTEM, Event
from contracts.events import PeriodClosed
from contracts.streams import ASSESSMENT
from contracts.subjects import context_subjects
from services.runtime import deadletters
from services.runtime.broker import build_broker
from services.runtime.consumer import ConsumerSpec, EventConsumer
from services.runtime.settings import ServiceSettings
from tests.integration.test_delivery import Database
from tests.support.http import eventually
from tests.support.terminal import in_a_terminal
from tools.processes import ROOT

pytestmark = [pytest.mark.nats]

SERVICE = "scoring"  # the dead letters are the service's whose command lists them
#: The replay's progress bar at its end: 4 of 4 letters, elapsed, and the time left.
REPLAY_BAR = re.compile(r"replaying dead letters.*?4/4\s+\S+\s+ETA\s+\d+:\d\d:\d\d")


def closed(month: int) -> PeriodClosed:
    return PeriodClosed(
        ward="binh-dong",
        occurred_at=datetime(2026, month, 28, tzinfo=UTC),
        actor=SYSTEM,
        data={"period": f"2026-{month:02d}"},
    )


def cli(nats_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"services.{SERVICE}", "deadletters", *arguments],
        cwd=ROOT,
        env={**os.environ, "WARD5S_NATS_URL": nats_url, "WARD5S_ENVIRONMENT": "test"},
        capture_output=True,
        text=True,
        timeout=60,
    )


class Applier:
    """A consumer's handler that counts what it applies, and fails on the months it is told
    (a defect), until mended."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.applied: Counter[str] = Counter()

    async def __call__(self, session: AsyncSession, events: Sequence[Event]) -> None:
        for event in events:
            if event.data.period in self.failing:  # type: ignore[attr-defined]
                raise ValueError("a defect")
        for event in events:
            self.applied[str(event.event_id)] += 1


async def test_replayed_dead_letters_are_applied_once_and_a_second_replay_does_nothing(
    nats_server, nats_client, sqlite_url, tmp_path
) -> None:
    db = await Database(sqlite_url).create()
    broker = build_broker(ServiceSettings(service=SERVICE, http_port=0, nats_url=nats_server.url))
    failing = Applier({"2026-02", "2026-04"})
    healthy = Applier(set())  # another consumer of the same stream, which applied everything
    for name, apply in (("defective", failing), ("bystander", healthy)):
        spec = ConsumerSpec(name, ASSESSMENT, context_subjects("assessment"), "test", ack_wait_s=2)
        EventConsumer(SERVICE, spec, db.sessions, db.plumbing.inbox, apply, broker).register()
    await broker.start()
    js = nats_client.jetstream()
    try:
        events = [closed(month) for month in range(1, 6)]
        for event in events:
            await js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(event.event_id)},
            )
        await js.publish("ward5s.binh-dong.assessment.period.closed", b'{"type": "assessment.')

        async def parked() -> bool:  # 2 + 1 each, and the rest applied
            return (await js.stream_info("DEADLETTER")).state.messages == 4 and (
                sum(failing.applied.values()),
                sum(healthy.applied.values()),
            ) == (3, 5)

        assert await eventually(parked, within=20)

        listed = await asyncio.to_thread(cli, nats_server.url, "list")
        assert listed.returncode == 0, listed.stderr
        assert "4 dead letter(s) of scoring" in listed.stdout
        assert "handler_error" in listed.stdout and "malformed" in listed.stdout
        errors = [item async for item in deadletters.letters(js, SERVICE, "handler_error")]
        shown = await asyncio.to_thread(cli, nats_server.url, "show", str(errors[0].sequence))
        assert shown.returncode == 0, shown.stderr
        assert "reason             handler_error" in shown.stdout
        assert "ValueError" in shown.stdout and '"period": "2026-02"' in shown.stdout

        failing.failing.clear()  # the defect is mended
        # In a terminal, as an operator runs it: a bar of the letters replayed, with the time left.
        code, out, drawn = await asyncio.to_thread(
            in_a_terminal,
            [sys.executable, "-m", f"services.{SERVICE}", "deadletters", "replay", "--all"],
            {"WARD5S_NATS_URL": nats_server.url, "WARD5S_ENVIRONMENT": "test"},
        )
        # Within the stream's duplicate window of the originals, yet not dropped as copies.
        assert "replayed 2, still refused 2" in out, (out, drawn)
        assert code == 1  # the malformed ones are still refused, and say so
        assert "still refused (malformed" in out
        assert REPLAY_BAR.search(drawn), drawn

        async def all_applied() -> bool:
            return sum(failing.applied.values()) == 5

        assert await eventually(all_applied, within=20)
        again = await deadletters.replay(
            js, SERVICE, [item async for item in deadletters.letters(js, SERVICE)]
        )
        assert again.published == [] and len(again.refused) == 2
        await asyncio.sleep(3)  # longer than the ack wait: a copy would have come by now
        assert failing.applied == Counter({str(e.event_id): 1 for e in events})
        assert healthy.applied == Counter({str(e.event_id): 1 for e in events})
        remaining = [item.reason async for item in deadletters.letters(js, SERVICE)]
        assert remaining == ["malformed", "malformed"]
    finally:
        await broker.stop()
        await db.engine.dispose()
