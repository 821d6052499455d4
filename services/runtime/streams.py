"""Create or update the JetStream streams: ``python -m services.runtime.streams``.

Run once by an operator (``make run`` and the compose stack do it) with a NATS user allowed to
manage streams; the services themselves then need no such right.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import nats

from contracts.subjects import OPERATOR, inbox_prefix
from services.runtime.broker import ensure_streams, nats_servers


async def create(url: str, replicas: int, user: str | None, password: str | None) -> None:
    connection = await nats.connect(
        nats_servers(url),
        user=user,
        password=password,
        connect_timeout=5,
        inbox_prefix=inbox_prefix(OPERATOR),  # the operator's tools' own inbox
    )
    try:
        await ensure_streams(connection.jetstream(), replicas=replicas)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.runtime.streams")
    parser.add_argument("--url", default=os.environ.get("WARD5S_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument(
        "--replicas", type=int, default=int(os.environ.get("WARD5S_STREAM_REPLICAS", "1"))
    )
    arguments = parser.parse_args()
    asyncio.run(
        create(
            arguments.url,
            arguments.replicas,
            os.environ.get("WARD5S_NATS_ADMIN_USER"),
            os.environ.get("WARD5S_NATS_ADMIN_PASSWORD"),
        )
    )
    print(f"streams ready on {arguments.url}")


if __name__ == "__main__":
    main()
