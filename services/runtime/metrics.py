"""Metrics every service exposes, named by Prometheus conventions.

Labels carry service, route, rule, channel, ward and unit ids, outcomes: never a person's name or
id (a person is personal data; a unit is not).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "ward5s_http_requests_total",
    "HTTP requests handled, by route and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "ward5s_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PROCESSED = Counter(
    "ward5s_events_processed_total",
    "Events taken from the bus by a consumer, by outcome "
    "(applied, duplicate, dead_lettered, retried).",
    ["service", "consumer", "outcome"],
)
EVENT_BATCH_DURATION = Histogram(
    "ward5s_event_batch_duration_seconds",
    "Time to apply and commit one batch of events.",
    ["service", "consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
REDELIVERIES = Counter(
    "ward5s_consumer_redeliveries_total",
    "Messages delivered more than once to a consumer.",
    ["service", "consumer"],
)
DEAD_LETTERS = Counter(
    "ward5s_dead_letters_total",
    "Messages sent to the dead-letter stream, by reason.",
    ["service", "consumer", "reason"],
)
OUTBOX_PUBLISHED = Counter(
    "ward5s_outbox_published_total", "Events published from the outbox.", ["service"]
)
OUTBOX_FAILURES = Counter(
    "ward5s_outbox_publish_failures_total",
    "Attempts to publish an outbox event that failed (it stays and is retried).",
    ["service"],
)
OUTBOX_BACKLOG = Gauge(
    "ward5s_outbox_backlog", "Events in the outbox not yet published.", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "ward5s_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox event (0 when the outbox is empty).",
    ["service"],
)
CONSUMER_PENDING = Gauge(
    "ward5s_consumer_pending_messages",
    "Messages on the stream a durable consumer has not been delivered yet (its lag).",
    ["service", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "ward5s_consumer_ack_pending_messages",
    "Messages delivered to a durable consumer and not acknowledged yet.",
    ["service", "consumer"],
)
