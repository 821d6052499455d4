"""Faults on the bus that tests inject on purpose."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg


def lose_first_acks(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Make the first ack of every message vanish, as a crash after the commit would: the
    server redelivers each message once more. Returns the ids whose first ack was lost."""
    lost: set[str] = set()
    original_ack = Msg.ack

    async def lossy_ack(message: Msg) -> None:
        key = message.headers["Nats-Msg-Id"] if message.headers else ""
        if key not in lost:
            lost.add(key)
            return
        await original_ack(message)

    monkeypatch.setattr(Msg, "ack", lossy_ack)
    return lost
