"""The committee's report mails and their files, on an in-memory SQLite database (fast tier):
a version 2 event names the files in the REPORTS bucket and each is checked against its digest
when fetched; a version 1 event (the files inline, as the previous release published it) is
still read and mailed with its own bytes; a corrected revision is a mail of its own. The real
bucket and NATS users: tests/ops/test_report_bucket.py; the whole path:
tests/e2e/test_period_report_mail.py."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from contracts.envelope import SYSTEM
from contracts.events import PeriodReportIssued, parse_event
from services.notifications.adapters import reports
from services.notifications.adapters.channels import Unavailable
from services.notifications.adapters.tables import metadata, report_mails
from services.notifications.handlers.report_mail import fetch_files
from services.runtime.db import SessionFactory
from services.runtime.objects import Bucket, DigestMismatch, sha256
from services.runtime.uow import in_memory
from tests.conftest import WARD
from tests.notifications.harness import local, org_chart
from tests.notifications.test_handlers import feed, report_issued

PDF = b"%PDF-1.7 the report"


class MemoryBucket(Bucket):
    """A bucket in memory, for the digest's rule alone."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        super().__init__(lambda: None, "REPORTS")  # type: ignore[arg-type,return-value]
        self.objects = objects

    async def get(self, key: str) -> bytes | None:
        return self.objects.get(key)


@pytest.fixture
async def sessions() -> AsyncIterator[SessionFactory]:
    async with in_memory(metadata) as made:
        yield made


async def mails(sessions: SessionFactory) -> list:
    """Each queued mail as the sending pass reads it."""
    async with sessions() as session:
        keys = (
            await session.execute(
                select(report_mails.c.ward, report_mails.c.period, report_mails.c.revision)
                .add_columns(report_mails.c.recipient_id)
                .order_by(report_mails.c.revision, report_mails.c.recipient_id)
            )
        ).all()
        return [await reports.mail_to_send(session, dict(k._mapping)) for k in keys]


async def test_a_file_is_attached_only_as_the_event_named_it(sessions: SessionFactory) -> None:
    await feed(sessions, local(2026, 3, 10, 9), org_chart(), report_issued())
    (first, _) = await mails(sessions)
    (named,) = first.files
    key = named.object_name
    good = MemoryBucket({key: PDF})
    # The event of the helper names a digest of zeros: the stored bytes are not it.
    with pytest.raises(DigestMismatch):
        await fetch_files(good, first.files)
    right = named.model_copy(update={"sha256": sha256(PDF), "size": len(PDF)})
    (attached,) = await fetch_files(good, [right])
    assert (attached.name, attached.content) == ("bao-cao-5s-2026-02.pdf", PDF)
    with pytest.raises(DigestMismatch):  # changed in the bucket since it was issued
        await fetch_files(MemoryBucket({key: PDF + b"!"}), [right])
    with pytest.raises(DigestMismatch):  # gone
        await fetch_files(MemoryBucket({}), [right])
    with pytest.raises(Unavailable):  # no bucket yet: the mail waits
        await fetch_files(None, [right])


async def test_a_version_1_report_is_still_mailed_with_the_bytes_it_carried(
    sessions: SessionFactory,
) -> None:
    v1 = json.loads(report_issued().model_dump_json())
    v1["schema_version"] = 1
    v1["data"].pop("revision")
    v1["data"]["files"] = [
        {
            "name": "bao-cao-5s-2026-02.pdf",
            "media_type": "application/pdf",
            "content": base64.b64encode(PDF).decode(),
        }
    ]
    event = parse_event(json.dumps(v1))
    assert isinstance(event, PeriodReportIssued) and event.schema_version == 1
    await feed(sessions, local(2026, 3, 10, 9), org_chart(), event)
    queued = await mails(sessions)
    assert [(m.recipient_id, m.revision) for m in queued] == [("p001", 1), ("p002", 1)]
    (attached,) = await fetch_files(None, queued[0].files)  # no bucket needed
    assert attached.content == PDF


async def test_a_corrected_revision_is_mailed_once_more_to_each(sessions: SessionFactory) -> None:
    first = report_issued()
    revised = first.data.model_copy(update={"revision": 2})
    corrected = PeriodReportIssued(
        ward=WARD, occurred_at=first.occurred_at, actor=SYSTEM, data=revised
    )
    at = local(2026, 3, 10, 9)
    await feed(sessions, at, org_chart(), first, corrected)
    await feed(sessions, at, corrected)  # redelivered
    queued = await mails(sessions)
    assert [(m.recipient_id, m.revision) for m in queued] == [
        ("p001", 1),
        ("p002", 1),
        ("p001", 2),
        ("p002", 2),
    ]
