"""Background loops, written once: run a step for the life of the service.

:func:`run_forever` runs ``step`` again and again: after a step, at once if it says there is
more to do (returns True, e.g. a full batch), else after ``interval_s`` or as soon as ``wake``
is set (a :class:`~services.runtime.hooks.Bell` rung after a commit). A step that raises is
logged with its traceback and retried, waiting longer after each failure in a row (doubling,
up to ``max_backoff_s``), so a database that is down is not hammered and its recovery is picked
up. The loop ends when ``stop`` is set (checked between steps and during waits) or when its
task is cancelled (which also interrupts a step midway)::

    runtime.spawn(
        run_forever("outbox relay", relay.publish_once, interval_s=0.5, wake=relay.signal,
                    stop=runtime.stopping),
        "outbox-relay",
    )
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

#: Waits after failures in a row never grow past this (unless the interval itself is longer).
MAX_BACKOFF_S = 30.0

Step = Callable[[], Awaitable[bool | None]]


def backoff_s(interval_s: float, failures: int, max_backoff_s: float) -> float:
    """The wait after ``failures`` failures in a row: the interval, doubled for each failure
    after the first, capped at ``max_backoff_s`` (or the interval, if longer)."""
    if failures <= 1:
        return interval_s
    return min(interval_s * 2 ** (failures - 1), max(max_backoff_s, interval_s))


async def run_forever(
    name: str,
    step: Step,
    *,
    interval_s: float,
    stop: asyncio.Event | None = None,
    wake: asyncio.Event | None = None,
    max_backoff_s: float = MAX_BACKOFF_S,
) -> None:
    """Run ``step`` until ``stop`` is set or the task is cancelled; see the module's doc.

    ``name`` labels the log lines; ``interval_s`` is the wait after a step with nothing more
    to do; ``wake`` cuts a wait short (and is cleared once woken, so a wake that came during a
    step runs the next step at once)."""
    failures = 0
    while stop is None or not stop.is_set():
        try:
            more = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            failures += 1
            log.exception("%s failed (%d in a row); retrying", name, failures)
            more = False
        else:
            failures = 0
        if more:
            continue
        await _wait(backoff_s(interval_s, failures, max_backoff_s), stop, wake)


async def _wait(seconds: float, stop: asyncio.Event | None, wake: asyncio.Event | None) -> None:
    signals = [signal for signal in (stop, wake) if signal is not None]
    if not signals:
        await asyncio.sleep(seconds)
        return
    waiters = [asyncio.ensure_future(signal.wait()) for signal in signals]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.wait(waiters, return_when="FIRST_COMPLETED"), seconds)
    finally:
        for waiter in waiters:
            waiter.cancel()
    if wake is not None:
        wake.clear()
