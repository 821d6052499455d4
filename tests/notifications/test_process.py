"""The service as its own process, configured from the environment like a demo stack: an
admin moves its clock over HTTP past a review deadline, and the unit head's e-mail arrives at
the SMTP server without anyone calling the scheduler."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest

from contracts.envelope import Actor
from contracts.events import SelfAssessmentSubmitted, SelfAssessmentSubmittedData
from tests.conftest import WARD, bearer
from tests.notifications.harness import Mailbox, local, org_chart
from tests.support.http import eventually
from tests.support.keys import session_keys
from tools.processes import ServiceProcess, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


async def test_a_demo_clock_moved_over_http_brings_the_overdue_review(
    nats_server, nats_client, mailbox: Mailbox, tmp_path: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WARD5S_")}
    service = ServiceProcess(
        "notifications",
        free_port(),
        {
            **environment,
            "WARD5S_NATS_URL": nats_server.url,
            "WARD5S_ENVIRONMENT": "demo",
            "WARD5S_VAR_DIR": str(tmp_path),
            "WARD5S_SMTP_PORT": str(mailbox.port),
            "WARD5S_NOTIFICATIONS_CLOCK_START": local(2026, 3, 2, 9).isoformat(),
            "WARD5S_NOTIFICATIONS_TICK_S": "0.5",
            **session_keys().env(),
        },
        log=tmp_path / "notifications.log",
    ).start()
    try:
        js = nats_client.jetstream()
        submitted = SelfAssessmentSubmitted(
            ward=WARD,
            occurred_at=local(2026, 3, 2, 10),
            actor=Actor(kind="person", id="p012"),
            data=SelfAssessmentSubmittedData(
                self_assessment_id=uuid.uuid4(),
                person_id="p012",
                unit_id="kt",
                period="2026-03",
                catalog_version="2026.1",
                revision=1,
                items=(),
            ),
        )
        for event in (org_chart(), submitted):
            await js.publish(event.subject, event.model_dump_json().encode())
        async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as http:
            # The review was due Thursday 5 March: on Friday morning it is overdue.
            answer = await http.post(
                "/v1/clock",
                json={"set_to": local(2026, 3, 6, 8).isoformat()},
                headers=bearer("admin", "p006", "vp"),
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["now"].startswith("2026-03-06T01:00")

            async def arrived() -> bool:
                return bool(mailbox.to("p010"))

            await eventually(arrived)
            (mail,) = mailbox.to("p010")
            assert mail.subject == "[5S+] Quá hạn duyệt tự đánh giá: Nguyễn Văn An, tháng 03/2026"
    finally:
        service.stop()
    assert "Nguyễn Văn An" not in (tmp_path / "notifications.log").read_text(errors="replace")
