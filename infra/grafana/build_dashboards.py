"""Writes the Grafana dashboards (``infra/grafana/dashboards/*.json``) from this one description,
so every panel is built the same way and the queries can be listed for the tests.

    python infra/grafana/build_dashboards.py

Uids are fixed, so links and bookmarks to a dashboard survive a re-provisioning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
WARD = 'ward="$ward"'
WIDTH = 24


@dataclass(frozen=True)
class Panel:
    title: str
    exprs: tuple[tuple[str, str], ...]  # (query, legend)
    kind: str = "timeseries"
    unit: str = "short"
    description: str = ""
    width: int = 12
    height: int = 8
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def instant(self) -> bool:
        """Whether its queries ask for the value now (a bar gauge's, a stat's) rather than over
        the time range (a time series's)."""
        return self.kind != "timeseries"


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    ward_variable: bool = False
    time_from: str = "now-6h"
    tags: tuple[str, ...] = ("ward5s",)


PERCENT_BANDS = {
    "mode": "absolute",
    # the practitioners' bands for a 5S %: poor, medium, very good, excellent
    "steps": [
        {"color": "red", "value": None},
        {"color": "orange", "value": 60},
        {"color": "green", "value": 80},
        {"color": "blue", "value": 90},
    ],
}


def single(title: str, expr: str, legend: str, **options: Any) -> Panel:
    """A panel of one query, ``legend`` naming its series (``"{{unit}}"``)."""
    return Panel(title, ((expr, legend),), **options)


def percent_panel(title: str, expr: str, legend: str, kind: str, **options: Any) -> Panel:
    return single(
        title,
        expr,
        legend,
        kind=kind,
        unit="percent",
        extra={"min": 0, "max": 100, "thresholds": PERCENT_BANDS},
        **options,
    )


WARD_OVERVIEW = Dashboard(
    uid="ward5s-ward-overview",
    title="ward5s · Tổng quan phường (ward overview)",
    description="5S+ results of the ward's units for the current month.",
    ward_variable=True,
    time_from="now-90d",
    panels=(
        percent_panel(
            "Xếp hạng đơn vị theo điểm 5S (unit ranking, total %)",
            f"sort_desc(max by (unit) (ward5s_unit_total_percent{{{WARD}}}))",
            "{{unit}}",
            "bargauge",
            description="Each unit's 5S total for the current month, best first.",
        ),
        percent_panel(
            "Điểm theo trụ cột (pillars S1–S5, %)",
            f"max by (unit, pillar) (ward5s_unit_pillar_percent{{{WARD}}})",
            "{{unit}} {{pillar}}",
            "bargauge",
            description="Sàng lọc, Sắp xếp, Sạch sẽ, Săn sóc, Sẵn sàng per unit: the weak pillar "
            "shows as the short bar.",
        ),
        percent_panel(
            "Diễn biến điểm 5S (trend of the total %)",
            f"max by (unit) (ward5s_unit_total_percent{{{WARD}}})",
            "{{unit}}",
            "timeseries",
            width=WIDTH,
            description="The current month's figure as it moves; each month starts afresh.",
        ),
        percent_panel(
            "Mức độ hài lòng của người dân (citizen satisfaction, %)",
            f"max by (unit) (ward5s_unit_satisfaction_percent{{{WARD}}})",
            "{{unit}}",
            "bargauge",
            description="Citizen ratings this month (100/75/50/25/0 per answer).",
        ),
        single(
            "Đánh giá quá hạn chưa duyệt (overdue reviews)",
            f"sum by (unit) (ward5s_overdue_reviews{{{WARD}}})",
            "{{unit}}",
            kind="bargauge",
            description="Self-assessments waiting for the unit head's review past the deadline.",
            extra={
                "thresholds": {
                    "mode": "absolute",
                    "steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}],
                }
            },
        ),
        single(
            "Hành động khắc phục đang mở (open corrective actions)",
            f"sum by (unit) (ward5s_open_corrective_actions{{{WARD}}})",
            "{{unit}}",
            kind="bargauge",
            description="Findings of audits (items scored 0–1) whose corrective action is open.",
        ),
    ),
)

RATE = "$__rate_interval"


def per_second(counter: str, by: str, matcher: str = "") -> str:
    """The query of ``counter``'s rate per second over Grafana's rate interval, summed by the
    labels ``by`` (``"service, status"``), of the series ``matcher`` selects
    (``{status=~"5.."}``)."""
    return f"sum by ({by}) (rate({counter}{matcher}[{RATE}]))"


def p95(histogram: str, by: str) -> str:
    """The query of the 95th percentile of ``histogram`` (its ``_bucket`` series) by ``by``."""
    return f"histogram_quantile(0.95, sum by ({by}, le) (rate({histogram}_bucket[{RATE}])))"


def counted_bars(title: str, counter: str, by: str, legend: str) -> Panel:
    """Bars of how much ``counter`` grew over the dashboard's time range, by ``by``."""
    return single(
        title,
        f"sum by ({by}) (increase({counter}[$__range]))",
        legend,
        kind="bargauge",
    )


#: The exporter's pending count per durable, a partitioned consumer's wards (a durable each,
#: ``<consumer>-<ward>`` on its stream) summed under the consumer's name, as the service's own
#: gauge reports them: one line for scoring, not one per ward of a city. Each durable's figure
#: is first the max over the servers that report it (a replicated consumer, once per node).
WARD_DURABLES_SUMMED = (
    "sum by (stream_name, consumer_name) (label_replace(max by (stream_name, consumer_name)"
    ' (jetstream_consumer_num_pending), "consumer_name", "scoring-assessment", "consumer_name",'
    ' "scoring-assessment-.+"))'
)

SERVICE_HEALTH = Dashboard(
    uid="ward5s-service-health",
    title="ward5s · Service health",
    description="Requests, errors, durations, events, consumer lag, outbox and dead letters.",
    panels=(
        single(
            "Up",
            'up{job=~"assessment|scoring|notifications|nats"}',
            "{{job}} {{instance}}",
            kind="stat",
        ),
        single(
            "Requests per second",
            per_second("ward5s_http_requests_total", "service"),
            "{{service}}",
            unit="reqps",
        ),
        single(
            "Server errors (5xx, share of requests)",
            per_second("ward5s_http_requests_total", "service", '{status=~"5.."}')
            + " / "
            + per_second("ward5s_http_requests_total", "service"),
            "{{service}}",
            unit="percentunit",
        ),
        single(
            "Client errors (4xx per second)",
            per_second("ward5s_http_requests_total", "service, status", '{status=~"4.."}'),
            "{{service}} {{status}}",
            unit="reqps",
        ),
        single(
            "Request duration (95th percentile)",
            p95("ward5s_http_request_duration_seconds", "service"),
            "{{service}}",
            unit="s",
        ),
        single(
            "Events processed by outcome",
            per_second("ward5s_events_processed_total", "consumer, outcome"),
            "{{consumer}} {{outcome}}",
            unit="ops",
        ),
        single(
            "Event batch duration (95th percentile)",
            p95("ward5s_event_batch_duration_seconds", "consumer"),
            "{{consumer}}",
            unit="s",
        ),
        Panel(
            "Consumer lag (messages not yet delivered)",
            (
                ("max by (consumer) (ward5s_consumer_pending_messages)", "{{consumer}}"),
                (
                    "max by (consumer) (ward5s_consumer_ack_pending_messages)",
                    "{{consumer}} awaiting ack",
                ),
                (
                    WARD_DURABLES_SUMMED,
                    "{{consumer_name}} (exporter)",
                ),
            ),
        ),
        single(
            "Outbox backlog",
            "max by (service) (ward5s_outbox_backlog)",
            "{{service}}",
        ),
        single(
            "Oldest unpublished outbox event",
            "max by (service) (ward5s_outbox_oldest_age_seconds)",
            "{{service}}",
            unit="s",
        ),
        single(
            "Dead letters (last hour)",
            "sum by (service, consumer, reason) (increase(ward5s_dead_letters_total[1h]))",
            "{{consumer}} {{reason}}",
        ),
        single(
            "Redeliveries per second",
            per_second("ward5s_consumer_redeliveries_total", "consumer"),
            "{{consumer}}",
            unit="ops",
        ),
        Panel(
            "Outbox publications per second",
            (
                (per_second("ward5s_outbox_published_total", "service"), "{{service}}"),
                (
                    per_second("ward5s_outbox_publish_failures_total", "service"),
                    "{{service}} failed",
                ),
            ),
            unit="ops",
            width=WIDTH,
        ),
    ),
)

ALERTS = Dashboard(
    uid="ward5s-alerts",
    title="ward5s · Alerts",
    description="Alerts to leaders (raised, sent, suppressed) and the system's own alerts.",
    time_from="now-7d",
    panels=(
        counted_bars("Alerts raised by rule", "ward5s_alerts_raised_total", "rule", "{{rule}}"),
        counted_bars(
            "Alerts sent by rule and channel",
            "ward5s_alerts_sent_total",
            "rule, channel",
            "{{rule}} · {{channel}}",
        ),
        counted_bars(
            "Alerts suppressed by rule and reason",
            "ward5s_alerts_suppressed_total",
            "rule, reason",
            "{{rule}} · {{reason}}",
        ),
        counted_bars(
            "Alerts escalated by rule", "ward5s_alerts_escalated_total", "rule", "{{rule}}"
        ),
        single(
            "Failed deliveries by channel",
            per_second("ward5s_alert_delivery_failures_total", "channel, kind"),
            "{{channel}} {{kind}}",
            unit="ops",
        ),
        single(
            "Overdue reviews in every ward",
            "sum by (ward) (ward5s_overdue_reviews)",
            "{{ward}}",
        ),
        single(
            "System alerts firing (Prometheus)",
            'sum by (alertname, severity) (ALERTS{alertstate="firing"})',
            "{{alertname}}",
            width=WIDTH,
        ),
    ),
)

DASHBOARDS = (WARD_OVERVIEW, SERVICE_HEALTH, ALERTS)


def panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    for key in ("min", "max", "thresholds"):
        if key in panel.extra:
            defaults[key] = panel.extra[key]
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": panel.width, "h": panel.height},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"orientation": "horizontal"} if panel.kind == "bargauge" else {},
        "targets": [
            {
                "refId": chr(ord("A") + index),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
                "instant": panel.instant,
                "range": not panel.instant,
            }
            for index, (expr, legend) in enumerate(panel.exprs)
        ],
    }


def dashboard_json(dashboard: Dashboard) -> dict[str, Any]:
    panels = []
    x = y = 0
    for panel_id, panel in enumerate(dashboard.panels, start=1):
        if x + panel.width > WIDTH:
            x, y = 0, y + panel.height
        panels.append(panel_json(panel, panel_id, x, y))
        x += panel.width
    variables = []
    if dashboard.ward_variable:
        variables.append(
            {
                "name": "ward",
                "label": "Phường (ward)",
                "type": "query",
                "datasource": DATASOURCE,
                "query": {"query": "label_values(ward5s_unit_total_percent, ward)", "refId": "W"},
                "definition": "label_values(ward5s_unit_total_percent, ward)",
                "refresh": 2,
                "sort": 1,
            }
        )
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": list(dashboard.tags),
        "timezone": "Asia/Ho_Chi_Minh",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "1m",
        "time": {"from": dashboard.time_from, "to": "now"},
        "templating": {"list": variables},
        "panels": panels,
    }


def render(dashboard: Dashboard) -> str:
    return json.dumps(dashboard_json(dashboard), ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for dashboard in DASHBOARDS:
        (OUT / f"{dashboard.uid}.json").write_text(render(dashboard), encoding="utf-8")
        print(f"wrote {OUT / dashboard.uid}.json")


if __name__ == "__main__":
    main()
