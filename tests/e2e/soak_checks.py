"""The crash suite's run and its reckoning: start the stack (instances as the size says), let
the generator and the chaos run together, wait until every outbox, consumer and delivery is
drained, then compare what was accepted with what the stack holds:

- facts: each accepted submission is on the ASSESSMENT stream exactly once (lost: none;
  duplicated: none), and no event id is there twice;
- figures: scoring's projection equals the one a fault-free fold of that stream gives
  (``tests.scoring.test_scale_out.figures``), so nothing was counted twice or left out;
- alerts and e-mails: no alert twice for a (rule, subject, period, recipient), and the SMTP
  server received exactly the e-mails notifications recorded as sent, none twice under two
  Message-IDs (one message received again under its own id, resent after a kill, is counted
  apart).
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from sqlalchemy import func, select

from contracts.periods import Month
from contracts.subjects import inbox_prefix
from services.notifications.adapters.tables import alerts, deliveries
from services.runtime.db import create_engine, session_factory
from services.runtime.poison import screen
from services.runtime.progress import progress
from tests.assessment.conftest import read_stream
from tests.e2e.soak import Chaos, Client_, Faults, Generator, Ledger, Size, spawn
from tests.scoring.projection import Projection
from tests.scoring.test_scale_out import figures
from tests.support.stack import Stack
from tests.support.wards import wards_behind
from tools.processes import NatsServer, ServiceProcess, wait_until_ready

#: What identifies, in its event's data, each kind of submission the generator makes.
FACT_KEYS: dict[str, tuple[str, ...]] = {
    "audit.submitted": ("audit_id",),
    "audit.amended": ("audit_id", "revision"),
    "audit.withdrawn": ("audit_id",),
    "self_assessment.submitted": ("self_assessment_id",),
    "self_assessment.reviewed": ("self_assessment_id",),
    "feedback.received": ("feedback_id",),
    "task_result.recorded": ("person_id", "period", "points"),
    "period.closed": ("period",),
}

#: The durables shared by every instance of their service; scoring applies assessment's events
#: by ward instead, and is drained when every ward's mark is at its last message.
DURABLES = (
    ("ASSESSMENT", "notifications-assessment"),
    ("SCORING", "notifications-scoring"),
)


def _repeats(counted: Counter[Any]) -> int:
    """How many of what was counted are again something counted already."""
    return sum(n - 1 for n in counted.values())


@dataclass
class MailTally:
    """What the mailbox received against what notifications recorded as sent: the alerts'
    keys, the alerts e-mailed, the alerts the messages received told of and those messages by
    (recipient, Message-ID). Every figure of the table is counted from these."""

    #: The alerts notifications raised, by (ward, rule, subject, period, recipient).
    alerts: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    #: The alerts notifications recorded as sent by e-mail, by alert id.
    sent: Counter[str] = field(default_factory=Counter)
    #: The alerts the messages received told of (a message received again under its own
    #: Message-ID counted once), by alert id.
    told: Counter[str] = field(default_factory=Counter)
    #: The messages received, by (recipient, Message-ID).
    messages: Counter[tuple[str, str]] = field(default_factory=Counter)

    @classmethod
    def of(cls, alerts: Counter[tuple[Any, ...]], sent: Counter[str], mailbox: Any) -> MailTally:
        """The tally of the ``mailbox``'s messages against the alerts and those ``sent``. Each
        alert's e-mail carries its own signed acknowledge link: which alerts each message told
        of is read from the links' claims."""
        tally = cls(alerts, sent)
        for n, message in enumerate(mailbox.messages):
            key = (message.to, message.message_id or f"none-{n}")
            tally.messages[key] += 1
            if tally.messages[key] == 1:
                tally.told.update(acknowledged_alerts(message.text))
        return tally

    @property
    def duplicate_alerts(self) -> int:
        """Alerts raised again for the same (rule, subject, period, recipient)."""
        return _repeats(self.alerts)

    @property
    def received(self) -> int:
        return sum(self.messages.values())

    @property
    def alerts_sent(self) -> int:
        return sum(self.sent.values())

    @property
    def lost(self) -> int:
        """Alerts sent whose e-mail never came."""
        return sum((self.sent - self.told).values())

    @property
    def duplicated(self) -> int:
        """Alerts told of by more messages than were sent: the same alert under two
        Message-IDs."""
        return sum((self.told - self.sent).values())

    @property
    def resent(self) -> int:
        """Copies of one message (the same Message-ID) received again: a message the server
        accepted whose sending instance was killed before recording it is sent again, the same
        message; no protocol excludes it (at least once), a reader drops it by its id."""
        return _repeats(self.messages)

    @property
    def clean(self) -> bool:
        return not (self.duplicate_alerts or self.duplicated or self.lost)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("duplicate alerts", str(self.duplicate_alerts)),
            ("e-mails received (alerts they told of)", f"{self.received} ({self.alerts_sent})"),
            ("lost e-mails (alert sent, never received)", str(self.lost)),
            ("duplicate e-mails (alert received twice)", str(self.duplicated)),
            ("resent after a kill (same Message-ID)", str(self.resent)),
        ]


@dataclass
class Report:
    size: Size
    seed: int
    seconds: float = 0.0
    faults: Faults = field(default_factory=Faults)
    ledger: Ledger = field(default_factory=Ledger)
    events: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    figures_differing: list[str] = field(default_factory=list)
    mail: MailTally = field(default_factory=MailTally)

    def table(self) -> str:
        longest = max(self.faults.recoveries, default=0.0)
        rows = [(kind, str(n)) for kind, n in sorted(self.faults.kills.items())]
        rows += [
            (
                "submissions accepted (of them via NATS intake)",
                f"{self.ledger.accepted} ({self.ledger.through_intake})",
            ),
            (
                "refused by the rules (4xx), not sent",
                f"{sum(self.ledger.refused.values())}, {sum(self.ledger.skipped.values())}",
            ),
            ("events on the ASSESSMENT stream", str(self.events)),
            ("lost (accepted, not in the facts)", str(len(self.lost))),
            ("duplicated (facts twice)", str(len(self.duplicated))),
            ("figures differing from a fault-free fold", str(len(self.figures_differing))),
            *self.mail.rows(),
            ("longest recovery (kill to ready)", f"{longest:.1f} s"),
        ]
        for n, took in enumerate(self.faults.reconnects, 1):
            slowest = max(took.values(), default=0.0)
            rows.append((f"nats-server restart {n}: all ready again", f"{slowest:.1f} s"))
        width = max(len(k) for k, _ in rows)
        head = f"soak {self.size.name} (seed {self.seed}, {self.seconds:.0f} s)"
        lines = [head, "-" * (width + 12)] + [f"{k:<{width}}  {v:>8}" for k, v in rows]
        return "\n".join(lines)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.figures_differing) and self.mail.clean


async def soak(
    size: Size,
    seed: int,
    stack: Stack,
    mailbox: Any,
    tokens: list[dict[str, Any]],
    workdir: Path,
    reference_url: str,
    broker: NatsServer,
) -> Report:
    """Run the stack through ``size``'s submissions and kills; the report of what it kept."""
    report = Report(size, seed)
    started = time.monotonic()

    def say(what: str) -> None:  # how far the run got, for a run that fails or hangs
        with (workdir / "soak.log").open("a") as log:
            log.write(f"{time.monotonic() - started:7.1f} s  {what}\n")

    rng = random.Random(seed)
    instances: dict[str, list[ServiceProcess]] = {}
    for name in ("assessment", "scoring", "notifications"):
        count = 1 if name == "assessment" else size.instances
        instances[name] = [
            spawn(name, stack.env(name), workdir / f"{name}-{n}.log") for n in range(count)
        ]
    for group in instances.values():
        for process in group:
            process.start(wait=False)
    try:
        for group in instances.values():
            for process in group:
                await asyncio.to_thread(
                    wait_until_ready, f"{process.base_url}/readyz", 120, process.process
                )
        urls = {name: group[0].base_url for name, group in instances.items()}
        intake = {
            role: await nats.connect(stack.nats_url, inbox_prefix=inbox_prefix(role))
            for role in ("kiosk", "integration")
        }
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                client = Client_(http, intake)
                generator = Generator(rng, tokens, urls)
                await generator.prepare(client, size.submissions)
                period = Month.of(_local_now()).key
                stop = asyncio.Event()
                chaos = Chaos(random.Random(seed + 1), instances, report.faults, broker)
                pace = 2.0
                killing = asyncio.create_task(chaos.run(size, stop, pace))
                for n in progress(range(size.submissions), f"soak {size.name}: submissions"):
                    await generator.step(client, n, size.submissions, period)
                say(f"submitted {size.submissions}")
                await killing  # every kill done, and every instance back
                stop.set()
                report.ledger = generator.ledger
                say(f"kills done: {dict(report.faults.kills)}")
        finally:
            for connection in intake.values():
                await connection.close()
        await _drained(stack)
        say("drained")
        await _reckon(report, stack, mailbox, reference_url)
        say("reckoned")
    finally:
        for group in instances.values():
            for process in group:
                process.stop()
    report.seconds = time.monotonic() - started
    return report


def _local_now() -> Any:
    from datetime import datetime

    from contracts.common import LOCAL_TZ

    return datetime.now(LOCAL_TZ)


async def _drained(stack: Stack, within: float = 300) -> None:
    """Until every durable has nothing pending or unacked, scoring's marks are at every ward's
    last message, and every outbox and delivery queue is empty, three times in a row a second
    apart."""
    client = await nats.connect(stack.nats_url)
    js = client.jetstream()
    quiet = 0
    deadline = time.monotonic() + within
    try:
        while quiet < 3:
            waiting: dict[str, int] = {}
            for stream, durable in DURABLES:
                info = await js.consumer_info(stream, durable)
                waiting[durable] = info.num_pending + info.num_ack_pending
            waiting["scoring wards"] = await wards_behind(js, stack.databases["scoring"])
            for name in ("assessment", "scoring", "notifications"):
                waiting[name] = await _waiting(stack.databases[name], name)
            if time.monotonic() > deadline:
                raise AssertionError(f"the stack did not drain: {waiting}")
            quiet = 0 if any(waiting.values()) else quiet + 1
            await asyncio.sleep(1)
    finally:
        await client.close()


async def _waiting(url: str, name: str) -> int:
    """Rows of the service's outbox not yet published (notifications: and deliveries pending)."""
    from services.runtime.db import PlumbingTables, new_metadata

    outbox = PlumbingTables(new_metadata()).outbox
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            waiting = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
            if name == "notifications":
                waiting += (
                    await session.scalar(
                        select(func.count())
                        .select_from(deliveries)
                        .where(
                            deliveries.c.status == "pending", deliveries.c.send_after <= func.now()
                        )
                    )
                    or 0
                )
            return int(waiting or 0)
    finally:
        await engine.dispose()


async def _reckon(report: Report, stack: Stack, mailbox: Any, reference_url: str) -> None:
    client = await nats.connect(stack.nats_url)
    try:
        stream = await read_stream(client)
    finally:
        await client.close()
    report.events = len(stream)
    ids = Counter(m["event"]["event_id"] for m in stream)
    report.duplicated += [f"event {i} x{n}" for i, n in ids.items() if n > 1]
    seen: dict[str, Counter[Any]] = {}
    for message in stream:
        event = message["event"]
        data = event["data"]
        kind = event["type"].removeprefix("assessment.")
        fields = FACT_KEYS.get(kind)
        if fields is not None:
            key = tuple(str(data[f]) for f in fields)
            seen.setdefault(kind, Counter())[key[0] if len(key) == 1 else key] += 1
    ledger = report.ledger
    accepted: dict[str, Counter[Any]] = {
        "audit.submitted": Counter(ledger.audits),
        "audit.amended": ledger.amendments,
        "audit.withdrawn": Counter(ledger.withdrawals),
        "self_assessment.submitted": Counter(ledger.self_assessments),
        "self_assessment.reviewed": Counter(ledger.reviews),
        "feedback.received": Counter(ledger.feedback),
        "task_result.recorded": ledger.task_results,
        "period.closed": Counter(ledger.closes),
    }
    for kind, wanted in accepted.items():
        found = seen.get(kind, Counter())
        for key, n in wanted.items():
            if found[key] < n:
                report.lost.append(f"{kind} {key}")
            elif found[key] > n:
                report.duplicated.append(f"{kind} {key} x{found[key]}")
    # Figures: the live projection against a fault-free fold of the same facts.
    reference = Projection(reference_url)
    await reference.create()
    await reference.feed([screen(m["subject"], json.dumps(m["event"]).encode()) for m in stream])
    await reference.engine.dispose()
    live = await figures(stack.databases["scoring"])
    folded = await figures(reference_url)
    for table in sorted(set(live) | set(folded)):
        a, b = Counter(live.get(table, [])), Counter(folded.get(table, []))
        report.figures_differing += [f"{table} {row}" for row in (a - b) + (b - a)]
    # Alerts and e-mails.
    engine = create_engine(stack.databases["notifications"])
    try:
        async with session_factory(engine)() as session:
            keys = Counter(
                tuple(r)
                for r in await session.execute(
                    select(
                        alerts.c.ward,
                        alerts.c.rule,
                        alerts.c.subject_id,
                        alerts.c.period,
                        alerts.c.recipient_id,
                    )
                )
            )
            sent = await session.scalars(
                select(deliveries.c.alert_id).where(
                    deliveries.c.channel == "email",
                    deliveries.c.status == "sent",
                    deliveries.c.kind == "alert",
                )
            )
            expected = Counter(str(alert_id) for alert_id in sent)
    finally:
        await engine.dispose()
    # A message received again under its own Message-ID is one message resent (counted apart);
    # the same alert under two ids is a duplicate.
    report.mail = MailTally.of(keys, expected, mailbox)


def acknowledged_alerts(text: str) -> set[str]:
    """The alerts whose acknowledge links are in an e-mail's text (the claims of the signed
    tokens in its links, read without checking the signature: only the test reads them)."""
    found = set()
    for token in re.findall(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", text):
        payload = token.split(".")[1]
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            continue
        if isinstance(claims, dict) and claims.get("act") == "ack" and "alert" in claims:
            found.add(str(claims["alert"]))
    return found
