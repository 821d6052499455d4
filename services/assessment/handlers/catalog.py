"""Catalogue versions: stored once, immutable once stored."""

from __future__ import annotations

from contracts.catalog import (
    DEFAULT_CATALOG_VERSION,
    Catalog,
    shipped_catalog,
    shipped_versions,
)
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


async def install_shipped_catalogs(uow: UnitOfWork) -> list[str]:
    """Store every catalogue version shipped with ward5s that is not stored yet (older ones stay
    valid for the audits scored against them); returns the versions stored. The shipped default
    becomes current when it is new, unless the current version is one an administrator
    published (not shipped): their choice stands until they publish another."""
    shipped = shipped_versions()
    current = await catalogs.stored_body(uow.session, None)
    admins_own = current is not None and current.get("version") not in shipped
    stored = []
    for version in shipped:
        make_current = version == DEFAULT_CATALOG_VERSION and not admins_own
        if await ensure_catalog(uow, shipped_catalog(version), current=make_current):
            stored.append(version)
    return stored
