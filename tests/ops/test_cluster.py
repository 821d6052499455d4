"""Three ``nats-server`` nodes clustered on loopback with the configuration of
``infra/nats/cluster.conf``, streams at three replicas, the services running the pipeline as
processes: the node that both leads the ASSESSMENT stream and carries assessment's connection is
stopped in the middle of a run of audits, and every accepted audit still reaches the stream once
and is applied by scoring once (by ward, from its mirror of ASSESSMENT, replicated alike)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import nats
import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError

from contracts.streams import ASSESSMENT, SCORING_ASSESSMENT
from contracts.subjects import OPERATOR, inbox_prefix
from tests.ops.conftest import (
    CLUSTER_CONFIG,
    create_streams_as_admin,
    production_stack,
    put_secrets,
    server_log,
)
from tests.support.http import eventually
from tests.support.stack import SERVICE_NAMES
from tests.support.wards import wards_behind
from tools.demo import audit_body
from tools.processes import NatsServer, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

T = TypeVar("T")
NODES = ("nats-1", "nats-2", "nats-3")
AUDITS = 24
STOP_AFTER = 8


class Cluster:
    def __init__(self, workdir: Path) -> None:
        route_ports = {name: free_port() for name in NODES}
        routes = ",".join(f"nats://127.0.0.1:{port}" for port in route_ports.values())
        self.monitoring = {name: free_port() for name in NODES}
        self.nodes = {
            name: NatsServer(
                workdir / name,
                config=CLUSTER_CONFIG,
                extra=[
                    "--name",
                    name,
                    "-m",
                    str(self.monitoring[name]),
                    "--cluster",
                    f"nats://127.0.0.1:{route_ports[name]}",
                    "--routes",
                    routes,
                ],
                log=workdir / f"{name}.log",
            )
            for name in NODES
        }

    @property
    def url(self) -> str:
        """Every node, as a service's WARD5S_NATS_URL lists them."""
        return ",".join(node.url for node in self.nodes.values())

    async def serving(self, client_name: str) -> str:
        """The node a named client (``ward5s-<service>``) is connected to."""
        async with httpx.AsyncClient() as http:
            for name, port in self.monitoring.items():
                reply = await http.get(f"http://127.0.0.1:{port}/connz")
                if any(c.get("name") == client_name for c in reply.json()["connections"] or []):
                    return name
        raise AssertionError(f"{client_name} is connected to no node")

    def start(self) -> Cluster:
        for node in self.nodes.values():
            node.start()
        return self

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cluster, dict]]:
    values = put_secrets(monkeypatch)
    monkeypatch.setenv("NATS_SERVER_NAME", "named-on-the-command-line")
    nodes = Cluster(tmp_path).start()
    yield nodes, values
    nodes.stop()


async def admin(cluster: Cluster, values: dict[str, str]) -> Client:
    return await nats.connect(
        cluster.url.split(","),
        user="admin",
        password=values["WARD5S_NATS_ADMIN_PASSWORD"],
        inbox_prefix=inbox_prefix(OPERATOR),
    )


async def streams_at_three_replicas(cluster: Cluster, values: dict[str, str]) -> None:
    """Create the streams as the operator would, once the cluster has elected a meta leader."""
    deadline = time.monotonic() + 30
    while True:
        try:
            await create_streams_as_admin(cluster.url, values, replicas=3)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def test_nothing_is_lost_when_a_node_stops(
    cluster: tuple[Cluster, dict[str, str]], new_pg_database, tmp_path: Path
) -> None:
    nodes, values = cluster
    await streams_at_three_replicas(nodes, values)
    client = await admin(nodes, values)
    js = client.jetstream()
    info = await js.stream_info(ASSESSMENT.name)
    assert info.config.num_replicas == 3
    assert info.cluster is not None and len(info.cluster.replicas or []) == 2
    # scoring reads the wards from its mirror, as replicated as its origin
    mirror = await js.stream_info(SCORING_ASSESSMENT.name)
    assert mirror.config.num_replicas == 3
    assert mirror.config.mirror is not None and mirror.config.mirror.name == ASSESSMENT.name

    databases = {name: new_pg_database() for name in SERVICE_NAMES}
    stack, tokens = production_stack(nodes.url, values, databases, tmp_path)
    stack.start("assessment", "scoring")
    try:
        auditors = [t for t in tokens if t["role"] == "auditor"]
        units = sorted({str(t["unit_id"]) for t in tokens if t["role"] == "unit_head"})
        accepted = 0
        stopped = None
        async with httpx.AsyncClient(timeout=30) as http:
            for number in range(AUDITS):
                if number == STOP_AFTER:
                    # the worst node to lose goes away mid-run: the one assessment publishes
                    # through, made leader of the stream it publishes to
                    stopped = await nodes.serving("ward5s-assessment")
                    await lead(client, stopped)
                    await client.close()
                    nodes.nodes[stopped].stop()
                    client = await admin(nodes, values)
                    js = client.jetstream()
                unit = units[number % len(units)]
                auditor = next(a for a in auditors if a["unit_id"] != unit)
                answer = await http.post(
                    f"{stack.url('assessment')}/v1/audits",
                    json=audit_body(unit, number % 5),
                    headers={"Authorization": f"Bearer {auditor['token']}"},
                )
                assert answer.status_code == 201, answer.text
                accepted += 1
        assert stopped in NODES

        async def audits_on_stream() -> int | None:
            count = await count_subjects(js, "ward5s.*.assessment.audit.submitted")
            return count if count >= accepted else None

        # every accepted audit is on the stream, once (the relay's retries were deduplicated)
        assert await eventually(while_electing(audits_on_stream), within=60, interval=0.5) == (
            accepted
        )
        await asyncio.sleep(1)
        assert await count_subjects(js, "ward5s.*.assessment.audit.submitted") == accepted

        async def caught_up() -> bool:  # every ward's mark at its last message on ASSESSMENT
            return await wards_behind(js, databases["scoring"]) == 0

        await eventually(while_electing(caught_up), within=60, interval=0.5)
        stream = await js.stream_info(ASSESSMENT.name)
        async with httpx.AsyncClient() as http:
            reply = await http.get(
                f"{stack.url('scoring')}/metrics",
                headers={"Authorization": f"Bearer {values['WARD5S_METRICS_TOKEN']}"},
            )
        metrics = reply.text
        outcomes = processed(metrics, "scoring-assessment")
        # every event on the stream applied exactly once: none skipped, none twice
        assert outcomes.get("applied", 0) == stream.state.messages, outcomes
        assert outcomes.get("dead_lettered", 0) == 0
        await client.close()
    finally:
        stack.stop()
    for node in nodes.nodes.values():
        assert "Violation" not in server_log(node), f"{node.log}: the services' users lack a right"


def while_electing(probe: Callable[[], Awaitable[T | None]]) -> Callable[[], Awaitable[T | None]]:
    """A probe that answers "not yet" while the cluster elects a leader and cannot answer."""

    async def tolerant() -> T | None:
        try:
            return await probe()
        except (NatsError, TimeoutError):
            return None

    return tolerant


async def lead(client: Client, node: str) -> None:
    """Make ``node`` the leader of the ASSESSMENT stream."""
    js = client.jetstream()

    async def leading() -> bool:
        info = await js.stream_info(ASSESSMENT.name)
        if info.cluster is not None and info.cluster.leader == node:
            return True
        request = json.dumps({"placement": {"preferred": node}}).encode()
        await client.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{ASSESSMENT.name}", request, 5)
        return False

    await eventually(while_electing(leading), within=30, interval=1)


async def count_subjects(js: nats.js.JetStreamContext, subject: str) -> int:
    info = await js.stream_info(ASSESSMENT.name, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


def processed(metrics: str, consumer: str) -> dict[str, float]:
    """``ward5s_events_processed_total`` of one consumer, by outcome."""
    outcomes = {}
    for line in metrics.splitlines():
        if line.startswith("ward5s_events_processed_total{") and f'consumer="{consumer}"' in line:
            outcome = line.split('outcome="')[1].split('"')[0]
            outcomes[outcome] = float(line.rsplit(" ", 1)[1])
    return outcomes
