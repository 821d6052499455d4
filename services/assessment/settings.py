"""The assessment service's settings (``WARD5S_ASSESSMENT_<NAME>``) and the policy they make,
with the calendar files read here rather than in the domain."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from services.assessment.domain.policy import Policy
from services.runtime.settings import ServiceSettings, load_settings, own_settings
from services.runtime.workdays import WorkingCalendar, read_calendar_days

NAME = "assessment"
#: The calendar files shipped with the service (one per year; see docs/OPERATIONS.md).
SHIPPED_CALENDAR_DIR = Path(__file__).resolve().parent / "calendar_files"


class AssessmentSettings(ServiceSettings):
    """``WARD5S_ASSESSMENT_<NAME>``: deadlines in working days and the kiosk rate limit."""

    corrective_action_working_days: int = 10
    feedback_burst: int = 10
    feedback_refill_s: float = 6.0
    #: The calendar file, or directory of files, every ward's working calendar starts from (its
    #: days off and make-up working days with their reasons; see ``read_calendar_days`` and
    #: docs/OPERATIONS.md). Default: the files shipped with the service.
    calendar_file: Path | None = SHIPPED_CALENDAR_DIR
    #: How often the automatic period close looks for months past their close day.
    auto_close_interval_s: float = 300.0
    auto_close_lookback_months: int = 3
    #: How long a retry with the same idempotency key still gets the first answer back.
    idempotency_retention_days: float = 30.0

    def policy(self) -> Policy:
        """The policy these settings make, with the calendar files read now."""
        seed = read_calendar_days(self.calendar_file)
        return Policy(
            calendar=WorkingCalendar.from_days(seed),
            calendar_seed=seed,
            corrective_action_working_days=self.corrective_action_working_days,
            feedback_burst=self.feedback_burst,
            feedback_refill_s=self.feedback_refill_s,
            auto_close_lookback_months=self.auto_close_lookback_months,
        )


def settings() -> AssessmentSettings:
    return load_settings(AssessmentSettings, NAME, http_port=8001)


def assessment_settings(config: ServiceSettings | None) -> AssessmentSettings:
    return own_settings(AssessmentSettings, config, settings)


@lru_cache(maxsize=1)
def shipped_policy() -> Policy:
    """The default policy with the shipped calendar files as every ward's seed."""
    seed = read_calendar_days(SHIPPED_CALENDAR_DIR)
    return Policy(calendar=WorkingCalendar.from_days(seed), calendar_seed=seed)
