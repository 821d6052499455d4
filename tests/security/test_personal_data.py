"""Personal data stays out of the logs (issue 17, item 6). On the package's stack (the three
services as processes, PostgreSQL, NATS, SMTP, the demo ward), a realistic round: citizens rate
and comment (one comment naming an officer with a stray NUL, as a broken kiosk keyboard sends
it), an auditor's low audit raises alerts mailed to the unit's leaders, a reset link is asked
for, a sign-in fails, a person's preferences name a webhook the guard refuses. Then the logs of
the three processes are searched for every demo person's name and e-mail address and for the
comments: none is there (this runs after the rest of the package, so its logs are searched
too)."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import WardStack
from tests.support.http import eventually
from tests.support.stack import SERVICE_NAMES
from tools.demo import audit_body

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

ORG_CHART = Path(__file__).resolve().parents[2] / "services/assessment/demo/org_chart.csv"


def demo_people() -> list[dict[str, str]]:
    with ORG_CHART.open(encoding="utf-8") as chart:
        return list(csv.DictReader(chart))


async def test_no_name_address_or_comment_of_the_demo_reaches_a_log(
    ward_stack: WardStack,
) -> None:
    people = demo_people()
    officer = next(p for p in people if p["unit_id"] == "kt" and p["role"] == "staff")
    comments = [
        f"Cảm ơn {officer['full_name']} đã hướng dẫn tận tình\u0000",
        "Chờ lâu quá, số điện thoại của tôi là 0909 123 456",
    ]
    assessment, notifications = ward_stack.url("assessment"), ward_stack.url("notifications")
    qr = {"Authorization": f"Bearer {ward_stack.token(device_id='qr-kt')}"}
    auditor = next(p for p in people if p["role"] == "auditor" and p["unit_id"] != "kt")
    auditor_token = {"Authorization": f"Bearer {ward_stack.token(person_id=auditor['person_id'])}"}
    head = next(p for p in people if p["unit_id"] == "kt" and p["role"] == "unit_head")
    rated = []
    async with httpx.AsyncClient(timeout=30) as http:
        for comment in comments:
            answer = await http.post(
                f"{assessment}/v1/feedback",
                json={
                    "unit_id": "kt",
                    "level": 5,
                    "officer_id": officer["person_id"],
                    "comment": comment,
                },
                headers={**qr, "Idempotency-Key": str(uuid.uuid4())},
            )
            rated.append(answer.status_code)
        audit = await http.post(
            f"{assessment}/v1/audits", json=audit_body("kt", 1), headers=auditor_token
        )
        assert audit.status_code == 201, audit.text
        reset = await http.post(f"{assessment}/v1/auth/reset", json={"email": head["email"]})
        assert reset.status_code == 202
        failed = await http.post(
            f"{assessment}/v1/auth/sign-in",
            json={"email": head["email"], "password": "not the password at all"},
        )
        assert failed.status_code == 401
        hook = await http.put(
            f"{notifications}/v1/preferences/me",
            json={"webhook_url": f"http://127.0.0.1/{head['email']}"},
            headers={"Authorization": f"Bearer {ward_stack.token(person_id=head['person_id'])}"},
        )
        assert hook.status_code in (401, 422), hook.text

    async def head_told() -> bool:
        return any(m.to == head["email"] and "5S" in m.subject for m in ward_stack.mailbox.messages)

    await eventually(head_told, within=60)
    logs = {name: ward_stack.stack.log(name) for name in SERVICE_NAMES}
    secrets = [p["full_name"] for p in people] + [p["email"] for p in people if p["email"]]
    secrets += [comment.rstrip("\u0000") for comment in comments]
    found = {name: [secret for secret in secrets if secret in log] for name, log in logs.items()}
    assert found == {name: [] for name in SERVICE_NAMES}
    # A NUL is the client's mistake, answered 422 like any other bad character, never a 500.
    assert rated == [422, 201]
