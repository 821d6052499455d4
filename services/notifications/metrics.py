"""The notifications service's own metrics. Labels carry rules, channels, reasons, wards and units:
never a person (a person id or an address is personal data)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ALERTS_RAISED = Counter("ward5s_alerts_raised_total", "Alerts raised, by rule.", ["rule"])
ALERTS_SENT = Counter(
    "ward5s_alerts_sent_total", "Alerts delivered, by rule and channel.", ["rule", "channel"]
)
ALERTS_SUPPRESSED = Counter(
    "ward5s_alerts_suppressed_total",
    "Alerts not sent at once, by rule and reason (duplicate, quiet_hours, digest, "
    "acknowledged, resolved).",
    ["rule", "reason"],
)
ALERTS_ESCALATED = Counter(
    "ward5s_alerts_escalated_total", "Alerts handed one level up, by rule.", ["rule"]
)
DELIVERY_FAILURES = Counter(
    "ward5s_alert_delivery_failures_total",
    "Failed delivery attempts, by channel and kind (transient: retried later; permanent: the "
    "address was refused and the delivery is marked failed).",
    ["channel", "kind"],
)
OVERDUE_REVIEWS = Gauge(
    "ward5s_overdue_reviews",
    "Self-assessments whose review by the unit head is overdue.",
    ["ward", "unit"],
)
