"""The pieces of a partitioned consumer (``services.runtime.partitions``, ``ward_batches``) that
need no bus and no database: a partition's names, a delivered message's sequences, and the rule
that says a message is the partition's next one after another."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from nats.aio.msg import Msg

from contracts.envelope import Event
from services.runtime.consumer import ConsumerSpec
from services.runtime.poison import Poison


def partition_subject(spec: ConsumerSpec, ward: str) -> str:
    """A ward's subjects within the consumer's (``ward5s.*.assessment.>`` → ward's)."""
    root, _, rest = spec.subject.split(".", 2)
    return f"{root}.{ward}.{rest}"


def durable_name(spec: ConsumerSpec, ward: str) -> str:
    return f"{spec.name}-{ward}"


def instance_id() -> str:
    """This process, as a lease's owner: host, process and a random part (a restarted process
    is a new owner, and waits for its previous self's leases like anyone else's)."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Delivered:
    """One delivered message: its stream and delivery sequences, whether it is its first
    delivery, and its event (or why it is none)."""

    message: Msg
    sequence: int
    delivery: int
    first: bool
    event: Event | Poison


def follows(before: Delivered, after: Delivered) -> bool:
    """Whether ``after`` is the partition's next message after ``before``: both first
    deliveries, one right after the other (nothing delivered in between)."""
    return (
        before.first
        and after.first
        and after.delivery == before.delivery + 1
        and after.sequence > before.sequence
    )


def delivered_as(message: Msg) -> tuple[int, int, int]:
    """A message's stream sequence, delivery sequence and times delivered, read from its ack
    subject (``$JS.ACK.<stream>.<consumer>.<times>.<stream seq>.<delivery seq>.<time>.<pending>``,
    or with a domain and an account hash after ``ACK``) without the client's full metadata,
    which also converts the time (a few microseconds a message)."""
    tokens = (message.reply or "").split(".")
    at = 2 if len(tokens) == 9 else 4 if len(tokens) >= 11 else -1
    if at < 0 or tokens[:2] != ["$JS", "ACK"]:
        meta = message.metadata
        return meta.sequence.stream, meta.sequence.consumer, meta.num_delivered
    return int(tokens[at + 3]), int(tokens[at + 4]), int(tokens[at + 2])


class Gap(Exception):
    """The batch does not follow the partition's mark: the durable is repositioned."""


def chain(after: Sequence[Delivered]) -> list[Delivered]:
    """The longest start of ``after`` in which each message :func:`follows` the one before."""
    run = [after[0]]
    for before, item in pairwise(after):
        if not follows(before, item):
            break
        run.append(item)
    return run
