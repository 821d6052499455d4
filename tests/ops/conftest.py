"""The operations stack's real parts: ``nats-server`` with the locked-down configuration from
``infra/nats/`` (passwords made up per test), streams created by the admin user as in
production, and the services running as processes with their own NATS users."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import nats
import pytest
from nats.aio.client import Client

from contracts.subjects import inbox_prefix
from services.runtime.streams import create as create_streams
from tests.support.http import eventually
from tests.support.stack import SERVICE_NAMES, Stack
from tools.demo import audit_body
from tools.processes import ROOT, NatsServer, free_port

INFRA = ROOT / "infra"
NATS_CONFIG = INFRA / "nats" / "nats.conf"
CLUSTER_CONFIG = INFRA / "nats" / "cluster.conf"
ACCOUNTS = INFRA / "nats" / "accounts.conf"
METRICS_TOKEN_VARIABLE = "WARD5S_METRICS_TOKEN"


def secret_variables() -> list[str]:
    """The environment variables ``infra/nats/accounts.conf`` reads its passwords from."""
    return sorted(set(re.findall(r"\$(WARD5S_\w+)", ACCOUNTS.read_text(encoding="utf-8"))))


def put_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh passwords in this process's environment, which nats-server inherits."""
    values = {name: secrets.token_hex(16) for name in secret_variables()}
    values[METRICS_TOKEN_VARIABLE] = secrets.token_hex(16)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def nats_secrets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return put_secrets(monkeypatch)


def service_env(values: dict[str, str]) -> dict[str, str]:
    """What each service is given in production: its own NATS user, no right to declare
    streams, the metrics token."""
    env = {
        "WARD5S_DECLARE_STREAMS": "false",
        METRICS_TOKEN_VARIABLE: values[METRICS_TOKEN_VARIABLE],
    }
    for name in SERVICE_NAMES:
        env[f"WARD5S_{name.upper()}_NATS_USER"] = name
        env[f"WARD5S_{name.upper()}_NATS_PASSWORD"] = values[f"WARD5S_{name.upper()}_NATS_PASSWORD"]
    return env


def secured_server(store: Path, log: Path) -> NatsServer:
    """A nats-server on the repository's configuration, moved to free ports."""
    return NatsServer(store, config=NATS_CONFIG, extra=["-m", str(free_port())], log=log)


@pytest.fixture
def secured_nats(tmp_path: Path, nats_secrets: dict[str, str]) -> Iterator[NatsServer]:
    server = secured_server(tmp_path / "nats", tmp_path / "nats.log").start()
    yield server
    server.stop()


def server_log(server: NatsServer) -> str:
    assert server.log is not None
    return server.log.read_text(errors="replace")


async def connect_as(url: str, user: str, values: dict[str, str]) -> Client:
    """A client of the secured server as ``user`` (its password from ``values``), hearing its
    replies on its own inbox prefix, as the service or tool of that name does."""
    key = (
        "WARD5S_NATS_ADMIN_PASSWORD" if user == "admin" else f"WARD5S_{user.upper()}_NATS_PASSWORD"
    )
    return await nats.connect(url, user=user, password=values[key], inbox_prefix=inbox_prefix(user))


async def create_streams_as_admin(url: str, values: dict[str, str], replicas: int = 1) -> None:
    await create_streams(url, replicas, "admin", values["WARD5S_NATS_ADMIN_PASSWORD"])


def production_stack(
    nats_url: str,
    values: dict[str, str],
    databases: Mapping[str, str],
    workdir: Path,
    demo: str = "org",
) -> tuple[Stack, list[dict[str, str | None]]]:
    """The services as production configures them, with the demo ward loaded (not started)."""
    stack = Stack(nats_url, databases, workdir, extra_env=service_env(values))
    return stack, stack.load_demo(workdir / "tokens.json", demo)


def token_of(tokens: list[dict[str, str | None]], **match: str | None) -> str:
    entry = next(t for t in tokens if all(t.get(k) == v for k, v in match.items()))
    return str(entry["token"])


async def low_audit_alerts(
    stack: Stack, tokens: list[dict[str, str | None]], unit: str
) -> list[dict]:
    """Submit an audit scoring every item 1 of 4 and wait for the unit head's alerts: the whole
    assessment → scoring → notifications pipeline."""
    auditor = next(t for t in tokens if t["role"] == "auditor" and t["unit_id"] != unit)
    head = token_of(tokens, role="unit_head", unit_id=unit)
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            f"{stack.url('assessment')}/v1/audits",
            json=audit_body(unit, 1),
            headers={"Authorization": f"Bearer {auditor['token']}"},
        )
        assert answer.status_code == 201, answer.text

        async def alerts() -> list[dict]:
            reply = await http.get(
                f"{stack.url('notifications')}/v1/alerts",
                headers={"Authorization": f"Bearer {head}"},
            )
            assert reply.status_code == 200, reply.text
            return reply.json()["alerts"]

        return await eventually(alerts, within=20)
