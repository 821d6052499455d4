"""The Grafana files agree with each other and with their source, and every system alert has
its entry in the operations guide."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from types import ModuleType

import yaml

from tools.processes import ROOT

GRAFANA = ROOT / "infra" / "grafana"
OPERATIONS = ROOT / "docs" / "OPERATIONS.md"
ALERT_RULES = ROOT / "infra" / "prometheus" / "alerts.yml"


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_dashboards", GRAFANA / "build_dashboards.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_dashboard_files_are_built_from_their_source() -> None:
    build = builder()
    files = {path.name for path in (GRAFANA / "dashboards").glob("*.json")}
    assert files == {f"{d.uid}.json" for d in build.DASHBOARDS}
    for dashboard in build.DASHBOARDS:
        written = (GRAFANA / "dashboards" / f"{dashboard.uid}.json").read_text(encoding="utf-8")
        assert written == build.render(dashboard), (
            f"{dashboard.uid}.json is stale: run python infra/grafana/build_dashboards.py"
        )


def test_fixed_uids_and_the_provisioned_datasource() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    uid = datasources["datasources"][0]["uid"]
    uids = set()
    for path in (GRAFANA / "dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        uids.add(dashboard["uid"])
        assert dashboard["uid"] == path.stem
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == uid
            assert panel["targets"], panel["title"]
    assert uids == {"ward5s-ward-overview", "ward5s-service-health", "ward5s-alerts"}


def test_the_ward_overview_has_what_leaders_look_for() -> None:
    overview = json.loads((GRAFANA / "dashboards/ward5s-ward-overview.json").read_text())
    charted = " ".join(t["expr"] for p in overview["panels"] for t in p["targets"])
    for metric in (
        "ward5s_unit_total_percent",
        "ward5s_unit_pillar_percent",
        "ward5s_unit_satisfaction_percent",
        "ward5s_overdue_reviews",
        "ward5s_open_corrective_actions",
    ):
        assert metric in charted


def test_every_alert_has_a_section_in_the_operations_guide() -> None:
    guide = OPERATIONS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ (\w+)", guide, flags=re.MULTILINE))
    rules = yaml.safe_load(ALERT_RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"] in headings, f"docs/OPERATIONS.md says nothing of {rule['alert']}"
            assert rule["annotations"]["runbook"].endswith(f"#{rule['alert'].lower()}")
            assert rule["labels"]["severity"] in {"warning", "critical"}
