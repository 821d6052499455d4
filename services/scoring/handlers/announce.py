"""Announcing what a batch changed in a ward, in named steps: which units and people to
announce (:func:`scope`), their scores and low-score crossings (:meth:`Announcement.units`,
:meth:`Announcement.people`), a day's spike of "Rất không hài lòng" (:meth:`Announcement.spikes`)
and, on a close or a late change to a closed month, the ward's classification
(:meth:`Announcement.classifications`). The events carry the batch's time (``uow.now``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from contracts.envelope import SYSTEM, Event
from contracts.events import (
    LowScoreData,
    LowScoreDetected,
    LowScoreRecovered,
    PillarScore,
    ScoreData,
    ScoreFinalized,
    ScoreUpdated,
    SubjectKind,
)
from contracts.periods import Month, Period
from services.scoring import metrics
from services.scoring.adapters import closes, flags, month_sums
from services.scoring.adapters.flags import FlagKey
from services.scoring.domain.alerts import PERSON_METRICS, UNIT_METRICS, crossings
from services.scoring.domain.exact import Number, exact
from services.scoring.domain.satisfaction import DISSATISFACTION_SPIKE
from services.scoring.handlers.batch import Batch, Touched
from services.scoring.handlers.classification import classification_computed
from services.scoring.views import people as person_views
from services.scoring.views import units as unit_views


async def announce(batch: Batch, ward: str, touched: Touched) -> list[Event]:
    """Score events for every changed unit and person, low-score crossings, and on a close
    (or a late change to a closed month) the final results and the ward's classification."""
    announcement = Announcement(batch, ward, await scope(batch, ward, touched))
    await announcement.load_flags()
    out = await announcement.units()
    out += await announcement.people()
    await announcement.save_flags()
    out += announcement.spikes(touched.spikes)
    out += await announcement.classifications()
    return out


@dataclass(frozen=True)
class Scope:
    """The (unit, month)s and (person, month)s to announce, which of their months are closed,
    which were closed by this batch, and which changed after their month's final results."""

    units: set[tuple[str, str]]
    people: set[tuple[str, str]]
    closed: set[str]
    closed_now: set[str]
    late_units: set[tuple[str, str]]
    late_people: set[tuple[str, str]]


async def scope(batch: Batch, ward: str, touched: Touched) -> Scope:
    """What the batch's changes make news: what it touched; on a close every unit and person
    of the month (their final results); and the people whose unit's 5S total moved. What is
    late is marked so (a close in this very batch is announced after the batch's events are
    applied, so those are in its final results, not late)."""
    session, policy = batch.session, batch.policy
    units, people = set(touched.units), set(touched.people)
    if touched.closed:
        every = await unit_views.unit_figures(session, ward, None, sorted(touched.closed))
        units |= {(u, m) for m in touched.closed for u in every}
    # A person's score moves with their unit's 5S total (not with its satisfaction).
    people |= await month_sums.people_of_units(session, ward, touched.audited)
    if touched.closed:
        found = await person_views.person_months(
            session, ward, None, sorted(touched.closed), policy
        )
        people |= set(found)
    months = {m for _, m in units} | {m for _, m in people}
    closed = await closes.closed_months(session, ward, months)
    late = {(u, m) for u, m in units if m in closed and m not in touched.closed}
    late_people = {(p, m) for p, m in people if m in closed and m not in touched.closed}
    await closes.mark_late(
        session,
        [(ward, "unit", u, m) for u, m in late] + [(ward, "person", p, m) for p, m in late_people],
        batch.uow.now,
    )
    return Scope(units, people, closed, set(touched.closed), late, late_people)


class Announcement:
    """One ward's announcement of one batch: the steps share the low-score flags read before
    and written after them."""

    def __init__(self, batch: Batch, ward: str, scope: Scope) -> None:
        self.batch, self.ward, self.scope = batch, ward, scope
        self.policy, self.now = batch.policy, batch.uow.now
        self.flags: dict[FlagKey, bool] = {}
        self.new_flags: dict[FlagKey, tuple[bool, float | None]] = {}

    async def load_flags(self) -> None:
        ward, s = self.ward, self.scope
        self.flags = await flags.load_flags(
            self.batch.session,
            [(ward, "unit", u, m, metric) for u, m in s.units for metric in UNIT_METRICS]
            + [(ward, "person", p, m, metric) for p, m in s.people for metric in PERSON_METRICS],
        )

    async def save_flags(self) -> None:
        await flags.save_flags(self.batch.session, self.new_flags, self.now)

    async def units(self) -> list[Event]:
        """Each unit-month's figures (finalized once its month is closed), its crossings, and
        the dashboards' gauges for the current month."""
        ward, policy, s = self.ward, self.policy, self.scope
        current_month = Month.of(self.now).key
        figures = await unit_views.unit_month_figures(self.batch.session, ward, s.units)
        out: list[Event] = []
        for unit, month in sorted(s.units):
            f = figures.get((unit, month), unit_views.UnitFigures())
            values = f.values(policy)
            if month == current_month:
                metrics.show_unit(ward, unit, values)
            final = month in s.closed
            data = ScoreData(
                subject_kind="unit",
                subject_id=unit,
                unit_id=unit,
                period=month,
                pillars=tuple(
                    PillarScore(
                        pillar=p,
                        percent=_full(sums.percent),
                        scored_items=sums.scored,
                        na_items=sums.not_applicable,
                    )
                    for p, sums in sorted(f.pillars.items())
                ),
                total_percent=_full(values["total"]),
                late=(unit, month) in s.late_units,
                policy_version=policy.version,
                satisfaction_percent=_full(values["satisfaction"]),
                satisfaction_index=_full(values["satisfaction_index"]),
                ratings=f.ratings,
            )
            out.append(self._score_event(data, final))
            out += self._crossings("unit", unit, unit, month, values, UNIT_METRICS, final)
        return out

    async def people(self) -> list[Event]:
        """Each person-month's "+" and points (None until both parts exist: not scored, so no
        low-score alert either, an incomplete month is not a failed one) and its crossings."""
        ward, policy, s = self.ward, self.policy, self.scope
        found = await person_views.person_months(
            self.batch.session,
            ward,
            {p for p, _ in s.people},
            sorted({m for _, m in s.people}),
            policy,
        )
        out: list[Event] = []
        for person, month in sorted(s.people):
            pm = found.get((person, month))
            if pm is None or pm.unit_id is None:
                # Nothing recorded for the month, or a task result for someone of no known unit
                # (not in the org chart, no review): classified, but no unit to show a score in.
                continue
            final = month in s.closed
            points = pm.points(policy)
            data = ScoreData(
                subject_kind="person",
                subject_id=person,
                unit_id=pm.unit_id,
                period=month,
                total_percent=None if pm.plus_percent is None else float(pm.plus_percent),
                points=None if points is None else float(points),
                late=(person, month) in s.late_people,
                policy_version=policy.version,
            )
            out.append(self._score_event(data, final))
            values = {"points": points}
            out += self._crossings(
                "person", person, pm.unit_id, month, values, PERSON_METRICS, final
            )
        return out

    def spikes(self, spikes: Mapping[tuple[str, date], int]) -> list[Event]:
        """A unit's day that reached the policy's count of "Rất không hài lòng"."""
        return [
            LowScoreDetected(
                ward=self.ward,
                occurred_at=self.now,
                actor=SYSTEM,
                data=LowScoreData(
                    subject_kind="unit",
                    subject_id=unit,
                    unit_id=unit,
                    period=Month.of_date(day).key,
                    metric=DISSATISFACTION_SPIKE,
                    value=count,
                    threshold=self.policy.satisfaction.very_dissatisfied_per_day,
                    final=False,
                    policy_version=self.policy.version,
                    day=day,
                ),
            )
            for (unit, day), count in sorted(spikes.items())
        ]

    async def classifications(self) -> list[Event]:
        """The ward's classification of every month closed or changed late, and of its quarter
        and year once every month of them is closed."""
        s = self.scope
        months = s.closed_now | {m for _, m in s.late_units} | {m for _, m in s.late_people}
        return [
            await classification_computed(
                self.batch.session, self.ward, period, self.policy, self.now
            )
            for period in await self._closed_periods_of(months)
        ]

    async def _closed_periods_of(self, months: set[str]) -> list[Period]:
        """Each month, then its quarter and year when every month of them is closed (one
        query for all of them)."""
        spans: list[tuple[Period, list[Period]]] = []
        for key in sorted(months):
            month = Month.parse(key)
            spans.append(
                (
                    Period.parse(key),
                    [Period("quarter", month.year, month.quarter), Period("year", month.year, 1)],
                )
            )
        wanted = {m.key for _, wider in spans for w in wider for m in w.months()}
        closed = await closes.closed_months(self.batch.session, self.ward, sorted(wanted))
        periods: dict[str, Period] = {}
        for month_period, wider in spans:
            periods[month_period.key] = month_period
            for w in wider:
                if {m.key for m in w.months()} <= closed:
                    periods[w.key] = w
        return list(periods.values())

    def _score_event(self, data: ScoreData, final: bool) -> Event:
        kind = ScoreFinalized if final else ScoreUpdated
        return kind(ward=self.ward, occurred_at=self.now, actor=SYSTEM, data=data)

    def _crossings(
        self,
        kind: SubjectKind,
        subject: str,
        unit: str,
        month: str,
        values: Mapping[str, Number | None],
        metrics_: tuple[str, ...],
        final: bool,
    ) -> list[Event]:
        """Low-score events for the metrics that crossed their threshold since last announced
        (provisional figures only if the policy alerts on them)."""
        if not (final or self.policy.alert_on_provisional):
            return []
        ward = self.ward
        was_low = {m: self.flags.get((ward, kind, subject, month, m), False) for m in metrics_}
        out: list[Event] = []
        for crossing in crossings(values, was_low, self.policy, metrics_):
            value = values.get(crossing.metric)
            self.new_flags[(ward, kind, subject, month, crossing.metric)] = (
                crossing.low,
                None if value is None else _full(exact(value)),
            )
            event_type = LowScoreDetected if crossing.low else LowScoreRecovered
            data = LowScoreData(
                subject_kind=kind,
                subject_id=subject,
                unit_id=unit,
                period=month,
                metric=crossing.metric,
                value=float(crossing.value),
                threshold=float(crossing.threshold),
                final=final,
                policy_version=self.policy.version,
            )
            out.append(event_type(ward=ward, occurred_at=self.now, actor=SYSTEM, data=data))
        return out


def _full(value: Fraction | None) -> float | None:
    """An exact figure as the nearest float, for a contract that carries the full value (the
    comparisons were made on the fraction; a reader rounds it for display)."""
    return None if value is None else float(value)
