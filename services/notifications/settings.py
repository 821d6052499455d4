"""Settings of the notifications service, read like every other setting (``WARD5S_NOTIFICATIONS_X``
then ``WARD5S_X``). Every number of the brief is here, so a ward can change it without code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time

from pydantic import AwareDatetime, SecretStr, model_validator

from services.runtime.settings import CommandSettings, SignInMailSettings, load_settings

#: Known only to demo and test stacks; a production stack refuses to start with it.
DEMO_SIGNING_SECRET = SecretStr("ward5s-demo-signing-secret-change-me-in-production")


class NotificationsSettings(CommandSettings, SignInMailSettings):
    #: SMTP relay for e-mail; ``smtp_host`` empty turns the e-mail channel off.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_s: float = 10.0
    #: One deadline for a whole SMTP exchange (``smtp_timeout_s`` bounds each reply).
    smtp_deadline_s: float = 60.0
    mail_from: str = "5S+ UBND phường <no-reply@ward5s.invalid>"
    #: Signs the acknowledge and snooze links in messages, and nothing else (each webhook has
    #: a signing secret of its own).
    signing_secret: SecretStr = DEMO_SIGNING_SECRET
    #: The address people reach the web pages at, for the acknowledge and snooze links
    #: (``/alerts/link/{token}``: a confirmation page there, then ``POST /v1/links/{token}``).
    public_url: str = "http://127.0.0.1:8000"
    link_ttl_hours: float = 72.0
    #: A calendar file of declared days off and make-up working days (see WorkingCalendar) that
    #: stands in for a ward until assessment publishes its calendar
    #: (``assessment.calendar.published``); none: the national calendar alone.
    calendar_file: str | None = None
    #: Quiet hours: nothing but critical alerts is sent outside this window or on days off.
    send_from: time = time(7, 0)
    send_until: time = time(17, 30)
    #: The daily digest (for people who chose it) goes at this local time on working days.
    digest_at: time = time(7, 30)
    #: Working days an alert stays unacknowledged before it goes one level up.
    escalation_working_days: int = 2
    #: A unit reviews each month, quarter and year by this working day after it (alert
    #: ``period_review.missing`` otherwise).
    period_review_working_day: int = 10
    #: Who receives the period report once a period is finalized: person ids of the org chart,
    #: separated by commas; empty: the chairman and the vice-chairmen
    #: (``Policy.report_recipients``).
    report_recipients: str = ""
    #: An open, unacknowledged alert is sent again after this many hours.
    repeat_hours: float = 24.0
    #: Retries of a channel that is down: the first after ``retry_base_s``, doubling, capped.
    retry_base_s: float = 5.0
    retry_max_s: float = 900.0
    #: Networks a webhook may reach although they are not public (loopback, private,
    #: link-local, ...), in CIDR notation separated by commas: the ward's own intranet receiver,
    #: say. Empty: public addresses only (docs/SECURITY.md, "Webhooks").
    webhook_allowed_networks: str = ""
    #: One deadline for a whole webhook exchange, and how much of its answer is read at most.
    webhook_deadline_s: float = 10.0
    webhook_max_answer_bytes: int = 4096
    #: A webhook whose messages failed this many times in a row is turned off and its owner told.
    webhook_disable_after: int = 10
    #: How many messages one instance sends at once.
    send_concurrency: int = 8
    #: An instance claims the deliveries it is sending for this long; a claim that lapses (the
    #: instance died mid-send) is taken over by another. Longer than any one send can take.
    claim_s: float = 300.0
    #: The scheduler looks at deadlines, repeats and deliveries this often (and at once after an
    #: alert is raised).
    tick_s: float = 5.0
    #: How often the keys of commands older than ``idempotency_retention_days`` are forgotten.
    housekeeping_s: float = 3600.0
    #: Demo and test stacks only: the clock starts here instead of now (then runs on).
    clock_start: AwareDatetime | None = None

    def check_production(self) -> None:
        """The runtime's checks, and no mail catcher for the alerts' e-mail in production."""
        super().check_production()
        catcher = self.smtp_host.lower() in MAIL_CATCHERS or self.smtp_port == MAIL_CATCHER_PORT
        if self.environment == "production" and self.smtp_host and catcher:
            raise SystemExit(
                f"WARD5S_SMTP_HOST={self.smtp_host}:{self.smtp_port} is a mail catcher: alerts "
                "would reach nobody. Set the ward's SMTP relay in production"
            )

    def demo_secrets(self) -> Mapping[str, tuple[SecretStr, str]]:
        return {
            **super().demo_secrets(),
            "WARD5S_NOTIFICATIONS_SIGNING_SECRET": (
                self.signing_secret,
                DEMO_SIGNING_SECRET.get_secret_value(),
            ),
        }

    @model_validator(mode="after")
    def _claim_outlasts_a_send(self) -> NotificationsSettings:
        """A send starts only while its claim will outlast the channel's deadline
        (handlers/sending.py): a claim no longer than a deadline would send nothing."""
        if self.claim_s <= max(self.smtp_deadline_s, self.webhook_deadline_s):
            raise ValueError("claim_s must be longer than smtp_deadline_s and webhook_deadline_s")
        return self


#: SMTP servers that catch mail instead of delivering it (demo and trial stacks): production
#: refuses them, or alerts would never reach anyone. Port 1025 is their convention.
MAIL_CATCHERS = frozenset({"mailpit", "mailhog", "mailcatcher", "maildev", "smtp4dev", "inbucket"})
MAIL_CATCHER_PORT = 1025


def notifications_settings() -> NotificationsSettings:
    return load_settings(NotificationsSettings, "notifications", http_port=8003)
