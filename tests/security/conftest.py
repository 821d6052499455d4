"""One stack for the whole security package: the three services as processes on PostgreSQL and
a real NATS server, notifications mailing through an aiosmtpd server, the demo ward's org chart
loaded (its tokens: ``var/demo-tokens.json``'s shape). The matrix, the mail path and
schemathesis share it, so the stack starts once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.notifications.harness import Mailbox
from tests.support.http import eventually
from tests.support.stack import SERVICE_NAMES, Stack
from tools.processes import NatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]


@dataclass
class WardStack:
    stack: Stack
    mailbox: Mailbox
    #: ``var/demo-tokens.json`` as the demo loader wrote it.
    tokens: list[dict[str, Any]]
    workdir: Path

    def url(self, service: str) -> str:
        return self.stack.url(service)

    def token(self, **match: Any) -> str:
        """The demo token of the first entry with all the given values."""
        found = next(t for t in self.tokens if all(t.get(k) == v for k, v in match.items()))
        return str(found["token"])


def _database(postgres: Any) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    postgres.psql(f"CREATE DATABASE {name};")
    uri: str = postgres.get_uri(name)
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="package")
def ward_stack(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WardStack]:
    workdir = tmp_path_factory.mktemp("security")
    mailbox = Mailbox().start()
    nats = NatsServer(workdir / "nats", log=workdir / "nats.log").start()
    extra = {
        "WARD5S_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "WARD5S_NOTIFICATIONS_SMTP_PORT": str(mailbox.port),
        "WARD5S_NOTIFICATIONS_TICK_S": "0.3",
    }
    stack = Stack(nats.url, {n: _database(postgres) for n in SERVICE_NAMES}, workdir, extra)
    try:
        tokens = stack.load_demo(workdir / "demo-tokens.json")
        stack.start()
        yield WardStack(stack, mailbox, tokens, workdir)
    finally:
        stack.stop()
        nats.stop()
        mailbox.stop()
        for name in SERVICE_NAMES:
            log = stack.log(name)
            if "Traceback" in log:
                print(f"--- {name} log ---\n{log[-20000:]}")


async def sign_in_through_mail(
    ward_stack: WardStack, http: httpx.AsyncClient, person_id: str, password: str
) -> dict[str, Any]:
    """Invite ``person_id`` (as the demo ward's administrator), take the link from the mail that
    reaches the SMTP server through notifications, set ``password`` with it and sign in: the
    session (``access_token``, ``refresh_token`` ...)."""
    assessment = ward_stack.url("assessment")
    email = f"{person_id}@binhdong.example.vn"
    invited = await http.post(
        f"{assessment}/v1/auth/invitations",
        params={"reason": "Cán bộ mới"},
        json={"person_id": person_id},
        headers={"Authorization": f"Bearer {ward_stack.token(role='admin')}"},
    )
    assert invited.status_code == 202, invited.text
    assert "secret" not in invited.text

    async def mailed() -> list[Any]:
        return [m for m in ward_stack.mailbox.messages if m.to == email]

    (mail,) = await eventually(mailed, within=30)
    link = re.search(r"https?://\S+secret=([\w-]+)", mail.text)
    assert link, mail.text
    answer = await http.post(
        f"{assessment}/v1/auth/password", json={"secret": link.group(1), "password": password}
    )
    assert answer.status_code in (200, 204), answer.text
    signed_in = await http.post(
        f"{assessment}/v1/auth/sign-in", json={"email": email, "password": password}
    )
    assert signed_in.status_code == 200, signed_in.text
    return dict(signed_in.json())
