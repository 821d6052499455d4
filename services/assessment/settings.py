"""The assessment service's settings (``WARD5S_ASSESSMENT_<NAME>``) and the policy they make,
with the calendar files read here rather than in the domain."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from services.assessment.domain.policy import Policy
from services.runtime.settings import (
    CommandSettings,
    ServiceSettings,
    SignInMailSettings,
    load_settings,
    own_settings,
    separated,
)
from services.runtime.token_keys import KeyRing, NoSigningKey, demo_kids
from services.runtime.workdays import read_calendar_days

NAME = "assessment"
#: The calendar files shipped with the service (one per year; see docs/OPERATIONS.md).
SHIPPED_CALENDAR_DIR = Path(__file__).resolve().parent / "calendar_files"


#: The settings that set the policy's value of the same name. Their defaults are the policy's
#: (``domain/policy.py``, where each value's rule and source are), written there once.
POLICY_VALUES = (
    "corrective_action_working_days",
    "feedback_burst",
    "feedback_refill_s",
    "auto_close_lookback_months",
    "reopen_working_days",
)


class AssessmentSettings(CommandSettings, SignInMailSettings):
    """``WARD5S_ASSESSMENT_<NAME>``: deadlines in working days and the kiosk rate limit."""

    corrective_action_working_days: int = Policy.corrective_action_working_days
    feedback_burst: int = Policy.feedback_burst
    feedback_refill_s: float = Policy.feedback_refill_s
    #: The calendar file, or directory of files, every ward's working calendar starts from (its
    #: days off and make-up working days with their reasons; see ``read_calendar_days`` and
    #: docs/OPERATIONS.md). Default: the files shipped with the service.
    calendar_file: Path | None = SHIPPED_CALENDAR_DIR
    #: How often the automatic period close looks for months past their close day.
    auto_close_interval_s: float = 300.0
    auto_close_lookback_months: int = Policy.auto_close_lookback_months
    #: Who reviews the chairman's "+" self-assessment: a person id of the org chart outside the
    #: chairman's line of command; empty: the HR integration records the review made outside
    #: the ward (``Policy.chairman_reviewer``).
    chairman_reviewer: str | None = None
    #: Who decides on initiatives besides the chairman: person ids, separated by commas
    #: (``Policy.initiative_council``).
    initiative_council: str = ""
    #: A reopened month closes again this many working days after its reopening by default.
    reopen_working_days: int = Policy.reopen_working_days
    #: Days a citizen's comment is kept after the rating was given (``Policy.comment_retention``).
    comment_retention_days: int = Policy.comment_retention.days
    #: The private keys bearer tokens are signed with, one ``<kid>.pem`` file each
    #: (``python -m services.assessment keys``; docs/SECURITY.md). Default ``<var_dir>/token-keys``.
    signing_keys_dir: Path | None = None
    #: How long a token minted for a person lasts (a city official's: ``city-token``).
    person_token_hours: float = 12.0
    #: How long a device's token (kiosk, QR link, integration) lasts.
    device_token_days: float = 365.0
    #: Sign-in (docs/SECURITY.md, "People sign in"): a person's access token lasts minutes, the
    #: refresh token that renews it hours; invitation and reset links expire.
    access_token_minutes: float = 15.0
    refresh_token_hours: float = 12.0
    invitation_hours: float = 72.0
    reset_hours: float = 1.0
    #: Scoring's API, read on behalf of a unit head to attach a period's figures to their review.
    scoring_url: str = "http://127.0.0.1:8002"
    #: Seconds that read may take before the review is refused (503, try again).
    scoring_timeout_s: float = 5.0
    #: How often the period reports due are looked for (a closed period's, mailed to the committee
    #: once scoring gives its figures as final: ``handlers/period_reports.py``), and how many
    #: months before the current one a closed month still gets its report mailed.
    report_interval_s: float = 60.0
    report_lookback_months: int = 2
    #: How long after a month is closed again its unchanged reports are still weighed against
    #: scoring's figures at each pass, before the close counts as changing nothing (scoring may
    #: be behind on the reopen and the close): ``domain/period_reports.correction``.
    report_settle_s: float = 600.0
    #: Where people open the link to set their password (the web pages' page, given ``?secret=``).
    sign_in_url: str = "http://127.0.0.1:8001/v1/auth/password"
    #: How passwords are hashed (``domain.credentials.HASHINGS``): argon2id with RFC 9106's
    #: parameters; ``test``, the cheapest, for test stacks only (refused in production).
    password_hashing: Literal["rfc9106", "test"] = "rfc9106"

    def check_production(self) -> None:
        """The runtime's checks, and no cheap password hashing in production (SystemExit)."""
        super().check_production()
        if self.environment == "production" and self.password_hashing != "rfc9106":
            raise SystemExit("WARD5S_ASSESSMENT_PASSWORD_HASHING must be rfc9106 in production")

    def key_ring(self) -> KeyRing:
        """The keys this service signs with. A demo or test stack makes one (kid ``demo-`` or
        ``test-``) when there is none; production starts only with a key of its own, and none
        made for a demo or a test in the directory (SystemExit otherwise: fail closed)."""
        ring = KeyRing(self.signing_keys_dir or self.var_dir / "token-keys")
        if self.environment != "production":
            ring.ensure(prefix=f"{self.environment}-")
            return ring
        try:
            ring.current()
        except NoSigningKey as error:
            raise SystemExit(
                f"{error}: make one with `python -m services.assessment keys rotate`"
            ) from None
        demo = demo_kids(ring.signing_keys())
        if demo:
            raise SystemExit(f"demo or test signing keys in {ring.directory}: {demo}")
        return ring

    def policy(self) -> Policy:
        """The policy these settings make, with the calendar files read now."""
        return Policy(
            chairman_reviewer=self.chairman_reviewer or None,
            initiative_council=separated(self.initiative_council),
            comment_retention=timedelta(days=self.comment_retention_days),
            **{name: getattr(self, name) for name in POLICY_VALUES},
        ).seeded(read_calendar_days(self.calendar_file))


def settings() -> AssessmentSettings:
    return load_settings(AssessmentSettings, NAME, http_port=8001)


def assessment_settings(config: ServiceSettings | None) -> AssessmentSettings:
    return own_settings(AssessmentSettings, config, settings)


@lru_cache(maxsize=1)
def shipped_policy() -> Policy:
    """The default policy with the shipped calendar files as every ward's seed."""
    return Policy().seeded(read_calendar_days(SHIPPED_CALENDAR_DIR))
