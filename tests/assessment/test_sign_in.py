"""People sign in (issue 14, item 2): invitation and reset links used once and expiring, the
password set through them, sign-in, refresh rotation with reuse detection, sign-out, backoff
that tells nothing of the address, and sessions revoked on a password change and on an org
chart load that moves or removes the person. The demo ward on in-memory SQLite, a frozen clock,
through the handlers and the command pipeline."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr

from contracts.events import AdminActionRecorded, SignInLinkIssued
from contracts.roles import Role
from services.assessment.adapters.tables import plumbing
from services.assessment.demo.loader import read_org_chart
from services.assessment.domain import credentials as rules
from services.assessment.domain.policy import Policy
from services.assessment.handlers import sign_in
from services.assessment.handlers.commands import Invitation, OrgChartUpload, Submissions
from services.assessment.handlers.sign_in import Session, SignInConfig
from services.assessment.settings import AssessmentSettings
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Refusal
from services.runtime.sealing import DEMO_MAIL_KEY, unseal
from services.runtime.uow import UnitOfWork
from tests.assessment.test_commands import NOW, Ward
from tests.conftest import WARD

ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")
STAFF_EMAIL = "p007@binhdong.example.vn"
GOOD = "mùa thu Bình Đông 2026"
CONFIG = SignInConfig(
    mint=lambda principal, now: f"access:{principal.subject_id}:{principal.role.value}",
    lifetimes=rules.Lifetimes(),
    link_base="https://ward.example/set-password",
    mail_key=DEMO_MAIL_KEY,
    hashing="test",  # the cheapest argon2id: the rules are the same, the work is not
)


@dataclass
class Desk:
    """The ward's database and a clock the test moves."""

    sessions: SessionFactory
    clock: FrozenClock

    def unit(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, plumbing.outbox, self.clock)

    def later(self, **delta: float) -> None:
        self.clock.set(self.clock.now() + timedelta(**delta))

    async def invite(self, person_id: str = "p007") -> str:
        async with self.unit() as uow:
            _, link = await sign_in.invite(uow, WARD, person_id, CONFIG, ADMIN_ACTOR)
        return secret_of(link)

    async def set_password(self, secret: str, password: str = GOOD) -> str:
        async with self.unit() as uow:
            return await sign_in.set_password(uow, secret, password, CONFIG.hashing)

    async def sign_in(self, email: str = STAFF_EMAIL, password: str = GOOD) -> Session | None:
        async with self.unit() as uow:
            return await sign_in.sign_in(uow, email, password, CONFIG)

    async def refresh(self, token: str) -> Session | None:
        async with self.unit() as uow:
            return await sign_in.refresh(uow, token, CONFIG)

    async def sign_out(self, token: str) -> None:
        async with self.unit() as uow:
            await sign_in.sign_out(uow, token)


ADMIN_ACTOR = sign_in.SYSTEM


def secret_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["secret"][0]


@pytest.fixture
def desk(demo_sessions: SessionFactory) -> Desk:
    return Desk(demo_sessions, FrozenClock(NOW))


async def test_invitation_password_sign_in_refresh_sign_out(desk: Desk) -> None:
    assert await desk.sign_in() is None  # no password yet
    assert await desk.set_password(await desk.invite()) == "p007"
    session = await desk.sign_in("  P007@BinhDong.example.vn ", GOOD)
    assert session is not None
    assert session.access_token == "access:p007:staff"  # the person's seat in the chart now
    assert (session.expires_in, session.refresh_expires_in) == (15 * 60, 12 * 3600)
    # The answer names the person as the org chart does (the pages' bar shows it).
    assert session.as_json()["full_name"] == "Bùi Thị Thanh Tâm"
    renewed = await desk.refresh(session.refresh_token)
    assert renewed is not None and renewed.refresh_token != session.refresh_token
    assert renewed.full_name == "Bùi Thị Thanh Tâm"
    await desk.sign_out(renewed.refresh_token)
    assert await desk.refresh(renewed.refresh_token) is None


async def test_a_link_is_used_once_a_newer_one_voids_it_and_it_expires(desk: Desk) -> None:
    first = await desk.invite()
    second = await desk.invite()
    with pytest.raises(Refusal) as voided:
        await desk.set_password(first)
    assert (voided.value.code, voided.value.field) == ("link_invalid", "secret")
    await desk.set_password(second)
    with pytest.raises(Refusal, match="link_invalid"):
        await desk.set_password(second, "another good passphrase")
    late = await desk.invite()
    desk.later(hours=72, seconds=1)
    with pytest.raises(Refusal, match="link_invalid"):
        await desk.set_password(late)


async def test_a_reset_lasts_an_hour_and_an_unknown_address_gets_nothing(desk: Desk) -> None:
    async with desk.unit() as uow:
        assert await sign_in.request_reset(uow, "nobody@binhdong.example.vn", CONFIG) == 0
        assert await sign_in.request_reset(uow, STAFF_EMAIL.upper(), CONFIG) == 1
    (event,) = [
        e for e in await Ward(desk.sessions, desk.clock).staged() if e.type.endswith("link_issued")
    ]
    assert isinstance(event, SignInLinkIssued)
    assert (event.data.person_id, event.data.purpose) == ("p007", "reset")
    assert event.data.expires_at == NOW + timedelta(hours=1)
    opened = unseal(DEMO_MAIL_KEY, event.data.sealed)
    assert opened["email"] == STAFF_EMAIL and opened["link"].startswith(CONFIG.link_base)
    assert secret_of(opened["link"]) not in event.model_dump_json()
    desk.later(hours=1, seconds=1)
    with pytest.raises(Refusal, match="link_invalid"):
        await desk.set_password(secret_of(opened["link"]))


async def test_a_reused_refresh_token_revokes_its_family(desk: Desk) -> None:
    await desk.set_password(await desk.invite())
    first = await desk.sign_in()
    assert first is not None
    second = await desk.refresh(first.refresh_token)
    assert second is not None
    assert await desk.refresh(first.refresh_token) is None  # stolen and replayed
    assert await desk.refresh(second.refresh_token) is None  # the family is gone
    other = await desk.sign_in()  # a new sign-in is a new family
    assert other is not None and await desk.refresh(other.refresh_token) is not None


async def test_a_refresh_token_expires(desk: Desk) -> None:
    await desk.set_password(await desk.invite())
    session = await desk.sign_in()
    assert session is not None
    desk.later(hours=12)
    assert await desk.refresh(session.refresh_token) is None


async def test_backoff_after_five_failures_alike_for_known_and_unknown(desk: Desk) -> None:
    await desk.set_password(await desk.invite())
    for email in (STAFF_EMAIL, "ghost@binhdong.example.vn"):
        for _ in range(rules.FREE_FAILURES):
            assert await desk.sign_in(email, "wrong password!") is None
        # Locked now: the right password is refused too, for 30 s, then doubling.
        assert await desk.sign_in(email, GOOD) is None
        desk.later(seconds=29)
        assert await desk.sign_in(email, GOOD) is None
        desk.later(seconds=61)
    assert await desk.sign_in(STAFF_EMAIL, GOOD) is not None
    assert await desk.sign_in("ghost@binhdong.example.vn", GOOD) is None
    assert [rules.backoff(n).total_seconds() for n in (4, 5, 6, 7, 30)] == [0, 30, 60, 120, 3600]


async def test_a_password_set_again_revokes_every_session(desk: Desk) -> None:
    await desk.set_password(await desk.invite())
    session = await desk.sign_in()
    assert session is not None
    async with desk.unit() as uow:
        await sign_in.request_reset(uow, STAFF_EMAIL, CONFIG)
    staged = [
        e for e in await Ward(desk.sessions, desk.clock).staged() if isinstance(e, SignInLinkIssued)
    ]
    link = unseal(DEMO_MAIL_KEY, staged[-1].data.sealed)["link"]
    await desk.set_password(secret_of(link), "a new passphrase for 2027")
    assert await desk.refresh(session.refresh_token) is None
    assert await desk.sign_in() is None
    assert await desk.sign_in(password="a new passphrase for 2027") is not None


async def test_an_org_chart_load_revokes_the_people_it_moves_or_removes(desk: Desk) -> None:
    for person in ("p007", "p004", "p005"):
        await desk.set_password(await desk.invite(person))
    sessions = {}
    for person in ("p007", "p004", "p005"):
        session = await desk.sign_in(f"{person}@binhdong.example.vn")
        assert session is not None
        sessions[person] = session
    rows, _ = read_org_chart()
    moved = [replace(r, role=Role.AUDITOR) if r.person_id == "p007" else r for r in rows]
    kept = [r for r in moved if r.person_id != "p004"]  # the head of vp leaves
    ward = Ward(desk.sessions, desk.clock)
    status, _ = await ward.run(ADMIN, OrgChartUpload(rows=tuple(kept), reason="p004 retires"))
    assert status == 200
    assert await desk.refresh(sessions["p007"].refresh_token) is None  # moved
    assert await desk.refresh(sessions["p004"].refresh_token) is None  # removed
    assert await desk.refresh(sessions["p005"].refresh_token) is not None  # unchanged
    again = await desk.sign_in()
    assert again is not None and again.access_token == "access:p007:auditor"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short", "password_too_short"),
        ("matkhau123", "password_weak"),
        ("aaaaaaaaaaaa", "password_weak"),
        ("0123456789", "password_weak"),
        ("abcdefghijk", "password_weak"),
        ("p007@binhdong.example.vn", "password_weak"),
        ("x" * 257, "password_too_long"),
    ],
)
def test_weak_passwords_refused(password: str, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        rules.check_new_password(password, STAFF_EMAIL)
    assert (refused.value.code, refused.value.field) == (code, "password")


async def test_the_admin_invites_through_the_pipeline_recorded_with_the_reason(
    desk: Desk,
) -> None:
    ward = Ward(desk.sessions, desk.clock)
    commands = Submissions(desk.sessions, Policy(), desk.clock, CONFIG)
    status, answer = await commands.execute(ADMIN, Invitation(person_id="p007", reason="new"))
    assert status == 202 and "link" not in answer and answer["person_id"] == "p007"
    staged = await ward.staged()
    recorded = [e for e in staged if isinstance(e, AdminActionRecorded)]
    assert [(e.data.action, e.data.subject, e.data.reason) for e in recorded] == [
        ("invitation.issued", "p007", "new")
    ]
    (link,) = [e for e in staged if isinstance(e, SignInLinkIssued)]
    assert link.data.expires_at == NOW + timedelta(hours=72)
    assert unseal(DEMO_MAIL_KEY, link.data.sealed)["full_name"] == "Bùi Thị Thanh Tâm"
    with pytest.raises(Refusal) as unknown:
        await commands.execute(ADMIN, Invitation(person_id="nobody", reason="x"))
    assert (unknown.value.status, unknown.value.code) == (422, "unknown_person")
    staff = Principal("p007", WARD, Role.STAFF, "vp")
    with pytest.raises(Refusal) as forbidden:
        await commands.execute(staff, Invitation(person_id="p007", reason="me"))
    assert forbidden.value.status == 403


def test_production_refuses_the_demo_mail_key() -> None:
    settings = AssessmentSettings(service="assessment", http_port=1, environment="production")
    with pytest.raises(SystemExit, match="WARD5S_SIGN_IN_MAIL_KEY"):
        settings.check_production()
    own = SecretStr("a-sign-in-mail-key-of-our-own-32-chars")
    settings.model_copy(update={"sign_in_mail_key": own}).check_production()  # no exit


def test_the_cheapest_password_hashing_is_for_tests_only() -> None:
    own = SecretStr("a-sign-in-mail-key-of-our-own-32-chars")
    settings = AssessmentSettings(
        service="assessment", http_port=1, environment="production", sign_in_mail_key=own
    )
    assert settings.password_hashing == "rfc9106"  # the default: RFC 9106's parameters
    cheap = settings.model_copy(update={"password_hashing": "test"})
    with pytest.raises(SystemExit, match="WARD5S_ASSESSMENT_PASSWORD_HASHING"):
        cheap.check_production()
    # The cheap hashing still hashes and checks the same way; a hash carries its parameters.
    made = rules.hash_password(GOOD, "test")
    assert made.startswith("$argon2id$") and rules.password_matches(made, GOOD)
    assert not rules.password_matches(made, "not the password")


async def test_resets_asked_again_and_again_send_one_link_per_ten_minutes(desk: Desk) -> None:
    # Anyone may ask for a reset by address: a hundred asks in a row mail the person once.
    async with desk.unit() as uow:
        sent = [await sign_in.request_reset(uow, STAFF_EMAIL, CONFIG) for _ in range(100)]
    assert sum(sent) == 1
    desk.later(minutes=9, seconds=59)
    async with desk.unit() as uow:
        assert await sign_in.request_reset(uow, STAFF_EMAIL, CONFIG) == 0
    desk.later(seconds=1)
    async with desk.unit() as uow:
        assert await sign_in.request_reset(uow, STAFF_EMAIL, CONFIG) == 1
    mails = [
        e for e in await Ward(desk.sessions, desk.clock).staged() if isinstance(e, SignInLinkIssued)
    ]
    assert [e.data.purpose for e in mails] == ["reset", "reset"]
