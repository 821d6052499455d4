"""Where a scoring batch's time goes, in the service's own process: ``python -m bench.profile
[--events N] [--batch B] [--delivery inbox|partitioned]``.

``inbox`` publishes nothing: decodes N audits (as ``bench.scoring`` makes them) and applies
them in batches the way the inbox consumer does (the inbox claims the batch, the handler folds
and announces it, one transaction). ``partitioned`` runs the service's partitioned consumer
itself in this process, on a nats-server started here holding the N audits, from the first
fetch to the ward's mark at the last: every step of the hot path, the bus client's included.
Both under cProfile, on a PostgreSQL started here (``pgserver``). Prints the CPU time per
event of each step, measured inclusively (a step's figure holds the steps it calls), and the
whole; the servers' own work is not in this process (``bench.scoring`` prints their CPU per
event beside the service's).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import nats

from bench.scoring import audit_payloads, database, publish, scoring_settings
from bench.table import say
from services.runtime.broker import ensure_streams
from services.runtime.db import create_engine, session_factory
from services.runtime.inbox import claim
from services.runtime.marks import marks
from services.runtime.migrations import upgrade
from services.runtime.process import tune_garbage_collector
from services.runtime.uow import UnitOfWork
from services.scoring import bootstrap
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import metadata, partition_marks, plumbing
from services.scoring.handlers import Scoring
from services.scoring.handlers.audits import decode
from tools.processes import NatsServer

#: What both deliveries do to a batch, in order: decode it; fold its audits and announce what
#: changed; commit. Each step by (what it is, file suffix, function name).
DECODE = (
    "decode: msgspec structs, the screen's checks, the audit's record",
    "scoring/handlers/audits.py",
    "decode",
)
RECORD = ("  of which each audit's record (contribution of 25 items)", "domain/audits.py", "held")
FOLD = (
    ("ward locks", "adapters/locks.py", "lock_wards"),
    ("fold: the batch's audits", "handlers/audits.py", "fold_audits"),
    ("  read the stored records", "adapters/records.py", "load"),
    ("  write the records (one statement)", "adapters/records.py", "save"),
    ("  add to the sums (one statement)", "adapters/month_sums.py", "add_to_unit_months"),
    ("announce what changed", "handlers/announce.py", "announce"),
)
COMMIT = ("commit (outbox written, transaction ended)", "runtime/uow.py", "__aexit__")

#: The steps of the partitioned consumer's hot path.
PARTITIONED_STEPS = (
    ("fetch: pull a batch (nats-py)", "nats/js/client.py", "fetch"),
    DECODE,
    RECORD,
    ("mark: hold the ward's row (one statement)", "runtime/marks.py", "hold"),
    ("proof: the run follows the mark", "runtime/ward_batches.py", "proven_run"),
    *FOLD,
    ("mark: advance (one statement)", "runtime/marks.py", "advance"),
    COMMIT,
    ("ack: one per batch (AckPolicy.ALL)", "nats/aio/msg.py", "ack"),
    ("outbox relay: publish the announcements", "runtime/outbox.py", "publish_pending"),
)

#: The steps reported, by (file suffix, function name), in the order of the hot path.
STEPS = (
    DECODE,
    RECORD,
    ("inbox: claim the batch's ids (one statement)", "runtime/inbox.py", "claim"),
    *FOLD,
    COMMIT,
)


#: Where the process's own CPU goes, by the file a function is in: each function's self time
#: (its own frame's, not its callees'), which adds up to the whole even where inclusive figures
#: overlap (the database driver runs the ORM in greenlets, and the partitioned consumer fetches
#: the next batch while it applies one, so an inclusive figure there holds other work too).
LAYERS = (
    ("bus client (nats-py: fetch, ack, publish)", ("/nats/",)),
    (
        "decoder (msgspec structs, the screen)",
        ("contracts/fast.py", "runtime/poison.py", "msgspec"),
    ),
    ("scoring domain (contributions, exact sums)", ("scoring/domain/",)),
    ("scoring handlers (folds, announcement)", ("scoring/handlers/",)),
    ("scoring adapters (statements, rows)", ("scoring/adapters/",)),
    (
        "consumer and marks (runtime)",
        (
            "runtime/partitions.py",
            "runtime/ward_batches.py",
            "runtime/marks.py",
            "runtime/inbox.py",
            "runtime/consumer.py",
        ),
    ),
    (
        "unit of work, outbox (runtime)",
        ("runtime/uow.py", "runtime/outbox.py", "runtime/bulk.py", "runtime/db.py"),
    ),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("asyncpg (driver, encoding the arrays)", ("/asyncpg/",)),
    ("contracts (pydantic models, envelopes)", ("contracts/", "/pydantic")),
    ("event loop, greenlets", ("asyncio/", "greenlet", "<built-in method select", "selectors.py")),
)


OTHER = "built-ins and the standard library called from none of the above"


def layer_of(key: tuple[str, int, str]) -> str:
    """The :data:`LAYERS` label of a profiled function, :data:`OTHER` if in none."""
    where = f"{key[0]}:{key[2]}"
    return next((label for label, marks in LAYERS if any(m in where for m in marks)), OTHER)


def by_layer(stats: dict[Any, Any], events: int) -> dict[str, float]:
    """Self time per event (µs) by :data:`LAYERS`. A built-in's or the standard library's
    (``dict.get``, ``isinstance``, ``Fraction``) counts in the layer of the functions that
    called it, shared out by what each call took; only what is called from none of them is
    left in :data:`OTHER`."""
    found = dict.fromkeys([label for label, _ in LAYERS] + [OTHER], 0.0)
    for key, (_, _, own, _, callers) in stats.items():
        label = layer_of(key)
        if label != OTHER or not callers:
            found[label] += own / events * 1e6
            continue
        shares = {caller: edge[2] for caller, edge in callers.items()}
        total = sum(shares.values()) or 1.0
        for caller, share in shares.items():
            found[layer_of(caller)] += own * share / total / events * 1e6
    return found


async def migrate(url: str) -> None:
    """The service's tables, as its migrations make them."""
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, url)


async def apply_all(url: str, payloads: list[tuple[str, bytes, str]], batch: int) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    scoring = Scoring(default_policy())
    for start in range(0, len(payloads), batch):
        events = [decode(s, p) for s, p, _ in payloads[start : start + batch]]
        async with UnitOfWork(sessions, plumbing.outbox) as uow:
            fresh = await claim(uow.session, plumbing.inbox, "scoring-assessment", events)
            await scoring.apply(uow, fresh)
    await engine.dispose()


async def consume_all(
    url: str, nats_url: str, payloads: list[tuple[str, bytes, str]], batch: int
) -> None:
    """The scoring runtime of this process consuming by partition until the ward's mark is
    at the stream's last audit."""
    runtime, _ = bootstrap.build_runtime(scoring_settings(nats_url, url, batch, "partitioned"))
    await runtime.start()
    try:
        while True:
            async with runtime.sessions() as session:
                found = await marks(session, partition_marks, bootstrap.ASSESSMENT_EVENTS.name)
            if found.get("phuong-000") == len(payloads):
                return
            await asyncio.sleep(0.2)
    finally:
        await runtime.stop()


async def run(events: int, batch: int, delivery: str = "inbox") -> dict[str, float]:
    """Each step's CPU time per event (µs), and ``whole``."""
    payloads = audit_payloads(events, ["phuong-000"])
    tune_garbage_collector()  # as a service process does
    with tempfile.TemporaryDirectory(prefix="ward5s-bench-profile-") as scratch:
        async with database("postgres", Path(scratch)) as (url, _):
            profiler = cProfile.Profile(time.process_time)
            if delivery == "partitioned":
                server = NatsServer(Path(scratch) / "nats").start()
                try:
                    connection = await nats.connect(server.url)
                    await ensure_streams(connection.jetstream())
                    await publish(connection.jetstream(), payloads)
                    await connection.close()
                    await migrate(url)
                    started = time.process_time()
                    profiler.enable()
                    await consume_all(url, server.url, payloads, batch)
                    profiler.disable()
                finally:
                    server.stop()
            else:
                started = time.process_time()
                profiler.enable()
                await apply_all(url, payloads, batch)
                profiler.disable()
            whole = (time.process_time() - started) / events * 1e6
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found = {"whole": whole}
    found.update({f"self: {label}": us for label, us in by_layer(stats, events).items()})
    if os.environ.get("WARD5S_PROFILE_OTHER"):
        for key, value in sorted(stats.items(), key=lambda kv: -kv[1][2])[:40]:
            say(f"{value[2] / events * 1e6:8.2f} µs  {key}")
    for label, suffix, name in PARTITIONED_STEPS if delivery == "partitioned" else STEPS:
        found[label] = (
            sum(
                cumulative
                for (path, _, function), (_, _, _, cumulative, _) in stats.items()
                if function == name and path.endswith(suffix)
            )
            / events
            * 1e6
        )
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--delivery", choices=["inbox", "partitioned"], default="inbox")
    arguments = parser.parse_args(argv)
    found = asyncio.run(run(arguments.events, arguments.batch, arguments.delivery))
    say(
        f"{arguments.events:,} audits in batches of {arguments.batch}, "
        f"delivery {arguments.delivery}, under cProfile"
    )
    for label, us in found.items():
        print(f"{label:<55} {us:8.1f} µs per event")


if __name__ == "__main__":
    main()
