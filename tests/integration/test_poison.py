"""Poison messages (issue 21, item 3): on every subject each service consumes, a message that is
no event of ours (malformed JSON, a schema version the code does not read, oversized, an unknown
type, another ward's event or another type's body on the subject) lands on the dead-letter
stream with its reason, is counted by ``ward5s_dead_letters_total``, and the consumer goes on to
apply the next good event.

The subjects are not listed here: each service is built as it serves (its ``build_app``), and
its consumers' filters are matched against every event type of ``contracts.events``, so a new
consumer or a new event type is covered without touching this test. Real nats-server (with a
``max_payload`` above the services' limit, so an oversized event reaches them) and SQLite."""

from __future__ import annotations

import contextlib
import importlib
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import nats
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from contracts.envelope import Event
from contracts.events import EVENT_TYPES, event_type_name
from contracts.streams import ASSESSMENT, SCORING
from contracts.subjects import event_subject
from services.runtime.consumer import EventConsumer
from services.runtime.partitions import PartitionedConsumer
from services.runtime.poison import MAX_EVENT_BYTES
from services.runtime.settings import ServiceSettings
from tests.notifications.harness import low_score
from tests.scoring.events import closed
from tests.support.http import eventually
from tests.support.keys import session_keys
from tests.support.stack import SERVICE_NAMES
from tools.processes import NatsServer

pytestmark = [pytest.mark.nats]

WARD = "binh-dong"
OTHER_WARD = "tan-dinh"
REASONS = ("malformed", "unsupported_version", "oversized", "unknown_type", "wrong_subject")

#: A good event of each stream: the last message sent, which each consumer must then apply.
GOOD: dict[str, Any] = {
    ASSESSMENT.name: lambda: closed("2026-01"),
    SCORING.name: lambda: low_score(recovered=True),
}


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` one token, ``>`` the rest."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for n, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > n
        if n >= len(tokens) or token not in ("*", tokens[n]):
            return False
    return len(wanted) == len(tokens)


def poisons(event_type: str, good: Event) -> list[tuple[str, bytes, str]]:
    """(subject, body, expected reason) of each kind of poison on ``event_type``'s subject,
    each made from a copy of ``good`` with an event id of its own."""
    subject = event_subject(WARD, event_type)

    def copy() -> dict[str, Any]:
        return json.loads(good.model_copy(update={"event_id": uuid.uuid4()}).model_dump_json())

    def encoded(body: dict[str, Any]) -> bytes:
        return json.dumps(body).encode()

    return [
        (subject, b'{"type": "' + event_type.encode() + b'", "ward": ', "malformed"),
        (subject, encoded({**copy(), "schema_version": 99}), "unsupported_version"),
        # Valid JSON, but longer than any event may be (padded with spaces).
        (subject, encoded(copy()).ljust(MAX_EVENT_BYTES + 1), "oversized"),
        (subject, encoded({**copy(), "type": f"{event_type}.exploded"}), "unknown_type"),
        # A good event of this ward under another ward's subject (of this type, or another's).
        (event_subject(OTHER_WARD, event_type), encoded(copy()), "wrong_subject"),
    ]


def dead_letters(service: str, consumer: str, reason: str) -> float:
    labels = {"service": service, "consumer": consumer, "reason": reason}
    return REGISTRY.get_sample_value("ward5s_dead_letters_total", labels) or 0.0


async def read_dead_letters(js: Any) -> list[Any]:
    info = await js.stream_info("DEADLETTER")
    return [
        await js.get_msg("DEADLETTER", sequence)
        for sequence in range(info.state.first_seq, info.state.last_seq + 1)
    ]


def published_to(consumer: EventConsumer | PartitionedConsumer) -> str:
    """The stream a consumer's events are published to: its own, or the origin of the mirror it
    reads (scoring's copy of ASSESSMENT)."""
    return consumer.spec.stream.mirror_of or consumer.spec.stream.name


async def test_every_kind_of_poison_on_every_consumed_subject_is_dead_lettered(
    tmp_path: Path,
) -> None:
    config = tmp_path / "large.conf"
    config.write_text("max_payload: 4MB\n")
    server = NatsServer(tmp_path / "nats", config=config, log=tmp_path / "nats.log").start()
    started: list[Any] = []
    client = await nats.connect(server.url)
    try:
        # Every service, as it serves: its consumers are the subjects it consumes.
        for name in SERVICE_NAMES:
            bootstrap = importlib.import_module(f"services.{name}.bootstrap")
            settings = ServiceSettings(
                service=name,
                environment="test",
                http_port=0,
                nats_url=server.url,
                database_url=f"sqlite+aiosqlite:///{tmp_path}/{name}.db",
                **session_keys().settings(),
            )
            runtime = bootstrap.build_app(settings).state.runtime
            await runtime.start()
            started.append(runtime)
        # Scoring applies by ward (its default): its partitions dead-letter like a consumer.
        consumers: list[EventConsumer | PartitionedConsumer] = [
            c for r in started for c in (*r.consumers, *r.partitioned)
        ]
        assert {c.spec.name for c in consumers} >= {
            "scoring-assessment",
            "notifications-assessment",
            "notifications-scoring",
        }
        js = client.jetstream()
        expected: Counter[tuple[str, str, str]] = Counter()  # (consumer, subject, reason)
        goods: dict[str, Event] = {}
        sent: set[str] = set()  # the poisons' event ids (all but the malformed have one)
        before = {
            (c.service, c.spec.name, reason): dead_letters(c.service, c.spec.name, reason)
            for c in consumers
            for reason in REASONS
        }
        for stream in {published_to(c) for c in consumers}:
            good = GOOD[stream]()
            goods[stream] = good
            readers = [c for c in consumers if published_to(c) == stream]
            types = [
                event_type_name(cls)
                for cls in EVENT_TYPES
                if any(
                    matches(c.spec.subject, event_subject(WARD, event_type_name(cls)))
                    for c in readers
                )
            ]
            assert types, stream
            for event_type in types:
                for subject, body, reason in poisons(event_type, good):
                    await js.publish(subject, body)
                    with contextlib.suppress(ValueError):
                        sent.add(json.loads(body)["event_id"])
                    for consumer in readers:
                        if matches(consumer.spec.subject, subject):
                            expected[(consumer.spec.name, subject, reason)] += 1
            # Then a good event: every consumer of the stream applies it.
            await js.publish(good.subject, good.model_dump_json().encode())

        async def all_applied() -> bool:
            for consumer in consumers:
                event_id = str(goods[published_to(consumer)].event_id)
                inbox = consumer.inbox
                async with consumer.sessions() as session:
                    found = await session.scalar(
                        select(inbox.c.event_id).where(
                            inbox.c.consumer == consumer.spec.name, inbox.c.event_id == event_id
                        )
                    )
                if found is None:
                    return False
            return True

        assert await eventually(all_applied, within=60, interval=0.5)

        async def all_parked() -> bool:
            info = await js.stream_info("DEADLETTER")
            return info.state.messages >= sum(expected.values())

        assert await eventually(all_parked, within=30, interval=0.5)
        letters = await read_dead_letters(js)
        parked = Counter(
            (
                letter.headers["Ward5s-Consumer"],
                letter.headers["Ward5s-Original-Subject"],
                letter.headers["Ward5s-Reason"],
            )
            for letter in letters
        )
        assert parked == expected  # each poison parked once by each consumer, with its reason
        for letter in letters:
            assert letter.headers["Ward5s-Detail"]
            assert letter.subject.startswith("ward5s_dlq.")
        # Each is counted by the metric, by consumer and reason.
        for consumer in consumers:
            for reason in REASONS:
                counted = dead_letters(consumer.service, consumer.spec.name, reason)
                wanted = sum(
                    n
                    for (name, _, why), n in expected.items()
                    if name == consumer.spec.name and why == reason
                )
                assert counted - before[(consumer.service, consumer.spec.name, reason)] == wanted
        # No poison was applied: none of their event ids is in any consumer's inbox.
        poisoned = set()
        for letter in letters:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                poisoned.add(json.loads(letter.data)["event_id"])
        assert poisoned == sent  # every poison that has an id was parked
        for consumer in consumers:
            async with consumer.sessions() as session:
                applied = set(await session.scalars(select(consumer.inbox.c.event_id)))
            assert not applied & poisoned
    finally:
        for runtime in started:
            await runtime.stop()
        await client.close()
        server.stop()
