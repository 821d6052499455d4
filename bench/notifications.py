"""Low score to mailbox: ``python -m bench.notifications [--events N]``.

Starts a nats-server (JetStream) and an SMTP server (aiosmtpd) on free ports, and the
notifications service as its own process with its clock on a working morning (outside quiet
hours). Then, one event at a time, publishes a unit's low score on JetStream and measures the
time until the SMTP server has accepted the e-mail to that unit's head:

- baseline: the same trip without the service: a bare durable pull consumer fetches the event
  and sends one e-mail straight away (no parsing, database, rules or outbox), the floor set by
  the bus and SMTP;
- service: the event consumed, the alert raised and committed with its deliveries, the
  scheduler woken, the message composed and sent; with the ratio to the baseline.

Aim: p99 under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import os
import statistics
import tempfile
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import nats
from aiosmtpd.controller import Controller
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from bench.table import say
from contracts import events
from contracts.common import LOCAL_TZ, Text
from contracts.envelope import SYSTEM, Event
from contracts.roles import Role
from contracts.streams import SCORING
from services.runtime.broker import ensure_streams
from tests.support.keys import session_keys
from tools.processes import NatsServer, ServiceProcess, free_port

WARD = "phuong-bench"
#: A Tuesday at 09:00 in the ward: inside the send window.
MORNING = datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL_TZ)


class Arrivals:
    """An SMTP handler that notes when each recipient's message was accepted."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: dict[str, asyncio.Future[float]] = {}

    def expect(self, address: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = self.loop.create_future()
        self.waiting[address] = future
        return future

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        accepted = time.perf_counter()
        email.message_from_bytes(envelope.content, policy=email.policy.default)  # parse it all
        for address in envelope.rcpt_tos:
            future = self.waiting.pop(address, None)
            if future is not None:
                self.loop.call_soon_threadsafe(_resolve, future, accepted)
        return "250 Message accepted"


def _resolve(future: asyncio.Future[float], value: float) -> None:
    if not future.done():
        future.set_result(value)


def head(n: int) -> str:
    return f"head-{n:04d}@bench.example.vn"


#: Every event of the benchmark: the ward's, sent by the system on the same morning.
ENVELOPE: dict[str, Any] = {"ward": WARD, "occurred_at": MORNING, "actor": SYSTEM}


def org_chart(units: int) -> events.OrgChartPublished:
    return events.OrgChartPublished(
        **ENVELOPE,
        data=events.OrgChartPublishedData(
            version=1,
            units=tuple(
                events.OrgUnit(unit_id=f"u{n:04d}", name=Text(vi=f"Phòng {n}", en=f"Unit {n}"))
                for n in range(units)
            ),
            people=tuple(
                events.OrgPerson(
                    person_id=f"h{n:04d}",
                    full_name=f"Trưởng phòng {n}",
                    email=head(n),
                    role=Role.UNIT_HEAD,
                    unit_id=f"u{n:04d}",
                )
                for n in range(units)
            ),
        ),
    )


def low_score(n: int) -> events.LowScoreDetected:
    return events.LowScoreDetected(
        **ENVELOPE,
        data=events.LowScoreData(
            subject_kind="unit",
            subject_id=f"u{n:04d}",
            unit_id=f"u{n:04d}",
            period="2026-03",
            metric="S1",
            value=25.0,
            threshold=50.0,
            final=False,
            policy_version="bench",
        ),
    )


async def publish(js: Any, event: Event) -> None:
    await js.publish(
        event.subject,
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(event.event_id)},
    )


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max": ordered[-1] * 1000,
    }


async def baseline(js: Any, arrivals: Arrivals, smtp_port: int, count: int) -> list[float]:
    """Event to mailbox with nothing in between: fetch, then send one plain e-mail."""
    subject = f"ward5s.{WARD}.scoring.low_score.baseline"
    consumer = await js.pull_subscribe(
        subject,
        durable="bench-baseline",
        stream=SCORING.name,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW),
    )

    stop = asyncio.Event()

    async def forward() -> None:
        while not stop.is_set():
            try:
                messages = await consumer.fetch(1, timeout=5)
            except nats.errors.TimeoutError:
                continue
            for message in messages:
                mail = EmailMessage()
                mail["From"] = "bench@bench.example.vn"
                mail["To"] = message.data.decode()
                mail["Subject"] = "Điểm 5S thấp"
                mail.set_content("Điểm 5S thấp")
                await aiosmtplib.send(mail, hostname="127.0.0.1", port=smtp_port)
                await message.ack()

    task = asyncio.create_task(forward())
    latencies = []
    try:
        for n in range(count):
            arrived = arrivals.expect(f"base-{n}@bench.example.vn")
            started = time.perf_counter()
            await js.publish(subject, f"base-{n}@bench.example.vn".encode())
            latencies.append(await asyncio.wait_for(arrived, 10) - started)
    finally:
        # Stopped and waited for before the connection closes: a fetch still waiting then
        # failed with ConnectionClosedError, unhandled, as the run ended.
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return latencies


async def through_service(js: Any, arrivals: Arrivals, first: int, count: int) -> list[float]:
    latencies = []
    for n in range(first, first + count):
        arrived = arrivals.expect(head(n))
        started = time.perf_counter()
        await publish(js, low_score(n))
        latencies.append(await asyncio.wait_for(arrived, 30) - started)
    return latencies


async def run(events: int, warmup: int) -> tuple[dict[str, float], dict[str, float]]:
    """The baseline's and the service's latencies (ms: p50, p99, max)."""
    loop = asyncio.get_running_loop()
    arrivals = Arrivals(loop)
    smtp = Controller(arrivals, hostname="127.0.0.1", port=free_port())
    smtp.start()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        server = NatsServer(work / "nats").start()
        service: ServiceProcess | None = None
        try:
            connection = await nats.connect(server.url)
            js = connection.jetstream()
            await ensure_streams(js)
            await publish(js, org_chart(warmup + events))
            service = ServiceProcess(
                "notifications",
                free_port(),
                {
                    **{k: v for k, v in os.environ.items() if not k.startswith("WARD5S_")},
                    "WARD5S_NATS_URL": server.url,
                    "WARD5S_ENVIRONMENT": "test",
                    "WARD5S_VAR_DIR": str(work),
                    "WARD5S_LOG_LEVEL": "WARNING",
                    "WARD5S_NOTIFICATIONS_SMTP_PORT": str(smtp.port),
                    "WARD5S_NOTIFICATIONS_CLOCK_START": MORNING.isoformat(),
                    # Where the service reads the token keys (it waits for them to be ready).
                    **session_keys().env(),
                },
                log=work / "notifications.log",
            )
            service.start()  # stopped below even if it never gets ready

            base = await baseline(js, arrivals, smtp.port, warmup + events)
            await through_service(js, arrivals, 0, warmup)
            measured = await through_service(js, arrivals, warmup, events)
            await connection.close()
        finally:
            if service is not None:
                service.stop()
            server.stop()
            smtp.stop()

    floor, ours = summary(base[warmup:]), summary(measured)
    say(f"low score on JetStream -> e-mail accepted by SMTP, {events} events, one at a time")
    say(f"{'':10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    say(f"{'baseline':10}{floor['p50']:10.1f}{floor['p99']:10.1f}{floor['max']:10.1f}")
    say(f"{'service':10}{ours['p50']:10.1f}{ours['p99']:10.1f}{ours['max']:10.1f}")
    say(
        f"{'ratio':10}{ours['p50'] / floor['p50']:10.1f}{ours['p99'] / floor['p99']:10.1f}"
        f"{ours['max'] / floor['max']:10.1f}"
    )
    say(f"aim p99 < 1000 ms: {'met' if ours['p99'] < 1000 else 'NOT met'}")
    return floor, ours


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    arguments, _ = parser.parse_known_args(argv)
    asyncio.run(run(arguments.events, arguments.warmup))


if __name__ == "__main__":
    main()
