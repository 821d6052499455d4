"""Every service's OpenAPI, fuzzed against the services running as processes (issue 14, item 7):
schemathesis draws requests that fit each operation's documented parameters and body and sends
them with the token of a role the matrix lets through (``test_matrix.MATRIX``). No answer may be
a 5xx, every answer must match what the document declares (status, content type, body schema),
and a refused write stores nothing: no event of its caller reaches the service's outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.conftest import WardStack
from tests.security.test_matrix import HOLDERS, MATRIX, OK

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

#: Examples drawn per operation: enough to reach every branch of a schema's enums and bounds,
#: few enough that the whole run takes a few minutes on a small machine.
EXAMPLES = 20
#: Roles tried first when several may call an operation: the widest rights reach the deepest.
PREFERRED = ("admin", "chairman", "auditor", "vice_chairman", "unit_head", "staff")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Outbox:
    """The events a service staged since a mark, read from its database."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.connection = self.loop.run_until_complete(asyncpg.connect(dsn))

    def mark(self) -> int:
        return int(
            self.loop.run_until_complete(self.connection.fetchval("SELECT max(id) FROM outbox"))
            or 0
        )

    def actors_since(self, mark: int) -> list[str | None]:
        rows = self.loop.run_until_complete(
            self.connection.fetch("SELECT payload FROM outbox WHERE id > $1", mark)
        )
        return [json.loads(bytes(row["payload"])).get("actor", {}).get("id") for row in rows]

    def close(self) -> None:
        self.loop.run_until_complete(self.connection.close())
        self.loop.close()


def caller_of(service: str, method: str, path: str) -> str | None:
    """The role whose token fuzzes the operation: one the matrix lets through (None: an open
    route, called with no token)."""
    answers = MATRIX[(service, method, path)]
    allowed = [role for role, answer in answers.items() if answer == OK]
    if not allowed:
        return None
    return next((role for role in PREFERRED if role in allowed), allowed[0])


def fuzzer(
    operation: Any,
    base: str,
    headers: dict[str, str],
    subject: str | None,
    outbox: Outbox,
    mode: GenerationMode,
) -> Any:
    """A Hypothesis test of ``operation``: each request drawn (fitting its schema, or in the
    ``NEGATIVE`` mode not) sent with ``headers``, its answer checked (``CHECKS``), and a
    refused write checked to have staged no event of ``subject``."""
    method = operation.method.upper()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def fuzz(case: Any) -> None:
        mark = outbox.mark()
        response = case.call(base_url=base, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS)
        if method in WRITES and response.status_code >= 400 and subject:
            assert subject not in outbox.actors_since(mark), (
                f"a refused {method} stored an event of its caller"
            )

    return fuzz


@pytest.fixture
def outboxes(ward_stack: WardStack) -> Iterator[dict[str, Outbox]]:
    found = {name: Outbox(url) for name, url in ward_stack.stack.databases.items()}
    yield found
    for outbox in found.values():
        outbox.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("service", ["assessment", "scoring", "notifications"])
def test_every_operation_answers_as_documented(
    ward_stack: WardStack, outboxes: dict[str, Outbox], service: str, mode: GenerationMode
) -> None:
    """Requests that fit the document, and (``NEGATIVE``) requests that do not: a client's
    mistake is a documented 4xx, never a 5xx."""
    base = ward_stack.url(service)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    outbox = outboxes[service]
    faults: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        if (service, method, path) not in MATRIX:
            faults.append(f"{method} {path}: no row in the matrix (test_matrix.MATRIX)")
            continue
        role = caller_of(service, method, path)
        subject = None
        headers: dict[str, str] = {}
        if role is not None:
            holder = HOLDERS[role]
            subject = holder.get("person_id") or holder.get("device_id")
            headers = {"Authorization": f"Bearer {ward_stack.token(**holder)}"}

        fuzz = fuzzer(operation, base, headers, subject, outbox, mode)
        try:
            fuzz()
        except Unsatisfiable:
            # Nothing to draw outside the schema: an operation without parameters or body.
            assert mode is GenerationMode.NEGATIVE, f"{method} {path}"
        except (Exception, BaseExceptionGroup) as error:  # each operation is tried; all listed
            faults.append(f"{method} {path} as {role}: {error}"[:2000])
    assert faults == [], "\n\n".join(faults)
