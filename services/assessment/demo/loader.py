"""Load the demo ward into the assessment database, through the same handlers the API uses, so
its submissions reach the other services as ordinary events via the outbox."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ, Text
from contracts.envelope import SYSTEM
from contracts.periods import Month
from contracts.roles import Role
from services.assessment import bootstrap, handlers
from services.assessment.adapters.tables import audits
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.domain.org import OrgRow, parse_org_chart
from services.runtime.auth import Principal, issue_token
from services.runtime.db import SessionFactory, create_engine, session_factory, transaction
from services.runtime.migrations import upgrade
from services.runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

WARD = "binh-dong"
WARD_NAME = "Phường Bình Đông"
HERE = Path(__file__).parent
#: How many past months of submissions the full demo has, besides the current one.
HISTORY_MONTHS = 3
#: Each unit's habits: the mean item score it tends to get, and its weakest pillar.
UNIT_PROFILES = {
    "vp": (3.4, "S4"),
    "kt": (3.0, "S2"),
    "vhxh": (2.8, "S5"),
    "ttphcc": (3.6, "S3"),
    "dvcu": (1.9, "S1"),  # the unit that needs help: low scores make alerts to show
}


def read_org_chart() -> tuple[list[OrgRow], list[handlers.DeviceRow]]:
    rows = parse_org_chart((HERE / "org_chart.csv").read_text(encoding="utf-8"))
    with (HERE / "devices.csv").open(encoding="utf-8") as stream:
        devices = [
            handlers.DeviceRow(
                device_id=line["device_id"],
                role=Role(line["role"]),
                unit_id=line["unit_id"] or None,
                label=Text(vi=line["label_vi"], en=line["label_en"]),
                channel=line.get("channel") or "kiosk",
            )
            for line in csv.DictReader(stream)
        ]
    return rows, devices


def principals(rows: list[OrgRow], devices: list[handlers.DeviceRow]) -> list[Principal]:
    people = [Principal(r.person_id, WARD, r.role, r.unit_id, r.units_in_charge) for r in rows]
    return people + [Principal(d.device_id, WARD, d.role, d.unit_id) for d in devices]


def write_tokens(path: Path, secret: str, callers: list[Principal], rows: list[OrgRow]) -> None:
    names = {row.person_id: row.full_name for row in rows}
    entries = [
        {
            "person_id": caller.subject_id if caller.subject_id in names else None,
            "device_id": None if caller.subject_id in names else caller.subject_id,
            "name": names.get(caller.subject_id),
            "role": caller.role.value,
            "unit_id": caller.unit_id,
            "token": issue_token(secret, caller),
        }
        for caller in callers
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")


def demo_months(now: datetime) -> list[Month]:
    current = Month.of(now)
    return [current.shift(-back) for back in range(HISTORY_MONTHS, -1, -1)]


def audit_drafts(now: datetime, rng: random.Random) -> list[tuple[str, AuditDraft]]:
    """One audit per unit per month, the current month's only once its audit day has passed."""
    catalog = default_catalog()
    drafts = []
    for month in demo_months(now):
        for offset, (unit_id, (mean, weak)) in enumerate(UNIT_PROFILES.items()):
            day = month.first_day() + timedelta(days=8 + offset)
            performed_at = datetime.combine(day, time(9, 30), LOCAL_TZ)
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


async def load(settings: ServiceSettings, mode: str, tokens_path: str) -> None:
    await asyncio.to_thread(upgrade, bootstrap.MIGRATIONS, settings.sqlalchemy_url)
    engine = create_engine(settings.sqlalchemy_url)
    sessions = session_factory(engine)
    rows, devices = read_org_chart()
    callers = principals(rows, devices)
    try:
        async with transaction(sessions) as session:
            await handlers.ensure_catalog(session, default_catalog())
            version = await handlers.load_org_chart(
                session, WARD, WARD_NAME, rows, devices, actor=SYSTEM
            )
        log.info("demo ward %s loaded (org chart version %d, %d people)", WARD, version, len(rows))
        write_tokens(Path(tokens_path), settings.token_secret.get_secret_value(), callers, rows)
        if mode == "full":
            await load_submissions(sessions, callers)
    finally:
        await engine.dispose()


async def load_submissions(sessions: SessionFactory, callers: list[Principal]) -> None:
    async with sessions() as session:
        existing = await session.scalar(select(func.count()).select_from(audits))
    if existing:
        log.info("demo submissions already there (%d audits); not adding more", existing)
        return
    rng = random.Random(5)
    now = datetime.now(UTC)
    auditors = [c for c in callers if c.role is Role.AUDITOR]
    count = 0
    for unit_id, draft in audit_drafts(now, rng):
        auditor = rng.choice([a for a in auditors if a.unit_id != unit_id])
        async with transaction(sessions) as session:
            await handlers.submit_audit(session, auditor, draft, now=now)
        count += 1
    log.info("demo submissions loaded: %d audits", count)
