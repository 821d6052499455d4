"""Settings of the scoring service, read like every other setting (``WARD5S_SCORING_X`` then
``WARD5S_X``)."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings, load_settings

NAME = "scoring"
HTTP_PORT = 8002
#: Events per consumer batch: the per-batch work (statements, announcements) is shared by more
#: events; at low load a batch is whatever arrived within the pull's short wait.
CONSUMER_BATCH = 2048


def settings() -> ServiceSettings:
    return load_settings(ServiceSettings, NAME, http_port=HTTP_PORT, consumer_batch=CONSUMER_BATCH)
