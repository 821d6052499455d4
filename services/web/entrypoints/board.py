"""The unit board (chairman, vice-chairmen for their units, unit heads for their own, the
ward's administrators): the units ranked by 5S total with each pillar, satisfaction beside it,
the change from the period before and the provisional, final and late marks; per unit the
pillars and its "+" (P) as bars, a 12-month trend, open and overdue corrective actions, the
initiatives proposed and adopted and the citizens' call-backs open and done; each
figure opens its explanation (scoring's ``?explain=true``). What a caller sees is what scoring
answers them: a unit it refuses (403) is left out, so the board never widens anyone's view."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from contracts.common import LOCAL_TZ
from contracts.figures import exact_figures
from contracts.labels import LEVEL_LABELS
from contracts.roles import Role
from services.web.domain.sessions import WebSession
from services.web.domain.texts import month_label, text
from services.web.entrypoints.deps import call_as, page, read_as, require, web_of
from services.web.views import board as models
from services.web.views import pages as part1
from services.web.views.leaders import with_period

router = APIRouter(include_in_schema=False)

READERS = {Role.CHAIRMAN.value, Role.VICE_CHAIRMAN.value, Role.UNIT_HEAD.value, Role.ADMIN.value}
#: The board's periods: a month, a quarter, a year, the last 3 or 12 months.
PERIOD = r"^(\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?|last3m|last12m)$"
UNIT = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Period = Annotated[str | None, Query(pattern=PERIOD)]
Unit = Annotated[str | None, Query(pattern=UNIT)]


async def _figures(request: Request, session: WebSession, unit: str, period: str) -> Any:
    """A unit's figures for ``period`` as scoring answers the caller; None when refused."""
    answer = await call_as(
        request, session, "scoring", "GET", f"/v1/units/{unit}/scores", params={"period": period}
    )
    return exact_figures(answer.json()) if answer.status == 200 else None


async def _board(
    request: Request,
    session: WebSession,
    period: str | None,
    unit: str | None,
    with_trend: bool = False,
) -> dict[str, Any]:
    """The board's figures, in two rounds of reads that go out together: the ranking (each
    ranked unit's figures with it) beside what does not depend on it, then the chosen unit's
    trend; the page waits for the slowest read of each round, not for their sum."""
    web, lang = web_of(request), web_of(request).cookies.lang(request)
    now = web.clock.now()
    offered = models.board_periods(now)
    period = period or offered[0]
    periods = with_period(offered, period)  # the period shown is the one its picker selects
    listed, ranked, programme = await asyncio.gather(
        read_as(request, session, "assessment", "/v1/units"),
        read_as(request, session, "scoring", "/v1/rankings", period=period, **{"with": "units"}),
        _programme(request, session, period),
    )
    names = part1.unit_names(listed["units"], lang)
    # Each ranked unit's figures come with the ranking (one read), only for the units scoring
    # lets the caller read on their own: the chosen unit is known before its trend is read.
    figures = {r["unit_id"]: r["figures"] for r in ranked["units"] if r.get("figures")}
    rows = models.board_rows(ranked["units"], figures, names, programme)
    chosen = next((r for r in rows if r["unit_id"] == unit), rows[0] if rows else None)
    today = now.astimezone(LOCAL_TZ).date()
    chosen_id = chosen["unit_id"] if chosen else None
    trend, actions = await asyncio.gather(
        _trend(request, session, chosen_id if with_trend else None),
        _actions(request, session, chosen_id, today),
    )
    pillar_names, bar_names = models.pillar_names(lang), models.bar_names(lang)
    return {
        **models.period_choice(period, periods, lang),
        "rows": rows,
        "chosen": chosen,
        **actions,
        "pillar_names": pillar_names,
        "five_s": list(pillar_names),
        "bar_names": bar_names,
        "pillars_chart": {
            "labels": list(bar_names),
            "names": list(bar_names.values()),
            "values": [
                models.chart_value(chosen["by_pillar"][code]["percent"]) for code in bar_names
            ]
            if chosen
            else [],
            "title": text("percent", lang),
        },
        "change_words": lambda change: models.change_words(change, lang),
        "updated": now,
        "trend": trend,
    }


#: The trend's past months as scoring answered a caller (by their token, the unit and the
#: month), each kept :data:`PAST_KEPT_S` seconds: every load and live refresh of the board draws
#: the same twelve months, eleven of them past, and a past month changes only by a late
#: correction, shown within that delay; the current month is always read afresh.
_PAST: dict[tuple[str, str, str], tuple[float, Any]] = {}
PAST_KEPT_S = 60.0


async def _trend(request: Request, session: WebSession, unit: str | None) -> list[dict[str, Any]]:
    """``unit``'s 5S total and satisfaction of each of the last 12 months (none for None)."""
    if unit is None:
        return []
    months = models.trend_months(web_of(request).clock.now())

    async def figures(month: str) -> Any:
        key, now = (session.access, unit, month), time.monotonic()
        kept = _PAST.get(key)
        if kept is not None and now - kept[0] < PAST_KEPT_S:
            return kept[1]
        found = await _figures(request, session, unit, month)
        if month != months[-1]:
            if len(_PAST) >= 10_000:
                _PAST.clear()
            _PAST[key] = (now, found)
        return found

    found = await asyncio.gather(*(figures(m) for m in months))
    return [
        {
            "month": m,
            "total": f["total_percent"] if f else None,
            "satisfaction": f["satisfaction_percent"] if f else None,
        }
        for m, f in zip(months, found, strict=True)
    ]


#: How many of the chosen unit's open corrective actions the board lists (the soonest due);
#: it counts them all. A unit audited often has thousands open, which made the page hundreds
#: of KiB and its load the reading of every action of the ward; the actions page lists them all.
BOARD_ACTIONS = 20


async def _actions(
    request: Request, session: WebSession, unit: str | None, today: date
) -> dict[str, Any]:
    """``unit``'s open corrective actions as the board shows them: ``actions``, the
    :data:`BOARD_ACTIONS` soonest due (each ``overdue`` or not), ``open_count`` and
    ``overdue_count``, all of them counted by assessment (two reads, together); none for
    None."""
    if unit is None:
        return {"actions": [], "open_count": 0, "overdue_count": 0}
    path, wanted = "/v1/corrective-actions", {"status": "open", "unit_id": unit}
    listed, overdue = await asyncio.gather(
        read_as(request, session, "assessment", path, **wanted, limit=BOARD_ACTIONS),
        read_as(
            request, session, "assessment", path, **wanted, due_before=today.isoformat(), limit=0
        ),
    )
    late = {a["action_id"] for a in models.overdue_actions(listed["corrective_actions"], today)}
    return {
        "actions": [{**a, "overdue": a["action_id"] in late} for a in listed["corrective_actions"]],
        "open_count": listed["total"],
        "overdue_count": overdue["total"],
    }


async def _programme(
    request: Request, session: WebSession, period: str
) -> dict[str, dict[str, int]]:
    """Per unit, the initiatives proposed and adopted and the citizens' call-backs open and
    done in ``period`` (a rolling window: its months, one range), as assessment counts them:
    one read of each kind, whatever the period."""
    span = models.counted_span(period, web_of(request).clock.now())
    ideas, calls = await asyncio.gather(
        read_as(request, session, "assessment", "/v1/initiatives/counts", **span),
        read_as(request, session, "assessment", "/v1/citizen-follow-ups/counts", **span),
    )
    return models.programme_counts(ideas["units"], calls["units"])


@router.get("/board")
async def board_page(request: Request, period: Period = None, unit: Unit = None) -> HTMLResponse:
    session = await require(request, READERS)
    board = await _board(request, session, period, unit, with_trend=True)
    lang = web_of(request).cookies.lang(request)
    trend = board["trend"]
    chart = {
        "labels": [month_label(point["month"]) for point in trend],
        "total": [models.chart_value(point["total"]) for point in trend],
        "satisfaction": [models.chart_value(point["satisfaction"]) for point in trend],
        "names": [text("total", lang), text("satisfaction", lang)],
    }
    return page(request, "board.html", session, trend_chart=chart, **board)


@router.get("/board/live")
async def board_fragment(
    request: Request, period: Period = None, unit: Unit = None
) -> HTMLResponse:
    """The ranking and the chosen unit's figures alone, for the page to refresh itself."""
    session = await require(request, READERS)
    board = await _board(request, session, period, unit)
    return page(request, "board_live.html", session, **board)


@router.get("/board/explain")
async def explain_page(
    request: Request,
    unit: Annotated[str, Query(pattern=UNIT)],
    period: Annotated[str, Query(pattern=PERIOD)],
) -> HTMLResponse:
    """What made a unit's figures: the audits (when, by whom, which revision), the "+" reviews
    behind its P (whose, which month, which revision) with P's points of the maximum, the
    citizens' ratings per level and the satisfied share's numerator and denominator."""
    session = await require(request, READERS)
    lang = web_of(request).cookies.lang(request)
    path = f"/v1/units/{unit}/scores"
    figures = await read_as(request, session, "scoring", path, period=period, explain="true")
    audits = await asyncio.gather(
        *(
            read_as(request, session, "assessment", f"/v1/audits/{a['audit_id']}")
            for a in figures["explain"]["audits"]
        )
    )
    listed = await read_as(request, session, "assessment", "/v1/units")
    names = part1.unit_names(listed["units"], lang)
    reviews = figures["explain"].get("reviews", [])
    people = await _people_named(request, session, {r["month"] for r in reviews})
    levels = [
        (LEVEL_LABELS[int(level)].pick(lang), count)
        for level, count in sorted(figures["explain"]["ratings_per_level"].items(), reverse=True)
    ]
    return page(
        request,
        "board_explain.html",
        session,
        unit_name=names.get(unit, unit),
        period_words=models.period_words(period, lang),
        period=period,
        figures=figures,
        audits=audits,
        levels=levels,
        reviews=[{**r, "name": people.get(r["person_id"], r["person_id"])} for r in reviews],
        plus=figures.get("plus") or {},
        pillar_names=models.pillar_names(lang),
        basis=models.basis(figures["explain"], figures["pillars"], lang),
        pillar_weights=models.weights_line(figures["explain"].get("pillar_weights") or {}, lang),
    )


async def _people_named(request: Request, session: WebSession, months: set[str]) -> dict[str, str]:
    """The names of the people whose "+" reviews a unit's P counts, from the months'
    self-assessments the caller may see (an id stays where none is seen)."""
    found = await asyncio.gather(
        *(
            read_as(request, session, "assessment", "/v1/self-assessments", period=m)
            for m in sorted(months)
        )
    )
    return {
        s["person_id"]: s["full_name"]
        for listed in found
        for s in listed["self_assessments"]
        if s.get("full_name")
    }
