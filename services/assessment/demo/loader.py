"""Load the demo ward into the assessment database, through the same handlers the API uses, so
its submissions reach the other services as ordinary events via the outbox.

(Over 400 lines on purpose: the demo ward's story, its org chart and months of submissions, reads
best top to bottom in one file; it is a tool, not the service.)"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ, Text
from contracts.envelope import SYSTEM
from contracts.intake import FeedbackIn, TaskResultIn
from contracts.periods import Month
from contracts.roles import PERSON_ROLES, Role
from services.assessment import bootstrap
from services.assessment.adapters import reads
from services.assessment.adapters.tables import plumbing
from services.assessment.demo.credentials import demo_credentials, demo_password
from services.assessment.demo.programme import programme
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.domain.graders import Seat, grading_refusal
from services.assessment.domain.org import DeviceRow, OrgRow
from services.assessment.domain.policy import Policy
from services.assessment.domain.self_assessments import PlusScore
from services.assessment.entrypoints.keys import DEMO_TOKEN_TTL, Issuer
from services.assessment.entrypoints.org_csv import parse_org_chart
from services.assessment.handlers import audits as audit_handlers
from services.assessment.handlers import corrective_actions as actions
from services.assessment.handlers import feedback as rating_handlers
from services.assessment.handlers import self_assessments as plus_handlers
from services.assessment.handlers import task_results as points_handlers
from services.assessment.handlers.catalog import install_shipped_catalogs
from services.assessment.handlers.common import Context
from services.assessment.handlers.org import load_org_chart
from services.assessment.handlers.periods import close_due_periods
from services.assessment.settings import shipped_policy
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock, wall
from services.runtime.db import SessionFactory, create_engine, session_factory
from services.runtime.migrations import upgrade
from services.runtime.settings import ServiceSettings
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

WARD = "binh-dong"
WARD_NAME = "Phường Bình Đông"
#: The city the demo ward declares itself part of, and an official of it (role ``city``), whose
#: token ``var/demo-tokens.json`` holds beside the ward's people and devices.
DEMO_CITY = "hcmc"
CITY_OFFICER = Principal("hcmc-officer", "", Role.CITY, city=DEMO_CITY)
HERE = Path(__file__).parent
#: How many past months of submissions the full demo has at least, besides the current one
#: (more when needed to reach back to a whole closed quarter: see ``demo_months``).
HISTORY_MONTHS = 3
#: Each unit's habits: the mean item score it tends to get, and its weakest pillar.
UNIT_PROFILES = {
    "vp": (3.4, "S4"),
    "kt": (3.0, "S2"),
    "vhxh": (2.8, "S5"),
    "ttphcc": (3.6, "S3"),
    "dvcu": (1.9, "S1"),  # the unit that needs help: low scores make alerts to show
}
#: How many units (the first of ``UNIT_PROFILES``) are audited early in the current month.
EARLY_AUDITS = 2
#: The person whose latest "+" self-assessment was never reviewed: a review overdue to show.
NEVER_REVIEWED = "p035"


def read_org_chart() -> tuple[list[OrgRow], list[DeviceRow]]:
    rows = parse_org_chart((HERE / "org_chart.csv").read_text(encoding="utf-8"))
    with (HERE / "devices.csv").open(encoding="utf-8") as stream:
        devices = [
            DeviceRow(
                device_id=line["device_id"],
                role=Role(line["role"]),
                unit_id=line["unit_id"] or None,
                label=Text(vi=line["label_vi"], en=line["label_en"]),
                channel=line.get("channel") or "kiosk",
            )
            for line in csv.DictReader(stream)
        ]
    return rows, devices


def principals(rows: list[OrgRow], devices: list[DeviceRow]) -> list[Principal]:
    people = [Principal(r.person_id, WARD, r.role, r.unit_id, r.units_in_charge) for r in rows]
    return people + [Principal(d.device_id, WARD, d.role, d.unit_id) for d in devices]


def write_tokens(path: Path, issuer: Issuer, callers: list[Principal], rows: list[OrgRow]) -> None:
    """``var/demo-tokens.json``: a token per demo person and device (``Issuer.demo``)."""
    names = {row.person_id: row.full_name for row in rows}
    entries = [
        {
            "person_id": caller.subject_id if caller.subject_id in names else None,
            "device_id": None if caller.subject_id in names else caller.subject_id,
            "name": names.get(caller.subject_id),
            "role": caller.role.value,
            "unit_id": caller.unit_id,
            "token": issuer.demo(caller),
        }
        for caller in callers
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")


def last_closed_quarter(now: datetime, policy: Policy) -> list[Month]:
    """The months of the latest quarter whose three months are all past their close day at
    ``now`` (``Policy.closed_by_date``): a quarter that can be classified, as income is paid."""
    end = Month.of(now).shift(-1)
    while end.month % 3 or not policy.closed_by_date(end, now):
        end = end.shift(-1)
    return [end.shift(-2), end.shift(-1), end]


def demo_months(now: datetime, policy: Policy) -> list[Month]:
    """The demo's months, oldest first, up to the current one: from the first month of the last
    whole closed quarter (``last_closed_quarter``), and at least ``HISTORY_MONTHS`` back."""
    current = Month.of(now)
    month = min(last_closed_quarter(now, policy)[0], current.shift(-HISTORY_MONTHS))
    months = []
    while month <= current:
        months.append(month)
        month = month.shift(1)
    return months


def audit_drafts(now: datetime, policy: Policy, rng: random.Random) -> list[tuple[str, AuditDraft]]:
    """One audit per unit per month on its audit day (the 9th, 10th, ... at 09:30), the current
    month's once that day has passed; before it, the first ``EARLY_AUDITS`` units of the current
    month are audited between the month's start and ``now`` (on the 1st at 00:01 too), so a demo
    loaded at any moment has this month's unit figures."""
    catalog = default_catalog()
    current = Month.of(now)
    begun = datetime.combine(current.first_day(), time(0), LOCAL_TZ)
    drafts = []
    for month in demo_months(now, policy):
        for offset, (unit_id, (mean, weak)) in enumerate(UNIT_PROFILES.items()):
            day = month.first_day() + timedelta(days=8 + offset)
            performed_at = datetime.combine(day, time(9, 30), LOCAL_TZ)
            if performed_at > now and month == current and offset < EARLY_AUDITS:
                performed_at = begun + (now - begun) * (offset + 1) / (EARLY_AUDITS + 1)
            if performed_at > now:
                continue
            items = []
            for code in catalog.audit_items:
                centre = mean - (1.3 if code.startswith(weak) else 0)
                score = round(min(4.0, max(0.0, rng.gauss(centre, 0.7))))
                not_applicable = rng.random() < 0.04
                items.append(ItemInput(code, None if not_applicable else score))
            drafts.append(
                (unit_id, AuditDraft(unit_id, month.key, performed_at, catalog.version, items))
            )
    return drafts


async def load_org(
    sessions: SessionFactory,
    rows: list[OrgRow] | None = None,
    devices: list[DeviceRow] | None = None,
) -> int:
    """The default catalogue and the demo org chart; returns the org chart's version."""
    if rows is None or devices is None:
        rows, devices = read_org_chart()
    async with UnitOfWork(sessions, plumbing.outbox) as uow:
        await install_shipped_catalogs(uow)
        return await load_org_chart(
            uow,
            WARD,
            WARD_NAME,
            rows,
            devices,
            actor=SYSTEM,
            policy=shipped_policy(),
            city=DEMO_CITY,
        )


async def load(
    settings: ServiceSettings, mode: str, tokens_path: str, now: datetime | None = None
) -> None:
    """The demo ward (``mode`` "org": its org chart, people and devices; "full": and a few
    months of submissions up to ``now``, the process's wall clock by default), its tokens
    written to ``tokens_path``. Refused (SystemExit) in production."""
    config = bootstrap.assessment_settings(settings)
    if config.environment == "production":
        raise SystemExit("the demo ward and its tokens are for demo and test stacks only")
    issuer = Issuer.of(config.key_ring(), config)
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, settings.sqlalchemy_url)
    engine = create_engine(settings.sqlalchemy_url)
    sessions = session_factory(engine)
    rows, devices = read_org_chart()
    callers = principals(rows, devices)
    try:
        version = await load_org(sessions, rows, devices)
        log.info("demo ward %s loaded (org chart version %d, %d people)", WARD, version, len(rows))
        people = [c for c in callers if c.role in PERSON_ROLES]
        devices_ = [c for c in callers if c.role not in PERSON_ROLES]
        minted = await demo_credentials(sessions, people, devices_, DEMO_TOKEN_TTL)
        write_tokens(Path(tokens_path), issuer, [*minted, CITY_OFFICER], rows)
        await demo_password(sessions, WARD, config.password_hashing)
        if mode == "full":
            policy = config.policy()
            await load_submissions(sessions, callers, policy, now)
    finally:
        await engine.dispose()


async def load_submissions(
    sessions: SessionFactory,
    callers: list[Principal],
    policy: Policy,
    now: datetime | None = None,
) -> None:
    """A few months of a ward's life up to ``now`` (aware; the wall clock by default), in one
    transaction (all or nothing, so a rerun either finds everything or loads everything), each
    submission at the time it would have been made."""
    async with sessions() as session:
        existing = await reads.audit_count(session)
    if existing:
        log.info("demo submissions already there (%d audits); not adding more", existing)
        return
    demo = DemoWard(callers, policy, now or wall(), random.Random(5))
    async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(demo.now)) as uow:
        counts = {
            "audits": await demo.audits(uow),
            "closed corrective actions": await demo.close_old_actions(uow),
            "self-assessments": await demo.self_assessments(uow),
            "feedback": await demo.feedback(uow),
            "task results": await demo.task_results(uow),
            **await programme(uow, callers, demo.context, demo.now),
        }
        closed = await close_due_periods(uow, policy)
    months = demo_months(demo.now, policy)
    quarter = last_closed_quarter(demo.now, policy)[0]
    log.info("demo submissions loaded: %s", counts)
    log.info(
        "demo months %s to %s; closed: %s; %d-Q%d is a whole closed quarter",
        months[0],
        months[-1],
        ", ".join(sorted(period for _, period in closed)) or "none",
        quarter.year,
        quarter.quarter,
    )


#: What citizens rate, with how often: mostly satisfied (5 Rất hài lòng .. 1 Rất không hài lòng).
LEVEL_WEIGHTS = {5: 46, 4: 34, 3: 12, 2: 5, 1: 3}
PROCEDURES = (
    "Chứng thực bản sao từ bản chính",
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Xác nhận tình trạng hôn nhân",
)
COMMENTS = ("Cán bộ hướng dẫn tận tình.", "Thời gian chờ hơi lâu.", "Rất nhanh gọn.")
REVIEW_REASONS = (
    "Điều chỉnh theo kết quả theo dõi trong tháng.",
    "Chưa có minh chứng cho mức điểm tự chấm.",
)


@dataclass
class DemoWard:
    callers: list[Principal]
    policy: Policy
    now: datetime
    rng: random.Random

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), LOCAL_TZ)

    def context(self, principal: Principal, moment: datetime) -> Context:
        """Each submission of the demo at the time it would have been made (the one unit of
        work of the whole demo has the time of loading)."""
        return Context(principal, self.policy, moment)

    def people(self, *roles: Role) -> list[Principal]:
        return [c for c in self.callers if c.role in roles]

    def head_of(self, unit_id: str) -> Principal:
        return next(p for p in self.people(Role.UNIT_HEAD) if p.unit_id == unit_id)

    def reviewer_of(self, person: Principal) -> Principal:
        """One who grades the person (``domain/graders.py``), a vice-chairman before the
        chairman."""
        graders = [
            p
            for p in self.callers
            if p.role is not Role.INTEGRATION
            and grading_refusal(
                Seat(p.subject_id, p.role.value, p.unit_id, p.units_in_charge),
                person.subject_id,
                person.role.value,
                person.unit_id,
            )
            is None
        ]
        return min(graders, key=lambda p: p.role is Role.CHAIRMAN)

    async def audits(self, uow: UnitOfWork) -> int:
        auditors = self.people(Role.AUDITOR)
        count = 0
        for unit_id, draft in audit_drafts(self.now, self.policy, self.rng):
            auditor = self.rng.choice([a for a in auditors if a.unit_id != unit_id])
            # Sent two hours after, or now for an audit performed in the last two hours.
            moment = min(draft.performed_at + timedelta(hours=2), self.now)
            await audit_handlers.submit_audit(uow, self.context(auditor, moment), draft)
            count += 1
        return count

    async def close_old_actions(self, uow: UnitOfWork) -> int:
        """Most findings of past months were corrected by their due date."""
        current = Month.of(self.now).key
        rows = await reads.actions_before(uow.session, current)
        count = 0
        for row in rows:
            if self.rng.random() < 0.25:
                continue
            head = self.head_of(row.unit_id)
            moment = self.at(row.due_on, 15) - timedelta(days=self.rng.randint(0, 5))
            await actions.close_corrective_action(
                uow,
                self.context(head, moment),
                uuid.UUID(row.action_id),
                "Đã khắc phục, đơn vị tự kiểm tra lại.",
                [f"anh-khac-phuc-{row.item_code}.jpg"],
            )
            count += 1
        return count

    def plus_scores(self, mean: float) -> list[PlusScore]:
        return [
            PlusScore(code, round(min(4.0, max(0.0, self.rng.gauss(mean, 0.6)))))
            for code in default_catalog().plus_items
        ]

    async def self_assessments(self, uow: UnitOfWork) -> int:
        """Past months: submitted early the next month, reviewed within days (mostly approved,
        some adjusted, some returned then resubmitted). This month: submitted mid-month (in the
        month's first days, between its start and now), a few still waiting for their review.
        One (``NEVER_REVIEWED``'s) was sent on ``overdue_day`` and never reviewed, so a review is
        overdue whatever the day the demo is loaded."""
        count = 0
        current = Month.of(self.now)
        late_day = self.overdue_day()
        for month in demo_months(self.now, self.policy):
            for person in self.people(Role.STAFF, Role.AUDITOR, Role.UNIT_HEAD, Role.ADMIN):
                late = person.subject_id == NEVER_REVIEWED and month == Month.of_date(late_day)
                if late:
                    submitted = self.at(late_day, 9)
                elif month == current:
                    submitted = self.at(month.first_day() + timedelta(days=9), 9)
                    submitted += timedelta(hours=self.rng.randint(0, 72))
                    if submitted > self.now:
                        # Early in the month (on the 1st at midnight too) some have sent
                        # theirs already, so a demo loaded any day has reviews waiting.
                        begun = self.at(month.first_day(), 0)
                        submitted = begun + (self.now - begun) * self.rng.uniform(0.2, 0.9)
                else:
                    day = self.policy.calendar.nth_working_day(month.shift(1), 1)
                    submitted = self.at(day, 8) + timedelta(hours=self.rng.randint(0, 50))
                if submitted > self.now:
                    continue
                answer = await plus_handlers.submit_self_assessment(
                    uow, self.context(person, submitted), month.key, self.plus_scores(3.3)
                )
                count += 1
                review_day = self.policy.calendar.add_working_days(
                    submitted.date(), self.rng.randint(1, 3)
                )
                reviewed = self.at(review_day, 10, self.rng.randint(0, 59))
                unreviewed = month == current and self.rng.random() < 0.2
                if reviewed > self.now or unreviewed or late:
                    continue
                sa_id = uuid.UUID(answer["self_assessment_id"])
                await self.review(uow, person, sa_id, month, reviewed)
        return count

    def overdue_day(self) -> date:
        """The latest day before today (local) whose self-assessment's review deadline
        (``Policy.review_deadline``: 3 working days) has passed by today: one sent then and never
        reviewed is overdue now. It is in the current or the last month, which is still open
        then (its close day is after its own reviews' deadlines in this month)."""
        today = self.now.astimezone(LOCAL_TZ).date()
        day = today - timedelta(days=1)
        while self.policy.review_deadline(day) >= today:
            day -= timedelta(days=1)
        return day

    async def review(
        self,
        uow: UnitOfWork,
        person: Principal,
        self_assessment: uuid.UUID,
        month: Month,
        moment: datetime,
    ) -> None:
        reviewer = self.context(self.reviewer_of(person), moment)
        roll = self.rng.random()
        # Returned only when it can be resubmitted and reviewed again before the month closes.
        again_by = (moment + timedelta(days=2)).astimezone(LOCAL_TZ).date()
        if roll < 0.08 and again_by <= self.policy.close_day(month):
            await plus_handlers.review_self_assessment(
                uow, reviewer, self_assessment, "returned", REVIEW_REASONS[1], None
            )
            resubmitted = moment + timedelta(hours=20)
            if resubmitted + timedelta(days=1) > self.now:
                return  # still with the person, to be resubmitted
            again = self.context(person, resubmitted)
            await plus_handlers.submit_self_assessment(uow, again, month.key, self.plus_scores(3.0))
            reviewer = self.context(self.reviewer_of(person), moment + timedelta(days=1))
            await plus_handlers.review_self_assessment(
                uow, reviewer, self_assessment, "approved", None, None
            )
        elif roll < 0.2:
            await plus_handlers.review_self_assessment(
                uow,
                reviewer,
                self_assessment,
                "adjusted",
                REVIEW_REASONS[0],
                self.plus_scores(2.8),
            )
        else:
            await plus_handlers.review_self_assessment(
                uow, reviewer, self_assessment, "approved", None, None
            )

    async def feedback(self, uow: UnitOfWork) -> int:
        # Each unit is rated by its own devices (a kiosk or QR link rates only its unit).
        kiosks = self.people(Role.KIOSK)
        staff = self.people(Role.STAFF)
        levels, weights = zip(*LEVEL_WEIGHTS.items(), strict=True)
        count = 0
        for month in demo_months(self.now, self.policy):
            for unit_id in UNIT_PROFILES:
                visits = 24 if unit_id == "ttphcc" else 8
                for _ in range(visits):
                    moment = self.at(
                        month.first_day() + timedelta(days=self.rng.randint(0, 27)),
                        self.rng.randint(8, 16),
                        self.rng.randint(0, 59),
                    )
                    if moment > self.now:
                        continue
                    officers = [p for p in staff if p.unit_id == unit_id]
                    await self.rate(
                        uow,
                        self.rng.choice([k for k in kiosks if k.unit_id == unit_id]),
                        moment,
                        unit_id,
                        self.rng.choices(levels, weights)[0],
                        self.rng.choice(officers).subject_id if self.rng.random() < 0.5 else None,
                    )
                    count += 1
        # One bad day: four "Rất không hài lòng" for the unit that needs help, this morning.
        bad_day = self.now.astimezone(LOCAL_TZ).replace(hour=8, minute=0, second=0)
        for minutes in (0, 25, 50, 75):
            moment = min(bad_day + timedelta(minutes=minutes), self.now)
            await self.rate(
                uow, next(k for k in kiosks if k.unit_id == "dvcu"), moment, "dvcu", 1, None
            )
            count += 1
        return count

    async def rate(
        self,
        uow: UnitOfWork,
        kiosk: Principal,
        moment: datetime,
        unit_id: str,
        level: int,
        officer_id: str | None,
    ) -> None:
        rating = FeedbackIn(
            unit_id=unit_id,
            level=level,
            officer_id=officer_id,
            procedure=self.rng.choice(PROCEDURES) if self.rng.random() < 0.7 else None,
            comment=self.rng.choice(COMMENTS) if self.rng.random() < 0.2 else None,
        )
        await rating_handlers.receive_feedback(uow, self.context(kiosk, moment), rating)

    async def task_results(self, uow: UnitOfWork) -> int:
        """Past months only: the HR system sends points on the 2nd working day after; this
        month's have not arrived, so its classification is provisional."""
        hr = self.people(Role.INTEGRATION)[0]
        count = 0
        for month in demo_months(self.now, self.policy)[:-1]:
            moment = self.at(self.policy.calendar.nth_working_day(month.shift(1), 2), 7)
            if moment > self.now:
                continue
            for person in self.people(Role.STAFF, Role.AUDITOR, Role.UNIT_HEAD, Role.ADMIN):
                points = round(min(70.0, max(30.0, self.rng.gauss(60, 6))) * 2) / 2
                body = TaskResultIn(person_id=person.subject_id, period=month.key, points=points)
                await points_handlers.record_task_result(uow, self.context(hr, moment), body)
                count += 1
        return count
