"""The scratch projection on PostgreSQL: a schema of the live database, filled with COPY, keyed
afterwards (but for the audits' rows and the folded ids, looked up while the fold writes them in
chunks), and swapped in by the server itself (only the rows that differ)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import JSON, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.scoring.adapters.tables import audit_records
from services.scoring.domain.fold import Fold
from services.scoring.handlers import Scoring
from services.scoring.rebuild.replay import (
    FOLDED,
    FOLDED_EVENTS,
    REBUILT,
    WRITTEN_AT_THE_END,
    Replay,
    columns_of,
)

log = logging.getLogger(__name__)

#: Rows from which a table is copied into the scratch schema through two connections.
COPY_SPLIT = 50_000


class SchemaReplay(Replay):
    """PostgreSQL: the scratch projection is a schema of the live database, filled with COPY and
    swapped in by the server itself."""

    def __init__(self, js: JetStreamContext, scoring: Scoring, live: AsyncEngine):
        self.schema = f"scoring_rebuild_{uuid.uuid4().hex[:12]}"
        self.live_engine = live
        scratch = live.execution_options(schema_translate_map={None: self.schema})
        super().__init__(js, scoring, scratch)

    async def open(self) -> Replay:
        # The live tables' columns without their keys and indexes: rows copied into a table
        # with none go in at twice the speed, and its key is built once at the end. Unlogged:
        # a scratch table that a crash loses is of no use anyway.
        async with self.live_engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            for table in REBUILT:
                await connection.execute(
                    text(
                        f'CREATE UNLOGGED TABLE "{self.schema}"."{table.name}" '
                        f'(LIKE "{table.name}" INCLUDING DEFAULTS)'
                    )
                )
            folded = f'"{self.schema}"."{FOLDED_EVENTS.name}"'
            await connection.execute(text(f"CREATE UNLOGGED TABLE {folded} (event_id text)"))
        # Keyed from the start: the fold looks up the written rows of the audits it meets again
        # (amended, withdrawn) and the ids its filter may hold, by key, as it writes them.
        await self._key(audit_records)
        await self._key(FOLDED_EVENTS)
        return self

    async def _write_rows(self, fold: Fold) -> None:
        # Each table's key is built by the server while the next table's rows are made here
        # (the unit sums take a second at a million audits, as long as the largest key).
        keying = [asyncio.create_task(self._analyze(t)) for t in (audit_records, FOLDED_EVENTS)]
        try:
            for table in WRITTEN_AT_THE_END:
                began = time.perf_counter()
                rows = await asyncio.to_thread(list, FOLDED[table.name](fold))
                await self._write(table, columns_of(table), rows)
                del rows
                log.debug("rebuild: wrote %s in %.2fs", table.name, time.perf_counter() - began)
                keying.append(asyncio.create_task(self._key(table)))
            await asyncio.gather(*keying)
        except BaseException:
            for task in keying:
                task.cancel()
            await asyncio.gather(*keying, return_exceptions=True)
            raise

    async def _write(
        self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        # A large table goes in through two connections: the server's side of a COPY is most
        # of its cost, and it is one process per connection.
        half = len(rows) // 2 if len(rows) >= COPY_SPLIT else len(rows)
        await asyncio.gather(
            *(self._copy(table, columns, part) for part in (rows[:half], rows[half:]))
        )

    async def _copy(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        async with self.engine.begin() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table.name, records=rows, columns=list(columns), schema_name=self.schema
            )

    async def _key(self, table: Table) -> None:
        """The catch-up's upserts need the table's key; the swap's plans need statistics."""
        keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
        scratch = f'"{self.schema}"."{table.name}"'
        async with self.engine.begin() as connection:
            await connection.execute(text(f"ALTER TABLE {scratch} ADD PRIMARY KEY ({keys})"))
        await self._analyze(table)

    async def _analyze(self, table: Table) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(text(f'ANALYZE "{self.schema}"."{table.name}"'))

    async def copy_into(self, live: AsyncSession) -> dict[str, int]:
        """Make the live rows those of the scratch schema: delete the live rows that are not
        there as they are, insert those that are missing. A rebuild mostly finds what is
        there already, and rewriting a million unchanged rows (and their indexes) would hold
        every batch off for that long."""
        await live.execute(text("SET LOCAL work_mem = '256MB'"))
        counts: dict[str, int] = {}
        for table in REBUILT:
            began = time.perf_counter()
            scratch = f'"{self.schema}"."{table.name}"'
            keys = [c.name for c in table.primary_key.columns]
            same_key = " AND ".join(f'l."{k}" = s."{k}"' for k in keys)
            same_values = " AND ".join(  # every table has columns besides its key
                # JSON has no equality: compared as text, a row written in another layout is
                # merely replaced.
                f'l."{c.name}"::text IS NOT DISTINCT FROM s."{c.name}"::text'
                if isinstance(c.type, JSON)
                else f'l."{c.name}" IS NOT DISTINCT FROM s."{c.name}"'
                for c in table.columns
                if c.name not in keys
            )
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            await live.execute(
                text(
                    f'DELETE FROM "{table.name}" AS l WHERE NOT EXISTS '
                    f"(SELECT FROM {scratch} AS s WHERE {same_key} AND {same_values})"
                )
            )
            await live.execute(
                text(
                    f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM {scratch} AS s '
                    f'WHERE NOT EXISTS (SELECT FROM "{table.name}" AS l WHERE {same_key})'
                )
            )
            counts[table.name] = int(await live.scalar(text(f"SELECT count(*) FROM {scratch}")))
            log.debug("rebuild: swapped %s in %.2fs", table.name, time.perf_counter() - began)
        return counts

    async def _discard(self) -> None:
        # The scratch engine is the live one seen through a schema map: not disposed.
        async with self.live_engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
