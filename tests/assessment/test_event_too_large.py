"""An event longer than the bus carries is refused before it is taken (issue 21, item 2): an
org chart of thousands of people with long names makes one ``assessment.org.published`` event
over NATS's ``max_payload``; taken, it could never be published and the outbox relay, which
publishes in order, would stop at it with everything staged after it. It is refused with 413
``event_too_large`` (nothing stored), and the next submission is published as usual. Real
NATS."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, insert, select

from contracts import intake as schemas
from contracts.common import Text
from contracts.roles import Role
from services.assessment.adapters.tables import people
from services.assessment.bootstrap import build_runtime
from services.assessment.demo.loader import load_org
from services.assessment.domain.org import OrgRow
from services.assessment.handlers.admin_commands import OrgChartUpload
from services.runtime.auth import Principal
from services.runtime.clock import wall
from services.runtime.poison import MAX_EVENT_BYTES
from services.runtime.refusals import Refusal
from tests.assessment.conftest import read_stream, service_settings
from tests.support.bus import drained, unpublished
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

ADMIN = Principal("p006", "binh-dong", Role.ADMIN, "vp")
KIOSK = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")
OFFICE = Text(vi="Văn phòng HĐND và UBND", en="Office")


def chart(count: int) -> tuple[OrgRow, ...]:
    """The ward's chairman and admin, and ``count`` staff with long names and addresses."""
    return (
        OrgRow("p001", "Trần Quốc Khải", "p001@binhdong.example.vn", Role.CHAIRMAN, "vp", OFFICE),
        OrgRow("p006", "Huỳnh Gia Bảo", "p006@binhdong.example.vn", Role.ADMIN, "vp", OFFICE),
        *(
            OrgRow(
                f"s{n:05d}",
                f"Nguyễn Thị Ánh Tuyết Hoàng Phương Thảo {n}",
                f"nguyen.thi.anh.tuyet.hoang.phuong.thao.{n:05d}@binhdong.example.vn",
                Role.STAFF,
                "vp",
                OFFICE,
            )
            for n in range(count)
        ),
    )


async def test_an_event_over_the_bus_limit_is_refused_and_the_relay_goes_on(
    nats_server, tmp_path: Path
) -> None:
    runtime, submissions = build_runtime(
        service_settings(nats_server.url, f"sqlite+aiosqlite:///{tmp_path}/a.db")
    )
    await runtime.migrate()
    await load_org(runtime.sessions)
    async with runtime.sessions() as session:
        demo_people = await session.scalar(select(func.count()).select_from(people))
    client = await nats.connect(nats_server.url)
    await runtime.start()
    try:
        await eventually(partial(drained, runtime), within=20)
        upload = OrgChartUpload(rows=chart(4500), reason="sáp nhập phường")
        with pytest.raises(Refusal) as refused:
            await submissions.execute(ADMIN, upload)
        assert refused.value.status == 413
        assert refused.value.body("en")["error"] == {
            "code": "event_too_large",
            "message": "Not recorded: the event it makes is too large for the event bus "
            f"(at most {MAX_EVENT_BYTES} bytes). Send the data in smaller parts.",
            "field": None,
        }
        assert "quá lớn" in refused.value.body("vi")["error"]["message"]
        async with runtime.sessions() as session:  # nothing of it stored
            assert await session.scalar(select(func.count()).select_from(people)) == demo_people

        status, taken = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=4)
        )
        assert status == 201
        await eventually(partial(drained, runtime), within=20)
        assert taken["feedback_id"] in {
            m["event"]["data"].get("feedback_id") for m in await read_stream(client)
        }
    finally:
        await runtime.stop()
        await client.close()


async def test_an_oversized_event_staged_earlier_does_not_hold_up_the_others(
    nats_server, tmp_path: Path
) -> None:
    """One staged before events were measured (by an earlier release) fails alone, retried;
    those staged after it are published."""
    runtime, submissions = build_runtime(
        service_settings(nats_server.url, f"sqlite+aiosqlite:///{tmp_path}/a.db")
    )
    await runtime.migrate()
    await load_org(runtime.sessions)
    outbox = runtime.plumbing.outbox
    async with runtime.sessions.begin() as session:
        await session.execute(
            insert(outbox).values(
                event_id=str(uuid.uuid4()),
                subject="ward5s.binh-dong.assessment.org.published",
                payload=b"{" + b" " * (MAX_EVENT_BYTES + 10) + b"}",
                created_at=wall(),  # the outbox rows staged beside it are dated by it
                attempts=0,
            )
        )
    client = await nats.connect(nats_server.url)
    await runtime.start()
    try:
        status, taken = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=4)
        )
        assert status == 201

        async def published() -> bool:
            return taken["feedback_id"] in {
                m["event"]["data"].get("feedback_id") for m in await read_stream(client)
            }

        assert await eventually(published, within=20)
        assert await unpublished(runtime) == 1  # the oversized one, still there, retried
    finally:
        await runtime.stop()
        await client.close()
