"""``infra/nats/accounts.conf`` keeps up with the code: every durable consumer a service declares
and every event it publishes is within its NATS user's rights, and nothing else is granted to it.
(The live proof is test_nats_security.py; this one names the missing line at once.)"""

from __future__ import annotations

import importlib
import re

import pytest

from contracts.events import EVENT_TYPES, event_type_name
from contracts.streams import ASSESSMENT, EVIDENCE, REPORTS, BucketSpec
from contracts.subjects import dead_letter_subject, event_subject
from services.runtime.broker import inbox_prefix
from services.runtime.consumer import ConsumerSpec
from services.runtime.partition_runs import durable_name, partition_subject
from services.scoring.adapters.history import READERS
from services.scoring.bootstrap import PARTITIONED_EVENTS
from tests.ops.conftest import ACCOUNTS
from tests.support.stack import SERVICE_NAMES

WARD = "binh-dong"


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, ``>`` the rest."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or token not in ("*", tokens[index]):
            return False
    return len(tokens) == len(wanted)


def rights(user: str) -> tuple[list[str], list[str]]:
    """The publish and subscribe allow lists of a user in accounts.conf."""
    text = ACCOUNTS.read_text(encoding="utf-8")
    block = re.search(rf"user: {user}\n(.*?)\n      }}\n", text, flags=re.DOTALL)
    assert block, f"no user {user} in accounts.conf"
    publish = re.search(r"publish: \{(.*?)\}\n", block.group(1), flags=re.DOTALL)
    subscribe = re.search(r"subscribe: \{(.*?)\}\n", block.group(1), flags=re.DOTALL)
    assert publish and subscribe
    return re.findall(r'"([^"]+)"', publish.group(1)), re.findall(r'"([^"]+)"', subscribe.group(1))


def consumers_of(service: str) -> list[ConsumerSpec]:
    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    return [value for value in vars(bootstrap).values() if isinstance(value, ConsumerSpec)]


def needed(service: str) -> list[str]:
    """What the service publishes: its events, and per durable consumer the JetStream API."""
    subjects = [
        event_subject(WARD, event_type_name(event_type))
        for event_type in EVENT_TYPES
        if event_type.owner == service
    ]
    for spec in consumers_of(service):
        if spec in partitioned_of(service):
            subjects += by_ward(service, spec)
            continue
        stream, durable = spec.stream.name, spec.name
        subjects += [
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{spec.subject}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.1.7.7.1732492800000000000.0",
            dead_letter_subject(service, WARD),
        ]
    for reader in rebuild_readers(service):
        subjects += [
            f"$JS.API.STREAM.INFO.{ASSESSMENT.name}",
            f"$JS.API.CONSUMER.CREATE.{ASSESSMENT.name}.{reader}.{ASSESSMENT.subjects[0]}",
            f"$JS.API.CONSUMER.INFO.{ASSESSMENT.name}.{reader}",
            f"$JS.API.CONSUMER.MSG.NEXT.{ASSESSMENT.name}.{reader}",
            f"$JS.API.CONSUMER.DELETE.{ASSESSMENT.name}.{reader}",
        ]
    return subjects


def partitioned_of(service: str) -> tuple[ConsumerSpec, ...]:
    """The consumers a service applies by ward (``services.runtime.partitions``): scoring's."""
    return (PARTITIONED_EVENTS,) if service == "scoring" else ()


def by_ward(service: str, spec: ConsumerSpec) -> list[str]:
    """What a partitioned consumer does on its stream, for a ward's durable (made again at the
    ward's mark, so deleted too): find the wards, prove a run's head, pull and ack."""
    stream, durable = spec.stream.name, durable_name(spec, WARD)
    return [
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{partition_subject(spec, WARD)}",
        f"$JS.API.CONSUMER.DELETE.{stream}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.1.7.7.1732492800000000000.0",
        dead_letter_subject(service, WARD),
    ]


def test_a_ward_is_read_from_a_stream_only_its_service_reads() -> None:
    """Every consumer name is granted on a partitioned consumer's stream (a ward's durable is
    named after the ward), so that stream must be one no other service reads: scoring's mirror
    of ASSESSMENT, never ASSESSMENT itself."""
    for service in SERVICE_NAMES:
        for spec in partitioned_of(service):
            assert spec.stream.mirror_of == ASSESSMENT.name
            others = [s for s in SERVICE_NAMES if s != service]
            for other in others:
                publish, _ = rights(other)
                assert not [p for p in publish if spec.stream.name in p.split(".")], other
                assert not any(c.stream == spec.stream for c in consumers_of(other))


def rebuild_readers(service: str) -> tuple[str, ...]:
    """The consumers through which a service reads a stream to rebuild (scoring only)."""
    return READERS if service == "scoring" else ()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_user_of_a_service_may_do_what_the_service_does(service: str) -> None:
    publish, subscribe = rights(service)
    missing = [s for s in needed(service) if not any(matches(p, s) for p in publish)]
    assert not missing, f"add to {service}'s publish rights in accounts.conf: {missing}"
    assert any(matches(p, f"{inbox_prefix(service)}.abc.1") for p in subscribe)


#: The object store buckets each service keeps or reads (photos: assessment alone; period
#: reports: assessment writes them, notifications attaches them to the committee's mail).
BUCKETS_USED: dict[str, tuple[BucketSpec, ...]] = {
    "assessment": (EVIDENCE, REPORTS),
    "notifications": (REPORTS,),
}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_user_of_a_service_is_granted_no_other_consumer(service: str) -> None:
    publish, _ = rights(service)
    durables = {spec.name for spec in consumers_of(service)} | set(rebuild_readers(service))
    stream_reads = {f"$JS.API.STREAM.INFO.{ASSESSMENT.name}"} if rebuild_readers(service) else set()
    # A stream read by ward is its service's own: any consumer name there (test above).
    durables |= {spec.stream.name for spec in partitioned_of(service)}
    # A bucket's own stream is its users'; a read of an object first asks which stream holds
    # its chunks (STREAM.NAMES filtered by subject).
    for bucket in BUCKETS_USED.get(service, ()):
        durables.add(f"OBJ_{bucket.name}")
        stream_reads.add("$JS.API.STREAM.NAMES")
    for pattern in publish:
        if pattern.startswith("$JS.") and pattern not in stream_reads:
            assert durables & set(pattern.split(".")), f"{service} need not have {pattern}"


def test_the_web_pages_user_may_keep_the_signed_out_sessions() -> None:
    """The web pages connect as ``frontend``: they hear answers on that user's inbox, and may
    make, write and read their bucket of signed-out sessions, and no other stream."""
    from services.web.adapters.ended_sessions import BUCKET

    publish, subscribe = rights("frontend")
    stream = f"KV_{BUCKET}"
    wanted = [
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.STREAM.CREATE.{stream}",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.$KV.{BUCKET}.abc",
        f"$KV.{BUCKET}.abc",
    ]
    missing = [s for s in wanted if not any(matches(p, s) for p in publish)]
    assert not missing, f"add to frontend's publish rights in accounts.conf: {missing}"
    assert any(matches(p, f"{inbox_prefix('frontend')}.abc.1") for p in subscribe)
    others = [p for p in publish if p.startswith("$JS.") and stream not in p.split(".")]
    assert others == []
