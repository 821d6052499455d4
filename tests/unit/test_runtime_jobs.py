"""The one run-forever loop of background jobs: its pace, its wake-up, its stop, its backoff."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from services.runtime.jobs import backoff_s, run_forever


def test_backoff_doubles_after_each_failure_in_a_row_up_to_the_cap() -> None:
    assert [backoff_s(0.5, n, 30.0) for n in range(9)] == [
        0.5, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0,
    ]  # fmt: skip
    assert backoff_s(300.0, 5, 30.0) == 300.0  # never shorter than the interval


async def test_full_batches_run_at_once_then_the_loop_waits_and_stops() -> None:
    stop = asyncio.Event()
    calls: list[int] = []

    async def step() -> bool:
        calls.append(len(calls))
        if len(calls) == 4:
            stop.set()
        return len(calls) < 3  # two full batches, then short ones

    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(run_forever("test", step, interval_s=0.2, stop=stop), 5)
    elapsed = asyncio.get_running_loop().time() - started
    assert calls == [0, 1, 2, 3]
    assert 0.15 < elapsed < 1.0  # one wait, after the third (short) step; none after the stop


async def test_a_wake_cuts_the_wait_short() -> None:
    stop, wake = asyncio.Event(), asyncio.Event()
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            stop.set()

    loop = asyncio.get_running_loop()
    task = asyncio.create_task(run_forever("test", step, interval_s=60, stop=stop, wake=wake))
    await asyncio.sleep(0.05)
    assert calls == 1
    started = loop.time()
    wake.set()
    await asyncio.wait_for(task, 5)
    assert calls == 2 and loop.time() - started < 1.0
    assert not wake.is_set()  # cleared once woken


async def test_a_failing_step_is_logged_and_retried_with_backoff(caplog) -> None:
    stop = asyncio.Event()
    moments: list[float] = []
    loop = asyncio.get_running_loop()

    async def step() -> None:
        moments.append(loop.time())
        if len(moments) == 4:
            stop.set()
            return
        raise ConnectionError("database down")

    with caplog.at_level(logging.ERROR, logger="services.runtime.jobs"):
        await asyncio.wait_for(run_forever("flaky", step, interval_s=0.05, stop=stop), 5)
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert len(gaps) == 3
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09 and gaps[2] >= 0.19  # 0.05, 0.1, 0.2
    failures = [r for r in caplog.records if "flaky failed" in r.getMessage()]
    assert [r.getMessage() for r in failures] == [
        f"flaky failed ({n} in a row); retrying" for n in (1, 2, 3)
    ]
    assert all(r.exc_info and r.exc_info[0] is ConnectionError for r in failures)


async def test_cancelling_interrupts_a_step() -> None:
    entered = asyncio.Event()

    async def step() -> None:
        entered.set()
        await asyncio.sleep(60)

    task = asyncio.create_task(run_forever("test", step, interval_s=1))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
