"""The scoring projection folded in memory from the stream's facts (pure, no I/O).

A rebuild reads the stream in ranges, each in a process of its own, and reduces every event to a
*fact* (``domain/facts.py``): a plain tuple with only what the projection needs of it (plain,
because millions of them are pickled from the readers to the fold). Folding the facts in stream
order, with the rules the handler applies batch by batch, gives the final rows of every table a
rebuild replaces; they are then written once, instead of being read, changed and written again
for every batch.

The audits' rows are the one table that grows with the stream (one per audit), so a rebuild does
not keep them: every :data:`CHUNK` events it takes the fold's chunk (:meth:`Fold.take_chunk`:
the rows of the audits changed since the last chunk, the written rows they replace, and the
event ids folded since) and writes it out; the fold keeps the units' sums they add up to. What
only the written chunks know (an id folded before, an audit's written row, which a later
amendment or withdrawal replaces) is looked up for each next batch of facts
(:meth:`Fold.unknown`) and given to :meth:`Fold.add`. A fold nobody takes chunks from holds
everything, and gives the same rows.

The rules, those of :mod:`services.scoring.handlers` and the store:

- an event seen before (a copy republished after the server's duplicate window) is skipped, as
  the live inbox skips it;
- an audit keeps the first event of its highest revision (``supersedes``); a unit's month holds
  the sums of its live audits, one row per pillar with something in it;
- a self-assessment keeps its newest review (``review_supersedes``); a person's month holds the
  approved "+" sums of their reviews, retracted and added as reviews supersede each other, and
  the unit of the review applied last; a returned review still makes the row (with zeros);
- a person's month keeps the task result latest in event time, then event id;
- ratings are counted per unit, month and level, and "Rất không hài lòng" ones per local day;
- a month closes at its first close after its last reopen (``domain.closing``);
- a ward keeps the org chart of its highest version (the first event of it), as its roster.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from services.scoring.domain.aggregates import FlatSums, flatten, sums_json_text
from services.scoring.domain.bloom import BloomFilter
from services.scoring.domain.closing import close_or_reopen
from services.scoring.domain.facts import (
    AUDIT,
    CLOSE,
    FEEDBACK,
    ORG,
    REOPEN,
    REVIEW,
    TASK_RESULT,
    AuditKey,
    Fact,
    audit_row,
)
from services.scoring.domain.reviews import (
    ReviewFold,
    TaskResultState,
    keep_latest,
)
from services.scoring.domain.roster import RosterEntry

#: Events a rebuild folds between two chunks written out: what the parent holds of the audits
#: (their rows, and the ids of the events folded) is at most this many.
CHUNK = 50_000

#: A unit's month's pillar: ward, unit, month, pillar.
Slot = tuple[str, str, str, str]


class Chunk(NamedTuple):
    """What a fold hands over to be written (:meth:`Fold.take_chunk`)."""

    #: The audits changed since the last chunk, each by its newest fact.
    audits: dict[AuditKey, Fact]
    #: The (ward, audit id) of the rows written before that those replace: deleted first.
    replaced: list[AuditKey]
    #: The ids of the events folded since the last chunk.
    event_ids: set[str]

    def audit_rows(self) -> Iterator[tuple[Any, ...]]:
        """The audits' rows (as :meth:`Fold.audit_records`)."""
        return map(audit_row, self.audits.values())


class Fold:
    """The projection's final rows, folded from facts given in stream order.

    ``chunk``: the events after which :attr:`full` says to take a chunk out (by default
    :data:`CHUNK`)."""

    def __init__(self, chunk: int | None = None) -> None:
        self.chunk = chunk or CHUNK
        #: The event ids folded since the last chunk taken: a later copy of one is skipped
        #: (the ids of the chunks taken are the written ones, :meth:`add`'s ``written_ids``).
        self.seen: set[str] = set()
        self.events = 0
        self.chunks = 0  # chunks taken
        #: The audits changed since the last chunk, each by its newest fact; and of those, the
        #: written row each replaces (as a fact), whose sums leave the units' months.
        self._audits: dict[AuditKey, Fact] = {}
        self._replaced: dict[AuditKey, Fact] = {}
        #: The live sums of the audits of the chunks taken: points, max points, scored, N/A.
        self._pillars: dict[Slot, list[int]] = {}
        #: What the chunks taken hold, in a fixed size: the event ids, the audits.
        self._written_ids = BloomFilter()
        self._written_audits = BloomFilter()
        self._reviews = ReviewFold()
        self._task_results: dict[tuple[str, str, str], TaskResultState] = {}
        self._ratings: dict[tuple[str, str, str, int], int] = {}
        self._very_dissatisfied: dict[tuple[str, str, date], int] = {}
        self._closed: dict[tuple[str, str], datetime | None] = {}  # None: reopened
        self._rosters: dict[str, RosterEntry] = {}

    @property
    def full(self) -> bool:
        """Whether a chunk is due: :attr:`chunk` events folded since the last."""
        return len(self.seen) >= self.chunk

    @property
    def held(self) -> tuple[int, int]:
        """What the fold holds that grows with the stream: the audits' rows and the event ids
        not yet taken out in a chunk (each at most :attr:`chunk` once a chunk is taken
        whenever :attr:`full`)."""
        return len(self._audits), len(self.seen)

    def unknown(self, facts: Iterable[Fact]) -> tuple[list[str], list[AuditKey]]:
        """What only the chunks taken can tell about ``facts``: the event ids not folded since
        (was one folded before?) and the audits not changed since (their written row). Nothing
        before the first chunk is taken."""
        if not self.chunks:
            return [], []
        ids, keys = [], set()
        # Asked only about what the filters of the chunks taken may hold: almost nothing.
        id_written, audit_written = self._written_ids.may_hold, self._written_audits.may_hold
        for fact in facts:
            if fact[2] in self.seen:
                continue
            if id_written(fact[2]):
                ids.append(fact[2])
            if fact[0] == AUDIT:
                key = (fact[3], fact[4])
                if key not in self._audits and audit_written(key):
                    keys.add(key)
        return ids, sorted(keys)

    def add(
        self,
        facts: Iterable[Fact],
        written_ids: Container[str] = frozenset(),
        written_audits: Mapping[AuditKey, Fact] | None = None,
    ) -> None:
        """Fold ``facts``, the next in stream order. ``written_ids``: those of their ids that
        the chunks taken hold; ``written_audits``: the written row, as a fact
        (:func:`audit_fact`), of each of their audits that has one (:meth:`unknown` says which
        to look up)."""
        seen, audits, written = self.seen, self._audits, written_audits or {}
        for fact in facts:
            event_id = fact[2]
            if event_id in seen or event_id in written_ids:
                continue
            seen.add(event_id)
            kind = fact[0]
            if kind == AUDIT:
                key = (fact[3], fact[4])
                current = audits.get(key)
                if current is None and key in written:
                    current = written[key]
                    self._replaced.setdefault(key, current)  # dropped below if it stays
                # supersedes(): only a higher revision replaces the record (a tie keeps the first).
                if current is None or fact[7] > current[7]:
                    audits[key] = fact
                elif key not in audits:
                    del self._replaced[key]
            elif kind == REVIEW:
                self._reviews.apply((fact[3], fact[4]), fact[5], event_id)
            elif kind == TASK_RESULT:
                self._task_result(fact)
            elif kind == FEEDBACK:
                _, _, _, ward, unit, month, level, day = fact
                key4 = (ward, unit, month, level)
                self._ratings[key4] = self._ratings.get(key4, 0) + 1
                if day is not None:
                    key3 = (ward, unit, day)
                    self._very_dissatisfied[key3] = self._very_dissatisfied.get(key3, 0) + 1
            elif kind == CLOSE:
                close_or_reopen(self._closed, (fact[3], fact[4]), fact[5])
            elif kind == REOPEN:
                close_or_reopen(self._closed, (fact[3], fact[4]), None)
            elif kind == ORG:
                _, _, _, ward, entry = fact
                current = self._rosters.get(ward)
                # An older chart changes nothing.
                if current is None or entry.version > current.version:
                    self._rosters[ward] = entry
            self.events += 1

    def _task_result(self, fact: Fact) -> None:
        _, _, _, ward, person, month, state = fact
        keep_latest(self._task_results, (ward, person, month), state)

    def take_chunk(self) -> Chunk:
        """Hand over the audits' rows changed since the last chunk, the written rows they
        replace and the ids folded since, to be written; the fold keeps only their sums."""
        _add_live(self._pillars, self._audits.values())
        _add_live(self._pillars, self._replaced.values(), -1)
        chunk = Chunk(self._audits, list(self._replaced), self.seen)
        self._written_ids.add_all(chunk.event_ids)
        self._written_audits.add_all(chunk.audits)
        self._audits, self.seen = {}, set()
        self._replaced.clear()
        self.chunks += 1
        return chunk

    # --- the final rows, each a tuple in its table's column order --------------------------------

    def audit_records(self) -> Iterator[tuple[Any, ...]]:
        """event_id, ward, audit_id, unit_id, month, revision, live, sums (JSON text): the
        audits changed since the last chunk taken (all of them if none was).

        The JSON is made here, as each row is written, rather than kept in every audit's fact
        while it is folded."""
        return map(audit_row, self._audits.values())

    def unit_month_pillars(self) -> Iterator[tuple[Any, ...]]:
        """ward, unit_id, month, pillar, points, max_points, scored_items, na_items: the live
        audits' sums, for the slots that have something in them."""
        slots = {key: list(sums) for key, sums in self._pillars.items()}
        _add_live(slots, self._audits.values())
        _add_live(slots, self._replaced.values(), -1)
        for key, sums in slots.items():
            if any(sums):
                yield (*key, *sums)

    def review_records(self) -> Iterator[tuple[Any, ...]]:
        """ward, self_assessment_id, person_id, unit_id, month, revision, reviewed_us, live, sums
        (JSON text), event_id."""
        for (ward, sa_id), (r, event_id) in self._reviews.changed.items():
            head = (ward, sa_id, r.person_id, r.unit_id, r.month, r.revision, r.reviewed_us, r.live)
            yield (*head, sums_json_text(flatten(r.sums)), event_id)

    def person_month_plus(self) -> Iterator[tuple[Any, ...]]:
        """ward, person_id, month, unit_id, points, max_points, scored_items, na_items."""
        units = self._reviews.units
        for key, s in self._reviews.sums.items():
            yield (*key, units[key], s.points, s.max_points, s.scored, s.not_applicable)

    def task_results(self) -> Iterator[tuple[Any, ...]]:
        """ward, person_id, month, points, disqualified, recorded_us, event_id."""
        for (ward, person, month), (
            points,
            at,
            event_id,
            disqualified,
        ) in self._task_results.items():
            yield (ward, person, month, points, disqualified, at, event_id)

    def unit_month_feedback(self) -> Iterator[tuple[Any, ...]]:
        """ward, unit_id, month, level, ratings."""
        for key, ratings in self._ratings.items():
            yield (*key, ratings)

    def unit_day_very_dissatisfied(self) -> Iterator[tuple[Any, ...]]:
        """ward, unit_id, day, ratings."""
        for key, ratings in self._very_dissatisfied.items():
            yield (*key, ratings)

    def closed_periods(self) -> Iterator[tuple[Any, ...]]:
        """ward, period, closed_at."""
        for key, at in self._closed.items():
            if at is not None:
                yield (*key, at)

    def org_rosters(self) -> Iterator[tuple[Any, ...]]:
        """ward, version, people (JSON text), units (JSON text), ward name, city, names (JSON
        text)."""
        for ward, entry in self._rosters.items():
            people = json.dumps([list(row) for row in entry.people])
            units = json.dumps(list(entry.units))
            names = json.dumps(entry.names)
            yield (ward, entry.version, people, units, entry.ward_name, entry.city, names)

    def release(self) -> None:
        """Drop the rows once written."""
        self._audits.clear()
        self._replaced.clear()
        self._pillars.clear()
        self._reviews = ReviewFold()
        self._task_results.clear()
        self._ratings.clear()
        self._very_dissatisfied.clear()
        self._closed.clear()
        self._rosters.clear()


def _add_live(slots: dict[Slot, list[int]], audits: Iterable[Fact], sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) the sums of the live ones of ``audits`` (facts) to
    their units' months' ``slots``."""
    # Audits of a unit's month with the same pillars are summed column by column (in C, by sum
    # over zip): a million audits make five million pillar sums.
    groups: dict[tuple[str, str, str, FlatSums], list[FlatSums]] = {}
    for fact in audits:
        if fact[8]:
            flat = fact[9]
            key = (fact[3], fact[5], fact[6], flat[::5])
            group = groups.get(key)
            if group is None:
                groups[key] = [flat]
            else:
                group.append(flat)
    for (ward, unit, month, pillars), flats in groups.items():
        totals = [sum(column) for n, column in enumerate(zip(*flats, strict=True)) if n % 5]
        for i, pillar in enumerate(pillars):
            slot = slots.setdefault((ward, unit, month, pillar), [0, 0, 0, 0])
            for j in range(4):
                slot[j] += sign * totals[4 * i + j]
