"""The board reads each ranked unit's figures with the ranking (scoring's
``/v1/rankings?with=units``): a load makes one scoring read for the units, whatever their
number, and a unit whose figures scoring withholds from the caller is left out."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from services.runtime.clock import FrozenClock
from services.web.entrypoints import board

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
UNITS = [f"u{n:02}" for n in range(20)]


def figures(unit: str) -> dict[str, Any]:
    pillars = [{"pillar": p, "percent": 80.0, "change": None} for p in ("S1", "S2", "S3")]
    pillars += [{"pillar": p, "percent": 70.0, "change": None} for p in ("S4", "S5")]
    return {
        "unit_id": unit,
        "pillars": pillars,
        "plus": {"percent": 50.0, "change": None},
        "total_percent": 76.0,
        "satisfaction_percent": 90.0,
        "provisional": True,
        "late": False,
    }


class Upstream:
    """The services as the board reads them, recording every request (service, path)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.actions: list[dict[str, Any]] = []  # the corrective actions' reads' parameters

    async def read(self, service: str, path: str, token: str, lang: str, **params: Any) -> Any:
        self.requests.append((service, path))
        if path == "/v1/rankings":
            assert params["with"] == "units"
            rows = [{"unit_id": u, "rank": i + 1} for i, u in enumerate(UNITS)]
            for row in rows[1:]:  # the first is withheld from this caller
                row["figures"] = figures(row["unit_id"])
            return {"period": params["period"], "units": rows}
        if path == "/v1/units":
            return {"units": [{"unit_id": u, "name_vi": u, "name_en": u} for u in UNITS]}
        if path == "/v1/corrective-actions":
            self.actions.append(params)
            return {"corrective_actions": [], "total": 0}
        return {"units": []}  # the programme's counts

    async def call(self, service: str, method: str, path: str, **options: Any) -> Any:
        self.requests.append((service, path))
        return SimpleNamespace(status=200, json=lambda: figures(path.split("/")[3]))


def request_of(upstream: Upstream) -> Any:
    web = SimpleNamespace(
        upstream=upstream,
        clock=FrozenClock(NOW),
        cookies=SimpleNamespace(lang=lambda request: "vi"),
    )
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(web=web)), cookies={})


async def test_a_board_load_reads_the_ranked_units_figures_in_one_scoring_request() -> None:
    board._PAST.clear()
    upstream = Upstream()
    caller = SimpleNamespace(access="token")
    shown = await board._board(request_of(upstream), caller, "2026-11", None)
    scoring = [path for service, path in upstream.requests if service == "scoring"]
    assert scoring == ["/v1/rankings"]
    assert [r["unit_id"] for r in shown["rows"]] == UNITS[1:]
    assert shown["chosen"]["by_pillar"]["S4"]["percent"] == 70.0
    assert shown["chosen"]["by_pillar"]["P"]["percent"] == 50.0
    upstream.requests.clear()
    await board._board(request_of(upstream), caller, "2026-11", None, with_trend=True)
    scoring = [path for service, path in upstream.requests if service == "scoring"]
    # the ranking, then the chosen unit's 12-month trend (its own reads), no per-unit figures
    assert scoring[0] == "/v1/rankings" and len(scoring) == 1 + 12
    assert set(scoring[1:]) == {"/v1/units/u01/scores"}


async def test_the_board_reads_only_the_chosen_units_first_open_actions_and_their_counts() -> None:
    board._PAST.clear()
    upstream = Upstream()
    shown = await board._board(request_of(upstream), SimpleNamespace(access="t"), "2026-11", "u03")
    # the chosen unit's, never the ward's: its first few listed, all of them and the overdue
    # ones counted by assessment
    assert upstream.actions == [
        {"status": "open", "unit_id": "u03", "limit": board.BOARD_ACTIONS},
        {"status": "open", "unit_id": "u03", "due_before": "2026-11-30", "limit": 0},
    ]
    assert (shown["open_count"], shown["overdue_count"], shown["actions"]) == (0, 0, [])
