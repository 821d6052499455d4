"""Deadlines and limits of the assessment service, counted in the ward's working days.

Every number is configuration (rules change); the defaults follow the programme's practice: a
self-assessment by the 3rd working day of the next month, its review within 3 working days of
submission, each unit audited by the 5th working day of the next month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from contracts.common import LOCAL_TZ
from contracts.events import CalendarDay
from contracts.periods import Month
from services.runtime.workdays import WorkingCalendar

#: Each unit is audited by this working day of the next month.
AUDIT_DEADLINE_WORKING_DAY = 5
#: A "+" self-assessment is due by this working day of the next month.
SELF_ASSESSMENT_DEADLINE_WORKING_DAY = 3
#: The leader reviews a self-assessment within this many working days of its submission.
REVIEW_WORKING_DAYS = 3


@dataclass(frozen=True)
class RatingWindow:
    """At most ``count`` ratings counted in any ``span`` (a rolling window); more are held for
    review (``Policy.rating_device_window``, ``rating_address_window``)."""

    count: int
    span: timedelta


@dataclass(frozen=True)
class Policy:
    #: The ward's working calendar (see ``with_calendar``); the default knows only the national
    #: rules (public holidays, the government's make-up Saturdays).
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    #: The days a ward's calendar starts from before anyone changes it (the shipped files).
    calendar_seed: tuple[CalendarDay, ...] = ()
    #: A corrective action is due this many working days after the audit that found it.
    corrective_action_working_days: int = 10
    #: A kiosk or QR link may send this many ratings at once, then one every ``refill_s``.
    feedback_burst: int = 10
    feedback_refill_s: float = 6.0
    #: The automatic close looks at least this many months back, and beyond them at every
    #: month since the ward's first activity (``months_due_to_close``); whether a month is
    #: closed never depends on it (``closed_by_date``).
    auto_close_lookback_months: int = 3
    #: The window of dates a person may send (``domain/window.py``): months and moments from
    #: 1 January of this many years back (older months are long closed: a typo, not history)...
    history_years: int = 1
    #: ...calendar days up to 31 December of this many years ahead (what the holiday data and
    #: the government's notices cover)...
    calendar_years_ahead: int = 1
    #: ...and due dates at most this many days after today (a corrective action is a matter of
    #: weeks; 9999-12-31 broke every deadline computed from it).
    due_horizon_days: int = 365
    #: How far ahead of the server's clock a moment a device gives (an audit performed, a rating
    #: captured) may be: phones and kiosks set their clocks from the network and drift seconds,
    #: not minutes, so two minutes forgive a slow sync without letting a rating be dated into
    #: the next day or month ahead of time.
    clock_skew: timedelta = timedelta(minutes=2)
    #: How old a citizen's rating may be when it arrives (``captured_at``, kept while a kiosk or
    #: a phone was offline): a week covers a kiosk off the network over a long weekend; older,
    #: it can no longer be checked against the counter's queue of that day, so it is refused
    #: rather than counted late (its month must also still be open). Source: the programme's
    #: practice (issue 15, item 5); configurable.
    capture_max_age: timedelta = timedelta(days=7)
    #: Photo evidence (``domain/photos.py``): at most 10 MB as uploaded (issue 15, item 4: a
    #: phone photo of 3–12 MB is shrunk by the browser first; the server still refuses more,
    #: before reading it all)...
    evidence_max_bytes: int = 10 * 1024 * 1024
    #: ...and at most 24 million pixels (a 6000 × 4000 camera frame), checked from the header
    #: before decoding: a few kilobytes of PNG can claim 100 000 × 100 000 pixels, which would
    #: take tens of gigabytes to decode (a decompression bomb).
    evidence_max_pixels: int = 24_000_000
    #: Who reviews the chairman's "+" self-assessment (``domain/graders.py``): a person id of
    #: the ward's org chart outside the chairman's line of command (e.g. the Party secretary);
    #: None: it is reviewed outside the ward (the district or city) and the HR integration
    #: records that review.
    chairman_reviewer: str | None = None
    #: Who decides on initiatives (sáng kiến) besides the chairman: the person ids of the
    #: council the chairman delegates it to (the ward's 5S+ launch: every unit and person is
    #: encouraged to propose solutions, models and initiatives). Empty: the chairman alone.
    initiative_council: tuple[str, ...] = ()
    #: A month an administrator reopens closes again automatically after this many working
    #: days (counted from the day of the reopening) unless they set its deadline themselves.
    reopen_working_days: int = 2
    #: Ratings of one kiosk or QR link counted in any 10 minutes: a counter serves one citizen
    #: at a time, each visit taking minutes, so 20 (one every 30 s) is past any real queue;
    #: beyond it ratings are held for review, counted apart and not in the score. Source: the
    #: programme's practice (issue 17, item 3: 700 ratings at one every 6 s from one QR link
    #: must not be 700 votes); configurable.
    rating_device_window: RatingWindow = RatingWindow(20, timedelta(minutes=10))
    #: Ratings of one client address (a phone on a QR page) counted in any hour: a citizen
    #: rates their visit once; 3 leave room for a family sharing a phone or a network. Kiosks
    #: (one address for every citizen at the counter) have the device window alone.
    rating_address_window: RatingWindow = RatingWindow(3, timedelta(hours=1))
    #: A single-use rating code (printed on a receipt, shown at the counter) may be used this
    #: long after it is issued: the week a rating may be given late (``capture_max_age``).
    rating_code_ttl: timedelta = timedelta(days=7)
    #: When set, a rating without a code is held for review (reason ``no_code``): a ward that
    #: prints a code on every receipt counts only the ratings of real visits. Default off.
    rating_codes_required: bool = False
    #: How long a client address's hash is kept to count that window (then erased).
    client_hash_retention: timedelta = timedelta(days=1)
    #: How long a citizen's comment is kept after the rating was given; then it is erased (the
    #: rating itself stays and counts). A comment may name people and carry a phone number: it
    #: is personal data, kept only as long as its purpose needs (Decree 13/2023/NĐ-CP on
    #: personal data protection, Art. 3, the storage-limitation principle). Its purpose is the
    #: unit's reviews, the yearly one included, held in the first weeks of the next year:
    #: 400 days covers a comment of early January at the review of its year.
    comment_retention: timedelta = timedelta(days=400)
    #: The rating levels after which a citizen who left a contact and agreed to be contacted is
    #: called back by the unit head: 1 "Rất không hài lòng" and 2 "Không hài lòng" (the ward's
    #: aim at its 5S+ launch: every citizen leaves the service centre satisfied). The contact is
    #: erased after ``comment_retention``, like a comment (Decree 13/2023/NĐ-CP, Art. 3).
    follow_up_levels: frozenset[int] = frozenset({1, 2})
    #: The call-back is due this many working days after the rating arrives.
    follow_up_working_days: int = 2

    def with_calendar(self, days: Iterable[CalendarDay]) -> Policy:
        """This policy counting the working days of a ward's declared ``days``."""
        return replace(self, calendar=WorkingCalendar.from_days(days))

    def seeded(self, days: tuple[CalendarDay, ...]) -> Policy:
        """This policy with ``days`` (the calendar files') as every ward's calendar until the
        ward declares its own: its seed (``calendar_seed``), and the calendar counted until then."""
        return replace(self.with_calendar(days), calendar_seed=days)

    def audit_deadline(self, month: Month) -> date:
        """The last day to audit a unit for ``month``: the 5th working day of the next month."""
        return self.calendar.nth_working_day(month.shift(1), AUDIT_DEADLINE_WORKING_DAY)

    def self_assessment_deadline(self, month: Month) -> date:
        """The last on-time day of a "+" self-assessment of ``month``: the 3rd working day of
        the next month."""
        return self.calendar.nth_working_day(month.shift(1), SELF_ASSESSMENT_DEADLINE_WORKING_DAY)

    def review_deadline(self, submitted_on: date) -> date:
        """The last day to review a self-assessment submitted on ``submitted_on`` (local date):
        3 working days after it (the day of submission does not count)."""
        return self.calendar.add_working_days(submitted_on, REVIEW_WORKING_DAYS)

    def close_day(self, month: Month) -> date:
        """The last day of ``month``'s work: the month closes automatically the day after.

        It is the later of the audit deadline (5th working day of the next month) and the
        review deadline of a self-assessment submitted on its last on-time day (3 working days
        after the 3rd working day of the next month), both in the ward's working days, so that
        every review due for an on-time self-assessment can still be done before the close.
        Source: the programme's deadlines (brief, "Deadlines"; issue 12, item 12): closing at the
        audit deadline alone cut off January 2026's reviews due Mon 2026-02-09 on Fri 2026-02-06.
        """
        last_review = self.review_deadline(self.self_assessment_deadline(month))
        return max(self.audit_deadline(month), last_review)

    def corrective_action_due(self, recorded_at: datetime) -> date:
        """The due date of a corrective action whose finding was recorded at ``recorded_at``
        (the audit's submission or amendment, never the time the audit says it was performed,
        which may be weeks earlier): ``corrective_action_working_days`` working days later."""
        return self.calendar.add_working_days(
            recorded_at.astimezone(LOCAL_TZ).date(), self.corrective_action_working_days
        )

    def reopen_deadline(self, reopened_at: datetime) -> date:
        """The last day a month reopened at ``reopened_at`` stays open by default:
        ``reopen_working_days`` working days after that day, in the ward's calendar."""
        return self.calendar.add_working_days(
            reopened_at.astimezone(LOCAL_TZ).date(), self.reopen_working_days
        )

    def closed_by_date(self, month: Month, now: datetime) -> bool:
        """Whether ``month``'s close day (``close_day``) is over at ``now`` (ward's local date):
        such a month is closed for submissions whether or not the automatic close has run for
        it, until an administrator reopens it. The one rule of the close job and of every
        submission check (``handlers.check_period_open``)."""
        return now.astimezone(LOCAL_TZ).date() > self.close_day(month)

    def months_due_to_close(self, now: datetime, since: Month | None = None) -> list[Month]:
        """Past months whose close day is over (the close day itself still counts), oldest
        first: every month from ``since`` (the ward's first activity), and at least the last
        ``auto_close_lookback_months``."""
        current = Month.of(now)
        first = current.shift(-self.auto_close_lookback_months)
        if since is not None:
            first = min(first, since)
        candidates = []
        month = first
        while month < current:
            candidates.append(month)
            month = month.shift(1)
        return [month for month in candidates if self.closed_by_date(month, now)]
