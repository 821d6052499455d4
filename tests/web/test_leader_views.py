"""The leaders' pages' view models, without a browser: the review queue's order and overdue
mark, the inbox's groups, the board's change in words and the periods offered, and the board's
programme counts read once per kind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from types import SimpleNamespace

from contracts.figures import written
from services.runtime.clock import FrozenClock
from services.web.entrypoints import board as board_page
from services.web.views import board, leaders
from services.web.views.render import render


def row(person: str, submitted: str, due: str, status: str = "submitted") -> dict[str, object]:
    return {
        "person_id": person,
        "status": status,
        "submitted_at": submitted,
        "review_due_on": due,
        "yours_to_review": person != "p015",
    }


def test_the_review_queue_is_oldest_first_with_the_overdue_marked() -> None:
    rows = [
        row("p013", "2026-03-05T02:00:00+00:00", "2026-03-10"),
        row("p012", "2026-03-02T02:00:00+00:00", "2026-03-05"),
        row("p010", "2026-03-01T02:00:00+00:00", "2026-03-04"),  # the reviewer's own
        row("p014", "2026-03-01T01:00:00+00:00", "", status="approved"),
        row("p015", "2026-03-01T00:00:00+00:00", "2026-03-04"),  # someone else reviews it
    ]
    queue = leaders.review_queue(rows, "p010", date(2026, 3, 6))
    assert [(r["person_id"], r["overdue"]) for r in queue] == [("p012", True), ("p013", False)]
    # Due today is not overdue yet.
    assert leaders.review_queue(rows, "p010", date(2026, 3, 5))[0]["overdue"] is False


def test_the_inbox_groups_what_to_act_on_what_is_snoozed_and_what_is_acknowledged() -> None:
    now = datetime(2026, 3, 10, 3, tzinfo=UTC)
    alerts = [
        {"alert_id": "a", "status": "open", "snoozed_until": None},
        {"alert_id": "b", "status": "open", "snoozed_until": "2026-03-10T09:00:00+00:00"},
        {"alert_id": "c", "status": "open", "snoozed_until": "2026-03-09T09:00:00+00:00"},
        {"alert_id": "d", "status": "acknowledged", "snoozed_until": None},
        {"alert_id": "e", "status": "escalated", "snoozed_until": None},
    ]
    groups = leaders.alert_groups(alerts, now)
    assert {name: [a["alert_id"] for a in group] for name, group in groups.items()} == {
        "open": ["a", "c", "e"],  # a snooze that ended asks again
        "snoozed": ["b"],
        "acknowledged": ["d"],
    }


def test_the_inbox_says_escalated_only_of_an_alert_handed_up_with_who_was_told_before() -> None:
    """The vice-chairman's low-total alert, raised to them at level 1 at the same moment as to
    the head, is not "escalated"; one an escalation handed up names who had it before and when
    (their name, dd/mm/yyyy HH:mm in the ward's time) and the level as "cấp 3"; their own alert
    handed up says when."""

    def alert(alert_id: str, level: int, **more: object) -> dict[str, object]:
        return {
            "alert_id": alert_id,
            "severity": "warning",
            "status": "open",
            "escalation_level": level,
            "title": f"Điểm 5S thấp {alert_id}",
            "body": "…",
            "created_at": "2026-03-10T02:00:00+00:00",
            "snoozed_until": None,
            "acknowledged_at": None,
            "escalated_at": None,
            "told_before": None,
            **more,
        }

    direct = alert("direct", 1)
    up = alert(
        "up",
        2,
        told_before={
            "person_id": "p002",
            "full_name": "Lê Thị Bích Ngọc",
            "told_at": "2026-03-10T02:05:00+00:00",
        },
    )
    handed = alert("handed", 1, status="escalated", escalated_at="2026-03-12T17:01:00+00:00")
    groups = {"open": [direct, up, handed], "snoozed": [], "acknowledged": []}

    def hint(page: str, alert_id: str) -> str:
        item = page.split(f'id="alert-{alert_id}"')[1].split("</li>")[0]
        hint = item.split('<p class="hint">')[1].split("</p>")[0]
        return " ".join(hint.split())

    vi = render("alerts_groups.html", "vi", groups=groups, csrf="c")
    assert hint(vi, "direct") == "Phát sinh lúc: 10/03/2026 09:00"
    assert hint(vi, "up") == (
        "Phát sinh lúc: 10/03/2026 09:00 · Đã chuyển lên cấp 3: trước đó đã báo Lê Thị Bích Ngọc"
        " lúc 10/03/2026 09:05, chưa được xác nhận"
    )
    assert hint(vi, "handed") == (
        "Phát sinh lúc: 10/03/2026 09:00 · Đã chuyển lên cấp trên: 13/03/2026 00:01"
    )
    assert "Cấp nhận" not in vi
    en = render("alerts_groups.html", "en", groups=groups, csrf="c")
    assert "Escalated to level 3: Lê Thị Bích Ngọc was told at 10/03/2026 09:05" in en
    assert "Escalated" not in hint(en, "direct")


def test_the_board_says_a_change_in_words_and_signs_not_colour() -> None:
    assert board.change_words(2.5, "vi") == "▲ +2,5"
    assert board.change_words(-10.0, "en") == "▼ −10.0"
    assert board.change_words(0.0, "vi") == "= 0"
    assert board.change_words(None, "vi") == ""
    assert written(None, "vi") == "—"
    assert written(1.44, "vi", 2) == "1,44" and written(1.44, "en", 2) == "1.44"


def test_the_board_and_the_classification_offer_their_periods() -> None:
    now = datetime(2026, 1, 15, 5, tzinfo=UTC)
    assert board.board_periods(now) == [
        "2026-01",
        "2025-12",
        "2026-Q1",
        "2025-Q4",  # the quarter just ended, final: on the board as on the classification
        "2026",
        "last3m",
        "last12m",
    ]
    assert leaders.classification_periods(now) == [
        "2026-01",
        "2025-12",
        "2026-Q1",
        "2025-Q4",
        "2026",
    ]
    assert board.period_words("last12m", "vi") == "12 tháng gần nhất"
    assert board.period_words("2026-Q1", "vi") == "quý I/2026"
    assert board.trend_months(now)[0] == "2025-02" and board.trend_months(now)[-1] == "2026-01"


def test_the_period_shown_is_always_among_those_its_picker_offers() -> None:
    """December 2026 offers this month and the last, the quarters and the year: a month asked
    by its address (October) is added among the months, newest first, so the picker selects
    what the heading says; one offered already, or a rolling window, changes nothing."""
    now = datetime(2026, 12, 1, 5, tzinfo=UTC)
    offered = leaders.classification_periods(now)
    assert "2026-10" not in offered
    assert leaders.with_period(offered, "2026-10") == [
        "2026-12",
        "2026-11",
        "2026-10",
        "2026-Q4",
        "2026-Q3",
        "2026",
    ]
    assert leaders.with_period(offered, "2027-01")[:2] == ["2027-01", "2026-12"]
    assert leaders.with_period(offered, "2026-Q1") == [
        "2026-12",
        "2026-11",
        "2026-Q4",
        "2026-Q3",
        "2026-Q1",
        "2026",
    ]
    assert leaders.with_period(offered, "2025") == [*offered, "2025"]
    assert leaders.with_period(offered, "2026-11") == offered
    on_board = board.board_periods(now)
    assert leaders.with_period(on_board, "last12m") == on_board
    assert leaders.with_period(on_board, "2024")[-3:] == ["2024", "last3m", "last12m"]


async def test_the_boards_12_months_read_each_count_once_for_the_whole_window() -> None:
    """The board refreshes every 4 s: its last 12 months ask assessment's counts once per kind
    (a range of months), not once per month and kind (24 reads)."""
    asked: list[tuple[str, dict[str, object]]] = []

    class Upstream:
        async def read(self, service: str, path: str, token: str, lang: str, **params: object):
            asked.append((path, params))
            if path.startswith("/v1/initiatives"):
                return {"units": [{"unit_id": "vhxh", "proposed": 2, "adopted": 1}]}
            return {"units": [{"unit_id": "ttphcc", "opened": 3, "done": 1}]}

    class Cookies:
        def lang(self, request: object) -> str:
            return "vi"

    now = datetime(2026, 11, 30, 3, tzinfo=UTC)
    web = SimpleNamespace(upstream=Upstream(), cookies=Cookies(), clock=FrozenClock(now))
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(web=web)))
    session = SimpleNamespace(access="token")
    counts = await board_page._programme(request, session, "last12m")  # type: ignore[arg-type]
    window = {"from": "2025-12", "to": "2026-11"}
    assert sorted(asked, key=lambda a: a[0]) == [
        ("/v1/citizen-follow-ups/counts", window),
        ("/v1/initiatives/counts", window),
    ]
    assert counts["vhxh"]["proposed"] == 2 and counts["ttphcc"]["calls_open"] == 2
    asked.clear()
    await board_page._programme(request, session, "2026-Q4")  # type: ignore[arg-type]
    assert [params for _, params in asked] == [{"period": "2026-Q4"}] * 2


def test_the_basis_writes_scorings_sums_per_audit_and_pooled_with_the_pillars_figure() -> None:
    # Scoring's explain answer, sums in thousandths: S1.2 weighs 2, S2.1 1.5. Scores 1 and 4
    # (S1.2) are 1 + 8 of 4 + 8, S2.1's 3 is 4.5 of 6; with a second audit of 3 on S1.1 alone
    # (S1.2 N/A), the pillar is 12 of 16 = 75 %, scoring's 100 · Σ w·s / Σ w·4.
    def sums(points: int = 0, most: int = 0, scored: int = 0, na: int = 0) -> dict[str, int]:
        return {"points": points, "max_points": most, "scored_items": scored, "na_items": na}

    def pillars(**given: dict[str, int]) -> dict[str, dict[str, int]]:
        return {code: given.get(code, sums()) for code in ("S1", "S2", "S3", "S4", "S5")}

    explained = {
        "audits": [
            {"audit_id": "a1", "sums": pillars(S1=sums(9000, 12000, 2), S2=sums(4500, 6000, 1))},
            {"audit_id": "a2", "sums": pillars(S1=sums(3000, 4000, 1, 1))},
        ],
        "pillar_sums": pillars(S1=sums(12000, 16000, 3, 1), S2=sums(4500, 6000, 1)),
    }
    figures = [{"pillar": "S1", "percent": Fraction(75)}, {"pillar": "S2", "percent": Fraction(75)}]
    figures += [{"pillar": code, "percent": None} for code in ("S3", "S4", "S5")]
    made = board.basis(explained, figures, "vi")
    assert made["audits"] == [{"S1": "9/12", "S2": "4,5/6"}, {"S1": "3/4"}]
    assert made["pooled"] == {"S1": "12/16 = 75,0 %", "S2": "4,5/6 = 75,0 %"}
    assert board.weights_line({"S1": 1, "S2": 1.5}, "en") == "S1 × 1, S2 × 1.5"
