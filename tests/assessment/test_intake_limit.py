"""The NATS intake bounds a request's body as the HTTP API does (issue 17, item 4): on a server
whose max_payload lets a 2 MiB request through, the intake refuses it (413) before it checks
the token or parses the body."""

from __future__ import annotations

import json
from pathlib import Path

import nats
import pytest

from contracts.subjects import intake_subject
from services.assessment.bootstrap import build_app
from tests.assessment.conftest import service_settings
from tools.processes import NatsServer

pytestmark = [pytest.mark.nats]


async def test_an_intake_request_over_the_body_limit_is_refused_before_its_token(
    tmp_path: Path,
) -> None:
    config = tmp_path / "large.conf"
    config.write_text("max_payload: 8MB\n")
    server = NatsServer(tmp_path / "nats", config=config, log=tmp_path / "nats.log").start()
    try:
        app = build_app(service_settings(server.url, f"sqlite+aiosqlite:///{tmp_path}/a.db"))
        async with app.router.lifespan_context(app):
            client = await nats.connect(server.url)
            try:
                comment = "x" * (2 * 1024 * 1024)
                body = json.dumps({"unit_id": "kt", "level": 5, "comment": comment}).encode()
                reply = await client.request(
                    intake_subject("binh-dong", "feedback"),
                    body,
                    10,
                    headers={"Accept-Language": "en"},
                )
            finally:
                await client.close()
    finally:
        server.stop()
    answer = json.loads(reply.data)
    assert answer["status"] == 413
    assert answer["body"]["error"]["code"] == "too_large"
    assert answer["body"]["error"]["message"] == (
        "The request body is too large (at most 1048576 bytes)."
    )
