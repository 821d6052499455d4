"""The reading processes of a rebuild: the parent starts one per range of sequences, receives
their chunks of facts as they come (spooled to disk until folded) and hands them on in stream
order; each process connects on its own (:class:`NatsAccess`) and reads its range
(``history_range``). A process is spawned and imports this module first: it stays clear of the
database and the handler.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from services.scoring.adapters.history import READERS, Folder, NatsAccess
from services.scoring.adapters.history_range import read_range
from services.scoring.adapters.spool import Spool

#: What a reading process's message holds, by its first byte: a chunk of facts, or what it says
#: (``("done", None)``, ``("error", why)``).
_FACTS, _SAID = b"F", b"S"


def _send(connection: Connection, kind: bytes, payload: object) -> None:
    connection.send_bytes(kind + pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def _read_in_process(
    access: NatsAccess, name: str, first: int, last: int, connection: Connection
) -> None:
    """A reading process: its facts go to ``connection`` in chunks, then ``("done", None)``."""

    parent = os.getppid()
    # Short-lived, and what it keeps (a chunk of facts) holds no cycles: the collector would
    # only slow the parsing down.
    gc.disable()

    async def main() -> None:
        client = await access.connect()
        try:
            reading = asyncio.create_task(
                read_range(
                    client, name, first, last, lambda facts: _send(connection, _FACTS, facts)
                )
            )
            while not reading.done():
                await asyncio.wait({reading}, timeout=1.0)
                if os.getppid() != parent:  # orphaned: nobody waits for these facts
                    reading.cancel()
            await reading
        finally:
            await client.close()

    try:
        asyncio.run(main())
        _send(connection, _SAID, ("done", None))
    except BaseException as error:  # told to the parent, which raises it
        _send(connection, _SAID, ("error", "".join(traceback.format_exception(error))[-4000:]))
    finally:
        connection.close()


async def read_in_processes(
    access: NatsAccess, ranges: Sequence[tuple[int, int]], sink: Folder
) -> None:
    """Read each range in a process of its own; hand their facts to ``sink`` in stream order
    (the first range's as they come, each next one's once the one before it is done)."""
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    queues: list[asyncio.Queue[tuple[str, Any]]] = [asyncio.Queue() for _ in ranges]
    processes, pumps = [], []
    spools = [Spool() for _ in ranges]

    def pump(receiving: Connection, queue: asyncio.Queue[tuple[str, Any]], spool: Spool) -> None:
        """Receive a process's chunks as they come, so it never waits on a full pipe while an
        earlier range is folded; its facts go to disk (``spool``) until they are folded."""
        try:
            while True:
                raw = receiving.recv_bytes()
                if raw[:1] == _FACTS:
                    where = spool.append(memoryview(raw)[1:].tobytes())
                    loop.call_soon_threadsafe(queue.put_nowait, ("facts", where))
                    continue
                message = pickle.loads(raw[1:])
                loop.call_soon_threadsafe(queue.put_nowait, message)
                if message[0] != "facts":
                    return
        except (EOFError, OSError):
            loop.call_soon_threadsafe(queue.put_nowait, ("error", "the reading process died"))
        finally:
            receiving.close()

    finished = False
    try:
        for n, (first, last) in enumerate(ranges):
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(
                target=_read_in_process,
                args=(access, READERS[n], first, last, sending),
                name=f"scoring-rebuild-{n}",
                daemon=True,
            )
            process.start()
            sending.close()
            processes.append(process)
            thread = threading.Thread(
                target=pump, args=(receiving, queues[n], spools[n]), daemon=True
            )
            thread.start()
            pumps.append(thread)
        for n, queue in enumerate(queues):
            while True:
                kind, payload = await queue.get()
                if kind == "facts":
                    await sink(pickle.loads(spools[n].take(payload)))
                elif kind == "done":
                    break
                else:
                    raise RuntimeError(f"reading sequences {ranges[n]} failed: {payload}")
        finished = True
    finally:
        if not finished:  # failed or cancelled: the others' work is of no use
            for process in processes:
                if process.is_alive():
                    process.terminate()
        for process in processes:
            await asyncio.to_thread(process.join, 10)
        for thread in pumps:
            await asyncio.to_thread(thread.join, 10)
        for spool in spools:
            spool.close()
