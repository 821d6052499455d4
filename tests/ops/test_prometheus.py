"""Prometheus as the compose stack runs it: ``promtool`` accepts the configuration and the rules,
and a real Prometheus server scraping the three services (processes, after a demo load) evaluates
every dashboard panel's query and every alert expression without error; the panels for scores and
overdue reviews return data.

Prometheus is Debian's ``prometheus`` package, installed here if missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from nats import connect as nats_connect

from contracts.subjects import OPERATOR, inbox_prefix
from tests.ops.conftest import (
    INFRA,
    create_streams_as_admin,
    production_stack,
    put_secrets,
    secured_server,
)
from tests.support.http import eventually
from tests.support.stack import SERVICE_NAMES, Stack
from tools.processes import ROOT, free_port, stop_process, wait_until_ready

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

PROMETHEUS_CONFIG = INFRA / "prometheus" / "prometheus.yml"
ALERT_RULES = INFRA / "prometheus" / "alerts.yml"
DASHBOARDS = INFRA / "grafana" / "dashboards"
#: What Grafana puts in place of its variables when it runs a panel's query.
GRAFANA_VARIABLES = {"$ward": "binh-dong", "$__rate_interval": "1m", "$__range": "10m"}
#: Panels that must show data after a demo load, by the metric they chart.
MUST_SHOW_DATA = (
    "ward5s_unit_total_percent",
    "ward5s_unit_pillar_percent",
    "ward5s_overdue_reviews",
    "ward5s_http_requests_total",
    "ward5s_events_processed_total",
    "ward5s_consumer_pending_messages",
    "ward5s_outbox_backlog",
)


def install_prometheus() -> str | None:
    """Install Debian's prometheus if it is missing; the reason it cannot be, if so."""
    if shutil.which("promtool") and shutil.which("prometheus"):
        return None
    if not shutil.which("apt-get"):
        return "prometheus is not installed and there is no apt-get to install it"
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "prometheus"],
    ):
        done = subprocess.run(
            command,
            capture_output=True,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        if done.returncode != 0:
            return (
                f"prometheus could not be installed ({' '.join(command)}: {done.stderr[-300:]!r})"
            )
    return None


@pytest.fixture(scope="module")
def prometheus_installed() -> None:
    reason = install_prometheus()
    if reason:
        pytest.skip(reason)


def local_config(
    directory: Path, token_file: Path, targets: dict[str, str], interval: str = "15s"
) -> Path:
    """infra/prometheus/prometheus.yml with the targets and the token file of this machine."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = interval
    config["rule_files"] = [str(ALERT_RULES)]
    for job in config["scrape_configs"]:
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(token_file)
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def promtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *arguments], capture_output=True, text=True)


def test_promtool_accepts_the_rules(prometheus_installed: None) -> None:
    checked = promtool("check", "rules", str(ALERT_RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_promtool_accepts_the_configuration(prometheus_installed: None, tmp_path: Path) -> None:
    token = tmp_path / "metrics_token"
    token.write_text("secret")
    jobs = [
        job["job_name"] for job in yaml.safe_load(PROMETHEUS_CONFIG.read_text())["scrape_configs"]
    ]
    config = local_config(tmp_path, token, {job: f"{job}:80" for job in jobs})
    checked = promtool("check", "config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@dataclass(frozen=True)
class Query:
    where: str  # dashboard and panel, or alert name
    expr: str


def panel_queries() -> list[Query]:
    queries = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                queries.append(Query(f"{dashboard['uid']}: {panel['title']}", target["expr"]))
    return queries


def alert_queries() -> list[Query]:
    rules = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    return [
        Query(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]
    ]


def as_grafana_runs_it(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


@dataclass
class Observed:
    prometheus: str
    exported: set[str]  # metric names the services expose
    nats_url: str
    admin_password: str


@pytest.fixture(scope="module")
def observed(
    prometheus_installed: None, postgres: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Observed]:
    """The services after a demo load, on the locked-down NATS, scraped by a real Prometheus."""
    import asyncio

    workdir = tmp_path_factory.mktemp("prometheus")
    with pytest.MonkeyPatch.context() as monkeypatch:
        values = put_secrets(monkeypatch)
        nats = secured_server(workdir / "nats", workdir / "nats.log").start()
        databases = {}
        for name in SERVICE_NAMES:
            database = f"p_{uuid.uuid4().hex[:12]}"
            postgres.psql(f"CREATE DATABASE {database};")
            databases[name] = postgres.get_uri(database).replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
        prometheus = None
        stack = None
        try:
            asyncio.run(create_streams_as_admin(nats.url, values))
            stack, _ = production_stack(nats.url, values, databases, workdir, demo="full")
            stack.start()
            token = workdir / "metrics_token"
            token.write_text(values["WARD5S_METRICS_TOKEN"])
            port = free_port()
            targets = {name: f"127.0.0.1:{stack.services[name].port}" for name in SERVICE_NAMES}
            targets |= {"nats": f"127.0.0.1:{free_port()}", "prometheus": f"127.0.0.1:{port}"}
            config = local_config(workdir, token, targets, interval="1s")
            prometheus = subprocess.Popen(
                [
                    "prometheus",
                    f"--config.file={config}",
                    f"--storage.tsdb.path={workdir / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=(workdir / "prometheus.log").open("wb"),
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(f"{url}/-/ready", process=prometheus)
            exported = exported_metrics(stack, values["WARD5S_METRICS_TOKEN"])
            wait_for_scrapes(url)
            yield Observed(url, exported, nats.url, values["WARD5S_NATS_ADMIN_PASSWORD"])
        finally:
            stop_process(prometheus)
            if stack:
                stack.stop()
            nats.stop()


def exported_metrics(stack: Stack, token: str, within: float = 30) -> set[str]:
    """The metrics the services have samples of, once every metric a panel must show is there
    (or, for one no service exports yet, after ``within`` seconds)."""
    deadline = time.monotonic() + within
    while True:
        names: set[str] = set()
        for name in SERVICE_NAMES:
            reply = httpx.get(
                f"{stack.url(name)}/metrics", headers={"Authorization": f"Bearer {token}"}
            )
            assert reply.status_code == 200, reply.text
            names |= {
                line.split("{")[0].split(" ")[0]
                for line in reply.text.splitlines()
                if line and not line.startswith("#")
            }
        if set(MUST_SHOW_DATA) <= names or time.monotonic() > deadline:
            return names
        time.sleep(0.5)


def wait_for_scrapes(url: str, within: float = 30) -> None:
    """Until every service has been scraped, twice (so that rates have two points)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        answer = instant(url, 'count_over_time(up{job=~"assessment|scoring|notifications"}[1m])')
        counts = [float(sample["value"][1]) for sample in answer["data"]["result"]]
        ups = instant(url, 'up{job=~"assessment|scoring|notifications"} == 1')
        if len(counts) == 3 and min(counts) >= 3 and len(ups["data"]["result"]) == 3:
            return
        time.sleep(0.5)
    raise AssertionError(f"the services were not scraped: {instant(url, 'up')}")


def instant(url: str, expr: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("query", panel_queries() + alert_queries(), ids=lambda q: q.where)
def test_every_panel_and_alert_evaluates(observed: Observed, query: Query) -> None:
    answer = instant(observed.prometheus, as_grafana_runs_it(query.expr))
    assert answer["status"] == "success", (query, answer)


@pytest.mark.parametrize("metric", MUST_SHOW_DATA)
def test_panels_show_data_after_a_demo(observed: Observed, metric: str) -> None:
    assert metric in observed.exported, f"no service exports {metric}"
    charting = [q for q in panel_queries() if metric in q.expr]
    assert charting, f"no dashboard panel charts {metric}"
    # some panels are empty by design while all is well (the share of 5xx), so one that shows
    # the metric's data is enough
    showing = [
        query
        for query in charting
        if instant(observed.prometheus, as_grafana_runs_it(query.expr))["data"]["result"]
    ]
    assert showing, f"no panel shows data for {metric}: {charting}"


def test_the_alert_rules_are_loaded(observed: Observed) -> None:
    answer = httpx.get(f"{observed.prometheus}/api/v1/rules").json()
    loaded = {rule["name"] for group in answer["data"]["groups"] for rule in group["rules"]}
    assert loaded == {query.where for query in alert_queries()}
    unhealthy = [
        rule
        for group in answer["data"]["groups"]
        for rule in group["rules"]
        if rule.get("health") == "err"
    ]
    assert not unhealthy, unhealthy


def alert_expr(name: str) -> str:
    return next(query.expr for query in alert_queries() if query.where == name)


def test_a_target_that_is_down_is_caught(observed: Observed) -> None:
    """Nothing listens where the NATS exporter should be: the alert's expression names it, and
    only it."""
    answer = instant(observed.prometheus, alert_expr("Ward5sServiceDown"))
    assert [series["metric"]["job"] for series in answer["data"]["result"]] == ["nats"]


async def test_a_dead_letter_is_caught(observed: Observed) -> None:
    """A message that is no event reaches scoring: it is dead-lettered and the alert's
    expression sees it at once, though it is the first dead letter of that process."""
    client = await nats_connect(
        observed.nats_url,
        user="admin",
        password=observed.admin_password,
        inbox_prefix=inbox_prefix(OPERATOR),
    )
    try:
        await client.jetstream().publish(
            "ward5s.binh-dong.assessment.audit.submitted", b"not an event"
        )
    finally:
        await client.close()

    async def caught() -> bool:
        answer = instant(observed.prometheus, alert_expr("Ward5sDeadLetters"))
        return any(
            series["metric"]["reason"] == "malformed"
            and series["metric"]["consumer"] == "scoring-assessment"
            for series in answer["data"]["result"]
        )

    assert await eventually(caught, within=20, interval=0.5)


def test_the_ward_variable_offers_the_demo_ward(observed: Observed) -> None:
    """The ward overview's variable is label_values(ward5s_unit_total_percent, ward)."""
    assert "ward5s_unit_total_percent" in observed.exported
    answer = httpx.get(
        f"{observed.prometheus}/api/v1/label/ward/values",
        params={"match[]": "ward5s_unit_total_percent"},
    ).json()
    assert answer["data"] == ["binh-dong"]
