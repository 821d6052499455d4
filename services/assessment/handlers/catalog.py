"""Catalogue versions: stored once, immutable once stored."""

from __future__ import annotations

from contracts.catalog import Catalog
from services.assessment.adapters import catalogs
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork


async def ensure_catalog(uow: UnitOfWork, catalog: Catalog, current: bool = True) -> bool:
    """Store a catalogue version if it is new (``current``: it becomes the one submissions
    default to); returns whether it was. A version is immutable: a different body under a
    stored version is refused (409 ``catalog_version_exists``)."""
    body = catalog.model_dump(mode="json", by_alias=True)
    stored = await catalogs.stored_body(uow.session, catalog.version)
    if stored is not None:
        if stored != body:
            raise Refusal(
                Kind.CONFLICT, "catalog_version_exists", "version", version=catalog.version
            )
        return False
    await catalogs.insert(uow.session, catalog.version, body, uow.now, current)
    return True
