"""The crash suite's engine (issue 21, items 1 and 7): a seeded generator submits a known mix
through HTTP and the NATS intake while ``kill -9`` hits each service at seeded random moments
and the service is started again; then what was accepted is compared with what the stack holds
(``tests.e2e.soak_checks``). ``tests/e2e/test_crash.py`` runs it at CI size, ``make soak`` at
full size (``WARD5S_SOAK=full``, or ``quick``), both printing one table.

A submission is accepted when it is answered 2xx (HTTP) or its reply says 2xx (intake). A
client whose request met a dead service tries again with the same idempotency key, as the
web pages' offline queue does, until it is answered; a 4xx is a refusal, not counted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
from nats.aio.client import Client

from contracts.catalog import default_catalog
from contracts.periods import Month
from contracts.subjects import intake_subject
from tools.demo import audit_body
from tools.processes import NatsServer, ServiceProcess, free_port, wait_until_ready

WARD = "binh-dong"
#: Rating codes for each kiosk's unit, as a share of a run's submissions: more than a unit's
#: kiosks rate (ratings are a fifth to a third of the mix, ``Generator.step``, shared among the
#: units, one of which has two kiosks).
RATINGS_SHARE = 0.20
#: Rating codes the API issues at most per request.
CODES_PER_REQUEST = 100


@dataclass(frozen=True)
class Size:
    """How big a run is: submissions, kills per service, instances of scoring and
    notifications."""

    name: str
    submissions: int
    kills_per_service: int
    instances: int
    nats_restarts: int

    @staticmethod
    def named(name: str) -> Size:
        return {
            "ci": Size("ci", 60, 2, 1, 1),
            "quick": Size("quick", 300, 4, 2, 2),
            "full": Size("full", 3000, 20, 2, 5),
        }[name]


@dataclass
class Ledger:
    """What the generator had accepted, by kind, with what identifies each in the events."""

    audits: set[str] = field(default_factory=set)
    amendments: Counter[tuple[str, str]] = field(default_factory=Counter)
    withdrawals: set[str] = field(default_factory=set)
    self_assessments: set[str] = field(default_factory=set)
    reviews: set[str] = field(default_factory=set)
    feedback: set[str] = field(default_factory=set)
    task_results: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    closes: set[str] = field(default_factory=set)
    refused: Counter[str] = field(default_factory=Counter)
    #: Steps that sent nothing (no code left, no head to review), by kind.
    skipped: Counter[str] = field(default_factory=Counter)
    through_intake: int = 0

    @property
    def accepted(self) -> int:
        return (
            len(self.audits)
            + sum(self.amendments.values())
            + len(self.withdrawals)
            + len(self.self_assessments)
            + len(self.reviews)
            + len(self.feedback)
            + sum(self.task_results.values())
            + len(self.closes)
        )


@dataclass
class Faults:
    kills: Counter[str] = field(default_factory=Counter)
    recoveries: list[float] = field(default_factory=list)
    #: After each restart of nats-server: how long each instance took to be ready again.
    reconnects: list[dict[str, float]] = field(default_factory=list)


class Client_:
    """Sends one submission until it is answered, with the same idempotency key each time."""

    def __init__(self, http: httpx.AsyncClient, intake: dict[str, Client]) -> None:
        self.http = http
        self.intake = intake

    async def post(self, url: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
        key = str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                answer = await self.http.post(url, json=body, headers=headers)
            except httpx.HTTPError:
                await asyncio.sleep(0.3)
                continue
            if answer.status_code >= 500:
                await asyncio.sleep(0.3)
                continue
            return answer.status_code, answer.json() if answer.content else None
        raise AssertionError(f"{url} never answered")

    async def request(
        self, kind: str, role: str, token: str, body: dict[str, Any]
    ) -> tuple[int, Any]:
        key = str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {token}", "Nats-Msg-Id": key}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                reply = await self.intake[role].request(
                    intake_subject(WARD, kind), json.dumps(body).encode(), 5, headers=headers
                )
            except nats.errors.Error:  # no answer, nobody listening, the bus reconnecting
                await asyncio.sleep(0.3)
                continue
            answer = json.loads(reply.data)
            if answer["status"] >= 500:
                await asyncio.sleep(0.3)
                continue
            return answer["status"], answer["body"]
        raise AssertionError(f"intake {kind} never answered")


class Generator:
    """The seeded mix of submissions, sent by the demo ward's people and devices."""

    def __init__(self, rng: random.Random, tokens: list[dict[str, Any]], urls: dict[str, str]):
        self.rng = rng
        self.urls = urls
        self.ledger = Ledger()
        self.by_role: dict[str, list[dict[str, Any]]] = {}
        for entry in tokens:
            self.by_role.setdefault(entry["role"], []).append(entry)
        self.codes: dict[str, list[str]] = {}
        self.submitted: dict[str, str] = {}  # self-assessment id -> its person's unit
        self.authors: dict[str, str] = {}  # audit id -> its auditor's token
        self.staff_left = list(self.by_role.get("staff", []))
        rng.shuffle(self.staff_left)

    def one(self, role: str, **match: str) -> dict[str, Any]:
        people = [t for t in self.by_role[role] if all(t.get(k) == v for k, v in match.items())]
        return self.rng.choice(people)

    async def prepare(self, client: Client_, count: int) -> None:
        """Single-use rating codes for the kiosks' units, as many as a run of ``count``
        submissions may rate at one unit: a rating with one is counted whatever the kiosk's
        pace, so every accepted rating is in the figures."""
        admin = self.one("admin")["token"]
        for kiosk in self.by_role["kiosk"]:
            unit = kiosk["unit_id"]
            if unit in self.codes:
                continue
            self.codes[unit] = []
            while len(self.codes[unit]) < count * RATINGS_SHARE:
                status, answer = await client.post(
                    f"{self.urls['assessment']}/v1/rating-codes",
                    admin,
                    {"unit_id": unit, "count": CODES_PER_REQUEST},
                )
                assert status == 201, answer
                self.codes[unit] += answer["codes"]

    async def step(self, client: Client_, n: int, total: int, period: str) -> None:
        ledger, rng = self.ledger, self.rng
        if n == total // 2:  # the month before closes halfway through
            previous = Month.parse(period).shift(-1).key
            status, _ = await client.post(
                f"{self.urls['assessment']}/v1/periods/{previous}/close",
                self.one("admin")["token"],
                {},
            )
            if status < 300:
                ledger.closes.add(previous)
            else:
                ledger.refused["close"] += 1
            return
        roll = rng.random()
        if roll < 0.30 or not ledger.audits:
            auditor = self.one("auditor")
            units = sorted({t["unit_id"] for t in self.by_role["unit_head"]} - {auditor["unit_id"]})
            body = audit_body(rng.choice(units), lambda _: rng.choice([0, 1, 2, 3, 4]))
            status, answer = await client.post(
                f"{self.urls['assessment']}/v1/audits", auditor["token"], body
            )

            def audited(a: dict[str, Any]) -> None:
                ledger.audits.add(a["audit_id"])
                self.authors[a["audit_id"]] = auditor["token"]

            self._record(status, answer, "audit", audited)
        elif roll < 0.40:
            audit = rng.choice(sorted(ledger.audits - ledger.withdrawals))
            items = [
                {"code": c, "score": rng.choice([1, 2, 3, 4])}
                for c in default_catalog().audit_items
            ]
            status, answer = await client.post(
                f"{self.urls['assessment']}/v1/audits/{audit}/amend",
                self.authors[audit],  # an audit is amended by its author alone
                {"items": items, "reason": "Chấm lại sau khi kiểm tra"},
            )
            self._record(
                status,
                answer,
                "amend",
                lambda a: ledger.amendments.update([(a["audit_id"], str(a["revision"]))]),
            )
        elif roll < 0.45:
            audit = rng.choice(sorted(ledger.audits - ledger.withdrawals))
            status, answer = await client.post(
                f"{self.urls['assessment']}/v1/audits/{audit}/withdraw",
                self.authors[audit],
                {"reason": "Phiếu nhập nhầm"},
            )
            self._record(
                status, answer, "withdraw", lambda a: ledger.withdrawals.add(a["audit_id"])
            )
        elif roll < 0.55 and self.staff_left:
            person = self.staff_left.pop()
            items = [
                {"code": c, "score": rng.choice([2, 3, 4])} for c in default_catalog().plus_items
            ]
            status, answer = await client.post(
                f"{self.urls['assessment']}/v1/self-assessments",
                person["token"],
                {"period": period, "items": items},
            )

            def submitted(a: dict[str, Any]) -> None:
                ledger.self_assessments.add(a["self_assessment_id"])
                self.submitted[a["self_assessment_id"]] = person["unit_id"]

            self._record(status, answer, "self_assessment", submitted)
        elif roll < 0.65 and set(self.submitted) - ledger.reviews:
            sa = rng.choice(sorted(set(self.submitted) - ledger.reviews))
            heads = [t for t in self.by_role["unit_head"] if t["unit_id"] == self.submitted[sa]]
            if not heads:
                self.ledger.skipped["review"] += 1
                return
            status, answer = await client.post(
                f"{self.urls['assessment']}/v1/self-assessments/{sa}/review",
                heads[0]["token"],
                {"outcome": "approved"},
            )
            self._record(
                status, answer, "review", lambda a: ledger.reviews.add(a["self_assessment_id"])
            )
        elif roll < 0.85:
            kiosk = self.one("kiosk")
            unit = kiosk["unit_id"]
            if not self.codes.get(unit):
                self.ledger.skipped["feedback"] += 1
                return
            body = {"unit_id": unit, "level": rng.randint(1, 5), "code": self.codes[unit].pop()}
            if rng.random() < 0.5:
                status, answer = await client.request("feedback", "kiosk", kiosk["token"], body)
                ledger.through_intake += 1
            else:
                status, answer = await client.post(
                    f"{self.urls['assessment']}/v1/feedback", kiosk["token"], body
                )
            self._record(
                status, answer, "feedback", lambda a: ledger.feedback.add(a["feedback_id"])
            )
        else:
            integration = self.one("integration")
            person = self.one("staff")
            body = {
                "person_id": person["person_id"],
                "period": period,
                "points": rng.randint(30, 70),
            }
            if rng.random() < 0.5:
                status, answer = await client.request(
                    "task_result", "integration", integration["token"], body
                )
                ledger.through_intake += 1
            else:
                status, answer = await client.post(
                    f"{self.urls['assessment']}/v1/task-results", integration["token"], body
                )
            self._record(
                status,
                answer,
                "task_result",
                lambda a: ledger.task_results.update(
                    [(a["person_id"], a["period"], str(a["points"]))]
                ),
            )

    def _record(self, status: int, answer: Any, kind: str, accept: Any) -> None:
        if 200 <= status < 300:
            accept(answer)
        else:
            self.ledger.refused[kind] += 1


class Chaos:
    """Kills (SIGKILL) one instance at a time at seeded random moments and starts it again,
    timing how long it took to answer /readyz again."""

    def __init__(
        self,
        rng: random.Random,
        instances: dict[str, list[ServiceProcess]],
        faults: Faults,
        broker: NatsServer,
    ):
        self.rng = rng
        self.instances = instances
        self.faults = faults
        self.broker = broker

    async def run(self, size: Size, stop: asyncio.Event, pace_s: float) -> None:
        schedule = [name for name in self.instances for _ in range(size.kills_per_service)]
        schedule += ["nats-server"] * size.nats_restarts
        self.rng.shuffle(schedule)
        for name in schedule:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.rng.uniform(0.3, 1.7) * pace_s)
            if name == "nats-server":
                await self.restart_broker()
                continue
            victim = self.rng.choice(self.instances[name])
            killed = time.monotonic()
            await asyncio.to_thread(victim.kill)
            self.faults.kills[f"kill -9 {name}"] += 1
            await asyncio.to_thread(victim.start, False)
            await asyncio.to_thread(
                wait_until_ready, f"{victim.base_url}/readyz", 120, victim.process
            )
            self.faults.recoveries.append(time.monotonic() - killed)

    async def restart_broker(self) -> None:
        """Stop nats-server and start it again on its port and data: every instance must
        reconnect by itself; how long each took to be ready again is kept."""
        await asyncio.to_thread(self.broker.stop)
        await asyncio.to_thread(self.broker.start)
        restarted = time.monotonic()
        self.faults.kills["restart nats-server"] += 1

        async def ready(process: ServiceProcess) -> tuple[str, float]:
            url = f"{process.base_url}/readyz"
            await asyncio.to_thread(wait_until_ready, url, 120, process.process)
            return f"{process.name}:{process.port}", time.monotonic() - restarted

        every = [p for group in self.instances.values() for p in group]
        took = dict(await asyncio.gather(*(ready(p) for p in every)))
        self.faults.reconnects.append(took)
        self.faults.recoveries.append(max(took.values()))


def spawn(name: str, env: dict[str, str], log: Any) -> ServiceProcess:
    return ServiceProcess(name, free_port(), env, log=log)
