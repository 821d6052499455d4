"""The notifications service in the test's process, on the test's real NATS server and a real
SMTP server (aiosmtpd), with its clock set where a test needs it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from nats.js import JetStreamContext
from sqlalchemy import select

from contracts import events
from contracts.common import LOCAL_TZ, Text
from contracts.envelope import Actor, Event
from contracts.roles import Role
from services.notifications.adapters.tables import expectations
from services.notifications.bootstrap import Notifications, build_app
from services.notifications.settings import NotificationsSettings
from tests.conftest import WARD, bearer
from tests.support.http import eventually
from tests.support.keys import session_keys
from tools.processes import free_port

ASSESSOR = Actor(kind="person", id="p010")
SCORING = Actor(kind="system")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def envelope(when: datetime, actor: Actor) -> dict[str, Any]:
    """The envelope of an event of the test's ward: when it happened, and who made it so."""
    return {"ward": WARD, "occurred_at": when, "actor": actor}


# --- a small ward -----------------------------------------------------------------------------

UNITS = (
    events.OrgUnit(unit_id="kt", name=Text(vi="Phòng Kinh tế", en="Economic Division")),
    events.OrgUnit(unit_id="vp", name=Text(vi="Văn phòng HĐND và UBND", en="Office")),
)


def person(
    pid: str, name: str, role: Role, unit: str, charge: tuple[str, ...] = ()
) -> events.OrgPerson:
    return events.OrgPerson(
        person_id=pid,
        full_name=name,
        email=f"{pid}@binhdong.example.vn",
        role=role,
        unit_id=unit,
        units_in_charge=charge,
    )


PEOPLE = (
    person("p001", "Trần Quốc Khải", Role.CHAIRMAN, "vp"),
    person("p002", "Lê Thị Bích Ngọc", Role.VICE_CHAIRMAN, "vp", ("kt",)),
    person("p006", "Huỳnh Gia Bảo", Role.ADMIN, "vp"),
    person("p010", "Hồ Văn Phúc", Role.UNIT_HEAD, "kt"),
    person("p012", "Nguyễn Văn An", Role.STAFF, "kt"),
    person("p013", "Phạm Thị Hoa", Role.STAFF, "kt"),
)
SELF_ASSESSORS = ("p006", "p010", "p012", "p013")


def address(pid: str) -> str:
    return f"{pid}@binhdong.example.vn"


def org_chart(
    version: int = 1, people: tuple[events.OrgPerson, ...] = PEOPLE
) -> events.OrgChartPublished:
    return events.OrgChartPublished(
        **envelope(local(2026, 1, 1), Actor(kind="system")),
        data=events.OrgChartPublishedData(
            version=version, units=UNITS, people=people, ward_name="Phường Bình Đông"
        ),
    )


def low_score(
    unit: str = "kt",
    metric: str = "total",
    period: str = "2026-03",
    value: float = 42.5,
    final: bool = False,
    recovered: bool = False,
    day: date | None = None,
) -> Event:
    kind = events.LowScoreRecovered if recovered else events.LowScoreDetected
    return kind(
        **envelope(local(2026, 3, 10), SCORING),
        data=events.LowScoreData(
            subject_kind="unit",
            subject_id=unit,
            unit_id=unit,
            period=period,
            metric=metric,
            value=value if not recovered else 75.0,
            threshold=60.0 if metric in ("total", "satisfaction") else 50.0,
            final=final,
            policy_version="2026.1",
            day=day,
        ),
    )


def finalized(unit: str, period: str, kind: str = "unit") -> events.ScoreFinalized:
    """Scoring's final result of ``unit`` (or of a person of it) for ``period``."""
    return events.ScoreFinalized(
        **envelope(local(2026, 8, 6), SCORING),
        data=events.ScoreData(
            subject_kind=kind,  # type: ignore[arg-type]
            subject_id=unit if kind == "unit" else "p012",
            unit_id=unit,
            period=period,
            total_percent=42.5,
            policy_version="2026.1",
        ),
    )


# --- assessment's facts -----------------------------------------------------------------------

UNIT_OF = {"p006": "vp", "p010": "kt", "p012": "kt", "p013": "kt"}
AUDITOR = Actor(kind="person", id="p011")


def submitted(
    person: str, period: str, when: datetime, revision: int = 1
) -> events.SelfAssessmentSubmitted:
    return events.SelfAssessmentSubmitted(
        **envelope(when, Actor(kind="person", id=person)),
        data=events.SelfAssessmentSubmittedData(
            self_assessment_id=uuid.uuid4(),
            person_id=person,
            unit_id=UNIT_OF[person],
            period=period,
            catalog_version="2026.1",
            revision=revision,
            items=(),
        ),
    )


def reviewed(
    person: str, period: str, when: datetime, outcome: str = "approved", revision: int = 1
) -> events.SelfAssessmentReviewed:
    return events.SelfAssessmentReviewed(
        **envelope(when, Actor(kind="person", id="p010")),
        data=events.SelfAssessmentReviewedData(
            self_assessment_id=uuid.uuid4(),
            person_id=person,
            unit_id=UNIT_OF[person],
            period=period,
            reviewer_id="p010",
            outcome=outcome,
            revision=revision,
            reason="Chưa có minh chứng" if outcome == "returned" else None,
        ),
    )


def done(
    person: str, period: str, when: datetime
) -> tuple[events.SelfAssessmentSubmitted, events.SelfAssessmentReviewed]:
    """A self-assessment submitted and reviewed the same day."""
    return submitted(person, period, when), reviewed(person, period, when)


def audited(unit: str, period: str, when: datetime) -> events.AuditSubmitted:
    return events.AuditSubmitted(
        **envelope(when, AUDITOR),
        data=events.AuditSubmittedData(
            audit_id=uuid.uuid4(),
            unit_id=unit,
            auditor_id="p011",
            revision=1,
            period=period,
            performed_at=when,
            catalog_version="2026.1",
            items=(),
        ),
    )


def withdrawn(audit: events.AuditSubmitted, when: datetime) -> events.AuditWithdrawn:
    data = audit.data
    return events.AuditWithdrawn(
        **envelope(when, AUDITOR),
        data=events.AuditWithdrawnData(
            audit_id=data.audit_id,
            unit_id=data.unit_id,
            revision=data.revision + 1,
            reason="Chấm nhầm đơn vị",
            replaces=events.AuditState.model_validate(
                data.model_dump(include=set(events.AuditState.model_fields))
            ),
        ),
    )


def action_opened(
    due_on: date, when: datetime, owner: str = "p012"
) -> events.CorrectiveActionOpened:
    return events.CorrectiveActionOpened(
        **envelope(when, AUDITOR),
        data=events.CorrectiveActionOpenedData(
            action_id=uuid.uuid4(),
            audit_id=uuid.uuid4(),
            unit_id="kt",
            item_code="S1.01",
            score=1,
            owner_id=owner,
            due_on=due_on,
        ),
    )


def action_closed(
    opened: events.CorrectiveActionOpened, when: datetime
) -> events.CorrectiveActionClosed:
    return events.CorrectiveActionClosed(
        **envelope(when, Actor(kind="person", id=opened.data.owner_id)),
        data=events.CorrectiveActionClosedData(
            action_id=opened.data.action_id,
            audit_id=opened.data.audit_id,
            unit_id=opened.data.unit_id,
            closed_by=opened.data.owner_id,
            note="Đã sắp xếp lại hồ sơ",
        ),
    )


def action_reopened(
    opened: events.CorrectiveActionOpened, due_on: date, when: datetime
) -> events.CorrectiveActionReopened:
    return events.CorrectiveActionReopened(
        **envelope(when, AUDITOR),
        data=events.CorrectiveActionReopenedData(
            action_id=opened.data.action_id,
            audit_id=opened.data.audit_id,
            unit_id=opened.data.unit_id,
            owner_id=opened.data.owner_id,
            reopened_by="p011",
            reason="Kiểm tra lại: hồ sơ vẫn chưa sắp xếp",
            due_on=due_on,
        ),
    )


def ward_calendar(
    version: int, days_off: tuple[date, ...] = (), working: tuple[date, ...] = ()
) -> events.CalendarPublished:
    """The ward's calendar as assessment publishes it: its declared days off and make-up
    working days."""
    days = [events.CalendarDay(day=d, working=False, reason="Nghỉ") for d in days_off] + [
        events.CalendarDay(day=d, working=True, reason="Làm bù") for d in working
    ]
    return events.CalendarPublished(
        **envelope(local(2025, 1, 1), Actor(kind="system")),
        data=events.CalendarPublishedData(
            version=version, days=tuple(sorted(days, key=lambda d: d.day))
        ),
    )


# --- a real SMTP server -----------------------------------------------------------------------


@dataclass
class Received:
    to: str
    subject: str
    text: str
    html: str
    at: float
    #: The files attached, by name.
    attachments: dict[str, bytes] = field(default_factory=dict)
    #: The message's Message-ID header ("" without one).
    message_id: str = ""


@dataclass
class Mailbox:
    """An aiosmtpd server on a fixed port that records every message it accepts, refuses the
    addresses in ``refused`` with 550, and can be stopped and started again (an outage)."""

    port: int = field(default_factory=free_port)
    messages: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    controller: Controller | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, addr: str, options: Any
    ) -> str:
        if addr in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(addr)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append(
                    Received(
                        to=rcpt,
                        subject=str(message["Subject"]),
                        text=text.get_content() if text else "",
                        html=html.get_content() if html else "",
                        at=time.monotonic(),
                        attachments={
                            str(part.get_filename()): part.get_content()
                            for part in message.iter_attachments()
                        },
                        message_id=str(message["Message-ID"] or ""),
                    )
                )
        return "250 Message accepted"

    def start(self) -> Mailbox:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, pid: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if m.to == address(pid)]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


# --- the service ------------------------------------------------------------------------------


@dataclass
class Harness:
    service: Notifications
    http: httpx.AsyncClient
    js: JetStreamContext
    mailbox: Mailbox

    @property
    def clock(self) -> Any:
        return self.service.clock

    async def publish(self, *published: Event, msg_id: str | None = None) -> None:
        for event in published:
            await self.js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": msg_id or str(event.event_id)},
            )

    async def settled(self, within: float = 10.0) -> None:
        """Wait until every consumer of the service has applied everything published on its
        stream before this call.

        A consumer's counts do not say so: for a moment after a publish is acknowledged, the
        server has not yet told the consumer of the message, whose info then reads nothing
        pending and nothing unacknowledged (a test went on before its org chart was applied).
        Its ack floor does: the consumers take every subject of their stream and ack a message
        once its transaction has committed, so a floor at the stream's last sequence means all
        of it is applied."""
        for consumer in self.service.runtime.consumers:
            spec = consumer.spec
            last = (await self.js.stream_info(spec.stream.name)).state.last_seq

            async def done(spec: Any = spec, last: int = last) -> bool:
                info = await self.js.consumer_info(spec.stream.name, spec.name)
                return (info.ack_floor.stream_seq if info.ack_floor else 0) >= last

            await eventually(done, within=within)

    async def at(self, moment: datetime) -> int:
        """Move the clock and let the scheduler run; how many e-mails arrived meanwhile. (A tick
        the scheduler started by itself holds the same lock for its alert steps, and its sends
        are over once the scheduler is idle.)"""
        before = self.mailbox.count()
        self.clock.set(moment)
        await self.service.scheduler.tick()
        await self.service.scheduler.idle()
        return self.mailbox.count() - before

    async def alerts(self, pid: str, role: str = "staff", **params: Any) -> list[dict[str, Any]]:
        answer = await self.http.get("/v1/alerts", headers=bearer(role, pid), params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()["alerts"]  # type: ignore[no-any-return]

    async def due_on(self, rule: str, subject_id: str, period: str) -> str | None:
        """The last day of a watched deadline, as the service now counts it (YYYY-MM-DD)."""
        async with self.service.runtime.sessions() as session:
            details = await session.scalar(
                select(expectations.c.details).where(
                    expectations.c.rule == rule,
                    expectations.c.subject_id == subject_id,
                    expectations.c.period == period,
                )
            )
        return details.get("due_on") if details else None

    async def wait_mail(self, count: int, within: float = 10.0) -> None:
        """Wait until ``count`` e-mails have arrived and the passes that sent them have recorded
        each outcome (a message the server accepted is not yet marked sent: a test that moves
        the clock then would find it still under way, its repeat not yet scheduled)."""

        async def arrived() -> bool:
            return self.mailbox.count() >= count

        await eventually(arrived, within=within)
        await self.service.scheduler.idle()


def settings_for(
    nats_url: str, database_url: str, mailbox: Mailbox, **overrides: Any
) -> NotificationsSettings:
    values: dict[str, Any] = {
        "service": "notifications",
        "environment": "test",
        "http_port": 0,
        "nats_url": nats_url,
        "database_url": database_url,
        "smtp_port": mailbox.port,
        "tick_s": 3600.0,  # the tests tick by hand; commits that queue mail still wake it
        "retry_base_s": 0.2,
        "retry_max_s": 1.0,
        "relay_poll_s": 0.2,
        **session_keys().settings(),
        **overrides,
    }
    return NotificationsSettings.model_validate(values)


async def start(settings: NotificationsSettings, js: JetStreamContext, mailbox: Mailbox) -> Harness:
    app = build_app(settings)
    service: Notifications = app.state.notifications
    await service.runtime.start()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    return Harness(service, http, js, mailbox)


async def stop(harness: Harness) -> None:
    await harness.http.aclose()
    await harness.service.runtime.stop()
    await asyncio.sleep(0)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def on(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


async def watching(service: Harness) -> None:
    """The org chart is known and this month is being watched."""
    await service.publish(org_chart())
    await service.settled()
    await service.service.scheduler.tick()
