"""The operator's dead letters: ``python -m services.<name> deadletters list|show|replay``.

A consumer parks what it could not apply on the ``DEADLETTER`` stream, at
``ward5s_dlq.<ward>.<service>``, the message as it came with the reason in its headers
(``services.runtime.consumer``). Once the cause is fixed (a new release that reads the message,
a defect mended) the operator re-drives them:

- ``list [--reason R]``: the service's dead letters, oldest first;
- ``show SEQ``: one of them, headers and body;
- ``replay SEQ... | --all [--reason R]``: each put through today's screen
  (``services.runtime.poison``): one it still refuses stays parked, with the reason; the others
  are published again on their original subject and then removed from the dead letters.

A replay is applied once. The message goes back on its stream under a message id of its own
(``replay-<service>-<dead letter's sequence>``: the original's id would be dropped by the
stream's duplicate window), every consumer of the stream gets it, and each one's inbox skips
it if it had applied it already (a consumer that had not, applies it). A replay interrupted
between the publish and the removal is published again by the next replay, and the inbox, or
the duplicate window, drops the copy.

It connects as ``WARD5S_NATS_ADMIN_USER`` when set (publishing another service's subject needs
the operator's rights), otherwise as the service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from rich.console import Console
from rich.table import Table

from contracts.common import LOCAL_TZ
from contracts.streams import DEAD_LETTERS
from contracts.subjects import OPERATOR, dead_letter_subject, inbox_prefix, ward_of
from services.runtime.broker import nats_servers
from services.runtime.poison import Poison, screen
from services.runtime.progress import progress
from services.runtime.settings import ServiceSettings

#: How much of a body ``show`` prints.
SHOWN_BYTES = 4000


@dataclass(frozen=True)
class Letter:
    """One dead letter: its sequence on ``DEADLETTER``, when it was parked, and why."""

    sequence: int
    parked_at: datetime | None
    ward: str
    reason: str
    detail: str
    consumer: str
    original_subject: str
    original_sequence: str
    data: bytes


@dataclass
class Replayed:
    """What a replay did: the sequences published again, and those still refused (with why)."""

    published: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    missing: list[int] = field(default_factory=list)


async def letters(
    js: JetStreamContext, service: str, reason: str | None = None
) -> AsyncIterator[Letter]:
    """The service's dead letters, oldest first (of one ``reason`` only, if given)."""
    subject = dead_letter_subject(service, "*")
    sequence = 1
    while True:
        try:
            raw = await js.get_msg(DEAD_LETTERS.name, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            return
        sequence = (raw.seq or sequence) + 1
        letter = _letter(raw)
        if reason is None or letter.reason == reason:
            yield letter


async def letter(js: JetStreamContext, service: str, sequence: int) -> Letter | None:
    """The dead letter at ``sequence``, if it is one of the service's."""
    try:
        raw = await js.get_msg(DEAD_LETTERS.name, seq=sequence)
    except NotFoundError:
        return None
    found = _letter(raw)
    return found if raw.subject == dead_letter_subject(service, found.ward) else None


async def replay(js: JetStreamContext, service: str, chosen: Iterable[Letter]) -> Replayed:
    """Publish each of ``chosen`` again on its original subject, unless today's screen still
    refuses it, then remove it from the dead letters (see the module's docstring)."""
    done = Replayed()
    chosen = list(chosen)
    for item in progress(chosen, "replaying dead letters"):
        try:
            screen(item.original_subject, item.data)
        except Poison as poison:
            done.refused[item.sequence] = f"{poison.reason}: {poison.detail}"
            continue
        await js.publish(
            item.original_subject,
            item.data,
            headers={"Nats-Msg-Id": f"replay-{service}-{item.sequence}"},
        )
        await js.delete_msg(DEAD_LETTERS.name, item.sequence)
        done.published.append(item.sequence)
    return done


def _letter(raw: RawStreamMsg) -> Letter:
    headers = raw.headers or {}
    subject = raw.subject or ""
    return Letter(
        sequence=raw.seq or 0,
        parked_at=raw.time,
        ward=ward_of(subject),
        reason=headers.get("Ward5s-Reason", "?"),
        detail=headers.get("Ward5s-Detail", ""),
        consumer=headers.get("Ward5s-Consumer", "?"),
        original_subject=headers.get("Ward5s-Original-Subject", ""),
        original_sequence=headers.get("Ward5s-Original-Sequence", ""),
        data=raw.data or b"",
    )


# --- the command line -------------------------------------------------------------------------


async def connect(settings: ServiceSettings) -> Client:
    """The operator's connection when ``WARD5S_NATS_ADMIN_USER`` is set, else the service's."""
    admin = os.environ.get("WARD5S_NATS_ADMIN_USER")
    user: str | None
    if admin:
        user, password = admin, os.environ.get("WARD5S_NATS_ADMIN_PASSWORD")
        prefix = inbox_prefix(OPERATOR)
    else:
        user = settings.nats_user
        password = settings.nats_password.get_secret_value() if settings.nats_password else None
        prefix = inbox_prefix(settings.service)
    return await nats.connect(
        nats_servers(settings.nats_url),
        user=user,
        password=password,
        inbox_prefix=prefix,
        connect_timeout=5,
        max_reconnect_attempts=3,
    )


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the service's dead letters, oldest first")
    listing.add_argument("--reason", help="only those parked for this reason")
    showing = actions.add_parser("show", help="one dead letter: headers and body")
    showing.add_argument("sequence", type=int)
    replaying = actions.add_parser("replay", help="publish again those today's code reads")
    replaying.add_argument("sequences", type=int, nargs="*")
    replaying.add_argument("--all", action="store_true", help="every dead letter of the service")
    replaying.add_argument("--reason", help="with --all: only those parked for this reason")


async def _run(settings: ServiceSettings, arguments: argparse.Namespace, out: Console) -> int:
    client = await connect(settings)
    js = client.jetstream()
    service = settings.service
    try:
        if arguments.action == "list":
            found = [item async for item in letters(js, service, arguments.reason)]
            out.print(_table(found))
            out.print(f"{len(found)} dead letter(s) of {service}")
            return 0
        if arguments.action == "show":
            item = await letter(js, service, arguments.sequence)
            if item is None:
                out.print(f"no dead letter {arguments.sequence} of {service}")
                return 1
            out.print(_shown(item))
            return 0
        if arguments.all:
            chosen = [item async for item in letters(js, service, arguments.reason)]
            missing: list[int] = []
        elif arguments.sequences:
            looked_up = {n: await letter(js, service, n) for n in arguments.sequences}
            chosen = [item for item in looked_up.values() if item is not None]
            missing = [n for n, item in looked_up.items() if item is None]
        else:
            out.print("name the dead letters to replay, or --all")
            return 2
        done = await replay(js, service, chosen)
        done.missing = missing
        for sequence, why in done.refused.items():
            out.print(f"{sequence}: still refused ({why}); left parked")
        for sequence in missing:
            out.print(f"{sequence}: no such dead letter of {service}")
        out.print(f"replayed {len(done.published)}, still refused {len(done.refused)}")
        return 0 if not done.refused and not missing else 1
    finally:
        await client.close()


def _table(found: list[Letter]) -> Table:
    table = Table("seq", "parked (Vietnam time)", "ward", "consumer", "reason", "subject", "detail")
    for item in found:
        parked = (
            item.parked_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")
            if item.parked_at
            else ""
        )
        table.add_row(
            str(item.sequence),
            parked,
            item.ward,
            item.consumer,
            item.reason,
            item.original_subject,
            item.detail[:80],
        )
    return table


def _shown(item: Letter) -> str:
    try:
        body = json.dumps(json.loads(item.data), ensure_ascii=False, indent=2)
    except ValueError:
        body = item.data[:SHOWN_BYTES].decode("utf-8", errors="replace")
    if len(body) > SHOWN_BYTES:
        body = f"{body[:SHOWN_BYTES]}\n… ({len(item.data)} bytes in all)"
    return "\n".join(
        [
            f"sequence           {item.sequence}",
            f"parked             {item.parked_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M:%S}"
            if item.parked_at
            else "parked             ?",
            f"consumer           {item.consumer}",
            f"reason             {item.reason}",
            f"detail             {item.detail}",
            f"original subject   {item.original_subject}",
            f"original sequence  {item.original_sequence}",
            f"size               {len(item.data)} bytes",
            "",
            body,
        ]
    )


def main(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    """Run ``deadletters <action>``; exits 0 when all went through, 1 when some were refused
    or not found, 2 on a usage mistake."""
    console = Console()
    if not console.is_terminal:  # into a file or a pipe: whole lines, not a terminal's width
        console = Console(width=240)
    raise SystemExit(asyncio.run(_run(settings, arguments, console)))
