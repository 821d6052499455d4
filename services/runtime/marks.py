"""High-water marks and leases of a partitioned consumer (``services.runtime.partitions``).

One row per (consumer, partition): ``mark``, the stream sequence of the last of the partition's
messages applied (written in the same transaction as what they changed); beside them, under
``<consumer>@leases``, one per partition saying which instance applies it and until when, and
under ``<consumer>@instances`` one per live instance. The table is the service's own, with the
columns ``consumer, partition, mark, owner, lease_until`` (scoring's ``partition_marks``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import upsert


async def hold(session: AsyncSession, table: Table, consumer: str, partition: str) -> int:
    """The partition's mark (0 before its first event), its row locked until the transaction
    ends: a second applier of the same partition waits here, then reads the mark the first one
    wrote. One statement (an upsert that rewrites the mark as it is, which takes the row's lock
    on PostgreSQL; SQLite has one writer at a time anyway)."""
    c = table.c
    statement = (
        upsert(session, table)
        .values(consumer=consumer, partition=partition, mark=0)
        .on_conflict_do_update(index_elements=[c.consumer, c.partition], set_={"mark": c.mark})
        .returning(c.mark)
    )
    return int((await session.execute(statement)).scalar_one())


async def advance(
    session: AsyncSession, table: Table, consumer: str, partition: str, mark: int
) -> None:
    """Set the partition's mark (held by :func:`hold` in this transaction) to ``mark``."""
    c = table.c
    await session.execute(
        update(table).where(c.consumer == consumer, c.partition == partition).values(mark=mark)
    )


async def marks(session: AsyncSession, table: Table, consumer: str) -> dict[str, int]:
    """Every partition's mark, by partition."""
    c = table.c
    rows = await session.execute(select(c.partition, c.mark).where(c.consumer == consumer))
    return {partition: int(mark) for partition, mark in rows}


async def hold_all(session: AsyncSession, table: Table, consumer: str) -> None:
    """Lock every partition's row of ``consumer`` until the transaction ends: batches in
    progress commit first, new ones wait (taken before any other lock, as a batch takes its
    partition's row first, so the two never wait for each other)."""
    c = table.c
    await session.execute(select(c.mark).where(c.consumer == consumer).with_for_update())


async def raise_to(
    session: AsyncSession, table: Table, consumer: str, partitions: Iterable[str], mark: int
) -> None:
    """Set every partition's mark to at least ``mark`` (a rebuild's projection holds every
    event up to it): a partition applies only what comes after."""
    c = table.c
    rows = [{"consumer": consumer, "partition": p, "mark": mark} for p in sorted(set(partitions))]
    if rows:
        statement = upsert(session, table).on_conflict_do_nothing(
            index_elements=[c.consumer, c.partition]
        )
        await session.execute(statement, rows)
    await session.execute(
        update(table).where(c.consumer == consumer, c.mark < mark).values(mark=mark)
    )


@dataclass(frozen=True)
class Leases:
    """What one round of :func:`share_out` left this instance holding, and how many instances
    hold a lease now (this one included)."""

    held: frozenset[str]
    instances: int


async def share_out(
    session: AsyncSession,
    table: Table,
    consumer: str,
    owner: str,
    partitions: Iterable[str],
    now: datetime,
    until: datetime,
) -> Leases:
    """One round of sharing the partitions among the live instances: ``owner`` says it is
    alive (:func:`presence`), renews the leases it holds, gives back those over its fair
    share (⌈partitions / live instances⌉, so a newcomer gets some), and takes free or expired
    ones up to it. Each take is conditional (free or expired at the moment of the update), so
    two instances never both take one. The leases are rows of their own (:func:`leases`), apart
    from the marks, so a batch holding its partition's mark never holds up a renewal."""
    c = table.c
    wanted = sorted(set(partitions))
    present = presence(consumer)
    consumer = leases(consumer)
    # This instance is here until ``until``; those gone long since are forgotten.
    await session.execute(
        upsert(session, table)
        .values(consumer=present, partition=owner, mark=0, owner=owner, lease_until=until)
        .on_conflict_do_update(
            index_elements=[c.consumer, c.partition], set_={"lease_until": until}
        )
    )
    await session.execute(
        table.delete().where(c.consumer == present, c.lease_until < now - (until - now) * 10)
    )
    if wanted:
        insert = upsert(session, table).on_conflict_do_nothing(
            index_elements=[c.consumer, c.partition]
        )
        await session.execute(
            insert, [{"consumer": consumer, "partition": p, "mark": 0} for p in wanted]
        )
    live: set[str] = {owner} | set(
        await session.scalars(select(c.partition).where(c.consumer == present, c.lease_until > now))
    )
    rows = await session.execute(
        select(c.partition, c.owner, c.lease_until).where(c.consumer == consumer)
    )
    mine: list[str] = []
    free: list[str] = []
    total = 0
    for partition, holder, lease_until in rows:
        total += 1
        if holder is not None and lease_until is not None and lease_until > now:
            if holder == owner:
                mine.append(partition)
        else:
            free.append(partition)
    share = -(-max(total, 1) // len(live))
    keep, give_back = sorted(mine)[:share], sorted(mine)[share:]
    if give_back:
        await session.execute(
            update(table)
            .where(c.consumer == consumer, c.owner == owner, c.partition.in_(give_back))
            .values(owner=None, lease_until=None)
        )
    if keep:
        await session.execute(
            update(table)
            .where(c.consumer == consumer, c.owner == owner, c.partition.in_(keep))
            .values(lease_until=until)
        )
    held = set(keep)
    for partition in free[: max(0, share - len(keep))]:
        taken = await session.execute(
            update(table)
            .where(
                c.consumer == consumer,
                c.partition == partition,
                or_(c.owner.is_(None), c.lease_until.is_(None), c.lease_until <= now),
            )
            .values(owner=owner, lease_until=until)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            held.add(partition)
    return Leases(frozenset(held), len(live))


def leases(consumer: str) -> str:
    """Where the partitions' leases of ``consumer`` are kept: one row per partition, by
    partition, in the same table (``mark`` unused)."""
    return f"{consumer}@leases"


def presence(consumer: str) -> str:
    """Where the instances applying ``consumer`` say they are alive (one row each, by owner,
    in the same table), so that the partitions are shared among them all, even those that hold
    none yet."""
    return f"{consumer}@instances"


async def release(session: AsyncSession, table: Table, consumer: str, owner: str) -> None:
    """Give back every lease ``owner`` holds (a clean stop: another instance takes them at
    once instead of after the lease runs out)."""
    c = table.c
    await session.execute(
        table.delete().where(c.consumer == presence(consumer), c.partition == owner)
    )
    await session.execute(
        update(table)
        .where(and_(c.consumer == leases(consumer), c.owner == owner))
        .values(owner=None, lease_until=None)
    )
