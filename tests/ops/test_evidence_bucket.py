"""The photo evidence bucket under the production NATS configuration (``infra/nats/``): the
admin user creates it with the streams, and assessment's own user writes, overwrites and reads
photos in it without a single permission violation (that no other user may read or write it is
in ``test_nats_security.py``)."""

from __future__ import annotations

import pytest

from services.assessment.adapters.photo_store import PhotoStore
from tests.conftest import WARD
from tests.ops.conftest import connect_as, create_streams_as_admin, server_log
from tools.processes import NatsServer

pytestmark = [pytest.mark.nats]


async def test_assessment_keeps_photos_with_its_own_user(
    secured_nats: NatsServer, nats_secrets: dict[str, str]
) -> None:
    await create_streams_as_admin(secured_nats.url, nats_secrets)
    client = await connect_as(secured_nats.url, "assessment", nats_secrets)
    try:
        store = PhotoStore(client.jetstream)
        photo = bytes(range(256)) * 2_000  # 512 000 bytes: several chunks of the object store
        await store.put(WARD, "e-1", photo)
        assert await store.get(WARD, "e-1") == photo
        await store.put(WARD, "e-1", b"again")  # an overwrite purges the old chunks
        assert await store.get(WARD, "e-1") == b"again"
        assert await store.get(WARD, "e-2") is None
    finally:
        await client.close()
    assert "Violation" not in server_log(secured_nats)
