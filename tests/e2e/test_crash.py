"""The crash suite (issue 21, item 1): a known mix of submissions through HTTP and the NATS
intake while every service is killed with SIGKILL at seeded random moments and started again;
nothing accepted is lost, nothing is counted twice, no alert or e-mail goes out twice
(``tests.e2e.soak_checks``). At CI size here; ``make soak`` runs the same at full size
(``WARD5S_SOAK=full``: at least 20 kills per service, two instances of scoring and
notifications) or ``make soak QUICK=1``, and prints the table. ``WARD5S_SOAK_SEED`` replays a
run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.soak import Size
from tests.e2e.soak_checks import soak
from tests.notifications.harness import Mailbox
from tests.support.stack import SERVICE_NAMES, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

SIZE = os.environ.get("WARD5S_SOAK", "ci")
#: How long a run may take, by size (s). A marker outranks the command line's --timeout, so the
#: limit is the size's: the full run takes about ten minutes on a busy 2-core machine.
TIMEOUT_S = {"ci": 600, "quick": 600, "full": 2400}[SIZE]


@pytest.mark.timeout(TIMEOUT_S)
async def test_killed_services_lose_nothing_count_nothing_twice_and_mail_nothing_twice(
    nats_server, new_pg_database, tmp_path: Path
) -> None:
    size = Size.named(SIZE)
    seed = int(os.environ.get("WARD5S_SOAK_SEED", "21"))
    mailbox = Mailbox().start()
    try:
        stack = Stack(
            nats_server.url,
            {name: new_pg_database() for name in SERVICE_NAMES},
            tmp_path,
            extra_env={
                "WARD5S_ASSESSMENT_AUTO_CLOSE_INTERVAL_S": "3600",
                # The kiosks rate at the generator's pace, faster than a citizen a kiosk takes
                # (10, then one per 6 s): the suite is about faults, not the rate limit.
                "WARD5S_ASSESSMENT_FEEDBACK_REFILL_S": "0.1",
                "WARD5S_NOTIFICATIONS_SMTP_PORT": str(mailbox.port),
                "WARD5S_NOTIFICATIONS_SEND_FROM": "00:00",
                "WARD5S_NOTIFICATIONS_SEND_UNTIL": "23:59",
                "WARD5S_NOTIFICATIONS_RETRY_BASE_S": "0.5",
                # A killed instance's claimed e-mails are taken over when its lease lapses: longer
                # than one SMTP exchange may take (60 s), shorter than the default 5 minutes.
                "WARD5S_NOTIFICATIONS_CLAIM_S": "70",
            },
        )
        tokens = stack.load_demo(tmp_path / "tokens.json", mode="org")
        report = await soak(
            size, seed, stack, mailbox, tokens, tmp_path, new_pg_database(), nats_server
        )
    finally:
        mailbox.stop()
    print("\n" + report.table())
    assert sum(report.faults.kills.values()) == size.kills_per_service * 3 + size.nats_restarts
    assert len(report.faults.reconnects) == size.nats_restarts  # every service came back
    assert report.ledger.accepted >= size.submissions * 0.8  # the mix went through
    assert report.ledger.audits and report.ledger.feedback and report.ledger.task_results
    assert report.ledger.self_assessments and report.ledger.reviews
    assert report.lost == []
    assert report.duplicated == []
    assert report.figures_differing == []
    assert report.mail.duplicate_alerts == 0
    # The same alert under two Message-IDs fails; one message resent under its own id after a
    # kill between the server's 250 and the record is at least once, shown in the table.
    assert report.mail.duplicated == 0
    assert report.mail.lost == 0
    assert report.mail.alerts_sent > 0  # low audits were alerted, by e-mail
    assert report.clean
