"""Every service's people's commands pass the bus's gate (issue 21, item 2): while JetStream
refuses to store events, each refuses them with 503 ``bus_full`` (``Runtime.check_bus``) rather
than take what it could not publish. A service whose commands lacked the gate (notifications
did) would take them and leave their events waiting; the behaviour itself is tested on a full
NATS in each service's ``test_bus_full.py``."""

from __future__ import annotations

from pathlib import Path

from services.assessment.bootstrap import build_app as assessment_app
from services.notifications.bootstrap import build_app as notifications_app
from services.scoring.bootstrap import build_app as scoring_app
from tests.assessment.conftest import service_settings
from tests.notifications.harness import Mailbox, settings_for
from tests.scoring.test_scale_out import config

NATS = "nats://127.0.0.1:1"  # never reached: the apps are built, not started


def test_every_services_commands_are_gated_by_the_bus(tmp_path: Path) -> None:
    def url(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/{name}.db"

    assessment = assessment_app(service_settings(NATS, url("a")))
    scoring = scoring_app(config(NATS, url("s")))
    notifications = notifications_app(settings_for(NATS, url("n"), Mailbox()))
    gated = {
        "assessment": (assessment.state.submissions.gate, assessment.state.runtime),
        "scoring": (scoring.state.commands.gate, scoring.state.runtime),
        "notifications": (
            notifications.state.notifications.people.gate,
            notifications.state.runtime,
        ),
    }
    assert {name: gate == runtime.check_bus for name, (gate, runtime) in gated.items()} == {
        "assessment": True,
        "scoring": True,
        "notifications": True,
    }
