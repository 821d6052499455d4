"""The board's trend reads a unit's past months from scoring once a minute at most per caller
(``board.PAST_KEPT_S``): the board's loads and live refreshes draw the same eleven past months;
the current month is read at every load, and another caller's figures are never served."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from services.runtime.clock import FrozenClock
from services.web.entrypoints import board

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


class Scoring:
    """Scoring's unit scores, counting the reads per month."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    async def call(self, service: str, method: str, path: str, **options: Any) -> Any:
        month = options["params"]["period"]
        self.reads.append(month)
        body = {"unit_id": "vp", "total_percent": 80.0, "satisfaction_percent": 90.0}
        return SimpleNamespace(status=200, json=lambda: body)


def request_of(scoring: Scoring) -> Any:
    web = SimpleNamespace(
        upstream=scoring,
        clock=FrozenClock(NOW),
        cookies=SimpleNamespace(lang=lambda request: "vi"),
    )
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(web=web)), cookies={})


@pytest.fixture(autouse=True)
def fresh() -> None:
    board._PAST.clear()


async def test_past_months_are_read_once_a_minute_the_current_month_every_time(
    monkeypatch,
) -> None:
    scoring = Scoring()
    request = request_of(scoring)
    chairman = SimpleNamespace(access="token-of-the-chairman")
    first = await board._trend(request, chairman, "vp")
    assert [point["month"] for point in first][-1] == "2026-11" and len(first) == 12
    assert len(scoring.reads) == 12
    again = await board._trend(request, chairman, "vp")
    assert again == first
    assert scoring.reads[12:] == ["2026-11"]  # only the current month again
    head = SimpleNamespace(access="token-of-a-head")
    await board._trend(request, head, "vp")
    assert len(scoring.reads) == 13 + 12  # another caller: all of them, as scoring answers them
    later = board.time.monotonic() + board.PAST_KEPT_S
    monkeypatch.setattr(board.time, "monotonic", lambda: later)
    await board._trend(request, chairman, "vp")
    assert len(scoring.reads) == 25 + 12  # a minute on: read again
