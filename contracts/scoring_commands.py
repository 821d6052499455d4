"""The bodies of the people's commands scoring takes (over HTTP): the chairman's decision on a
tie at the cap and the administrator's rebuild. Each is the key its handler is registered by in
the command pipeline (``services.scoring.handlers.commands``); here because the web pages send
them too."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contracts.common import Contract, EntityId
from contracts.text import NFC


class DecisionIn(Contract):
    """The chairman's decision on a tie at the edge of the cap on "xuất sắc"."""

    #: Who of those tied keeps "Hoàn thành xuất sắc nhiệm vụ" (the others are "tốt").
    excellent: tuple[EntityId, ...] = Field(max_length=500)
    #: The duty group of the tie; may be left out when the people named (or the only group with
    #: a tie) tell it.
    duty_group: EntityId | None = None
    note: Annotated[str, Field(max_length=1000), NFC] | None = None


class DecisionCommand(DecisionIn):
    """A decision with the period it is for (``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``, not after the
    current month), as the path names it."""

    period: str = Field(max_length=16)


class RebuildCommand(Contract):
    """Replay the ASSESSMENT stream into a fresh projection and swap it in."""
