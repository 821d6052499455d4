"""Rebuilding the projection from the start of the stream, then swapping it in.

The ASSESSMENT stream keeps every fact, so the scoring tables can always be recomputed. The
stream, as far as the live consumer has acknowledged it, is read in ranges by processes of their
own (a short one here) and each event reduced to a fact; the facts are folded in stream order,
in memory, with the handler's rules (:mod:`services.scoring.domain.fold`), into a fresh, empty
projection: the audits' rows (one per audit, the table that grows with the stream) and the ids
folded are written out in chunks as the fold goes, the other rows (sums, one per unit's or
person's month) once it is done. What the live consumer acknowledges meanwhile is
applied to it through the handler. Then one transaction on the live database waits for the
batches in progress, holds off new ones, applies the rest of what the live consumer has applied
(its inbox says which) and makes the live rows those of the fresh projection. The live service
keeps answering throughout and sees either the old projection or the new one, never a mix; its
consumer goes on from where it was, and applies nothing twice.

On PostgreSQL the fresh projection is a scratch schema of the live database, filled with COPY,
and the swap deletes and inserts, inside the server, only the rows that differ; elsewhere it is
a scratch SQLite file, copied row by row.

What was announced (low-score flags, late marks) is history, not a projection of the facts: it is
kept as is, so a rebuild never repeats or withdraws an alert. So are the chairman's decisions on
ties at the cap on "xuất sắc": they are scoring's own records, not facts of the stream.

The use case is here; the scratch projection and its catch-up in :mod:`.replay`, PostgreSQL's
in :mod:`.postgres`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from contracts.common import LOCAL_TZ
from contracts.streams import ASSESSMENT
from contracts.subjects import ward_of
from services.runtime import marks as partition_marks
from services.runtime.broker import inbox_prefix, nats_servers
from services.runtime.db import SessionFactory, create_engine, is_postgres, transaction
from services.runtime.refusals import Kind, Refusal
from services.runtime.settings import ServiceSettings
from services.scoring.adapters import locks, rebuild_runs
from services.scoring.adapters.history import READERS, Folder, NatsAccess, read_here, split
from services.scoring.adapters.history_processes import read_in_processes
from services.scoring.adapters.tables import plumbing
from services.scoring.domain.fold import Fold
from services.scoring.handlers import Scoring
from services.scoring.rebuild.postgres import SchemaReplay
from services.scoring.rebuild.replay import REBUILT, Replay

__all__ = [
    "REBUILT",
    "RebuildReport",
    "Replay",
    "SchemaReplay",
    "Tracker",
    "nats_access",
    "rebuild",
]

log = logging.getLogger(__name__)

#: A stream shorter than this is read in this process: starting processes would cost more.
PARALLEL_FROM = 20_000


@dataclass(frozen=True)
class RebuildReport:
    events: int  # distinct events replayed (a copy republished after the window counts once)
    last_sequence: int  # the stream sequence the projection is up to
    seconds: float
    rows: dict[str, int]
    #: The most memory this process has held since it started (for ``python -m services.scoring
    #: rebuild``, what the rebuild needed; from the admin endpoint, the service's peak so far),
    #: and the most any reader process it has started held (0 if it has started none).
    peak_memory_mb: float
    reader_peak_memory_mb: float


def _peak_memory_mb(who: int) -> float:
    """The largest resident set of this process (``RUSAGE_SELF``) or of any process it waited
    for (``RUSAGE_CHILDREN``), in MiB.

    This process's own is read from ``/proc/self/status`` (``VmHWM``) where there is one: Linux
    carries a parent's peak over into its child's ``ru_maxrss`` through fork and exec, so a
    rebuild started by a large process (a bench holding the stream) reported that one's."""
    status = Path("/proc/self/status")
    if who == resource.RUSAGE_SELF and status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 2**10, 1)  # KiB
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes or KiB


async def read_history(
    js: JetStreamContext,
    sink: Folder,
    access: NatsAccess | None = None,
    workers: int | None = None,
    upto: int | None = None,
) -> int:
    """Hand the stream's facts up to ``upto`` (by default its current end) to ``sink``, in
    stream order; returns the last sequence read.

    ``workers`` processes read it (by default one per CPU, or none for a short stream); they
    connect with ``access`` (without it, this process reads the whole stream itself)."""
    state = (await js.stream_info(ASSESSMENT.name)).state
    first, last = max(state.first_seq, 1), state.last_seq
    if upto is not None:
        last = min(last, upto)
    if last < first:
        return last
    if workers is None:
        workers = (os.cpu_count() or 1) if last - first + 1 >= PARALLEL_FROM else 1
    workers = min(workers, len(READERS))
    if workers > 1 and access is not None:
        await read_in_processes(access, split(first, last, workers), sink)
    else:
        await read_here(js, first, last, sink)
    return last


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The fold holds hundreds of thousands of small objects (no cycles among them) between two
    chunks written: the cycle collector would walk them again and again, for nothing, tripling
    the time the fold's own work takes. Garbage with cycles waits until the rows are written."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@dataclass
class Tracker:
    """How far the rebuild of this process is: its stage, the events folded (read from the fold
    while it reads) out of ``total`` messages of the stream."""

    stage: str = "starting"
    done: int = 0
    total: int = 0
    fold: Fold | None = None
    #: Each stage left behind with its last figures, so a display that looks now and then
    #: still shows how every stage ended (a small stream is read between two looks).
    finished: list[tuple[str, int, int]] = field(default_factory=list)

    def now(self) -> tuple[str, int, int]:
        done = self.fold.events if self.fold is not None else self.done
        return self.stage, done, self.total

    def at(self, stage: str, done: int | None = None) -> None:
        self.finished.append(self.now())
        self.stage = stage
        if done is not None:
            self.fold, self.done = None, done


#: How often a running rebuild writes its progress (and heartbeat), and after how long without
#: one its row is a dead rebuild's, which the next rebuild takes over.
HEARTBEAT_S = 1.0
STALE = timedelta(seconds=60)


async def rebuild(
    js: JetStreamContext,
    live: SessionFactory,
    scoring: Scoring,
    consumer: str,
    *,
    nats: NatsAccess | None = None,
    workers: int | None = None,
    tracker: Tracker | None = None,
    marks: Table | None = None,
) -> RebuildReport:
    """Replay the stream into a fresh projection and swap it in for the live one.

    The fresh projection holds exactly the events the live ``consumer`` has applied, so that it
    goes on from the swap without applying any twice: what it has acknowledged, then, under
    the lock, those of the rest that its inbox holds. Without that consumer on the stream, the
    whole stream.

    One rebuild runs at a time, across every instance and the command line: while one runs,
    another is refused (``Refusal`` conflict ``rebuild_running``, with the running one's stage,
    events done and total), and its progress is written for anyone to read
    (:func:`adapters.rebuild_runs.current`, ``GET /v1/admin/rebuild``). ``tracker`` (made here
    if not given) follows it in this process.

    ``nats`` is how the reading processes connect (without it, this process reads the stream
    itself); ``workers`` how many there are (by default one per CPU, none for a short
    stream)."""
    tracker = tracker or Tracker()
    running = await rebuild_runs.claim(live, datetime.now(UTC), STALE)
    if running is not None:
        raise Refusal(
            Kind.CONFLICT,
            "rebuild_running",
            None,
            stage=running.stage,
            done=running.done,
            total=running.total,
            started=running.started_at.astimezone(LOCAL_TZ).strftime("%H:%M:%S %d/%m/%Y"),
        )
    beating = asyncio.create_task(_heartbeat(live, tracker))
    try:
        return await _rebuild(js, live, scoring, consumer, nats, workers, tracker, marks)
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        await rebuild_runs.release(live)


async def _heartbeat(live: SessionFactory, tracker: Tracker) -> None:
    """Write the tracker's progress every :data:`HEARTBEAT_S` until cancelled; a write that
    fails (the swap holds SQLite's one writer) is tried again at the next beat."""
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            await rebuild_runs.report(live, datetime.now(UTC), *tracker.now())
        except Exception as error:  # progress is for the operator; the rebuild goes on
            log.debug("rebuild: progress not written (%s)", type(error).__name__)


async def _rebuild(
    js: JetStreamContext,
    live: SessionFactory,
    scoring: Scoring,
    consumer: str,
    nats: NatsAccess | None,
    workers: int | None,
    tracker: Tracker,
    marks: Table | None = None,
) -> RebuildReport:
    started = time.perf_counter()
    replayer = Scoring(scoring.policy, announce=False)
    with tempfile.TemporaryDirectory(prefix="ward5s-rebuild-") as scratch:
        async with live() as probe:
            engine = probe.bind
        if isinstance(engine, AsyncEngine) and is_postgres(engine):
            replay: Replay = SchemaReplay(js, replayer, engine)
        else:
            scratch_db = create_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'projection.db'}")
            replay = Replay(js, replayer, scratch_db)
        replay = await replay.open()
        try:
            acknowledged = None if marks is not None else await _acknowledged(js, consumer)
            state = (await js.stream_info(ASSESSMENT.name)).state
            tracker.total = max(0, (acknowledged or state.last_seq) - state.first_seq + 1)
            with _collector_paused():
                fold = Fold()
                tracker.stage, tracker.fold = "reading", fold
                folding = partial(replay.fold, fold)
                position = await read_history(js, folding, nats, workers, upto=acknowledged)
                log.info(
                    "rebuild: folded %d events up to sequence %d in %.1fs",
                    fold.events,
                    position,
                    time.perf_counter() - started,
                )
                tracker.at("writing", fold.events)
                await replay.load(fold, position)
                fold.release()
            log.info("rebuild: wrote the rows by %.1fs", time.perf_counter() - started)
            tracker.at("catching_up")
            if acknowledged is not None:
                # Applied live in the meantime: caught up with before holding the batches off.
                await replay.until(await _acknowledged(js, consumer) or 0)
            elif marks is not None:  # published in the meantime, likewise
                await replay.until((await js.stream_info(ASSESSMENT.name)).state.last_seq)
            async with transaction(live) as session:
                tracker.at("swapping")
                if marks is not None:
                    await partition_marks.hold_all(session, marks, consumer)
                await locks.lock_everything(session)
                # Everything applied live so far is on the stream by now: catch up, then swap.
                last = (await js.stream_info(ASSESSMENT.name)).state.last_seq
                if acknowledged is None:
                    await replay.until(last)
                else:
                    await replay.until(last, partial(_applied_live, session, consumer))
                rows = await replay.copy_into(session)
                if marks is not None:
                    wards = await _wards(js)
                    await partition_marks.raise_to(session, marks, consumer, wards, replay.position)
        finally:
            await replay.close()
    report = RebuildReport(
        replay.events,
        replay.position,
        time.perf_counter() - started,
        rows,
        _peak_memory_mb(resource.RUSAGE_SELF),
        _peak_memory_mb(resource.RUSAGE_CHILDREN),
    )
    log.info("rebuilt the projection from %d events in %.1fs", report.events, report.seconds)
    return report


async def _wards(js: JetStreamContext) -> set[str]:
    """The wards with events on the stream."""
    info = await js.stream_info(ASSESSMENT.name, subjects_filter=ASSESSMENT.subjects[0])
    return {ward_of(subject) for subject in (info.state.subjects or {})}


async def _acknowledged(js: JetStreamContext, consumer: str) -> int | None:
    """The stream sequence up to which the live consumer has acknowledged every message (each
    applied, or dead-lettered), or None if it is not on the stream."""
    try:
        info = await js.consumer_info(ASSESSMENT.name, consumer)
    except NotFoundError:
        return None
    return info.ack_floor.stream_seq if info.ack_floor else 0


async def _applied_live(session: AsyncSession, consumer: str, event_ids: list[str]) -> set[str]:
    """Which of the events the live consumer has applied (committed: a batch held off by the
    lock applies its own after the swap)."""
    inbox = plumbing.inbox
    found = await session.scalars(
        select(inbox.c.event_id).where(
            inbox.c.consumer == consumer, inbox.c.event_id.in_(event_ids)
        )
    )
    return set(found)


def nats_access(settings: ServiceSettings) -> NatsAccess:
    """How the reading processes connect: as the service does."""
    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    return NatsAccess(
        tuple(nats_servers(settings.nats_url)),
        settings.nats_user,
        password,
        inbox_prefix=inbox_prefix(settings.service),
    )
