"""The labels and intake bodies in contracts: every band, level and pillar has its Vietnamese
and English text, and every intake subject names a body the assessment service handles."""

from __future__ import annotations

from typing import get_args

from contracts import intake
from contracts.common import PILLARS
from contracts.events import Band
from contracts.labels import BAND_LABELS, LEVEL_LABELS, PILLAR_LABELS


def test_every_band_level_and_pillar_has_a_label() -> None:
    assert set(BAND_LABELS) == set(get_args(Band))
    level = intake.FeedbackIn.model_json_schema()["properties"]["level"]
    assert sorted(LEVEL_LABELS) == list(range(level["minimum"], level["maximum"] + 1))
    assert set(PILLAR_LABELS) == set(PILLARS)
    assert BAND_LABELS["xuat_sac"].vi == "Hoàn thành xuất sắc nhiệm vụ"
    assert LEVEL_LABELS[1].vi == "Rất không hài lòng"
    assert PILLAR_LABELS["S1"].vi == "Sàng lọc"


def test_the_intake_kinds_are_the_assessment_commands() -> None:
    from services.assessment.handlers.commands import COMMANDS

    registered = {entry.kind: entry.name for entry in COMMANDS.entries()}
    assert {kind: registered.get(kind) for kind in intake.INTAKE_KINDS} == dict(intake.INTAKE_KINDS)
    assert len(set(registered.values())) == len(registered)
