"""Settings of the scoring service, read like every other setting (``WARD5S_SCORING_X`` then
``WARD5S_X``)."""

from __future__ import annotations

from typing import Literal

from services.runtime.settings import CommandSettings, ServiceSettings, load_settings, own_settings

NAME = "scoring"
HTTP_PORT = 8002
#: Events per consumer batch: the per-batch work (statements, announcements) is shared by more
#: events; at low load a batch is whatever arrived within the pull's short wait.
CONSUMER_BATCH = 2048


class ScoringSettings(CommandSettings):
    #: How often the answers older than ``idempotency_retention_days`` are forgotten.
    housekeeping_interval_s: float = 3600.0
    #: How assessment's events are applied exactly once: ``partitioned``, the default (a
    #: durable per ward on scoring's mirror of ASSESSMENT, one instance at a time by lease, the
    #: last applied stream sequence per ward beside the sums, one ack per batch:
    #: ``services.runtime.partitions``), or ``inbox`` (one durable consumer on ASSESSMENT shared
    #: by every instance, a row per event in the inbox). Either may follow the other: see the
    #: service's README, "Applying by partition".
    delivery: Literal["inbox", "partitioned"] = "partitioned"


def settings() -> ScoringSettings:
    return load_settings(ScoringSettings, NAME, http_port=HTTP_PORT, consumer_batch=CONSUMER_BATCH)


def scoring_settings(config: ServiceSettings | None) -> ScoringSettings:
    """The service's own settings from what a caller passed (:func:`own_settings`)."""
    return own_settings(ScoringSettings, config, settings)
