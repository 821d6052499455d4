"""What the benchmarks that run a service inside their own process share."""

from __future__ import annotations

from typing import Any, TypeVar

from services.runtime.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def in_process(kind: type[S], service: str, nats_url: str, database_url: str, **more: Any) -> S:
    """The settings (``kind``) of ``service`` run in the benchmark's process: a test stack, no
    HTTP port of its own, on the benchmark's bus and database; ``more`` besides."""
    return kind(
        service=service,
        environment="test",
        http_port=0,
        nats_url=nats_url,
        database_url=database_url,
        **more,
    )
