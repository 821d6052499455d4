"""A ward's first administrator (docs/SECURITY.md): the operator's ``invite`` command loads the
ward's first org chart from its CSV and invites the administrator, both recorded as the
operator's actions; the link it answers sets a password they sign in with. A migrated SQLite
file, as a fresh ward's database."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from services.assessment.adapters.tables import admin_actions
from services.assessment.bootstrap import MIGRATIONS
from services.assessment.entrypoints.first_admin import invite
from services.assessment.entrypoints.keys import Issuer
from services.assessment.entrypoints.sign_in import SignInEdge, sign_in_config
from services.assessment.handlers import sign_in
from services.assessment.settings import SHIPPED_CALENDAR_DIR, AssessmentSettings
from services.runtime.clock import SystemClock
from services.runtime.db import create_engine, session_factory
from services.runtime.migrations import upgrade
from tests.support.keys import session_keys

CHART = SHIPPED_CALENDAR_DIR.parent / "demo" / "org_chart.csv"


def arguments(**values: object) -> argparse.Namespace:
    base = {"ward": "phuong-moi", "email": "p006@binhdong.example.vn", "reason": "first admin"}
    return argparse.Namespace(**{"org_chart": None, "ward_name": None, **base, **values})


async def test_the_operator_loads_the_first_chart_and_invites_its_admin(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/assessment.db"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    config = AssessmentSettings(
        service="assessment",
        environment="test",
        http_port=0,
        database_url=url,
        password_hashing="test",  # the cheapest argon2id: this test is about the invitation
        **session_keys().settings(),
    )
    link = await invite(config, arguments(org_chart=CHART, ward_name="Phường Mới"))
    with pytest.raises(SystemExit, match="has an org chart"):
        await invite(config, arguments(org_chart=CHART))
    with pytest.raises(SystemExit, match="no active person"):
        await invite(config, arguments(email="nobody@binhdong.example.vn"))

    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            recorded = (await session.execute(select(admin_actions))).all()
        assert [(r.action, r.subject, r.actor_id, r.reason) for r in recorded] == [
            ("org_chart.loaded", "1", "operator", "first admin"),
            ("invitation.issued", "p006", "operator", "first admin"),
        ]
        edge = SignInEdge.of(
            sessions, SystemClock(), sign_in_config(config, Issuer.of(config.key_ring(), config))
        )
        secret = parse_qs(urlparse(link).query)["secret"][0]
        async with edge.units() as uow:
            password = "quản trị phường mới 2026"
            assert await sign_in.set_password(uow, secret, password, edge.config.hashing) == "p006"
        async with edge.units() as uow:
            session_ = await sign_in.sign_in(
                uow, "p006@binhdong.example.vn", "quản trị phường mới 2026", edge.config
            )
        assert session_ is not None and session_.expires_in == 900
    finally:
        await engine.dispose()
