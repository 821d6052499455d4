"""The scoring service layer: apply a batch of events to the read model, in the consumer's
transaction, and stage the events that announce what changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import SYSTEM, Event
from contracts.events import (
    FeedbackReceived,
    LowScoreData,
    LowScoreDetected,
    LowScoreRecovered,
    OrgChartPublished,
    PeriodClosed,
    PeriodReopened,
    PillarScore,
    ScoreData,
    ScoreFinalized,
    ScoreUpdated,
    SelfAssessmentReviewed,
    SubjectKind,
    TaskResultRecorded,
)
from contracts.periods import Month, Period
from services.runtime.outbox import stage
from services.scoring import metrics, person_views, views
from services.scoring.adapters import store
from services.scoring.adapters.tables import plumbing
from services.scoring.classifying import classification_computed
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.alerts import PERSON_METRICS, UNIT_METRICS, Crossing, crossings
from services.scoring.domain.audits import (
    AUDIT_EVENTS,
    AuditEvent,
    AuditRecord,
    record_after,
    supersedes,
)
from services.scoring.domain.closing import close_or_reopen
from services.scoring.domain.exact import Number, exact
from services.scoring.domain.policy import Policy
from services.scoring.domain.reviews import (
    ReviewRecord,
    TaskResultState,
    keep_latest,
    review_record,
    review_supersedes,
    task_result_state,
)
from services.scoring.domain.roster import RosterRow, roster_rows, unit_ids
from services.scoring.domain.satisfaction import (
    DISSATISFACTION_SPIKE,
    VERY_DISSATISFIED,
    local_day,
    spike_crossed,
)

#: The events the projection takes, by the step that applies them (the others change nothing).
_KIND_OF: dict[type[Event], str] = {
    **dict.fromkeys(AUDIT_EVENTS, "audits"),
    SelfAssessmentReviewed: "reviews",
    TaskResultRecorded: "task_results",
    FeedbackReceived: "feedback",
    PeriodClosed: "periods",
    PeriodReopened: "periods",
    OrgChartPublished: "org",
}


@dataclass
class Touched:
    """What a batch changed, per ward: the figures to announce again."""

    units: set[tuple[str, str]] = field(default_factory=set)  # unit, month
    audited: set[tuple[str, str]] = field(default_factory=set)  # whose 5S sums changed
    people: set[tuple[str, str]] = field(default_factory=set)  # person, month
    spikes: dict[tuple[str, date], int] = field(default_factory=dict)  # unit, day -> count
    closed: set[str] = field(default_factory=set)  # months closed by this batch


#: Where a pillar's sums go: a unit's month and pillar, or a person's month.
Slot = TypeVar("Slot", store.SumsKey, store.PersonMonthKey)


def _replace(
    deltas: dict[Slot, PillarSums],
    old: AuditRecord | ReviewRecord | None,
    new: AuditRecord | ReviewRecord,
    slot_of: Callable[[Any, str], Slot | None],
) -> None:
    """Retract what the old version of a document contributed and add what the new one does."""
    for record, sign in ((old, -1), (new, 1)):
        if record is None or not record.live:
            continue
        for pillar, sums in record.sums.items():
            slot = slot_of(record, pillar)
            if slot is not None:
                deltas[slot] += sums if sign > 0 else -sums


def _unit_slot(ward: str, record: AuditRecord, pillar: str) -> store.SumsKey:
    return (ward, record.unit_id, record.month, pillar)


def _person_slot(ward: str, record: ReviewRecord, pillar: str) -> store.PersonMonthKey | None:
    """Only "+" items count towards a person's month."""
    return (ward, record.person_id, record.month) if pillar == "P" else None


class Scoring:
    def __init__(self, policy: Policy, announce: bool = True) -> None:
        self.policy = policy
        #: A rebuild replays history into a scratch projection, alone: it announces nothing and
        #: needs no lock (the swap holds every ward's while it catches up).
        self.announce = announce

    async def apply(self, session: AsyncSession, events: Sequence[Event]) -> None:
        touched: dict[str, Touched] = defaultdict(Touched)
        # Sorted by kind once, in stream order: a batch holds thousands of events, mostly of one
        # kind (a type is a dictionary key; ``isinstance`` per event and kind costs more).
        by_kind: dict[str, list[Any]] = defaultdict(list)
        for event in events:
            by_kind[_KIND_OF.get(type(event), "other")].append(event)
        # What an audit event makes of its audit depends on the event alone: worked out before
        # the wards' locks are taken, so that another instance's batch does not wait for it.
        audits = [(event, record_after(event)) for event in by_kind["audits"]]
        if self.announce:
            await store.lock_wards(session, {e.ward for e in events})
        await self._apply_audits(session, audits, touched)
        await self._apply_reviews(session, by_kind["reviews"], touched)
        await self._apply_task_results(session, by_kind["task_results"], touched)
        await self._apply_feedback(session, by_kind["feedback"], touched)
        await self._apply_periods(session, by_kind["periods"], touched)
        await self._apply_org_charts(session, by_kind["org"])
        if not self.announce:
            return
        out: list[Event] = []
        for ward in sorted(touched):
            out += await self._announce(session, ward, touched[ward])
        await stage(session, plumbing.outbox, out)

    # --- folding events into sums ---------------------------------------------------------------

    async def _apply_audits(
        self,
        session: AsyncSession,
        audits: Sequence[tuple[AuditEvent, AuditRecord]],
        touched: dict[str, Touched],
    ) -> None:
        """Each audit event with the audit's record after it (:func:`record_after`)."""
        if not audits:
            return
        keys = [(e.ward, str(e.data.audit_id)) for e, _ in audits]
        records = await store.load_audit_records(session, keys)
        changed: dict[store.AuditKey, tuple[AuditRecord, str]] = {}
        deltas: dict[store.SumsKey, PillarSums] = defaultdict(PillarSums)
        for (event, new), key in zip(audits, keys, strict=True):
            current = records.get(key)
            if not supersedes(event, current):
                continue
            _replace(deltas, current, new, partial(_unit_slot, key[0]))
            records[key] = new
            changed[key] = (new, str(event.event_id))
        await store.save_audit_records(session, changed)
        await store.add_to_unit_months(session, deltas)
        for ward, unit, month, _ in deltas:
            touched[ward].units.add((unit, month))
            touched[ward].audited.add((unit, month))

    async def _apply_reviews(
        self,
        session: AsyncSession,
        events: Sequence[SelfAssessmentReviewed],
        touched: dict[str, Touched],
    ) -> None:
        if not events:
            return
        keys = [(e.ward, str(e.data.self_assessment_id)) for e in events]
        records = await store.load_review_records(session, keys)
        changed: dict[store.ReviewKey, tuple[ReviewRecord, str]] = {}
        deltas: dict[store.PersonMonthKey, PillarSums] = defaultdict(PillarSums)
        # A person's month has one unit, that of the review applied last (also when two reviews
        # of one batch name different units): every month a review touches takes its unit.
        units: dict[store.PersonMonthKey, str] = {}
        for event, key in zip(events, keys, strict=True):
            current, new = records.get(key), review_record(event)
            if not review_supersedes(new, current):
                continue
            _replace(deltas, current, new, partial(_person_slot, key[0]))
            # A returned review still makes the person's month known (with no approved "+").
            deltas[(key[0], new.person_id, new.month)] += PillarSums()
            for record in (current, new):
                if record is not None:
                    units[(key[0], record.person_id, record.month)] = new.unit_id
            records[key] = new
            changed[key] = (new, str(event.event_id))
        await store.save_review_records(session, changed)
        await store.add_to_person_months(session, deltas, units)
        for ward, person, month in deltas:
            touched[ward].people.add((person, month))

    async def _apply_task_results(
        self,
        session: AsyncSession,
        events: Sequence[TaskResultRecorded],
        touched: dict[str, Touched],
    ) -> None:
        newest: dict[store.PersonMonthKey, TaskResultState] = {}
        for e in events:
            keep_latest(newest, (e.ward, e.data.person_id, e.data.period), task_result_state(e))
            touched[e.ward].people.add((e.data.person_id, e.data.period))
        await store.record_task_results(session, newest)

    async def _apply_feedback(
        self,
        session: AsyncSession,
        events: Sequence[FeedbackReceived],
        touched: dict[str, Touched],
    ) -> None:
        levels: dict[tuple[str, str, str, int], int] = defaultdict(int)
        days: dict[tuple[str, str, date], int] = defaultdict(int)
        for e in events:
            levels[(e.ward, e.data.unit_id, e.data.period, e.data.level)] += 1
            if e.data.level == VERY_DISSATISFIED:
                days[(e.ward, e.data.unit_id, local_day(e.occurred_at))] += 1
            touched[e.ward].units.add((e.data.unit_id, e.data.period))
        await store.add_feedback(session, levels)
        for (ward, unit, day), after in (await store.add_very_dissatisfied(session, days)).items():
            if spike_crossed(after - days[(ward, unit, day)], after, self.policy):
                touched[ward].spikes[(unit, day)] = after

    async def _apply_periods(
        self,
        session: AsyncSession,
        events: Sequence[PeriodClosed | PeriodReopened],
        touched: dict[str, Touched],
    ) -> None:
        # In stream order: a close then a reopen of the same month leaves it open, and back.
        state: dict[tuple[str, str], datetime | None] = {}
        reopened: set[tuple[str, str]] = set()
        for e in events:
            key = (e.ward, e.data.period)
            if isinstance(e, PeriodClosed):
                close_or_reopen(state, key, e.occurred_at)
            else:
                close_or_reopen(state, key, None)
                reopened.add(key)
        closes = {key: at for key, at in state.items() if at is not None}
        # A reopen in the batch forgets the stored close first; a close of a month that stayed
        # closed leaves the stored time (the store keeps the first).
        await store.reopen_periods(session, reopened)
        await store.close_periods(session, closes)
        for ward, month in closes:
            touched[ward].closed.add(month)

    async def _apply_org_charts(
        self, session: AsyncSession, events: Sequence[OrgChartPublished]
    ) -> None:
        """Keep each ward's newest org chart: who is classified, in which duty group, and who
        is counted in the cap. A changed chart announces nothing by itself: the next
        classification of the ward (a close, a late change) is made with it."""
        newest: dict[str, tuple[int, tuple[RosterRow, ...], tuple[str, ...]]] = {}
        for e in events:
            if e.ward not in newest or e.data.version > newest[e.ward][0]:
                newest[e.ward] = (e.data.version, roster_rows(e.data), unit_ids(e.data))
        await store.replace_rosters(session, newest)

    # --- announcing what changed ----------------------------------------------------------------

    async def _announce(self, session: AsyncSession, ward: str, touched: Touched) -> list[Event]:
        """Score events for every changed unit and person, low-score crossings, and on a close
        (or a late change to a closed month) the final results and the ward's classification."""
        now = datetime.now(UTC)
        units, people = set(touched.units), set(touched.people)
        if touched.closed:
            every = await views.unit_figures(session, ward, None, sorted(touched.closed))
            units |= {(u, m) for m in touched.closed for u in every}
        # A person's score moves with their unit's 5S total (not with its satisfaction).
        people |= await store.people_of_units(session, ward, touched.audited)
        if touched.closed:
            found = await person_views.person_months(
                session, ward, None, sorted(touched.closed), self.policy
            )
            people |= set(found)
        months = {m for _, m in units} | {m for _, m in people}
        closed = await store.closed_months(session, ward, months)
        # Changed after their month's final results went out (a close in this very batch is
        # announced after the batch's events are applied, so those are in its final results).
        late = {(u, m) for u, m in units if m in closed and m not in touched.closed}
        late_people = {(p, m) for p, m in people if m in closed and m not in touched.closed}
        await store.mark_late(
            session,
            [(ward, "unit", u, m) for u, m in late]
            + [(ward, "person", p, m) for p, m in late_people],
        )
        out: list[Event] = []
        flags = await store.load_flags(
            session,
            [(ward, "unit", u, m, metric) for u, m in units for metric in UNIT_METRICS]
            + [(ward, "person", p, m, metric) for p, m in people for metric in PERSON_METRICS],
        )
        new_flags: dict[store.FlagKey, tuple[bool, float | None]] = {}
        current_month = Month.of(now).key

        figures = await views.unit_month_figures(session, ward, units)
        for unit, month in sorted(units):
            f = figures.get((unit, month), views.UnitFigures())
            values = f.values(self.policy)
            if month == current_month:
                metrics.show_unit(ward, unit, values)
            final = month in closed
            data = ScoreData(
                subject_kind="unit",
                subject_id=unit,
                unit_id=unit,
                period=month,
                pillars=tuple(
                    PillarScore(
                        pillar=p,
                        percent=_full(s.percent),
                        scored_items=s.scored,
                        na_items=s.not_applicable,
                    )
                    for p, s in sorted(f.pillars.items())
                ),
                total_percent=_full(values["total"]),
                late=(unit, month) in late,
                policy_version=self.policy.version,
                satisfaction_percent=_full(values["satisfaction"]),
                satisfaction_index=_full(values["satisfaction_index"]),
                ratings=f.ratings,
            )
            out.append(self._score_event(ward, data, final, now))
            out += self._crossings(
                ward, "unit", unit, unit, month, values, UNIT_METRICS, flags, new_flags, final, now
            )

        found = await person_views.person_months(
            session, ward, {p for p, _ in people}, sorted({m for _, m in people}), self.policy
        )
        for person, month in sorted(people):
            pm = found.get((person, month))
            if pm is None or pm.unit_id is None:
                # Nothing recorded for the month, or a task result for someone of no known unit
                # (not in the org chart, no review): classified, but no unit to show a score in.
                continue
            final = month in closed
            # None until both parts exist: not scored, so no low-score alert either (an
            # incomplete month is not a failed one).
            points = pm.points(self.policy)
            data = ScoreData(
                subject_kind="person",
                subject_id=person,
                unit_id=pm.unit_id,
                period=month,
                total_percent=None if pm.plus_percent is None else float(pm.plus_percent),
                points=None if points is None else float(points),
                late=(person, month) in late_people,
                policy_version=self.policy.version,
            )
            out.append(self._score_event(ward, data, final, now))
            out += self._crossings(
                ward,
                "person",
                person,
                pm.unit_id,
                month,
                {"points": points},
                PERSON_METRICS,
                flags,
                new_flags,
                final,
                now,
            )
        await store.save_flags(session, new_flags)

        for (unit, day), count in sorted(touched.spikes.items()):
            out.append(
                LowScoreDetected(
                    ward=ward,
                    occurred_at=now,
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
            )

        reclassify = set(touched.closed) | {m for _, m in late} | {m for _, m in late_people}
        for period in await self._closed_periods_of(session, ward, reclassify):
            out.append(await classification_computed(session, ward, period, self.policy, now))
        return out

    async def _closed_periods_of(
        self, session: AsyncSession, ward: str, months: set[str]
    ) -> list[Period]:
        """The periods to classify again: each month, and its quarter and year once every
        month of them is closed."""
        periods: dict[str, Period] = {}
        for key in sorted(months):
            month = Period.parse(key)
            periods[month.key] = month
            for wider in (
                Period("quarter", month.year, (month.index - 1) // 3 + 1),
                Period("year", month.year, 1),
            ):
                keys = [m.key for m in wider.months()]
                if await store.closed_months(session, ward, keys) == set(keys):
                    periods[wider.key] = wider
        return list(periods.values())

    @staticmethod
    def _score_event(ward: str, data: ScoreData, final: bool, now: datetime) -> Event:
        kind = ScoreFinalized if final else ScoreUpdated
        return kind(ward=ward, occurred_at=now, actor=SYSTEM, data=data)

    def _crossings(
        self,
        ward: str,
        kind: SubjectKind,
        subject: str,
        unit: str,
        month: str,
        values: Mapping[str, Number | None],
        metrics_: tuple[str, ...],
        flags: dict[store.FlagKey, bool],
        new_flags: dict[store.FlagKey, tuple[bool, float | None]],
        final: bool,
        now: datetime,
    ) -> list[Event]:
        if not (final or self.policy.alert_on_provisional):
            return []
        was_low = {m: flags.get((ward, kind, subject, month, m), False) for m in metrics_}
        out: list[Event] = []
        for crossing in crossings(values, was_low, self.policy, metrics_):
            value = values.get(crossing.metric)
            new_flags[(ward, kind, subject, month, crossing.metric)] = (
                crossing.low,
                None if value is None else _full(exact(value)),
            )
            out.append(
                self._low_score_event(ward, kind, subject, unit, month, crossing, final, now)
            )
        return out

    def _low_score_event(
        self,
        ward: str,
        kind: SubjectKind,
        subject: str,
        unit: str,
        month: str,
        crossing: Crossing,
        final: bool,
        now: datetime,
    ) -> Event:
        event_type = LowScoreDetected if crossing.low else LowScoreRecovered
        return event_type(
            ward=ward,
            occurred_at=now,
            actor=SYSTEM,
            data=LowScoreData(
                subject_kind=kind,
                subject_id=subject,
                unit_id=unit,
                period=month,
                metric=crossing.metric,
                value=float(crossing.value),
                threshold=float(crossing.threshold),
                final=final,
                policy_version=self.policy.version,
            ),
        )


def _full(value: Fraction | None) -> float | None:
    """An exact figure as the nearest float, for a contract that carries the full value (the
    comparisons were made on the fraction; a reader rounds it for display)."""
    return None if value is None else float(value)
