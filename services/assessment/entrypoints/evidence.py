"""Photo evidence over HTTP: ``POST /v1/evidence`` takes a photo as the raw body (its type is
read from its bytes, not from ``Content-Type``), read with a cap so a larger one is refused
before it is all in memory, cleaned (``domain/photos.py``, in a worker thread, a few at a time)
and handed to the command pipeline; ``GET /v1/evidence/{id}`` serves it to whoever may read the
audit that cites it."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from contracts.roles import PERSON_ROLES
from services.assessment import views
from services.assessment.adapters.photo_store import PhotoStore
from services.assessment.domain.photos import JPEG, PNG, WEBP, CleanPhoto, clean_photo
from services.assessment.entrypoints.deps import SUBMISSION_ERRORS, Sessions, submissions_of
from services.assessment.handlers.evidence import EvidenceUpload
from services.assessment.handlers.seats import current_principal
from services.runtime.auth import Principal
from services.runtime.http import Caller, IdempotencyKey, app_state, error_responses, require
from services.runtime.refusals import Kind, Refusal, found

router = APIRouter(tags=["evidence"])

PATH = "/v1/evidence"
#: Photos decoded at once by one instance: each may take a hundred megabytes while it is.
_DECODING = asyncio.Semaphore(2)
#: Refused by the token's role before a byte of the body is read (the pipeline checks the seat):
#: people (an auditor for an audit, an action's owner for closing it), never a device.
Uploader = Annotated[Principal, Depends(require(*PERSON_ROLES))]
IMAGE_TYPES = (JPEG, PNG, WEBP)
EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp"}
BINARY = {"schema": {"type": "string", "format": "binary"}}


photo_store: Callable[[Request], PhotoStore] = app_state("photos")


async def read_capped(request: Request, limit: int) -> bytes:
    """The request's body, refused (413 ``too_large``, field ``photo``) as soon as it is known to
    exceed ``limit`` bytes: by its ``Content-Length``, or while it streams in."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise Refusal(Kind.TOO_LARGE, "too_large", "photo", limit=limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refusal(Kind.TOO_LARGE, "too_large", "photo", limit=limit)
    return bytes(body)


@router.post(
    "/evidence",
    status_code=201,
    responses=error_responses(*SUBMISSION_ERRORS, 415),
    summary="Upload a photo as evidence for one's audits or for closing a corrective action "
    "(tải ảnh minh chứng)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES
            },
        }
    },
)
async def upload_evidence(
    request: Request, caller: Uploader, db: Sessions, key: IdempotencyKey = None
) -> JSONResponse:
    """The photo is the body: JPEG, PNG or WebP (told by its bytes), at most 10 MB and 24
    million pixels (the policy's). It is kept re-encoded, without its metadata (GPS position,
    camera, owner). Answers ``{"evidence_id", "content_type", "size", "width", "height"}``;
    an audit item cites the id in ``evidence_ids``, the closing of a corrective action in
    ``evidence``."""
    submissions = submissions_of(request)
    # A person of the ward's org chart (403 otherwise) before a byte is read or decoded: any
    # person's role may upload, so the role alone no longer keeps strangers' bodies out.
    async with db() as session:
        await current_principal(session, caller)
    data = await read_capped(request, submissions.policy.evidence_max_bytes)
    async with _DECODING:
        photo: CleanPhoto = await asyncio.to_thread(clean_photo, data, submissions.policy)
    upload = EvidenceUpload.of(hashlib.sha256(data).hexdigest(), photo)
    status, answer = await submissions.execute(caller, upload, key)
    return JSONResponse(answer, status_code=status)


@router.get(
    "/evidence/{evidence_id}",
    response_class=Response,
    responses={
        200: {"content": {kind: {} for kind in IMAGE_TYPES}, "description": "The photo"},
        **error_responses(404),
    },
    summary="A photo of evidence, to those who may read the audit that cites it",
)
async def get_evidence(
    request: Request, caller: Caller, db: Sessions, evidence_id: uuid.UUID
) -> Response:
    """Its uploader, and once an audit cites it, whoever may read that audit; 404 for anyone
    else. Kept private to the browser that asked (``Cache-Control: private``)."""
    async with db() as session:
        row = await views.evidence_row(session, caller, str(evidence_id))
    data = found(
        await photo_store(request).get(caller.ward, row.evidence_id),
        "unknown_evidence",
        "evidence_id",
    )
    name = f"{row.evidence_id}.{EXTENSIONS[row.content_type]}"
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )
