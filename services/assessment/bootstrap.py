"""The composition root of the assessment service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts.catalog import default_catalog
from services.assessment import handlers
from services.assessment.adapters.tables import metadata, plumbing
from services.assessment.entrypoints import http
from services.runtime.db import transaction
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, load_settings

NAME = "assessment"
MIGRATIONS = Path(__file__).parent / "migrations"


def settings() -> ServiceSettings:
    return load_settings(ServiceSettings, NAME, http_port=8001)


def build_runtime(config: ServiceSettings | None = None) -> Runtime:
    runtime = Runtime(config or settings(), metadata, plumbing, MIGRATIONS)

    async def install_default_catalog() -> None:
        async with transaction(runtime.sessions) as session:
            await handlers.ensure_catalog(session, default_catalog())

    runtime.on_start(install_default_catalog)
    return runtime


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    runtime = build_runtime(config)
    return runtime.http_app(
        title="ward5s assessment",
        description="The system of record of the 5S+ programme: organisation, criteria, audits, "
        "self-assessments, citizen feedback, task results and periods.",
        routers=[http.router],
    )
