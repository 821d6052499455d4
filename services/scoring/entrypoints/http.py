"""The scoring query API: every figure scoped to the caller's ward and role.

A city's officials (role ``city``) read the wards of their city: they name one with ``?ward=``
on the reads a ward's leaders have (a unit's scores, the rankings, the classification), and
compare them all at ``/v1/wards/rankings``; a ward's own roles read their ward only (another
``?ward=`` is 403). Which city a ward belongs to is what its current org chart says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import ENTITY_PATTERN
from contracts.labels import labels as label_tables
from contracts.periods import Month
from contracts.roles import CITY_ROLES, WARD_WIDE_ROLES, Role
from contracts.scoring_commands import DecisionCommand
from services.runtime.auth import Principal
from services.runtime.collation import by_name
from services.runtime.command_routes import command_route
from services.runtime.commands import Commands
from services.runtime.http import Caller, app_state, error_responses, require
from services.runtime.refusals import Kind, Refusal, found
from services.scoring.adapters import closes, org
from services.scoring.domain import periods
from services.scoring.domain.policy import Policy
from services.scoring.views import people as person_views
from services.scoring.views import units as unit_views
from services.scoring.views import wards as ward_views

router = APIRouter(prefix="/v1", tags=["scoring"])

PeriodParam = Annotated[
    str, Query(max_length=16, description="YYYY-MM, YYYY-Qn, YYYY, last3m or last12m")
]
ClassifiedPeriodParam = Annotated[
    str, Query(max_length=16, description="YYYY-MM, YYYY-Qn or YYYY, not after this month")
]
ExplainParam = Annotated[
    bool,
    Query(
        description="list the events behind every figure; a unit's also its pillars' sums "
        "(each live audit's `sums`, and `pillar_sums` pooled), points in thousandths"
    ),
]
WithParam = Annotated[
    Literal["units"] | None,
    Query(
        alias="with",
        description="units: each ranked unit the caller may read carries its own figures "
        "(`figures`, as /v1/units/{unit_id}/scores answers them)",
    ),
]
EntityPath = Annotated[str, Path(max_length=64)]
WardParam = Annotated[
    str | None,
    Query(
        pattern=ENTITY_PATTERN,
        description="The ward read: a city's officials name one of their city's wards; a "
        "ward's own roles may name only their own",
    ),
]
#: Who sees the whole ward's people: the leadership and the ward's IT.
LEADERS = (Role.ADMIN, Role.CHAIRMAN, Role.VICE_CHAIRMAN)


def reading(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency letting through the callers of ``roles`` (403 otherwise), as they read: a
    ward's role as is (403 if ``?ward=`` names another ward); a city's (if among ``roles``)
    narrowed to the ward it names (422 ``ward_required`` without one; 403, the same whether
    the ward exists or not, unless that ward's current org chart names the caller's city)."""

    async def check(request: Request, caller: Caller, ward: WardParam = None) -> Principal:
        if caller.role not in roles:
            raise Refusal(Kind.FORBIDDEN, "forbidden")
        if caller.role not in CITY_ROLES:
            if ward is not None and ward != caller.ward:
                raise Refusal(Kind.FORBIDDEN, "forbidden")
            return caller
        if ward is None:
            raise Refusal(Kind.INVALID, "ward_required", "ward")
        async with request.app.state.runtime.sessions() as session:
            city = await org.city_of(session, ward)
        if city is None or city != caller.city:
            raise Refusal(Kind.FORBIDDEN, "forbidden")
        return replace(caller, ward=ward)

    return check


#: Every role of a ward (a person, a device) and a city's: who may ask for a unit's scores or a
#: person's, each then judged on what they see.
ANY_READER = tuple(Role)
AnyReader = Annotated[Principal, Depends(reading(*ANY_READER))]
#: Who reads the ward's units side by side: leaders, auditors, unit heads and a city's.
UnitsReader = Annotated[
    Principal, Depends(reading(*LEADERS, Role.AUDITOR, Role.UNIT_HEAD, Role.CITY))
]


@router.get(
    "/labels",
    summary="The one table of labels (bands, rating levels, pillars, states, duty groups) "
    "front-ends, e-mails and exports show (nhãn hiển thị)",
)
async def labels(
    response: Response,
    lang: Annotated[
        Literal["vi", "en"] | None,
        Query(description="One language's texts; both (vi, en) when absent"),
    ] = None,
) -> dict[str, Any]:
    """``{table: {key: {"vi", "en"}}}`` (``{table: {key: text}}`` with ``lang``), from
    ``contracts.labels``; open to anyone (no personal data), cacheable for an hour."""
    response.headers["Cache-Control"] = "public, max-age=3600"
    return label_tables(lang)


def _reads_ward_wide(caller: Principal) -> bool:
    """Ward-wide roles, and a city's official in the ward they named, read every unit."""
    return caller.role in WARD_WIDE_ROLES or caller.role in CITY_ROLES


def parse_window(
    request: Request, value: str, accepts: periods.Accepts = periods.FIGURES
) -> unit_views.Window:
    """The months ``value`` names if the endpoint (``accepts``) takes it, in the service's
    current month (its clock); a 422 ``bad_period`` naming what the endpoint takes otherwise."""
    current = Month.of(request.app.state.clock.now())
    periods.accept(value, accepts, current)
    return unit_views.window(value, current)


@asynccontextmanager
async def figures(
    request: Request,
    ward: str,
    period: str,
    accepts: periods.Accepts = periods.FIGURES,
    explain: bool = False,
) -> AsyncIterator[tuple[AsyncSession, unit_views.Question]]:
    """What every read of a ward's figures starts with: the question asked of it (the months
    ``period`` names, :func:`parse_window`, refused before anything is read; the policy in
    force; whether to ``explain``) and a session to answer it in."""
    span = parse_window(request, period, accepts)
    asked = unit_views.Question(ward, span, request.app.state.policy, explain)
    async with request.app.state.runtime.sessions() as session:
        yield session, asked


@router.get(
    "/units/{unit_id}/scores",
    responses=error_responses(404),
    summary="A unit's 5S result for a period (điểm 5S của đơn vị)",
)
async def unit_scores(
    request: Request,
    caller: AnyReader,
    unit_id: EntityPath,
    period: PeriodParam,
    explain: ExplainParam = False,
) -> dict[str, Any]:
    if not (_reads_ward_wide(caller) or caller.sees_unit(unit_id)):
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    async with figures(request, caller.ward, period, explain=explain) as (session, asked):
        answer = await unit_views.unit_score(session, asked, unit_id)
    return found(answer, "unknown_unit", "unit_id")


@router.get(
    "/rankings",
    summary="Units ranked by 5S total, with citizen satisfaction (xếp hạng đơn vị)",
)
async def rankings(
    request: Request,
    caller: UnitsReader,
    period: PeriodParam,
    with_: WithParam = None,
) -> dict[str, Any]:
    async with figures(request, caller.ward, period) as (session, asked):
        answer = await unit_views.rankings(session, asked)
        if with_ == "units":
            # A unit the caller may not read on its own keeps its rank but not its figures.
            for row in answer["units"]:
                if _reads_ward_wide(caller) or caller.sees_unit(row["unit_id"]):
                    row["figures"] = await unit_views.unit_score(session, asked, row["unit_id"])
        return answer


@router.get(
    "/wards/rankings",
    summary="The wards of the caller's city side by side (so sánh các phường của thành phố)",
)
async def ward_rankings(
    request: Request,
    caller: Annotated[Principal, Depends(require(Role.CITY))],
    period: PeriodParam,
) -> dict[str, Any]:
    """Each ward whose current org chart names the caller's city, best 5S total first: the
    total pooled over all its units and its change, satisfaction (share, its change, index),
    ratings, units audited of the units in its chart, and for a month, quarter or year not
    after this month its people per band. A city's officials only."""
    span = parse_window(request, period)
    current = Month.of(request.app.state.clock.now())
    with_people = periods.takes(period, periods.CLASSIFICATION, current)
    policy: Policy = request.app.state.policy
    async with request.app.state.runtime.sessions() as session:
        return await ward_views.city_rankings(session, str(caller.city), span, policy, with_people)


def _sees_person(caller: Principal, person_id: str, unit_id: str | None) -> bool:
    """People see themselves, unit heads and vice-chairmen the people of their units, the
    chairman and the ward's IT everyone of the ward."""
    if caller.role in CITY_ROLES:
        return False  # a city compares wards and their units; a person's months are the ward's
    if caller.subject_id == person_id and caller.role not in (Role.KIOSK, Role.INTEGRATION):
        return True
    if caller.role is Role.AUDITOR:
        return False  # auditors see units, not people
    return _visible(caller, unit_id)


@router.get(
    "/people/{person_id}/scores",
    responses=error_responses(404),
    summary="A person's score and band for a period (điểm và xếp loại cá nhân)",
)
async def person_scores(
    request: Request,
    caller: AnyReader,
    person_id: EntityPath,
    period: ClassifiedPeriodParam,
    explain: ExplainParam = False,
) -> dict[str, Any]:
    read = figures(request, caller.ward, period, periods.CLASSIFICATION, explain)
    async with read as (session, asked):
        answer = await person_views.person_score(session, asked, person_id)
        # Someone the org chart names is always answered (not classified, with what is
        # missing); anyone else only with something recorded in the period. A ward whose org
        # chart scoring has not seen yet keeps the older answer, "no score this period".
        chart = await org.chart(session, asked.ward) if answer is None else None
    # The same refusal whether or not the person has a score, so nothing leaks.
    if not _sees_person(caller, person_id, answer["unit_id"] if answer else None):
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    return found(answer, "no_score" if chart is None else "unknown_person", "person_id")


def visible_to(caller: Principal) -> Callable[[str | None], bool]:
    """Whether the caller sees the people of a unit (:func:`_visible`), as a predicate."""
    return lambda unit_id: _visible(caller, unit_id)


def _visible(caller: Principal, unit_id: str | None) -> bool:
    """Ward-wide roles (and a city's, in the ward it named) see everyone; others the people of
    the units they see."""
    return _reads_ward_wide(caller) or (unit_id is not None and caller.sees_unit(unit_id))


@router.get(
    "/classification",
    summary="The ward's classification and income tier for a period (xếp loại, thu nhập)",
)
async def classification(
    request: Request,
    caller: Annotated[Principal, Depends(reading(*LEADERS, Role.UNIT_HEAD, Role.CITY))],
    period: ClassifiedPeriodParam,
) -> dict[str, Any]:
    """Everyone of the ward's org chart (and anyone with a score in the period): band and
    income tier, or why they are not classified, or that they wait for the chairman; by name
    (``full_name``, ``unit_name``: the newest chart's, else null) in Vietnamese order."""
    async with figures(request, caller.ward, period, periods.CLASSIFICATION) as (session, asked):
        span, policy = asked.span, asked.policy
        result = await person_views.classification(
            session, asked.ward, span.key, span.months, policy
        )
        final = await closes.all_closed(session, asked.ward, span.months)
        names = await org.names(session, asked.ward)
    people = by_name(
        (p for p in result.people if _visible(caller, p.unit_id)),
        lambda p: names.person(p.person_id),
    )
    return {
        "period": span.key,
        "provisional": not final,
        "policy_version": policy.version,
        "quota_base": policy.quota_base,
        "quotas": [
            {**q.model_dump(), "duty_group_name": _text(names.group(q.duty_group))}
            for q in result.quotas
        ],
        "tot_income_cap": policy.income.caps["tot"],
        "people": [
            {
                **p.model_dump(),
                "full_name": names.people.get(p.person_id),
                "unit_name": _text(names.units.get(p.unit_id or "")),
                "duty_group_name": _text(names.group(p.duty_group)),
            }
            for p in people
        ],
    }


def _text(name: Any) -> dict[str, str] | None:
    return None if name is None else dict(name.model_dump())


#: The command pipeline the composition root bound to this app.
commands_of: Callable[[Request], Commands[Any]] = app_state("commands")


command_route(
    router,
    "POST",
    "/classification/{period}/decisions",
    "record_decision",
    DecisionCommand,
    pipeline=commands_of,
    caller=Annotated[Principal, Depends(require(Role.CHAIRMAN))],
    param=Annotated[
        str, Path(max_length=16, description="YYYY-MM, YYYY-Qn or YYYY, not after this month")
    ],
    errors=(409,),
    summary="The chairman decides a tie at the 20% cap (Chủ tịch quyết định người đồng điểm)",
    doc='Names who of the people tied at the edge of a duty group\'s quota keep "xuất sắc",\n'
    "within the quota (409 otherwise); the classification is re-issued with it once the period\n"
    "is closed. Answers the decision and the classification as it now stands.",
)
