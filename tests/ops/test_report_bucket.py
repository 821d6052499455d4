"""The period reports' bucket under the production NATS configuration (``infra/nats/``): the
admin user creates it with the streams, assessment's user writes a report's file, and
notifications' user reads it back checked against its digest but may not write there, nor read
the photo evidence (its other refusals are in ``test_nats_security.py``)."""

from __future__ import annotations

import nats
import pytest

from contracts.streams import EVIDENCE, REPORTS
from services.runtime.broker import inbox_prefix
from services.runtime.objects import Bucket, DigestMismatch, StoreUnavailable, sha256
from tests.conftest import WARD
from tests.ops.conftest import create_streams_as_admin, server_log
from tools.processes import NatsServer

pytestmark = [pytest.mark.nats]


async def connect(server: NatsServer, user: str, secrets: dict[str, str]) -> nats.NATS:
    return await nats.connect(
        server.url,
        user=user,
        password=secrets[f"WARD5S_{user.upper()}_NATS_PASSWORD"],
        inbox_prefix=inbox_prefix(user),
    )


async def test_assessment_writes_reports_and_notifications_only_reads_them(
    secured_nats: NatsServer, nats_secrets: dict[str, str]
) -> None:
    await create_streams_as_admin(secured_nats.url, nats_secrets)
    assessment = await connect(secured_nats, "assessment", nats_secrets)
    notifications = await connect(secured_nats, "notifications", nats_secrets)
    try:
        pdf = b"%PDF-1.7 " + bytes(range(256)) * 800  # 204 809 bytes: several chunks
        name = f"{WARD}/2026-10/{sha256(pdf)}.pdf"
        await Bucket(assessment.jetstream, REPORTS.name).put(name, pdf)
        assert "Violation" not in server_log(secured_nats)

        reader = Bucket(notifications.jetstream, REPORTS.name)
        assert await reader.get_checked(name, sha256(pdf)) == pdf
        with pytest.raises(DigestMismatch):
            await reader.get_checked(name, sha256(b"another file"))
        assert "Violation" not in server_log(secured_nats)

        with pytest.raises(StoreUnavailable):
            await reader.put(f"{WARD}/2026-10/forged.pdf", b"forged")
        with pytest.raises(StoreUnavailable):
            await Bucket(notifications.jetstream, EVIDENCE.name).get(f"{WARD}/e-1")
        assert "Violation" in server_log(secured_nats)
        assert await reader.get(f"{WARD}/2026-10/forged.pdf") is None
    finally:
        await assessment.close()
        await notifications.close()
