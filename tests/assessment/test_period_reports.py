"""Which periods get their report mailed once months close, who in the ward receives it, who
may download it and as whom its figures are read, what scoring's answers are to the caller,
and when a report closed again is corrected (pure rules, fast tier); the delivery itself is
tests/e2e/test_period_report_mail.py, the download tests/assessment/test_report_readers.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.common import Text
from contracts.roles import Role
from services.assessment.adapters.scoring_figures import ScoringUnavailable, upstream_refusal
from services.assessment.domain.period_reports import (
    Correction,
    committee_reader,
    correction,
    due_periods,
    fingerprint,
    months_needed,
    report_reader,
)
from services.notifications.domain.mail import Attachment, compose_report
from services.notifications.domain.rules import committee
from services.runtime.auth import Principal
from services.runtime.refusals import Refusal
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


def test_a_report_closed_again_is_corrected_only_when_its_official_figures_differ() -> None:
    row = {"rank": 1, "unit": Text(vi="Văn phòng", en="Office"), "total_percent": 60.0}
    mailed = fingerprint([row])
    # The programme's columns move with time (actions overdue as of today): no correction.
    assert fingerprint([{**row, "actions_overdue": 3, "review": "Đã xác nhận"}]) == mailed
    amended = fingerprint([{**row, "total_percent": 100.0}])
    assert amended != mailed
    closed = datetime(2026, 11, 2, 9, tzinfo=UTC)
    settle = timedelta(minutes=10)
    assert correction(mailed, amended, closed, closed, settle) == Correction(True, True)
    # Unchanged: weighed again while scoring may still be behind, then let be.
    soon, later = closed + timedelta(minutes=1), closed + timedelta(minutes=10)
    assert correction(mailed, mailed, closed, soon, settle) == Correction(False, False)
    assert correction(mailed, mailed, closed, later, settle) == Correction(False, True)
    # A report issued before fingerprints were kept counts as differing.
    assert correction(None, mailed, closed, soon, settle).issue


def test_a_corrected_report_says_so_in_its_subject_and_first_line() -> None:
    title = Text(vi="Báo cáo kết quả thực hiện mô hình 5S+ tháng 10/2026", en="5S+ report")
    files = [Attachment("bao-cao-5s-2026-10.pdf", "application/pdf", b"%PDF")]
    first = compose_report("Trần Quốc Khải", title, files)
    assert first.subject == f"[5S+] {title.vi}"
    assert "điều chỉnh" not in first.text
    again = compose_report("Trần Quốc Khải", title, files, corrected=True)
    assert again.subject == f"[5S+] Báo cáo điều chỉnh: {title.vi}"
    assert again.text.splitlines()[0].startswith("Báo cáo điều chỉnh: kỳ đã được mở lại")
    assert "<p>Báo cáo điều chỉnh" in again.html and "Corrected report" in again.text


def test_the_committee_and_administrators_download_the_wards_report_others_are_refused() -> None:
    vice = Principal("p002", "binh-dong", Role.VICE_CHAIRMAN, "vp", ("kt", "vhxh"))
    # Read as the committee reads it (every unit), not as the vice-chairman's own charge.
    assert report_reader(vice) == committee_reader("binh-dong")
    assert committee_reader("binh-dong").role is Role.CHAIRMAN
    for role in (Role.CHAIRMAN, Role.ADMIN):
        assert report_reader(Principal("p001", "binh-dong", role, "vp")).role is Role.CHAIRMAN
    for role in (Role.UNIT_HEAD, Role.AUDITOR, Role.STAFF, Role.KIOSK, Role.INTEGRATION):
        with pytest.raises(Refusal) as refused:
            report_reader(Principal("p010", "binh-dong", role, "kt", ("kt",)))
        assert (refused.value.status, refused.value.code) == (403, "not_report_reader")


@pytest.mark.parametrize(
    ("upstream", "status", "code"),
    [
        (403, 403, "scores_forbidden"),
        (404, 404, "scores_not_found"),
        (422, 422, "bad_format"),
        (401, 503, "scores_unavailable"),  # scoring has not fetched this service's key yet
        (429, 503, "scores_unavailable"),
        (500, 503, "scores_unavailable"),
        (502, 503, "scores_unavailable"),
    ],
)
def test_scorings_refusals_stay_refusals_only_its_failures_are_try_again_later(
    upstream: int, status: int, code: str
) -> None:
    refusal = upstream_refusal(upstream)
    assert (refusal.status, refusal.code) == (status, code)
    assert isinstance(refusal, ScoringUnavailable) is (status == 503)
