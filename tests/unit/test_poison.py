"""The screen every consumer and every replay puts a message through (services.runtime.poison):
each kind of fault is named by its own reason, checked in a fixed order."""

from __future__ import annotations

import json

import pytest

from services.runtime.poison import MAX_EVENT_BYTES, Poison, screen
from tests.scoring.events import closed

GOOD = closed("2026-01")
SUBJECT = "ward5s.binh-dong.assessment.period.closed"


def body(**changes: object) -> bytes:
    return json.dumps({**json.loads(GOOD.model_dump_json()), **changes}).encode()


def reason(subject: str, data: bytes) -> str:
    with pytest.raises(Poison) as refused:
        screen(subject, data)
    assert refused.value.detail
    return refused.value.reason


def test_a_good_event_on_its_own_subject_passes() -> None:
    assert GOOD.subject == SUBJECT
    assert screen(SUBJECT, GOOD.model_dump_json().encode()) == GOOD


@pytest.mark.parametrize(
    ("subject", "data", "expected"),
    [
        (SUBJECT, b'{"type": "assessment.period.closed", ', "malformed"),
        (SUBJECT, b"\xff\xfe not even text", "malformed"),
        (SUBJECT, b"[1, 2]", "malformed"),
        (SUBJECT, body(type="assessment.period.exploded"), "unknown_type"),
        (SUBJECT, body(type=None), "unknown_type"),
        (SUBJECT, body(schema_version=2), "unsupported_version"),
        (SUBJECT, body(schema_version="1"), "unsupported_version"),
        (SUBJECT, body(data={"period": "2026-13"}), "invalid"),
        ("ward5s.tan-dinh.assessment.period.closed", body(), "wrong_subject"),
        ("ward5s.binh-dong.assessment.period.reopened", body(), "wrong_subject"),
        (SUBJECT, body().ljust(MAX_EVENT_BYTES + 1), "oversized"),
    ],
)
def test_each_kind_of_poison_has_its_reason(subject: str, data: bytes, expected: str) -> None:
    assert reason(subject, data) == expected


def test_the_longest_event_allowed_passes() -> None:
    assert screen(SUBJECT, body().ljust(MAX_EVENT_BYTES)).event_id == GOOD.event_id
