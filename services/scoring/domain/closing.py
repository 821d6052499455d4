"""When a month counts as closed, however its closes and reopens are batched (pure, no I/O).

A month closes at its first close after its last reopen: a close of a month already closed
changes nothing (its results were finalized then), and a reopen forgets the close. The live
handler applies this per batch on top of the stored closes, the rebuild's fold over the whole
stream; both must give the same ``closed_at``.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def close_or_reopen(closes: dict[Key, datetime | None], key: Key, at: datetime | None) -> None:
    """Record a close of the month ``key`` at ``at``, or a reopen when ``at`` is None.
    ``closes`` maps each month seen to when it closed, or None while it is open again."""
    if at is None or closes.get(key) is None:
        closes[key] = at
