"""The assessment settings make the policy: a value set by ``WARD5S_ASSESSMENT_<NAME>`` reaches
it, and an unset one is the policy's own default (written once, in ``domain/policy.py``)."""

from __future__ import annotations

from datetime import timedelta

from services.assessment.domain.policy import Policy
from services.assessment.settings import POLICY_VALUES, AssessmentSettings


def settings(**values: object) -> AssessmentSettings:
    return AssessmentSettings.model_validate({"service": "assessment", "http_port": 0, **values})


def test_unset_policy_values_are_the_policys_defaults() -> None:
    made, default = settings().policy(), Policy()
    for name in POLICY_VALUES:
        assert getattr(made, name) == getattr(default, name), name
    assert made.comment_retention == default.comment_retention


def test_each_policy_value_set_reaches_the_policy() -> None:
    made = settings(
        corrective_action_working_days=7,
        feedback_burst=4,
        feedback_refill_s=2.5,
        auto_close_lookback_months=6,
        reopen_working_days=1,
        comment_retention_days=30,
    ).policy()
    assert (
        made.corrective_action_working_days,
        made.feedback_burst,
        made.feedback_refill_s,
        made.auto_close_lookback_months,
        made.reopen_working_days,
        made.comment_retention,
    ) == (7, 4, 2.5, 6, 1, timedelta(days=30))
