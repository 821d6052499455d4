"""The bus keeps replies private (issue 17, item 5), on nats-server with the configuration of
``infra/nats/``: each class of front-end and the operator's tools hear replies on their own
inbox prefix only, and may ask only what their class asks; assessment answers an intake request
only on the caller's inbox, so a request naming an event stream's subject as its reply is not
answered (nothing reaches the stream) and is counted."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from prometheus_client import REGISTRY

from contracts.subjects import inbox_prefix, intake_subject
from services.assessment.bootstrap import build_app
from tests.assessment.conftest import service_settings
from tests.conftest import WARD, bearer
from tests.ops.conftest import create_streams_as_admin, server_log
from tests.ops.test_nats_security import action_word, refused
from tools.processes import NatsServer

pytestmark = [pytest.mark.nats]


def password_of(user: str, secrets: dict[str, str]) -> str:
    """A NATS user's password among the test's secrets (the admin's is named differently)."""
    return secrets[
        "WARD5S_NATS_ADMIN_PASSWORD" if user == "admin" else f"WARD5S_{user.upper()}_NATS_PASSWORD"
    ]


@pytest.mark.parametrize(
    ("user", "action", "subject"),
    [
        # nobody reads every client's default inbox, nor another client's
        ("frontend", "subscribe", "_INBOX.>"),
        ("frontend", "subscribe", "_INBOX_kiosk.>"),
        ("kiosk", "subscribe", "_INBOX_frontend.>"),
        ("kiosk", "subscribe", "_INBOX.>"),
        ("integration", "subscribe", "_INBOX_admin.>"),
        ("admin", "subscribe", "_INBOX.>"),
        ("admin", "subscribe", "_INBOX_assessment.>"),
        # a kiosk or QR page only rates; the HR integration only records task results
        ("kiosk", "publish", "ward5s.binh-dong.intake.audit"),
        ("kiosk", "publish", "ward5s.binh-dong.intake.period.close"),
        ("kiosk", "publish", "ward5s.binh-dong.assessment.feedback.received"),
        ("integration", "publish", "ward5s.binh-dong.intake.feedback"),
        ("integration", "publish", "ward5s.binh-dong.scoring.score.updated"),
    ],
)
async def test_each_client_hears_only_its_own_inbox_and_asks_only_its_own(
    secured_nats: NatsServer, nats_secrets: dict[str, str], user: str, action: str, subject: str
) -> None:
    complaint = await refused(
        secured_nats.url, user, password_of(user, nats_secrets), action, subject
    )
    assert f'permissions violation for {action_word[action]} to "{subject.lower()}"' in (
        complaint.lower()
    ), complaint


@pytest.mark.parametrize(
    ("user", "subject"),
    [
        ("frontend", "_INBOX_frontend.>"),
        ("kiosk", "_INBOX_kiosk.>"),
        ("integration", "_INBOX_integration.>"),
        ("admin", "_INBOX_admin.>"),
    ],
)
async def test_each_client_may_read_its_own_inbox(
    secured_nats: NatsServer, nats_secrets: dict[str, str], user: str, subject: str
) -> None:
    """The allowed path, so the refusals above are not the server refusing everything."""
    assert (
        await refused(secured_nats.url, user, password_of(user, nats_secrets), "subscribe", subject)
        == ""
    )


@pytest.fixture
async def assessment_on_secured_nats(
    secured_nats: NatsServer, nats_secrets: dict[str, str], tmp_path: Path
) -> AsyncIterator[None]:
    """Assessment in this process with its own NATS user, the streams made by the admin."""
    await create_streams_as_admin(secured_nats.url, nats_secrets)
    settings = service_settings(
        secured_nats.url,
        f"sqlite+aiosqlite:///{tmp_path}/assessment.db",
        nats_user="assessment",
        nats_password=nats_secrets["WARD5S_ASSESSMENT_NATS_PASSWORD"],
        declare_streams=False,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        yield


def refusals(kind: str, reason: str) -> float:
    labels = {"kind": kind, "reason": reason}
    return REGISTRY.get_sample_value("ward5s_intake_replies_refused_total", labels) or 0.0


async def connect(url: str, user: str, password: str) -> Any:
    return await nats.connect(url, user=user, password=password, inbox_prefix=inbox_prefix(user))


async def test_the_intake_answers_only_on_the_callers_inbox(
    secured_nats: NatsServer, nats_secrets: dict[str, str], assessment_on_secured_nats: None
) -> None:
    kiosk = await connect(secured_nats.url, "kiosk", nats_secrets["WARD5S_KIOSK_NATS_PASSWORD"])
    admin = await connect(secured_nats.url, "admin", nats_secrets["WARD5S_NATS_ADMIN_PASSWORD"])
    rating = json.dumps({"unit_id": "kt", "level": 5}).encode()
    token = bearer("kiosk", "qr-kt", "kt")
    try:
        # on its own inbox: answered (a kiosk the org chart does not know yet: 403, answered)
        reply = await kiosk.request(intake_subject(WARD, "feedback"), rating, 5, headers=token)
        assert json.loads(reply.data)["status"] in (201, 403, 422)

        # naming the assessment stream's subject as the reply: not answered, nothing in the
        # stream, counted
        js = admin.jetstream()
        before = (await js.stream_info("ASSESSMENT")).state.messages
        outside = refusals("feedback", "outside_inbox")
        forged = f"ward5s.{WARD}.assessment.feedback.received"
        await admin.publish(intake_subject(WARD, "feedback"), rating, reply=forged, headers=token)
        await admin.flush()
        # naming another class's inbox (the pages'): not answered either
        other = refusals("feedback", "another_client")
        heard: list[Any] = []
        frontend = await connect(
            secured_nats.url, "frontend", nats_secrets["WARD5S_FRONTEND_NATS_PASSWORD"]
        )
        try:

            async def hear(message: Any) -> None:
                heard.append(message)

            await frontend.subscribe("_INBOX_frontend.>", cb=hear)
            await frontend.flush()
            await kiosk.publish(
                intake_subject(WARD, "feedback"), rating, reply="_INBOX_frontend.x", headers=token
            )
            await kiosk.flush()
            for _ in range(100):
                counted = refusals("feedback", "another_client") > other
                if counted and refusals("feedback", "outside_inbox") > outside:
                    break
                await asyncio.sleep(0.05)
        finally:
            await frontend.close()
        assert refusals("feedback", "outside_inbox") == outside + 1
        assert refusals("feedback", "another_client") == other + 1
        assert heard == []
        assert (await js.stream_info("ASSESSMENT")).state.messages == before
    finally:
        await kiosk.close()
        await admin.close()
    assert "Violation" not in server_log(secured_nats)
