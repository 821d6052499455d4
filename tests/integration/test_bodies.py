"""Bodies are bounded however they arrive (issue 17, item 4): a 200 MiB body sent chunked, with
no token, to a running service is refused 413 within a moment, and the process does not grow
by it. The service runs as its own process; its memory is read from /proc."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.stack import Stack
from tools.processes import NatsServer

pytestmark = [pytest.mark.slow]

CHUNK = b"[" + b'"x",' * 16383 + b'"x"]'  # 64 KiB of JSON-looking bytes
TOTAL = 200 * 1024 * 1024


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def send_chunked(port: int, path: str, total: int) -> tuple[bytes, int]:
    """Send ``total`` bytes chunked (no Content-Length), stopping when the server answers or
    closes; the answer's head and how many bytes went."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nAccept-Language: en\r\n\r\n".encode()
    )
    sent = 0

    async def pour() -> None:
        nonlocal sent
        while sent < total:
            writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
            await writer.drain()
            sent += len(CHUNK)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    pouring = asyncio.create_task(pour())
    answer = b""
    deadline = time.monotonic() + 60
    while b"}}" not in answer and time.monotonic() < deadline:
        try:
            data = await asyncio.wait_for(reader.read(65536), timeout=60)
        except ConnectionResetError:
            break  # the server closed on the rest of the body, after its answer
        if not data:
            break
        answer += data
        pouring.cancel()
    pouring.cancel()
    await asyncio.gather(pouring, return_exceptions=True)
    writer.close()
    return answer, sent


async def test_a_200_mib_chunked_body_is_refused_quickly_and_costs_no_memory(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    stack = Stack(
        nats_server.url, {"notifications": f"sqlite+aiosqlite:///{tmp_path}/n.db"}, tmp_path
    ).start("notifications")
    try:
        process = stack.services["notifications"]
        assert process.process is not None
        pid = process.process.pid
        before = rss_mib(pid)
        started = time.monotonic()
        answer, sent = await send_chunked(process.port, "/v1/preferences/me", TOTAL)
        took = time.monotonic() - started
        after = rss_mib(pid)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"code":"too_large"' in answer.replace(b" ", b"")
        assert sent < TOTAL // 4, f"{sent} bytes went before the answer"
        assert took < 10.0
        assert after - before < 30.0, f"grew from {before:.0f} to {after:.0f} MiB"
    finally:
        stack.stop()
