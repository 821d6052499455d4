"""The rating windows' arithmetic (``domain.rating_windows``) on the case of issue 17, item 3,
in the fast tier: 700 level-1 ratings at one every 6 s from one QR page are 3 votes and 697
held for review. The ratings' log is a list standing for the feedback table, counted as
``adapters.feedback.count_between`` counts it (arrivals from the window's start to now, held
ones included). The same case end to end through the command pipeline, with its answers, the
metric and the review's listing, is ``test_rating_limits`` (slow tier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.assessment.domain import rating_windows
from services.assessment.domain.policy import Policy
from tests.assessment.test_commands import NOW


@dataclass(frozen=True)
class Arrival:
    moment: datetime
    device_id: str
    client_hash: str | None


def receive(log: list[Arrival], policy: Policy, rating: Arrival) -> str | None:
    """Decide one rating against the ratings before it, as the handler does, and log it."""
    arrived = []
    for reason, window in rating_windows.windows(policy, rating.client_hash is not None):
        since = rating_windows.opens_at(window, rating.moment)
        key = "client_hash" if reason == "address" else "device_id"
        count = sum(
            1
            for a in log
            if getattr(a, key) == getattr(rating, key) and since <= a.moment <= rating.moment
        )
        arrived.append((reason, window, count))
    log.append(rating)
    return rating_windows.held_reason(arrived)


def test_700_ratings_at_one_every_6_s_from_one_phone_are_3_votes_and_697_held() -> None:
    policy, log = Policy(), []
    reasons = [
        receive(log, policy, Arrival(NOW + timedelta(seconds=6 * n), "qr-kt", "phone"))
        for n in range(700)
    ]
    counted = [n for n, reason in enumerate(reasons) if reason is None]
    assert len(counted) == policy.rating_address_window.count == 3
    assert counted == [0, 1, 2]
    assert reasons.count("address") == 697


def test_a_device_flooded_from_many_addresses_fills_its_own_window() -> None:
    policy, log = Policy(), []
    reasons = [
        receive(log, policy, Arrival(NOW + timedelta(seconds=6 * n), "qr-kt", f"addr-{n}"))
        for n in range(120)
    ]
    assert reasons.count(None) == policy.rating_device_window.count == 20
    assert reasons.count("device") == 100


def test_a_kiosk_is_checked_against_its_device_window_alone() -> None:
    policy = Policy()
    assert rating_windows.windows(policy, by_address=False) == [
        ("device", policy.rating_device_window)
    ]
    assert [r for r, _ in rating_windows.windows(policy, by_address=True)] == [
        "address",
        "device",
    ]
