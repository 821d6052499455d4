"""The whole stack as deployed, for ``make bench``'s table: ``python -m bench.system [--quick]``.

Starts a nats-server, PostgreSQL (``pgserver``, a database per service), the three services and
the web pages as processes of their own (``tests.support.stack.Stack``, the demo ward's org
chart), then measures, each beside a baseline of the same stack in the same run:

- audit submission: full 25-item audits posted to assessment by a load generator in another
  process (``bench.load``), p50/p99 and per second, against the same generator on the same
  service's bare ``/healthz``;
- end to end: audits submitted at a steady rate until each one's figure is in scoring's API
  (the unit's score names the audit), p50/p99, against the submission's own answer;
- the web pages (sign-in, the auditor's checklist, the leaders' board): time to first byte, p95,
  and page weight (the page and the styles and scripts it links), against the web service's
  bare ``/healthz``;
- peak resident memory of each service after the run, against a bare interpreter that has
  imported the same service's code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from bench.memory import bare_interpreter_mb, peak_rss_mb
from bench.table import say
from contracts.periods import Month
from contracts.streams import ASSESSMENT, NOTIFICATIONS, SCORING, SCORING_ASSESSMENT
from contracts.subjects import event_subject
from tests.support.stack import SERVICE_NAMES, Stack
from tools.processes import NatsServer, ServiceProcess, free_port

PAGES = {
    "sign-in": (None, "/sign-in"),
    "checklist": ("auditor", "/audit"),
    "board": ("chairman", "/board"),
}
CONCURRENCY = 8


@dataclass(frozen=True)
class Sizes:
    submissions: int  # audits posted for the throughput figure
    rate: float  # audits per second for the end-to-end figure
    seconds: float  # how long the steady rate lasts
    page_loads: int  # each page's loads


QUICK = Sizes(submissions=100, rate=2, seconds=10, page_loads=20)
FULL = Sizes(submissions=1000, rate=20, seconds=30, page_loads=200)


@dataclass
class Running:
    stack: Stack
    web: ServiceProcess
    tokens: list[dict[str, Any]]
    workdir: Path

    def token(self, role: str) -> dict[str, Any]:
        return next(t for t in self.tokens if t["role"] == role and t.get("person_id"))


@contextmanager
def started(workdir: Path) -> Iterator[Running]:
    """The stack on PostgreSQL with the demo ward's org chart, and the web pages; stopped on
    leaving."""
    import pgserver

    nats = NatsServer(workdir / "nats", log=workdir / "nats.log").start()
    pg = pgserver.get_server(workdir / "pg", cleanup_mode="stop")
    stack: Stack | None = None
    web: ServiceProcess | None = None
    try:
        databases = {}
        for name in SERVICE_NAMES:
            pg.psql(f"CREATE DATABASE {name};")
            databases[name] = pg.get_uri(name).replace("postgresql://", "postgresql+asyncpg://", 1)
        stack = Stack(nats.url, databases, workdir, extra_env={"WARD5S_LOG_LEVEL": "WARNING"})
        tokens_file = workdir / "demo-tokens.json"
        tokens = stack.load_demo(tokens_file, mode="org")
        stack.start()
        urls = {f"WARD5S_WEB_{n.upper()}_URL": stack.url(n) for n in SERVICE_NAMES}
        web_env = {**stack.env("assessment"), **urls, "WARD5S_WEB_DEMO_TOKENS": str(tokens_file)}
        web = ServiceProcess("web", free_port(), web_env, log=workdir / "web.log").start()
        yield Running(stack, web, tokens, workdir)
    finally:
        if web is not None:
            web.stop()
        if stack is not None:
            stack.stop()
        nats.stop()
        pg.cleanup()


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` quantile of ``samples`` in ms (the nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


@asynccontextmanager
async def generator(running: Running, spec: dict[str, Any]) -> AsyncIterator[Any]:
    """``bench.load`` in a process of its own on ``spec``; its output lines, parsed."""
    path = running.workdir / f"load-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.load", str(path), stdout=asyncio.subprocess.PIPE
    )

    async def lines() -> AsyncIterator[dict[str, Any]]:
        assert process.stdout is not None
        async for raw in process.stdout:
            yield json.loads(raw)

    try:
        yield lines()
    finally:
        if process.returncode is None:
            await process.wait()


async def load(running: Running, spec: dict[str, Any]) -> tuple[list[float], float]:
    """Each answer's latency (s, every one a success) and the requests per second."""
    latencies, duration = [], 0.0
    async with generator(running, spec) as lines:
        async for line in lines:
            if line.get("done"):
                duration = line["seconds"]
                continue
            if line["status"] >= 300:
                raise RuntimeError(f"the generator's request was answered {line['status']}")
            latencies.append(line["seconds"])
    return latencies, len(latencies) / duration


def auditing(running: Running) -> tuple[dict[str, Any], list[str]]:
    """An auditor's token and the units they may audit (every unit but their own)."""
    auditor = running.token("auditor")
    units = sorted(
        {t["unit_id"] for t in running.tokens if t.get("unit_id")} - {auditor["unit_id"]}
    )
    return auditor, units


async def submissions(running: Running, count: int) -> dict[str, Any]:
    """Audits posted by the generator, against its GETs of the bare ``/healthz``."""
    auditor, units = auditing(running)
    base = running.stack.url("assessment")
    bearer = {"Authorization": f"Bearer {auditor['token']}"}
    common = {"count": count, "concurrency": CONCURRENCY, "headers": bearer}
    bare, bare_rate = await load(running, {**common, "url": f"{base}/healthz", "method": "GET"})
    posted, rate = await load(
        running, {**common, "url": f"{base}/v1/audits", "method": "POST", "units": units}
    )
    say(
        f"audits: {rate:,.0f}/s, p50 {percentile(posted, 0.5):.1f} ms, p99 "
        f"{percentile(posted, 0.99):.1f} ms; /healthz {bare_rate:,.0f}/s"
    )
    return {"rate": rate, "bare_rate": bare_rate, "posted": posted, "bare": bare}


async def end_to_end(running: Running, sizes: Sizes) -> dict[str, Any]:
    """Audits at a steady rate; for each, the time until scoring's API names it in the unit's
    figures, and the submission's own answer; the detail line splits it into answer, answer →
    on the stream (a plain subscriber beside scoring's consumer) and on the stream → named.

    One reader asks scoring, as a leader's board would: a unit's figures (``?explain=true``)
    for each unit with an audit not yet named, one question at a time, every 5 ms. A watcher
    per audit polling every 5 ms was the load: at 20/s a few hundred watchers asked scoring
    thousands of times a second for figures naming hundreds of audits (12 ms of its CPU each),
    and the figures waited behind the questions (9–16 s)."""
    auditor, units = auditing(running)
    reader = {"Authorization": f"Bearer {running.token('chairman')['token']}"}
    period = Month.of(datetime.now(UTC)).key
    scoring = running.stack.url("scoring")
    answered: dict[str, tuple[float, float]] = {}  # audit -> (sent, answered), wall clock s
    on_stream: dict[str, float] = {}
    named: dict[str, float] = {}
    waiting: dict[str, set[str]] = {}  # unit -> audits not named yet
    count = int(sizes.rate * sizes.seconds)
    spec = {
        "url": f"{running.stack.url('assessment')}/v1/audits",
        "method": "POST",
        "headers": {"Authorization": f"Bearer {auditor['token']}"},
        "units": units,
        "count": count,
        "concurrency": max(CONCURRENCY, int(sizes.rate)),
        "rate": sizes.rate,
        "score": 1,
    }
    sent = asyncio.Event()

    async def read_figures(http: httpx.AsyncClient) -> None:
        while not sent.is_set() or any(waiting.values()):
            for unit in [u for u, audits in waiting.items() if audits]:
                url = f"{scoring}/v1/units/{unit}/scores"
                params = {"period": period, "explain": "true"}
                figures = (await http.get(url, params=params, headers=reader)).json()
                now = time.time()
                for audit in figures.get("explain", {}).get("audits", []):
                    if audit["audit_id"] in waiting[unit]:
                        waiting[unit].discard(audit["audit_id"])
                        named[audit["audit_id"]] = now
            await asyncio.sleep(0.005)

    async def seen_on_stream(message: Any) -> None:
        audit = json.loads(message.data)["data"]["audit_id"]
        on_stream.setdefault(audit, time.time())

    bus = await nats.connect(running.stack.nats_url)
    await bus.subscribe(event_subject("*", "assessment.audit.submitted"), cb=seen_on_stream)
    async with httpx.AsyncClient(timeout=30) as http:
        reading = asyncio.create_task(read_figures(http))
        try:
            async with generator(running, spec) as lines:
                async for line in lines:
                    if line.get("done"):
                        continue
                    if line["status"] >= 300:
                        raise RuntimeError(f"an audit was answered {line['status']}")
                    began = line["started"]
                    answered[line["audit_id"]] = (began, began + line["seconds"])
                    waiting.setdefault(line["unit_id"], set()).add(line["audit_id"])
            sent.set()
            try:
                await asyncio.wait_for(reading, 60)
            except TimeoutError:
                raise RuntimeError("an audit never showed in scoring's API") from None
        finally:
            reading.cancel()
            await bus.close()
    visible = [named[a] - began for a, (began, _) in answered.items()]
    hops = {
        "answer": [done - began for began, done in answered.values()],
        "answer → on the stream": [on_stream[a] - done for a, (_, done) in answered.items()],
        "on the stream → named": [named[a] - on_stream[a] for a in answered],
    }
    say(
        f"end to end at {sizes.rate:g}/s: p50 {percentile(visible, 0.5):.0f} ms, "
        f"p99 {percentile(visible, 0.99):.0f} ms; "
        + "; ".join(
            f"{hop} p50 {percentile(xs, 0.5):.0f} / p99 {percentile(xs, 0.99):.0f} ms"
            for hop, xs in hops.items()
        )
    )
    return {"visible": visible, "answered": hops["answer"], "rate": sizes.rate}


ASSETS = re.compile(r"""(?:href|src)="(/[^"]+\.(?:css|js|svg|woff2?))""")


async def first_byte(http: httpx.AsyncClient, url: str) -> tuple[float, bytes]:
    """The time to the answer's first byte (s) and the whole body."""
    started = time.perf_counter()
    async with http.stream("GET", url) as answer:
        chunks = answer.aiter_raw()
        first = await anext(chunks, b"")
        ttfb = time.perf_counter() - started
        body = first + b"".join([chunk async for chunk in chunks])
        if answer.status_code != 200:
            raise RuntimeError(f"{url} answered {answer.status_code}")
    return ttfb, body


async def pages(running: Running, loads: int) -> dict[str, Any]:
    """Each page's time to first byte (p95, ms) and weight (bytes: the page and what it links),
    and the web service's bare ``/healthz``."""
    base = running.web.base_url
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as bare:
        ttfbs = [(await first_byte(bare, "/healthz"))[0] for _ in range(loads)]
        found["healthz"] = percentile(ttfbs, 0.95)
    for name, (role, path) in PAGES.items():
        async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=True) as http:
            if role is not None:
                signed = await http.get(f"/demo/sign-in/{running.token(role)['person_id']}")
                signed.raise_for_status()
            await first_byte(http, path)  # warm: the first load fills the caches
            measured = [await first_byte(http, path) for _ in range(loads)]
            body = measured[-1][1]
            weight = len(body)
            for asset in sorted(set(ASSETS.findall(body.decode(errors="replace")))):
                weight += len((await http.get(asset)).content)
        found[name] = {"p95": percentile([t for t, _ in measured], 0.95), "bytes": weight}
        say(f"page {name}: TTFB p95 {found[name]['p95']:.1f} ms, {weight / 1024:.0f} KiB")
    return found


def memory(running: Running) -> dict[str, tuple[float, float]]:
    """Each service's peak resident memory so far and its bare interpreter's (MiB)."""
    processes = {**running.stack.services, "web": running.web}
    return {
        name: (peak_rss_mb(p.process.pid), bare_interpreter_mb(name))
        for name, p in processes.items()
        if p.process is not None
    }


async def drained(running: Running, after: str, within_s: float = 900) -> float:
    """Wait until every durable consumer of the stack's streams has nothing left to take or
    to acknowledge (seen twice, 0.5 s apart); the seconds waited, said in a detail line.

    A phase measured while the services still work through what the previous one sent
    measures that work too: the end-to-end phase's low audits open 25 corrective actions each
    (15,000 events at the full size), which notifications works through for a minute or
    more after the last audit, on the cores the pages are measured on."""
    began = time.monotonic()
    bus = await nats.connect(running.stack.nats_url)
    try:
        js, quiet = bus.jetstream(), 0
        while quiet < 2:
            if time.monotonic() - began > within_s:
                raise RuntimeError(f"the stack still works after {within_s:.0f} s")
            left = 0
            # scoring's wards are durables of their own on its mirror of ASSESSMENT
            for stream in (ASSESSMENT, SCORING_ASSESSMENT, SCORING, NOTIFICATIONS):
                for consumer in await js.consumers_info(stream.name):
                    left += (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
            quiet = quiet + 1 if left == 0 else 0
            await asyncio.sleep(0.5)
    finally:
        await bus.close()
    waited = time.monotonic() - began
    say(f"after {after}: the stack's consumers drained in {waited:.1f} s")
    return waited


async def run(sizes: Sizes) -> dict[str, Any]:
    """Measure (see the module's docstring), each phase once the stack has worked through what
    the one before sent (:func:`drained`); the figures by name."""
    with (
        tempfile.TemporaryDirectory(prefix="ward5s-bench-stack-") as scratch,
        started(Path(scratch)) as running,
    ):
        figures: dict[str, Any] = {"submissions": await submissions(running, sizes.submissions)}
        await drained(running, "the submissions")
        figures["end_to_end"] = await end_to_end(running, sizes)
        await drained(running, "the end-to-end phase")
        figures["pages"] = await pages(running, sizes.page_loads)
        figures["memory"] = memory(running)
        return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.system")
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(QUICK if arguments.quick else FULL)), indent=1, default=str))


if __name__ == "__main__":
    main()
