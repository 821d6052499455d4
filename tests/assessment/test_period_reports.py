"""Which periods get their report mailed once months close, and who in the ward receives it
(pure rules, fast tier); the delivery itself is tests/e2e/test_period_report_mail.py."""

from __future__ import annotations

from services.assessment.domain.period_reports import due_periods, months_needed
from services.notifications.domain.rules import committee
from tests.notifications.harness import PEOPLE


def test_a_month_then_its_quarter_and_year_once_every_month_of_them_is_closed() -> None:
    assert due_periods(["2026-11"], {"2026-10", "2026-11"}) == ["2026-11"]
    quarter = {"2026-10", "2026-11", "2026-12"}
    assert due_periods(["2026-12"], quarter) == ["2026-12", "2026-Q4"]
    year = {f"2026-{m:02d}" for m in range(1, 13)}
    assert due_periods(["2026-11", "2026-12"], year) == [
        "2026-11",
        "2026-12",
        "2026-Q4",
        "2026",
    ]
    assert "2026-01" in months_needed(["2026-12"]) and len(months_needed(["2026-12"])) == 12


def test_the_committee_is_the_chairman_and_vice_chairmen_unless_the_policy_names_others() -> None:
    assert [p.person_id for p in committee(PEOPLE)] == ["p001", "p002"]
    named = committee(PEOPLE, ("p002", "p010", "p999"))
    assert [p.person_id for p in named] == ["p002", "p010"]  # p999 is on no chart
