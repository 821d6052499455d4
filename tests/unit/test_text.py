"""Vietnamese text at the boundary (contracts/text.py): NFC before any check, lengths on the
normalised text, the texts kept stripped arriving so, cuts never inside a letter and its marks,
searches insensitive to case and tone marks."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from pydantic import ValidationError

from contracts.common import Text
from contracts.intake import (
    ActionCloseIn,
    AuditItemIn,
    CampaignIn,
    CampaignItemIn,
    FeedbackIn,
    FollowUpIn,
    InitiativeIn,
    PeriodReviewIn,
    ReasonIn,
)
from contracts.text import clip, fold, matches

NAME = "Nguyễn Thị Ánh Tuyết"
DECOMPOSED = unicodedata.normalize("NFD", NAME)


def test_every_intake_text_is_stored_composed() -> None:
    assert DECOMPOSED != NAME and len(DECOMPOSED) == 26 and len(NAME) == 20
    assert ReasonIn(reason=DECOMPOSED).reason == NAME
    assert ActionCloseIn(note=DECOMPOSED).note == NAME
    assert AuditItemIn(code="S1.1", score=1, note=DECOMPOSED).note == NAME
    assert FeedbackIn(unit_id="kt", level=5, comment=DECOMPOSED).comment == NAME
    assert Text(vi=DECOMPOSED, en="x").vi == NAME


def test_lengths_are_counted_on_the_composed_text() -> None:
    # 1000 letters "ệ" typed decomposed are 3000 code points: within a 1000-letter limit.
    typed = unicodedata.normalize("NFD", "ệ") * 1000
    assert len(typed) == 3000
    assert ReasonIn(reason=typed).reason == "ệ" * 1000
    with pytest.raises(ValidationError):
        ReasonIn(reason=typed + "e")


def test_titles_and_accounts_arrive_stripped_and_are_checked_so() -> None:
    idea = InitiativeIn(
        title=f"  {DECOMPOSED}\n", problem=" a ", proposal="b\t", expected_effect=" c"
    )
    assert (idea.title, idea.problem, idea.proposal, idea.expected_effect) == (NAME, "a", "b", "c")
    review = PeriodReviewIn(
        unit_id="kt",
        period="2026-07",
        went_well=" a",
        went_badly="b ",
        lessons=" c ",
        follow_ups=[FollowUpIn(task=" d ", owner_id="p001", due_on=date(2026, 9, 1))],
    )
    assert (review.went_well, review.went_badly, review.lessons) == ("a", "b", "c")
    assert review.follow_ups[0].task == "d"
    campaign = CampaignIn(
        title=" Tháng 8 ",
        starts_on=date(2026, 8, 1),
        ends_on=date(2026, 8, 31),
        items=[CampaignItemIn(code="S1.1")],
    )
    assert campaign.title == "Tháng 8"
    # 300 letters with the spaces sent around them fit a 300-letter title; 301 do not.
    long = InitiativeIn(title=" " + "x" * 300 + " ", problem="a", proposal="b", expected_effect="c")
    assert long.title == "x" * 300
    with pytest.raises(ValidationError):
        InitiativeIn(title="x" * 301, problem="a", proposal="b", expected_effect="c")


@pytest.mark.parametrize("blank", [" ", "\n\t ", "\u3000"])
def test_a_title_or_an_account_of_spaces_only_is_refused_not_stored_empty(blank: str) -> None:
    with pytest.raises(ValidationError) as refused:
        InitiativeIn(title="Sắp xếp kho", problem="a", proposal="b", expected_effect=blank)
    assert [e["loc"] for e in refused.value.errors()] == [("expected_effect",)]
    with pytest.raises(ValidationError) as refused:
        CampaignIn(title=blank, starts_on=date(2026, 8, 1), ends_on=date(2026, 8, 31), items=[])
    assert ("title",) in [e["loc"] for e in refused.value.errors()]
    with pytest.raises(ValidationError):
        FollowUpIn(task=blank, owner_id="p001", due_on=date(2026, 9, 1))


def test_a_cut_never_leaves_a_mark_without_its_letter() -> None:
    # "q̃" has no composed form: the tilde stays a combining mark after NFC.
    text = "ab" + "q\u0303" + "cd"
    assert clip(text, 3) == "ab"
    assert clip(text, 4) == "abq\u0303"
    assert clip(DECOMPOSED, 7) == "Nguyễn "
    assert clip("Phòng Kinh tế", 200) == "Phòng Kinh tế"


def test_search_ignores_case_and_tone_marks_where_a_person_expects_it() -> None:
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert matches("nguyen van", NAME.replace("Thị Ánh Tuyết", "Văn An"))
    assert matches("tuyet", NAME) and matches("ÁNH", NAME)
    assert matches("Tuyết", DECOMPOSED)
    # Marks typed are marks meant: "Lệ" does not find "Lê", "le" finds both.
    assert not matches("Lệ", "Trần Thị Lê")
    assert matches("le", "Trần Thị Lê") and matches("le", "Trần Thị Lệ")
    assert not matches("", NAME) and not matches("hoa", NAME)
