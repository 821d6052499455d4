"""A load generator in a process of its own: ``python -m bench.load SPEC`` (a JSON file).

The spec: ``url``, ``method`` (GET or POST), ``headers``, ``count`` requests, at most
``concurrency`` at a time, and ``rate`` (requests per second; 0: as fast as they go); for a POST,
``units`` and ``score``: each request submits a full audit (``tools.demo.audit_body``) of the next
unit in turn, with an ``Idempotency-Key`` of its own. For each answer it prints a JSON line:
``started`` (wall clock, s), ``seconds`` (the answer's latency), ``status`` and, when the
answer names one, ``audit_id`` and ``unit_id``; then a last line ``{"done": true, "seconds": ...}``
with the run's duration.

It runs apart from the bench so that the client's CPU is not the service's, as a city's
auditors' phones are not the server.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx

from tools.demo import audit_body


async def run(spec: dict[str, Any]) -> None:
    count, concurrency, rate = spec["count"], spec["concurrency"], spec.get("rate", 0)
    units = cycle(spec.get("units") or [None])
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one(unit: str | None) -> None:
            async with gate:
                headers = dict(spec.get("headers", {}))
                body = None
                if spec["method"] == "POST":
                    headers["Idempotency-Key"] = str(uuid.uuid4())
                    body = audit_body(str(unit), spec.get("score", 3))
                started, clock = time.time(), time.perf_counter()
                answer = await http.request(spec["method"], spec["url"], json=body, headers=headers)
                line: dict[str, Any] = {
                    "started": started,
                    "seconds": time.perf_counter() - clock,
                    "status": answer.status_code,
                }
                if spec["method"] == "POST" and answer.status_code < 300:
                    line.update({k: answer.json().get(k) for k in ("audit_id", "unit_id")})
                sys.stdout.write(json.dumps(line) + "\n")
                sys.stdout.flush()

        began = time.perf_counter()
        tasks = []
        for n in range(count):
            if rate:  # a steady rate: the n-th request leaves at n / rate, whatever came back
                await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(next(units))))
        await asyncio.gather(*tasks)
        sys.stdout.write(json.dumps({"done": True, "seconds": time.perf_counter() - began}) + "\n")


def main() -> None:
    asyncio.run(run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
