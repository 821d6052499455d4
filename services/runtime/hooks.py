"""After-commit callbacks and the bell that wakes background loops: the low-level half of the
unit of work (``services.runtime.uow``), apart so the outbox can use it too.

A commit that staged events wakes the outbox relay; one that queued deliveries wakes the
notifications scheduler; both register ``bell.ring`` with :func:`after_commit`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_AFTER_COMMIT = "ward5s.after_commit"


def after_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` (no arguments, quick, not async) once ``session``'s transaction has
    committed; dropped if it rolls back. Registering the same callback twice runs it once."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    callbacks: list[Callable[[], None]] = sync.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


@sa_event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, ()):
        try:
            callback()
        except Exception:  # the commit stands; a callback's failure is only logged
            log.exception("after-commit callback %r failed", callback)


@sa_event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


class Bell:
    """Wakes the background loops that wait on it, typically rung after a commit.

    A loop takes its own signal with :meth:`listener` and waits on it (``jobs.run_forever(...,
    wake=signal)``); ``ring`` sets every live listener's signal. Listeners are held weakly, so
    a stopped loop needs no unsubscribing. Usage::

        QUEUED = Bell()
        after_commit(session, QUEUED.ring)   # in the handler that queued work
    """

    def __init__(self) -> None:
        self._listeners: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()

    def listener(self) -> asyncio.Event:
        signal = asyncio.Event()
        self._listeners.add(signal)
        return signal

    def ring(self) -> None:
        for signal in list(self._listeners):
            signal.set()
