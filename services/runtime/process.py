"""The operating-system process a service runs as: its logging, its garbage collector and the
HTTP server whose lifespan starts and stops the service's :class:`~services.runtime.service.Runtime`
(``python -m services.<name>``, through ``services.runtime.cli``)."""

from __future__ import annotations

import asyncio
import gc
import logging

import uvicorn
from fastapi import FastAPI

from services.runtime import scrub
from services.runtime.settings import ServiceSettings


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, every traceback scrubbed of the data it was about
    (``services.runtime.scrub``)."""
    scrub.install()
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


#: Objects allocated (net) before the youngest generation is collected; CPython's default is 700.
GC_YOUNG_THRESHOLD = 100_000


def tune_garbage_collector(applies_events: bool = True) -> None:
    """Collect cycles less often where batches of events are applied, and never walk what
    start-up made.

    A consumer holds a batch of events (thousands of small objects each) while it applies it; at
    CPython's default thresholds the collector runs every few events and walks the whole batch
    again each time, which took a third of the consumer's time. A process that only answers
    requests (assessment, web: ``applies_events`` False) holds no batch, and keeps CPython's
    thresholds: at 100,000 its requests' cyclic garbage waited for the collector, and
    assessment's resident memory grew from 130 to 163 MiB over 1,000 audits posted (140 at
    CPython's). The objects made by start-up (modules, schemas, tables) live as long as the
    process: frozen, they are never walked."""
    if applies_events:
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    gc.freeze()


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn runs the lifespan that starts and stops the rest."""
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    runtime = getattr(app.state, "runtime", None)
    tune_garbage_collector(runtime is None or runtime.applies_events)
    asyncio.run(server.serve())
