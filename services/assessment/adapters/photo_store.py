"""Where photo evidence is kept: the deployment's JetStream object store bucket
(``contracts.streams.EVIDENCE``, created with the streams), one object per photo named
``<ward>/<evidence id>``. Only the clean, re-encoded copy is ever put here; who may read it is
the database's business (``adapters/evidence.py``), never the bucket's."""

from __future__ import annotations

from collections.abc import Callable

from nats.js import JetStreamContext

from contracts.streams import EVIDENCE
from services.runtime.objects import Bucket, StoreUnavailable
from services.runtime.refusals import Kind, Refusal


def object_name(ward: str, evidence_id: str) -> str:
    """The object of a photo: ``<ward>/<evidence id>`` (one bucket, keyed by ward)."""
    return f"{ward}/{evidence_id}"


class PhotoStore:
    """The evidence bucket, reached through the service's JetStream context (``jetstream()``,
    asked at each use: the bus connects after the app is built). Failures of the bus are
    refused as 503 ``evidence_store_unavailable`` (the client may retry), never a 500."""

    def __init__(self, jetstream: Callable[[], JetStreamContext], bucket: str = EVIDENCE.name):
        self._bucket = Bucket(jetstream, bucket)

    async def put(self, ward: str, evidence_id: str, data: bytes) -> None:
        """Keep ``data`` as the photo ``evidence_id`` of ``ward``."""
        try:
            await self._bucket.put(object_name(ward, evidence_id), data)
        except StoreUnavailable:
            raise Refusal(Kind.UNAVAILABLE, "evidence_store_unavailable") from None

    async def get(self, ward: str, evidence_id: str) -> bytes | None:
        """The bytes of the photo ``evidence_id`` of ``ward``; None if the bucket has none."""
        try:
            return await self._bucket.get(object_name(ward, evidence_id))
        except StoreUnavailable:
            raise Refusal(Kind.UNAVAILABLE, "evidence_store_unavailable") from None
