"""The assessment service taking submissions: ``python -m bench.assessment [--count N]``.

Runs the service in this process on a real PostgreSQL (``pgserver``) and a real JetStream
(``nats-server`` on a free port), loads the demo org chart, then measures citizen feedback, the
most frequent submission, each with an ``Idempotency-Key``:

- baseline: a bare transaction that inserts the same feedback row and its outbox row (no
  validation, no rules, no idempotency record): the floor a submission cannot go below;
- http: the service's API in process (validation, rate limit, rules, idempotency, outbox),
  one request at a time (p50/p99) and 16 at a time (per second), with the ratio to the baseline;
- intake: the same submission by NATS request-reply, p50/p99;
- relay: from the last commit until every event is on the stream.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import nats
from nats.js import JetStreamContext

from bench.stack import in_process
from contracts.roles import Role
from contracts.subjects import intake_subject
from services.assessment.adapters.tables import feedback, plumbing
from services.assessment.bootstrap import AssessmentSettings, build_app
from services.assessment.demo.loader import WARD, load_org
from services.runtime.auth import Principal
from services.runtime.db import transaction
from tools.processes import NatsServer

BODY = {"unit_id": "ttphcc", "level": 4, "procedure": "Chứng thực bản sao từ bản chính"}
CONCURRENCY = 16


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def describe(name: str, samples: list[float]) -> str:
    return (
        f"{name:<9} p50 {percentile(samples, 0.5) * 1000:7.2f} ms   "
        f"p99 {percentile(samples, 0.99) * 1000:7.2f} ms   "
        f"{len(samples) / sum(samples):8.0f} /s one at a time"
    )


async def timed(count: int, call: Callable[[int], Awaitable[None]]) -> list[float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        await call(index)
        samples.append(time.perf_counter() - started)
    return samples


async def measure(count: int, nats_url: str, database_url: str) -> None:
    settings = in_process(
        AssessmentSettings,
        "assessment",
        nats_url,
        database_url,
        feedback_burst=10**9,
        relay_poll_s=0.1,
        signing_keys_dir=Path(tempfile.mkdtemp(prefix="ward5s-bench-keys-")),
    )
    app = build_app(settings)
    kiosk = Principal("kiosk-01", WARD, Role.KIOSK, "ttphcc")
    token = app.state.issuer.device(kiosk)
    async with app.router.lifespan_context(app):
        sessions = app.state.runtime.sessions
        await load_org(sessions)

        async def bare(_: int) -> None:
            now = datetime.now(UTC)
            async with transaction(sessions) as session:
                identity = str(uuid.uuid4())
                await session.execute(
                    feedback.insert().values(
                        feedback_id=identity,
                        ward=WARD,
                        period=now.strftime("%Y-%m"),
                        channel="kiosk",
                        device_id="kiosk-01",
                        received_at=now,
                        **BODY,
                    )
                )
                await session.execute(
                    plumbing.outbox.insert().values(
                        event_id=identity,
                        subject="bench",
                        payload=b"{}",
                        created_at=now,
                        attempts=0,
                        published_at=now,  # the relay must not publish these
                    )
                )

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

            async def post(_: int) -> None:
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
                answer = await http.post("/v1/feedback", json=BODY, headers=headers)
                assert answer.status_code == 201, answer.text

            await timed(20, bare)  # warm both paths up
            await timed(20, post)
            baseline = await timed(count, bare)
            service = await timed(count, post)
            started = time.perf_counter()
            for start in range(0, count, CONCURRENCY):
                await asyncio.gather(
                    *(post(i) for i in range(start, min(count, start + CONCURRENCY)))
                )
            concurrent_rate = count / (time.perf_counter() - started)
            committed = time.perf_counter()

        connection = await nats.connect(nats_url)
        try:
            js = connection.jetstream()
            expected = 1 + 20 + 2 * count  # org chart, warm-up, timed, concurrent (not baseline)

            for _ in range(6000):  # a minute at most
                if await published(js, expected):
                    break
                await asyncio.sleep(0.01)
            relay_s = time.perf_counter() - committed

            payload = json.dumps(BODY).encode()
            subject = intake_subject(WARD, "feedback")

            async def request(_: int) -> None:
                headers = {"Authorization": f"Bearer {token}", "Nats-Msg-Id": str(uuid.uuid4())}
                reply = await connection.request(subject, payload, 5, headers=headers)
                assert json.loads(reply.data)["status"] == 201, reply.data

            intake = await timed(count, request)
        finally:
            await connection.close()

    print(f"{count} feedback submissions each, PostgreSQL and JetStream on this machine")
    print(describe("baseline", baseline))
    print(describe("http", service))
    print(describe("intake", intake))
    ratio = statistics.median(service) / statistics.median(baseline)
    print(f"http / baseline (median latency): {ratio:.2f}x")
    print(f"http, {CONCURRENCY} at a time: {concurrent_rate:.0f} /s")
    print(f"relay: last commit to all on the stream in {relay_s * 1000:.0f} ms")


async def published(js: JetStreamContext, expected: int) -> bool:
    return bool((await js.stream_info("ASSESSMENT")).state.messages >= expected)


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        server = NatsServer(scratch / "nats").start()
        import pgserver

        postgres = pgserver.get_server(scratch / "pg", cleanup_mode="stop")
        try:
            postgres.psql("CREATE DATABASE assessment;")
            url = postgres.get_uri("assessment").replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
            await measure(count, server.url, url)
        finally:
            postgres.cleanup()
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.assessment")
    parser.add_argument("--count", type=int, default=500, help="submissions per measurement")
    arguments = parser.parse_args(argv)
    asyncio.run(run(arguments.count))


if __name__ == "__main__":
    main()
