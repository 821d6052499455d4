"""Anonymous ratings cannot be stuffed (issue 17, item 3): ratings beyond the policy's windows,
per device and per client address, are kept but held for review, counted apart and never on
the bus, so never in a score; a named officer must belong to the unit rated. Through the
command pipeline on the demo ward (SQLite), the client's address as the HTTP edge sets it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel

from contracts import intake
from contracts.events import FeedbackReceived
from contracts.roles import Role
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import Submissions
from services.assessment.views.held_ratings import held_ratings
from services.runtime.auth import Principal
from services.runtime.clients import CLIENT_ADDRESS
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Refusal
from tests.assessment.test_commands import MONTH, NOW, Ward
from tests.conftest import WARD

QR_KT = Principal("qr-kt", WARD, Role.KIOSK, "kt")
KIOSK = Principal("kiosk-01", WARD, Role.KIOSK, "ttphcc")


def held_total(reason: str) -> float:
    return REGISTRY.get_sample_value("ward5s_feedback_held_total", {"reason": reason}) or 0.0


@pytest.fixture
def ward(demo_sessions: SessionFactory) -> Ward:
    return Ward(demo_sessions, FrozenClock(NOW))


@pytest.fixture
def phone() -> Iterator[None]:
    """Requests from one phone's address, as the HTTP edge records it."""
    token = CLIENT_ADDRESS.set("203.0.113.7")
    yield
    CLIENT_ADDRESS.reset(token)


async def votes(ward: Ward, before: int) -> list[FeedbackReceived]:
    return [e for e in (await ward.staged())[before:] if isinstance(e, FeedbackReceived)]


@pytest.mark.slow  # 700 commands; its arithmetic is in the fast tier (test_rating_windows)
async def test_700_level_1_ratings_at_one_every_6_s_from_one_qr_token_are_not_700_votes(
    ward: Ward, phone: None
) -> None:
    """The case: every one is accepted alike (201: a stuffer learns nothing), three are
    counted (the address's window), the other 697 are held for review."""
    before, held_before = len(await ward.staged()), held_total("address")
    rating = intake.FeedbackIn(unit_id="kt", level=1)
    for _ in range(700):
        status, answer = await ward.run(QR_KT, rating)
        assert status == 201 and answer["unit_id"] == "kt"
        ward.clock.advance(6)
    counted = await votes(ward, before)
    assert len(counted) == Policy().rating_address_window.count == 3
    assert held_total("address") == held_before + 697
    async with ward.sessions() as session:
        review = await held_ratings(session, WARD, MONTH)
    assert review["total"] == 697
    assert review["groups"] == [
        {"unit_id": "kt", "device_id": "qr-kt", "reason": "address", "level": 1, "count": 697}
    ]


async def test_a_device_flooded_from_many_addresses_counts_its_window_only(ward: Ward) -> None:
    before, held_before = len(await ward.staged()), held_total("device")
    rating = intake.FeedbackIn(unit_id="kt", level=1)
    for n in range(120):  # twelve minutes at one every 6 s, each from another address
        token = CLIENT_ADDRESS.set(f"198.51.100.{n}")
        try:
            await ward.run(QR_KT, rating)
        finally:
            CLIENT_ADDRESS.reset(token)
        ward.clock.advance(6)
    assert len(await votes(ward, before)) == Policy().rating_device_window.count == 20
    assert held_total("device") == held_before + 100


async def test_a_kiosk_at_a_counters_pace_counts_every_rating(ward: Ward) -> None:
    """A kiosk has no address window (every citizen at the counter shares its address): a
    rating every 40 s for an hour is all counted."""
    before = len(await ward.staged())
    for _ in range(90):
        await ward.run(KIOSK, intake.FeedbackIn(unit_id="ttphcc", level=5))
        ward.clock.advance(40)
    assert len(await votes(ward, before)) == 90


async def test_a_named_officer_must_belong_to_the_unit_rated(ward: Ward) -> None:
    with pytest.raises(Refusal) as refused:  # p026 works at the service centre, not kt
        await ward.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=5, officer_id="p026"))
    assert (refused.value.status, refused.value.code, refused.value.field) == (
        422,
        "officer_not_in_unit",
        "officer_id",
    )
    assert refused.value.body("vi")["error"]["message"] == (
        "Cán bộ được đánh giá không thuộc đơn vị này."
    )


STAFF_KT = Principal("p012", WARD, Role.STAFF, "kt")


class StrictWard(Ward):
    """The demo ward with a policy that requires a code on every rating."""

    async def run(
        self, principal: Principal, body: BaseModel, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        commands = Submissions(self.sessions, Policy(rating_codes_required=True), self.clock)
        return await commands.execute(principal, body, key)


async def test_a_rating_code_counts_a_visit_once_whatever_the_pace(ward: Ward, phone: None) -> None:
    status, issued = await ward.run(STAFF_KT, intake.RatingCodesIn(unit_id="kt", count=5))
    assert status == 201 and len(issued["codes"]) == 5
    assert all(len(code) == 9 and code[4] == "-" for code in issued["codes"])
    before = len(await ward.staged())
    # Past the address's window, a rating with a code is still counted: it proves a visit.
    for _ in range(Policy().rating_address_window.count):
        await ward.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=5))
    first, *_ = issued["codes"]
    typed = first.lower().replace("-", " ")  # as a citizen may type it
    await ward.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=2, code=typed))
    counted = await votes(ward, before)
    assert [v.data.level for v in counted] == [5, 5, 5, 2]
    for code, unit, principal in ((first, "kt", QR_KT), (issued["codes"][1], "ttphcc", KIOSK)):
        with pytest.raises(Refusal) as refused:  # used once already; another unit's code
            await ward.run(principal, intake.FeedbackIn(unit_id=unit, level=5, code=code))
        assert (refused.value.code, refused.value.field) == ("rating_code_invalid", "code")
    ward.clock.advance(Policy().rating_code_ttl.total_seconds() + 1)
    with pytest.raises(Refusal) as expired:
        await ward.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=5, code=issued["codes"][2]))
    assert expired.value.code == "rating_code_invalid"


async def test_codes_are_issued_for_ones_own_unit_only(ward: Ward) -> None:
    with pytest.raises(Refusal) as refused:
        await ward.run(STAFF_KT, intake.RatingCodesIn(unit_id="ttphcc"))
    assert refused.value.status == 403
    with pytest.raises(Refusal) as kiosk:
        await ward.run(QR_KT, intake.RatingCodesIn(unit_id="kt"))
    assert kiosk.value.status == 403


async def test_a_ward_requiring_codes_holds_ratings_without_one(
    demo_sessions: SessionFactory,
) -> None:
    strict = StrictWard(demo_sessions, FrozenClock(NOW))
    before = len(await strict.staged())
    _, issued = await strict.run(STAFF_KT, intake.RatingCodesIn(unit_id="kt"))
    await strict.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=4))
    await strict.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=5, code=issued["codes"][0]))
    assert [v.data.level for v in await votes(strict, before)] == [5]
    async with strict.sessions() as session:
        review = await held_ratings(session, WARD, MONTH)
    assert review["groups"] == [
        {"unit_id": "kt", "device_id": "qr-kt", "reason": "no_code", "level": 4, "count": 1}
    ]


ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")


async def test_an_administrator_counts_held_ratings_after_review(ward: Ward, phone: None) -> None:
    """Held ratings found genuine (a busy morning at one phone shop's Wi-Fi) are counted by an
    administrator's decision, recorded with its reason; each is published as it came."""
    before = len(await ward.staged())
    for level in (5, 4, 5, 3, 4):
        await ward.run(QR_KT, intake.FeedbackIn(unit_id="kt", level=level))
        ward.clock.advance(60)
    assert [v.data.level for v in await votes(ward, before)] == [5, 4, 5]
    with pytest.raises(Refusal) as refused:
        await ward.run(
            STAFF_KT, intake.HeldReleaseIn(period=MONTH, unit_id="kt", reason="Đã xem xét")
        )
    assert refused.value.status == 403
    status, answer = await ward.run(
        ADMIN,
        intake.HeldReleaseIn(period=MONTH, unit_id="kt", reason="Cùng mạng Wi-Fi của quầy"),
    )
    assert status == 200 and answer == {"period": MONTH, "unit_id": "kt", "released": 2}
    events = (await ward.staged())[before:]
    assert [v.data.level for v in await votes(ward, before)] == [5, 4, 5, 3, 4]
    recorded = events[-1]
    assert recorded.type == "assessment.admin.action_recorded"
    assert recorded.data.action == "feedback.released"  # type: ignore[attr-defined]
    assert recorded.data.details == {"released": "2"}  # type: ignore[attr-defined]
    async with ward.sessions() as session:
        assert (await held_ratings(session, WARD, MONTH))["total"] == 0
