"""The one display-rounding rule (``contracts.figures``): every figure a person reads, on the
pages, in the alerts and in the period report's PDF, is rounded once, half up, from its exact
value, so the same figure reads the same everywhere."""

from __future__ import annotations

from fractions import Fraction

from contracts.figures import exact_figures, rounded, written
from services.assessment.domain.campaigns import shown as campaign_result
from services.assessment.views.report_pdf import number as report_number
from services.notifications.domain.low_scores import below_threshold
from services.scoring.domain.exact import display, exact_text
from services.scoring.domain.exact import figures as scoring_figures
from services.web.views import board
from services.web.views.leaders import percent

#: A unit's S4 of 24 weighted points of 52: 100 · 24 / 52 = 600/13 = 46.1538… %.
S4 = Fraction(600, 13)


def test_a_figure_is_rounded_once_half_up_from_its_exact_value() -> None:
    assert written(S4, "vi") == "46,2" and written(S4, "en") == "46.2"
    # Scoring's two decimals, rounded again, lose it: 46.15 is 46.1499… as a float, and 46.15
    # is a half that round-half-even sends down; the exact value never reads "46,1".
    assert display(S4) == 46.15 and f"{display(S4):.1f}" == "46.1"
    assert written(Fraction(12_5, 10), "vi") == "12,5"  # 0.125 of a hundred: nothing to round
    assert written(Fraction(185, 4), "vi") == "46,3"  # 46.25, a true half: up
    assert written(Fraction(-185, 4), "en") == "-46.3"  # away from zero
    assert written(Fraction(-1, 100), "vi") == "0,0"  # no "-0,0"
    # Just under a half stays under, where two decimals first would make it a half.
    assert written(Fraction(46149, 1000), "vi") == "46,1"
    assert f"{display(Fraction(46149, 1000)):.2f}" == "46.15"
    assert rounded(Fraction(2, 3), 2) == rounded("2/3", 2) == rounded(0.6666666, 2)
    assert written(None, "vi") == "—"


def test_the_alert_the_board_and_the_report_write_a_figure_alike() -> None:
    # The alert carries the figure at full precision (a float of 600/13).
    assert written(float(S4), "vi") == "46,2"
    assert below_threshold(float(S4), 50.0, "vi") == ("46,2", "50,0")
    answer = exact_figures({"pillars": [{"pillar": "S4", **scoring_figures(percent=S4)}]})
    assert answer == {"pillars": [{"pillar": "S4", "percent": S4}]}
    assert written(answer["pillars"][0]["percent"], "vi") == "46,2"
    assert board.chart_value(S4) == 46.2  # the bar is labelled as the table writes it
    assert report_number(S4, "vi") == "46,2"
    # The half case alike everywhere: 46.25 exactly.
    half = Fraction(185, 4)
    assert written(float(half), "vi") == written(half, "vi") == "46,3"
    assert report_number(half, "en") == "46.3"


def test_scoring_answers_each_figure_exactly_beside_its_rounding() -> None:
    assert scoring_figures(percent=S4, change=None) == {
        "percent": 46.15,
        "change": None,
        "exact": {"percent": "600/13", "change": None},
    }
    assert exact_text(Fraction(75)) == "75" and exact_text(62.3) == "623/10"


def test_shares_changes_and_campaign_results_follow_the_same_rule() -> None:
    assert percent(0.125, "vi") == "12,5 %" and percent(0.8, "en") == "80.0 %"
    assert percent(None, "vi") == ""
    # A change that rounds to nothing is no change; a change is written as any figure.
    assert board.change_words(Fraction(1, 30), "vi") == "= 0"
    assert board.change_words(Fraction(-185, 4), "vi") == "▼ −46,3"
    # 37 of 80 points, half up from 46.25 (Python's round(46.25, 1) gives 46.2).
    result = campaign_result(Fraction(37, 80))
    assert result is not None and result["percent"] == 46.3
