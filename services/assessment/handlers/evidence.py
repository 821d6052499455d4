"""Photo evidence of audits: an auditor uploads a photo (cleaned at the edge by
``domain/photos.py``), kept in the deployment's object store with its row here; an audit's
items cite photos by id; who may see a photo follows the audit that cites it
(``views/evidence.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, PrivateAttr
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import evidence
from services.assessment.adapters.photo_store import PhotoStore
from services.assessment.domain.audits import ItemInput
from services.assessment.domain.photos import CleanPhoto
from services.assessment.handlers.common import Context
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork


class EvidenceUpload(BaseModel):
    """An uploaded photo, cleaned at the edge, as a command (HTTP only). ``digest`` is the
    SHA-256 of the bytes as uploaded: what the idempotency record compares, so a retry of the
    same upload with the same key gets the first answer; the clean copy travels beside it."""

    digest: str
    _photo: CleanPhoto | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, digest: str, photo: CleanPhoto) -> EvidenceUpload:
        upload = cls(digest=digest)
        upload._photo = photo
        return upload

    @property
    def photo(self) -> CleanPhoto:
        if self._photo is None:
            raise RuntimeError("an upload is made with EvidenceUpload.of")
        return self._photo


async def store_photo(
    uow: UnitOfWork, context: Context, photo: CleanPhoto, store: PhotoStore
) -> dict[str, Any]:
    """Keep ``photo`` as the caller's evidence in their ward: its row, and its bytes in the
    object store as ``<ward>/<evidence id>`` before the row commits (a failure of the store
    refuses the upload and leaves no row; a failure of the commit after it leaves an object no
    row names, which nobody can read). Answers ``{"evidence_id", "content_type", "size",
    "width", "height"}`` (bytes, pixels). Errors: 503 ``evidence_store_unavailable``."""
    evidence_id = str(uuid.uuid4())
    ward, uploader = context.ward, context.principal.subject_id
    await evidence.insert(uow.session, evidence_id, ward, uploader, photo, context.now)
    await store.put(ward, evidence_id, photo.data)
    return {
        "evidence_id": evidence_id,
        "content_type": photo.content_type,
        "size": len(photo.data),
        "width": photo.width,
        "height": photo.height,
    }


async def cite_evidence(
    session: AsyncSession,
    context: Context,
    audit_id: uuid.UUID,
    unit_id: str,
    items: Sequence[ItemInput],
) -> None:
    """Let the audit ``audit_id`` of ``unit_id`` cite the photos its items name
    (``ItemInput.evidence_ids``): each one uploaded in the caller's ward by the caller, and cited
    by no other audit. From then on whoever may read the audit may see them.

    Errors (field ``items[i].evidence_ids[j]``): 422 ``unknown_evidence`` (no such photo of the
    caller's in the ward: another person's photo is not told apart from none); 409
    ``evidence_of_another_audit``."""
    cited = {
        f"items[{index}].evidence_ids[{position}]": str(evidence_id)
        for index, item in enumerate(items)
        for position, evidence_id in enumerate(item.evidence_ids)
    }
    await cite_photos(session, context, audit_id, unit_id, cited)


async def cite_photos(
    session: AsyncSession,
    context: Context,
    audit_id: uuid.UUID,
    unit_id: str,
    cited: dict[str, str],
) -> None:
    """Let the audit ``audit_id`` of ``unit_id`` cite the photos ``cited`` names (the body's
    field -> evidence id): an audit's items, or the closing of one of its corrective actions
    (whose photos are then seen by whoever may read the audit). Each photo uploaded in the
    caller's ward by the caller and cited by no other audit. Errors (the field): 422
    ``unknown_evidence``, 409 ``evidence_of_another_audit``."""
    if not cited:
        return
    rows = await evidence.of_ids(session, context.ward, set(cited.values()))
    for field, evidence_id in cited.items():
        row = rows.get(evidence_id)
        if row is None or row.uploaded_by != context.principal.subject_id:
            raise Refusal(Kind.INVALID, "unknown_evidence", field)
        if row.audit_id not in (None, str(audit_id)):
            raise Refusal(Kind.CONFLICT, "evidence_of_another_audit", field)
    await evidence.cite(session, context.ward, set(cited.values()), str(audit_id), unit_id)
