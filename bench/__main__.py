"""``python -m bench [--size quick|full|tiny] [--events N]``: measure the whole system and print
one table, each figure beside its baseline measured in the same run, and the ratio (see
``bench/README.md`` for each row). ``make bench`` runs the full size, ``make bench QUICK=1`` the
quick one (under three minutes on a quiet machine); the test of ``make test`` the tiny one.

``python -m bench <name> [options]`` runs one benchmark alone with its own options and detail
(``python -m bench.<name> --help``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import notifications, scoring, system
from bench.table import Row, render, say

BENCHMARKS = ("assessment", "scoring", "notifications", "system", "profile")


@dataclass(frozen=True)
class Size:
    events: int  # audits on the stream for scoring's rows
    queries: int  # unit score questions timed on each side
    emails: int  # low scores sent to the mailbox, one at a time
    stack: system.Sizes


SIZES = {
    "tiny": Size(300, 40, 5, system.Sizes(submissions=8, rate=2, seconds=2, page_loads=3)),
    "quick": Size(5_000, 200, 30, system.QUICK),
    "full": Size(100_000, 1000, 200, system.FULL),
}


def ms(value: float) -> str:
    return f"{value:,.1f} ms"


def rows(figures: dict[str, Any], events: int) -> list[Row]:
    """The table's rows from the benchmarks' figures (``measure`` names are fixed: the test of
    ``make test`` looks for each)."""
    s, stack = figures["scoring"], figures["system"]
    raw, service = s["raw"], s["service"]
    submitted, e2e = stack["submissions"], stack["end_to_end"]
    floor, mail = figures["notifications"]
    p50, p99 = system.percentile, system.percentile
    out = [
        Row(
            f"scoring applied+committed, {events:,} audits, {s['instances']} processes",
            f"{service.per_second:,.0f} ev/s",
            f"{raw.per_second:,.0f} ev/s raw nats-py fetch+ack",
            service.per_second / raw.per_second,
            "≥ 0.7",
            service.per_second / raw.per_second >= 0.7,
        ),
        Row(
            "scoring CPU per event, all processes",
            f"{sum(service.cpu_us.values()):,.0f} µs",
            f"{sum(raw.cpu_us.values()):,.0f} µs raw fetch+ack",
            sum(service.cpu_us.values()) / sum(raw.cpu_us.values()),
            f"≤ {s['budget_us']:,.0f} µs for 0.7",
        ),
        Row(
            "event decoding per event (hot path)",
            f"{s['decoding_us']:,.1f} µs",
            f"{s['parsing_us']:,.1f} µs pydantic contract",
            s["decoding_us"] / s["parsing_us"],
        ),
        Row(
            "audit submission, 25 items, per second",
            f"{submitted['rate']:,.0f} /s",
            f"{submitted['bare_rate']:,.0f} /s bare /healthz",
            submitted["rate"] / submitted["bare_rate"],
            "≥ 0.5",
            submitted["rate"] / submitted["bare_rate"] >= 0.5,
        ),
        Row(
            "audit submission p50 / p99",
            f"{p50(submitted['posted'], 0.5):,.0f} / {p99(submitted['posted'], 0.99):,.0f} ms",
            f"{p50(submitted['bare'], 0.5):,.0f} / {p99(submitted['bare'], 0.99):,.0f} ms",
            p99(submitted["posted"], 0.99) / p99(submitted["bare"], 0.99),
        ),
        Row(
            f"submit → figure in scoring API at {e2e['rate']:g}/s, p50 / p99",
            f"{p50(e2e['visible'], 0.5):,.0f} / {p99(e2e['visible'], 0.99):,.0f} ms",
            f"{p50(e2e['answered'], 0.5):,.0f} / {p99(e2e['answered'], 0.99):,.0f} ms answer",
            p99(e2e["visible"], 0.99) / p99(e2e["answered"], 0.99),
            "p99 < 250 ms",
            p99(e2e["visible"], 0.99) < 250,
        ),
        Row(
            "low score → e-mail accepted by SMTP, p50 / p99",
            f"{mail['p50']:,.0f} / {mail['p99']:,.0f} ms",
            f"{floor['p50']:,.0f} / {floor['p99']:,.0f} ms bare consumer + send",
            mail["p99"] / floor["p99"],
            "p99 < 1000 ms",
            mail["p99"] < 1000,
        ),
    ]
    rebuild = s["rebuild"]
    read_s = events / raw.per_second
    out += [
        Row(
            f"rebuild of {rebuild['events']:,} events, time",
            f"{rebuild['seconds']:,.1f} s",
            f"{read_s:,.1f} s raw read of the stream",
            rebuild["seconds"] / read_s,
            "< 60 s at 1,000,000",
        ),
        Row(
            "rebuild, peak memory",
            f"{rebuild['peak_memory_mb']:,.0f} MiB",
            f"{s['service_peak_mb']:,.0f} MiB live scoring process",
            rebuild["peak_memory_mb"] / s["service_peak_mb"],
            "< 1 GiB",
            rebuild["peak_memory_mb"] < 1024,
        ),
        Row(
            "rebuild = live projection",
            "equal" if s["rebuild_equal"] else "DIFFERENT",
            "live projection",
            None,
            "equal",
            bool(s["rebuild_equal"]),
        ),
        Row(
            "unit score query p99",
            ms(s["query_p99_ms"]),
            f"{ms(s['group_by_p99_ms'])} GROUP BY over {s['item_rows']:,} items",
            s["group_by_p99_ms"] / s["query_p99_ms"],
            "≥ 100× and < 5 ms",
            s["group_by_p99_ms"] / s["query_p99_ms"] >= 100 and s["query_p99_ms"] < 5,
        ),
    ]
    out.append(
        Row(
            f"peak RSS, scoring (live, {events:,} audits)",
            f"{s['service_peak_mb']:,.0f} MiB",
            f"{s['service_bare_mb']:,.0f} MiB its code imported",
            s["service_peak_mb"] / s["service_bare_mb"],
            "< 150 MB",
            s["service_peak_mb"] * 1.048576 < 150,
        )
    )
    pages = stack["pages"]
    for name in system.PAGES:
        page = pages[name]
        out.append(
            Row(
                f"web page {name}: TTFB p95, weight",
                f"{ms(page['p95'])}, {page['bytes'] / 1024:,.0f} KiB",
                f"{ms(pages['healthz'])} bare /healthz",
                page["p95"] / pages["healthz"],
                "< 300 ms",
                page["p95"] < 300,
            )
        )
    for name, (peak, bare) in stack["memory"].items():
        out.append(
            Row(
                f"peak RSS, {name}",
                f"{peak:,.0f} MiB",
                f"{bare:,.0f} MiB its code imported",
                peak / bare,
                "< 150 MB",
                peak * 1.048576 < 150,
            )
        )
    return out


#: The measures every run prints (the start of each row's name), in order.
MEASURES = (
    "scoring applied+committed",
    "scoring CPU per event",
    "event decoding per event",
    "audit submission, 25 items",
    "audit submission p50",
    "submit → figure in scoring API",
    "low score → e-mail",
    "rebuild of",
    "rebuild, peak memory",
    "rebuild = live",
    "unit score query p99",
    "peak RSS, scoring (live",
    "web page sign-in",
    "web page checklist",
    "web page board",
    "peak RSS, assessment",
    "peak RSS, scoring",
    "peak RSS, notifications",
    "peak RSS, web",
)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo", encoding="utf-8")  # noqa: SIM115
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{len(os.sched_getaffinity(0))} cores ({cpu}), load average {load} at the start, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def table(size_name: str, events: int | None) -> str:
    size = SIZES[size_name]
    count = events or size.events
    where = machine()
    say(f"== scoring ({count:,} audits)")
    figures: dict[str, Any] = {
        "scoring": asyncio.run(scoring.run(scoring.Setup(events=count, queries=size.queries)))
    }
    say("== notifications")
    figures["notifications"] = asyncio.run(notifications.run(size.emails, 5))
    say("== the stack")
    figures["system"] = asyncio.run(system.run(size.stack))
    command = "make bench" + {"quick": " QUICK=1", "full": "", "tiny": " (tiny)"}[size_name]
    if events:
        command = f"python -m bench --size {size_name} --events {events}"
    return render(rows(figures, count), f"`{command}` on {where}")


def compiled() -> None:
    """Compile the project's sources to bytecode before any process starts, as an installed
    service has them: a process importing a source newer than its bytecode compiles it, and
    with ``PYTHONDONTWRITEBYTECODE`` every process does it again at each start, so the peak
    resident memory rows measured the compiler (assessment's code imported: 172 MiB at its
    peak from stale bytecode, 126 MiB compiled)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *COMPILED],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        stdout=subprocess.DEVNULL,
    )


#: The project's code the bench's processes import.
COMPILED = ("services", "contracts", "tools", "bench", "tests/support")


def main() -> None:
    compiled()
    if len(sys.argv) > 1 and sys.argv[1] in BENCHMARKS:
        importlib.import_module(f"bench.{sys.argv[1]}").main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench")
    # ``make bench QUICK=1``: make puts the command line's variables in the recipe's environment.
    default = "quick" if os.environ.get("QUICK") not in (None, "", "0") else "full"
    parser.add_argument("--size", choices=list(SIZES), default=default)
    parser.add_argument("--events", type=int, default=None, help="audits for scoring's rows")
    arguments = parser.parse_args()
    print(table(arguments.size, arguments.events), flush=True)


if __name__ == "__main__":
    main()
