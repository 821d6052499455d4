"""Where a scoring batch's time goes, in the service's own process: ``python -m bench.profile
[--events N] [--batch B]``.

Publishes nothing: decodes N audits (as ``bench.scoring`` makes them) and applies them in
batches the way the consumer does (the inbox claims the batch, the handler folds and announces
it, one transaction), under cProfile, on a PostgreSQL started here (``pgserver``). Prints the
CPU time per event of each step, measured inclusively (a step's figure holds the steps it
calls), and the whole; the database server's own work is not in this process (``bench.scoring``
prints its CPU per event beside the service's).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from bench.scoring import audit_payloads, database
from bench.table import say
from services.runtime.db import create_engine, session_factory
from services.runtime.inbox import claim
from services.runtime.poison import screen_fast
from services.runtime.uow import UnitOfWork
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import metadata, plumbing
from services.scoring.handlers import Scoring

#: The steps reported, by (file suffix, function name), in the order of the hot path.
STEPS = (
    ("decode: msgspec structs and the screen's checks", "runtime/poison.py", "screen_fast"),
    ("inbox: claim the batch's ids (one statement)", "runtime/inbox.py", "claim"),
    ("records after each event (contribution of 25 items)", "handlers/audits.py", "prepare"),
    ("ward locks", "adapters/locks.py", "lock_wards"),
    ("fold: the batch's audits", "handlers/audits.py", "fold_audits"),
    ("  read the stored records", "adapters/records.py", "load"),
    ("  write the records (one statement)", "adapters/records.py", "save"),
    ("  add to the sums (one statement)", "adapters/month_sums.py", "add_to_unit_months"),
    ("announce what changed", "handlers/announce.py", "announce"),
    ("commit (outbox written, transaction ended)", "runtime/uow.py", "__aexit__"),
)


async def apply_all(url: str, payloads: list[tuple[str, bytes, str]], batch: int) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    scoring = Scoring(default_policy())
    for start in range(0, len(payloads), batch):
        events = [screen_fast(s, p) for s, p, _ in payloads[start : start + batch]]
        async with UnitOfWork(sessions, plumbing.outbox) as uow:
            fresh = await claim(uow.session, plumbing.inbox, "scoring-assessment", events)
            await scoring.apply(uow, fresh)
    await engine.dispose()


async def run(events: int, batch: int) -> dict[str, float]:
    """Each step's CPU time per event (µs), and ``whole``."""
    payloads = audit_payloads(events, ["phuong-000"])
    with tempfile.TemporaryDirectory(prefix="ward5s-bench-profile-") as scratch:
        async with database("postgres", Path(scratch)) as (url, _):
            profiler = cProfile.Profile(time.process_time)
            started = time.process_time()
            profiler.enable()
            await apply_all(url, payloads, batch)
            profiler.disable()
            whole = (time.process_time() - started) / events * 1e6
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found = {"whole": whole}
    for label, suffix, name in STEPS:
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
    arguments = parser.parse_args(argv)
    found = asyncio.run(run(arguments.events, arguments.batch))
    say(f"{arguments.events:,} audits in batches of {arguments.batch}, under cProfile")
    for label, us in found.items():
        print(f"{label:<55} {us:8.1f} µs per event")


if __name__ == "__main__":
    main()
