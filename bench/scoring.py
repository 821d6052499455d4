"""The scoring service at bus speed: ``python -m bench.scoring [--events N] [--db postgres]``.

Publishes N realistic audits (25 scored items each, as assessment sends them) to a real
JetStream on a nats-server started here on a free port, then measures on the same stream:

- baseline: the raw nats-py rate of a durable pull consumer that fetches and acks (no parsing,
  no database);
- service: the events per second the scoring service applies and commits (its durable consumer,
  the handler, the inbox and the database commit), run as deployed: ``--instances`` processes of
  ``python -m services.scoring`` sharing the consumer (two by default, one per core); and the
  ratio to the baseline;
- rebuild: the time to read the whole stream into a fresh projection and swap it in, and the
  memory that takes, by ``python -m services.scoring rebuild`` as an operator runs it;
- CPU: the CPU time each process spends per event, in both the baseline and the service runs
  (the service processes, PostgreSQL, nats-server), and what the two cores allow per event at
  the aimed ratio (0.7 of the baseline): where the time goes, and how far the aim is;
- query: the p99 latency of a unit's yearly score from the sums, against the same figure
  computed by SQL GROUP BY over the raw items (a table of every item, indexed by unit and month),
  and a bare ``SELECT 1`` through the same session: the floor under any answer.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import gc
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    select,
    text,
)

from bench.memory import bare_interpreter_mb, peak_rss_mb
from bench.stack import in_process
from bench.table import say
from contracts.catalog import default_catalog
from contracts.events import parse_event
from contracts.streams import ASSESSMENT
from contracts.subjects import event_subject, ward_of
from services.runtime.broker import ensure_streams
from services.runtime.marks import marks
from services.runtime.poison import screen_fast
from services.runtime.process import tune_garbage_collector
from services.scoring import bootstrap
from services.scoring.adapters.tables import partition_marks, plumbing
from services.scoring.rebuild import REBUILT
from services.scoring.settings import ScoringSettings, settings
from services.scoring.views import units as views
from tools.processes import NatsServer, ServiceProcess, cpu_seconds, free_port, port_taken

UNITS = [f"unit-{n:02d}" for n in range(20)]
MONTHS = [f"{year}-{month:02d}" for year in range(2022, 2027) for month in range(1, 13)]
ITEMS = list(default_catalog().audit_items.values())
#: The ratio to the baseline the service aims at.
AIMED_RATIO = 0.7

raw_metadata = MetaData()
#: The comparison: every scored item as a row, what a naive design would query.
raw_items = Table(
    "bench_raw_items",
    raw_metadata,
    Column("ward", String(64)),
    Column("unit_id", String(64)),
    Column("month", String(7)),
    Column("pillar", String(4)),
    Column("weight", Float),
    Column("score", Integer),
)
Index("ix_bench_raw_items_unit", raw_items.c.ward, raw_items.c.unit_id, raw_items.c.month)


def audit_payloads(count: int, wards: list[str], seed: int = 5) -> list[tuple[str, bytes, str]]:
    """``count`` audit-submitted events as (subject, JSON, event id)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    messages = []
    # Audits arrive month after month, as auditors walk the units: each month's share in turn.
    months = sorted(rng.choice(MONTHS) for _ in range(count))
    for month in months:
        ward, unit = rng.choice(wards), rng.choice(UNITS)
        event_id = str(uuid.uuid4())
        performed = f"{month}-15T02:00:00+00:00"
        items = []
        for item in ITEMS:
            score = rng.choice((0, 1, 2, 3, 3, 4, 4, 4, None))
            pillar = item.code.split(".")[0]
            items.append(
                {
                    "code": item.code,
                    "pillar": pillar,
                    "weight": item.weight,
                    "score": score,
                    "note": None,
                    "evidence": [],
                }
            )
        event = {
            "event_id": event_id,
            "type": "assessment.audit.submitted",
            "schema_version": 1,
            "ward": ward,
            "occurred_at": performed,
            "recorded_at": now,
            "actor": {"kind": "person", "id": "auditor-1"},
            "correlation_id": str(uuid.uuid4()),
            "data": {
                "revision": 1,
                "period": month,
                "performed_at": performed,
                "catalog_version": "2026.1",
                "items": items,
                "audit_id": str(uuid.uuid4()),
                "unit_id": unit,
                "auditor_id": "auditor-1",
            },
        }
        messages.append(
            (
                event_subject(ward, "assessment.audit.submitted"),
                json.dumps(event).encode(),
                event_id,
            )
        )
    return messages


RAW_COLUMNS = ("ward", "unit_id", "month", "pillar", "weight", "score")


def raw_rows(messages: list[tuple[str, bytes, str]]) -> Iterator[list[tuple[Any, ...]]]:
    """Every scored item of the audits as a row (``RAW_COLUMNS``), in chunks (for the GROUP BY
    comparison)."""
    chunk: list[tuple[Any, ...]] = []
    for _, payload, _ in messages:
        event = json.loads(payload)
        data = event["data"]
        for item in data["items"]:
            if item["score"] is not None:
                chunk.append(
                    (
                        event["ward"],
                        data["unit_id"],
                        data["period"],
                        item["pillar"],
                        item["weight"],
                        item["score"],
                    )
                )
        if len(chunk) >= 20_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def publish(js: Any, messages: list[tuple[str, bytes, str]], window: int = 2000) -> float:
    started = time.perf_counter()
    for start in range(0, len(messages), window):
        futures = [
            await js.publish_async(subject, payload, headers={"Nats-Msg-Id": event_id})
            for subject, payload, event_id in messages[start : start + window]
        ]
        await asyncio.gather(*futures)
    return time.perf_counter() - started


@dataclass(frozen=True)
class Rate:
    """Events per second over a run, and the CPU time each process spent per event (µs)."""

    per_second: float
    cpu_us: dict[str, float]
    #: Each process's peak resident memory (MiB), in the order they were started.
    peaks_mb: tuple[float, ...] = ()

    @property
    def peak_mb(self) -> float:
        """The largest of the processes' peak resident memory (MiB)."""
        return max(self.peaks_mb, default=0.0)


class CpuMeter:
    """The CPU time used by each role's processes between two readings, per event."""

    def __init__(self, roles: Mapping[str, Callable[[], float]]) -> None:
        self.roles = roles
        self.started = self.read()

    def read(self) -> dict[str, float]:
        return {role: seconds() for role, seconds in self.roles.items()}

    def per_event(self, events: int) -> dict[str, float]:
        now = self.read()
        return {role: (now[role] - self.started[role]) / events * 1e6 for role in self.roles}


def describe_cpu(cpu_us: Mapping[str, float]) -> str:
    parts = [f"{role} {us:,.0f}" for role, us in cpu_us.items()]
    return f"{' + '.join(parts)} = {sum(cpu_us.values()):,.0f} µs per event"


async def raw_fetch_and_ack(js: Any, count: int, batch: int, nats_pid: int) -> Rate:
    """The baseline: a durable pull consumer that fetches and acks every message."""
    subscription = await js.pull_subscribe(
        ASSESSMENT.subjects[0],
        durable="bench-raw",
        stream=ASSESSMENT.name,
        config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=batch * 8,
        ),
    )
    seen = 0
    # This process does nothing else meanwhile: its CPU time is the client's.
    meter = CpuMeter({"client": time.process_time, "nats-server": lambda: cpu_seconds(nats_pid)})
    started = time.perf_counter()
    while seen < count:
        messages = await subscription.fetch(batch, timeout=5)
        for message in messages:
            await message.ack()
        seen += len(messages)
    elapsed = time.perf_counter() - started
    cpu = meter.per_event(count)
    await subscription.unsubscribe()
    return Rate(count / elapsed, cpu)


def parse_cost(
    messages: list[tuple[str, bytes, str]],
    decode: Callable[[str, bytes], Any] = lambda _, payload: parse_event(payload),
    sample: int = 20_000,
) -> float:
    """The CPU time (µs) one decoding of an event takes, alone: by default its contract's
    (pydantic); the hot path's is ``screen_fast``."""
    chosen = [(subject, payload) for subject, payload, _ in messages[:sample]]
    started = time.process_time()
    for subject, payload in chosen:
        decode(subject, payload)
    return (time.process_time() - started) / len(chosen) * 1e6


@contextlib.asynccontextmanager
async def database(kind: str, scratch: Path) -> AsyncIterator[tuple[str, int | None]]:
    """The database's URL, and the process id of its server (None for SQLite, which runs
    inside the service)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{scratch / 'scoring.db'}", None
        return
    import pgserver

    server = pgserver.get_server(scratch / "pg", cleanup_mode="stop")
    try:
        server.psql("CREATE DATABASE scoring;")
        url = server.get_uri("scoring").replace("postgresql://", "postgresql+asyncpg://", 1)
        yield url, server.get_pid()
    finally:
        server.cleanup()


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000


@dataclass(frozen=True)
class Setup:
    """What a run measures: the command line's options (``python -m bench.scoring --help``) and
    their defaults, which ``python -m bench`` keeps but for the events and queries of its size."""

    #: Audits to publish.
    events: int = 100_000
    #: Wards the audits belong to.
    wards: int = 1
    #: The service's database: ``postgres`` or ``sqlite``.
    db: str = "postgres"
    #: The consumer's batch size (the service's default).
    batch: int = bootstrap.CONSUMER_BATCH
    #: Unit score questions timed on each side.
    queries: int = 1000
    #: Scoring processes sharing the consumer.
    instances: int = 2
    #: How the service applies the events exactly once (None: the service's setting).
    delivery: str | None = None


async def run(setup: Setup) -> dict[str, Any]:
    """Measure (see the module's docstring); the figures by name."""
    with tempfile.TemporaryDirectory(prefix="ward5s-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        server = NatsServer(scratch / "nats", log=scratch / "nats.log").start()
        assert server.process is not None
        try:
            async with database(setup.db, scratch) as (url, db_pid):
                pids = Pids(nats=server.process.pid, database=db_pid)
                return await measure(server.url, url, pids, setup)
        finally:
            server.stop()


@dataclass(frozen=True)
class Pids:
    """The servers' process ids, for their CPU time."""

    nats: int
    database: int | None


async def measure(nats_url: str, url: str, pids: Pids, setup: Setup) -> dict[str, Any]:
    events, batch, instances = setup.events, setup.batch, setup.instances
    delivery = setup.delivery or settings().delivery
    wards = [f"phuong-{n:03d}" for n in range(setup.wards)]
    say(
        f"N = {events:,} audits of {len(ITEMS)} items, {setup.wards} ward(s) of {len(UNITS)} "
        f"units, {len(MONTHS)} months, database {setup.db}, batch {batch}, delivery {delivery}"
    )
    messages = audit_payloads(events, wards)
    # The payloads live as long as the bench: keep the collector from walking them again and
    # again while the service runs in this same process.
    gc.freeze()
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    await ensure_streams(js)
    seconds = await publish(js, messages)
    say(f"published          {events / seconds:>10,.0f} events/s")

    raw = await raw_fetch_and_ack(js, events, batch, pids.nats)
    say(f"raw fetch+ack      {raw.per_second:>10,.0f} events/s   (nats-py baseline)")
    parsing = parse_cost(messages)
    decoding = parse_cost(messages, screen_fast)

    runtime, scoring = bootstrap.build_runtime(scoring_settings(nats_url, url, batch, delivery))
    await runtime.migrate()
    env = service_env(nats_url, url, batch, delivery)
    done = Progress(messages, delivery)
    service = await service_processes(js, runtime, env, done, instances, pids)
    say(
        f"scoring applied    {service.per_second:>10,.0f} events/s   "
        f"ratio {service.per_second / raw.per_second:.2f} of the baseline "
        f"({instances} service process{'es' if instances > 1 else ''})"
    )
    bare = bare_interpreter_mb("scoring")
    say(
        f"peak RSS, scoring  {' / '.join(f'{mb:,.0f}' for mb in service.peaks_mb)} MiB "
        f"(each live process, VmHWM after applying the stream) against {bare:,.0f} MiB "
        f"(an interpreter that imported the service)"
    )
    cores = len(os.sched_getaffinity(0))
    budget = cores * 1e6 / (AIMED_RATIO * raw.per_second)
    say(
        f"CPU, baseline      {describe_cpu(raw.cpu_us)}\n"
        f"CPU, scoring       {describe_cpu(service.cpu_us)}\n"
        f"CPU, parsing       {parsing:>10,.0f} µs per event of the service's: the contract's "
        f"validation alone (pydantic), on a quiet core\n"
        f"CPU, decoding      {decoding:>10,.1f} µs per event: the hot path's decoder "
        f"(screen_fast: msgspec structs mirroring the contract, and the screen's checks)\n"
        f"CPU at the aim     {budget:>10,.0f} µs per event in all: {cores} cores at "
        f"{AIMED_RATIO} of the baseline's rate"
    )

    live = await projection(runtime)
    report = await rebuild_command(env)
    rebuilt_equal = await projection(runtime) == live
    say(
        f"rebuild            {report['seconds']:>10.1f} s for {report['events']:,} events "
        f"(python -m services.scoring rebuild; peak memory {report['peak_memory_mb']:,.0f} MiB, "
        f"each reader's at most {report['reader_peak_memory_mb']:,.0f} MiB); "
        f"{'equal to' if rebuilt_equal else 'DIFFERENT from'} the live projection"
    )

    query = await query_latency(runtime, scoring.policy, messages, wards, setup.queries)
    await runtime.engine.dispose()
    await connection.close()
    return {
        "events": events,
        "raw": raw,
        "service": service,
        "instances": instances,
        "parsing_us": parsing,
        "decoding_us": decoding,
        "budget_us": budget,
        "rebuild": report,
        "rebuild_equal": rebuilt_equal,
        "service_peak_mb": service.peak_mb,
        "service_bare_mb": bare,
        **query,
    }


async def projection(runtime: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a rebuild makes, sorted: the projection to compare."""
    async with runtime.sessions() as session:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in await session.execute(select(table))),
            )
            for table in REBUILT
        }


def scoring_settings(nats_url: str, url: str, batch: int, delivery: str) -> ScoringSettings:
    """The settings of a scoring runtime in this process on the bench's server and database
    (:func:`service_env` for a scoring process)."""
    return in_process(
        ScoringSettings,
        "scoring",
        nats_url,
        url,
        consumer_batch=batch,
        log_level="WARNING",
        delivery=delivery,
    )


def service_env(nats_url: str, url: str, batch: int, delivery: str) -> dict[str, str]:
    """The settings of a scoring process on the bench's server and database."""
    return {
        "WARD5S_ENVIRONMENT": "test",
        "WARD5S_NATS_URL": nats_url,
        "WARD5S_SCORING_DATABASE_URL": url,
        "WARD5S_SCORING_CONSUMER_BATCH": str(batch),
        "WARD5S_SCORING_DELIVERY": delivery,
        "WARD5S_LOG_LEVEL": "WARNING",
    }


class Progress:
    """How many of the bench's events the service has yet to apply and commit. The inbox path:
    what its durable has not acked (acks follow commits), and at the end the inbox's rows (every
    event applied exactly once). By partition: what lies above the wards' marks (the stream
    holds the bench's events from sequence 1, in the order published); a small table's rows,
    read as cheaply as the consumer's state."""

    def __init__(self, messages: list[tuple[str, bytes, str]], delivery: str) -> None:
        self.events = len(messages)
        self.delivery = delivery
        self.sequences: dict[str, list[int]] = {}
        for sequence, (subject, _, _) in enumerate(messages, start=1):
            self.sequences.setdefault(ward_of(subject), []).append(sequence)

    async def remaining(self, js: Any, runtime: Any) -> int:
        if self.delivery == "partitioned":
            async with runtime.sessions() as session:
                marked = await marks(session, partition_marks, bootstrap.ASSESSMENT_EVENTS.name)
            return self.events - sum(
                bisect.bisect_right(sequences, marked.get(ward, 0))
                for ward, sequences in self.sequences.items()
            )
        try:
            info = await js.consumer_info(ASSESSMENT.name, bootstrap.ASSESSMENT_EVENTS.name)
        except NotFoundError:  # the first process has not declared its consumer yet
            return self.events
        if info.num_pending + info.num_ack_pending:
            return int(info.num_pending + info.num_ack_pending)
        async with runtime.sessions() as session:
            done = await session.scalar(select(func.count()).select_from(plumbing.inbox))
        return self.events - int(done or 0)


async def rebuild_command(env: dict[str, str]) -> dict[str, Any]:
    """Rebuild as an operator does, ``python -m services.scoring rebuild`` in a process of its
    own (so that its peak memory is the rebuild's, not this bench's); its report."""
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.scoring",
        "rebuild",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await command.communicate()
    if command.returncode != 0:
        raise RuntimeError(f"the rebuild failed:\n{err.decode(errors='replace')[-2000:]}")
    report: dict[str, Any] = json.loads(out)
    return report


async def service_processes(
    js: Any, runtime: Any, env: dict[str, str], progress: Progress, instances: int, pids: Pids
) -> Rate:
    """Run ``instances`` scoring services as their own processes (``python -m services.scoring``,
    as deployed) on the stream and measure the rate at which they apply and commit it, and the
    CPU time each process spends per event: from the moment every process has started (its
    consumer too) to the last event done, so that start-up is not counted."""
    scratch = Path(tempfile.mkdtemp(prefix="ward5s-bench-services-"))
    processes = [
        ServiceProcess("scoring", free_port(), env, log=scratch / f"scoring-{n}.log").start(
            wait=False
        )
        for n in range(instances)
    ]
    roles: dict[str, Callable[[], float]] = {
        "service": lambda: cpu_seconds(*(p.process.pid for p in processes if p.process))
    }
    if pids.database is not None:
        database_pid: int = pids.database
        roles["PostgreSQL"] = lambda: cpu_seconds(database_pid)
    roles["nats-server"] = lambda: cpu_seconds(pids.nats)
    try:
        window: tuple[float, int, CpuMeter] | None = None  # its start, the events left then
        # From the first process's start too: a short stream may be applied by the first
        # before the others are up (then that is the window).
        first: tuple[float, int, CpuMeter] | None = None
        while True:
            remaining = await progress.remaining(js, runtime)
            now = time.perf_counter()
            # A service listens for HTTP once its consumer has started.
            if first is None and any(port_taken(p.port) for p in processes):
                first = (now, remaining, CpuMeter(roles))
            if window is None and all(port_taken(p.port) for p in processes):
                window = (now, remaining, CpuMeter(roles)) if remaining else first
            # Committed: the inbox holds every event, or every ward's mark is at its last.
            if window is not None and remaining == 0:
                started, count, meter = window
                peaks = tuple(peak_rss_mb(p.process.pid) for p in processes if p.process)
                return Rate(count / (now - started), meter.per_event(count), peaks)
            for process in processes:
                if process.process is not None and process.process.poll() is not None:
                    assert process.log is not None
                    log = process.log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"a scoring process ended early:\n{log}")
            await asyncio.sleep(0.05)
    finally:
        for process in processes:
            process.stop()
        shutil.rmtree(scratch, ignore_errors=True)  # the processes' logs


async def settle(runtime: Any) -> None:
    """Time the queries on a quiet database and process, as a service answering between
    batches would see them: every table vacuumed and analysed (rather than the server's
    autovacuum walking millions of fresh rows in the middle of the timing), and this process's
    earlier phases left to the collector once, then the collector set as a service sets it
    (:func:`~services.runtime.process.tune_garbage_collector`)."""
    if runtime.engine.dialect.name == "postgresql":
        async with runtime.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    else:
        async with runtime.engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    gc.collect()
    tune_garbage_collector()


async def timed(
    runtime: Any,
    ask: Callable[[Any, str, str], Awaitable[dict[str, float | None]]],
    picks: list[tuple[str, str]],
    warm_up: int,
) -> tuple[list[float], list[dict[str, float | None]]]:
    """Ask for each (ward, unit) in turn; the seconds each answer took after the ``warm_up``
    first, and every answer."""
    seconds, answers = [], []
    for ward, unit in picks:
        async with runtime.sessions() as session:
            await session.execute(select(1))  # timed on a connection already checked out
            started = time.perf_counter()
            answers.append(await ask(session, ward, unit))
            seconds.append(time.perf_counter() - started)
    return seconds[warm_up:], answers


async def query_latency(
    runtime: Any,
    policy: Any,
    messages: list[tuple[str, bytes, str]],
    wards: list[str],
    queries: int,
) -> dict[str, float]:
    async with runtime.engine.begin() as connection:
        await connection.run_sync(raw_metadata.create_all)
    async with runtime.sessions() as session, session.begin():
        rows = 0
        connection = await (await session.connection()).get_raw_connection()
        for chunk in raw_rows(messages):
            if runtime.engine.dialect.name == "postgresql":  # COPY: millions of rows at 1M
                await connection.driver_connection.copy_records_to_table(
                    raw_items.name, records=chunk, columns=RAW_COLUMNS
                )
            else:
                as_dicts = [dict(zip(RAW_COLUMNS, row, strict=True)) for row in chunk]
                await session.execute(raw_items.insert(), as_dicts)
            rows += len(chunk)
    await settle(runtime)
    rng = random.Random(7)
    span = views.window("2025", None)  # type: ignore[arg-type]
    t = raw_items
    grouped = (
        select(t.c.pillar, func.sum(t.c.weight * t.c.score), func.sum(t.c.weight * 4))
        .where(
            t.c.ward == bindparam("ward"),
            t.c.unit_id == bindparam("unit_id"),
            t.c.month.in_(span.months),
        )
        .group_by(t.c.pillar)
    )

    async def from_sums(session: Any, ward: str, unit: str) -> dict[str, float | None]:
        answer = await views.unit_score(session, views.Question(ward, span, policy), unit)
        if answer is None:  # no unit of that id in the ward's org chart
            return {}
        return {p["pillar"]: p["percent"] for p in answer["pillars"]}

    async def from_items(session: Any, ward: str, unit: str) -> dict[str, float | None]:
        rows = await session.execute(grouped, {"ward": ward, "unit_id": unit})
        return {pillar: 100 * points / most for pillar, points, most in rows}

    # The same units for both sides, each side timed in a loop of its own, as each would run
    # alone: interleaved, the GROUP BY's millions of rows would push the sums' few pages out of
    # the caches between two questions. The first rounds are not timed: each pooled connection
    # prepares its statement once (the server parses and plans it then), which a running
    # service did long ago.
    warm_up = 2 * runtime.engine.pool.size()
    picks = [(rng.choice(wards), rng.choice(UNITS)) for _ in range(warm_up + queries)]

    async def round_trip(session: Any, ward: str, unit: str) -> dict[str, float | None]:
        await session.execute(select(1))
        return {}

    sums_ms, sums = await timed(runtime, from_sums, picks, warm_up)
    raw_ms, raw = await timed(runtime, from_items, picks, warm_up)
    floor_ms, _ = await timed(runtime, round_trip, picks, warm_up)
    for fast_answer, slow_answer in zip(sums, raw, strict=True):
        for pillar, percent in fast_answer.items():
            expected = slow_answer.get(pillar)
            if percent is not None:
                assert expected is not None and abs(percent - expected) < 0.01, "figures differ"
    fast, slow = p99(sums_ms), p99(raw_ms)
    fast_median, slow_median = statistics.median(sums_ms) * 1000, statistics.median(raw_ms) * 1000
    floor_median = statistics.median(floor_ms) * 1000
    say(
        f"unit score p99     {fast:>10.2f} ms   p50 {fast_median:.2f} ms "
        f"(the API's figures from the sums, {queries} queries)"
    )
    say(
        f"GROUP BY raw p99   {slow:>10.2f} ms   p50 {slow_median:.2f} ms "
        f"(the same figure from {rows:,} item rows)"
    )
    say(
        f"SELECT 1 p99       {p99(floor_ms):>10.2f} ms   p50 {floor_median:.2f} ms "
        f"(a round trip through the same session: the floor of any answer)"
    )
    say(
        f"speed-up           {slow / fast:>10.1f} x at p99, "
        f"{slow_median / fast_median:.1f} x at p50"
    )
    return {"query_p99_ms": fast, "group_by_p99_ms": slow, "item_rows": rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scoring")
    parser.add_argument("--events", type=int, default=Setup.events, help="audits to publish")
    parser.add_argument("--wards", type=int, default=Setup.wards, help="wards the audits belong to")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default=Setup.db)
    parser.add_argument(
        "--batch", type=int, default=Setup.batch, help="consumer batch size (the service's default)"
    )
    parser.add_argument(
        "--queries", type=int, default=Setup.queries, help="questions timed on each side"
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=Setup.instances,
        help="scoring processes sharing the consumer",
    )
    parser.add_argument(
        "--delivery",
        choices=["inbox", "partitioned"],
        default=Setup.delivery,
        help="how the service applies the events exactly once (the service's setting)",
    )
    # Each option is stored under its field's name.
    asyncio.run(run(Setup(**vars(parser.parse_args(argv)))))


if __name__ == "__main__":
    main()
