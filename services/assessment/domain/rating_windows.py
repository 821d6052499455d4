"""When a citizen's rating is held for review instead of counted (pure): the policy's rolling
windows, one per device and, for a QR page, one per client address
(``Policy.rating_device_window``, ``rating_address_window``).

A rating is held when the ratings that arrived within a window's span before it, held ones
included, already number the window's ``count``: a stuffer's burst fills the window and stays
held however long it goes on. The handler counts those arrivals in the database
(``adapters.feedback.count_between``); this decides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from services.assessment.domain.policy import Policy, RatingWindow

#: Why a rating is held: its client address's window or its device's window was full.
Reason = Literal["address", "device"]


def windows(policy: Policy, by_address: bool) -> list[tuple[Reason, RatingWindow]]:
    """The windows a rating is checked against, the narrower first, since the first one full
    names the cause: the client address's (``by_address``: a QR page's rating whose address is
    known; a kiosk's address is every citizen's at the counter), then the device's."""
    checked: list[tuple[Reason, RatingWindow]] = [("device", policy.rating_device_window)]
    if by_address:
        checked.insert(0, ("address", policy.rating_address_window))
    return checked


def opens_at(window: RatingWindow, now: datetime) -> datetime:
    """The start of ``window`` for a rating arriving at ``now`` (aware): arrivals from then to
    ``now``, both included, count."""
    return now - window.span


def held_reason(arrived: Iterable[tuple[Reason, RatingWindow, int]]) -> Reason | None:
    """Why a rating is held, or None when it is counted: the first of its ``windows`` (with how
    many ratings arrived in it before this one) that is already full."""
    for reason, window, count in arrived:
        if count >= window.count:
            return reason
    return None
