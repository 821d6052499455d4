"""The NATS configuration in ``infra/nats/`` as production runs it: each service with its own user
runs the whole audit → score → alert pipeline without a single permission violation, and a user
that tries to publish or read where it must not is refused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import nats
import pytest
from nats.errors import Error as NatsError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from contracts.subjects import inbox_prefix, intake_subject
from services.runtime.partition_runs import durable_name, partition_subject
from services.scoring.bootstrap import PARTITIONED_EVENTS
from tests.conftest import WARD
from tests.ops.conftest import (
    connect_as,
    create_streams_as_admin,
    low_audit_alerts,
    production_stack,
    server_log,
    token_of,
)
from tests.support.stack import SERVICE_NAMES
from tools.processes import NatsServer

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]


action_word = {"publish": "publish", "subscribe": "subscription"}


async def refused(url: str, user: str, password: str, action: str, subject: str) -> str:
    """Try to publish or subscribe as ``user``; return the server's complaint (empty if none)."""
    complaints: list[str] = []

    async def record(error: Exception) -> None:
        complaints.append(str(error))

    client = await nats.connect(url, user=user, password=password, error_cb=record)
    try:
        if action == "publish":
            await client.publish(subject, b"{}")
        else:
            await client.subscribe(subject)
        await client.flush()
        for _ in range(50):
            if complaints:
                break
            await asyncio.sleep(0.02)
    finally:
        await client.close()
    return " ".join(complaints)


async def test_services_run_the_pipeline_with_their_own_users_only(
    secured_nats: NatsServer, nats_secrets: dict[str, str], new_pg_database, tmp_path: Path
) -> None:
    await create_streams_as_admin(secured_nats.url, nats_secrets)
    databases = {name: new_pg_database() for name in SERVICE_NAMES}
    stack, tokens = production_stack(secured_nats.url, nats_secrets, databases, tmp_path)
    stack.start()
    try:
        alerts = await low_audit_alerts(stack, tokens, "kt")
        assert {alert["rule"] for alert in alerts} >= {"low_score.total"}
        # a front-end's request reaches assessment, and its answer comes back
        front_end = await connect_as(secured_nats.url, "frontend", nats_secrets)
        try:
            reply = await front_end.request(intake_subject(WARD, "feedback"), b"{}", timeout=5)
        finally:
            await front_end.close()
        assert json.loads(reply.data)["status"] == 401  # no token: refused, but answered
        # a rebuild reads the stream through scoring's own reader consumers
        async with httpx.AsyncClient(timeout=60) as http:
            rebuilt = await http.post(
                f"{stack.url('scoring')}/v1/admin/rebuild",
                headers={"Authorization": f"Bearer {token_of(tokens, role='admin')}"},
            )
        assert rebuilt.status_code == 200, rebuilt.text
        assert rebuilt.json()["events"] > 0
    finally:
        stack.stop()
    assert "Violation" not in server_log(secured_nats)


async def test_no_anonymous_access(secured_nats: NatsServer) -> None:
    with pytest.raises(NatsError):
        await nats.connect(secured_nats.url, allow_reconnect=False, connect_timeout=2)


@pytest.mark.parametrize(
    ("user", "action", "subject"),
    [
        # a service cannot forge another service's events
        ("scoring", "publish", "ward5s.binh-dong.assessment.audit.submitted"),
        ("notifications", "publish", "ward5s.binh-dong.scoring.score.updated"),
        # nor manage streams or consumers that are not its own
        ("scoring", "publish", "$JS.API.STREAM.DELETE.ASSESSMENT"),
        ("notifications", "publish", "$JS.API.CONSUMER.MSG.NEXT.ASSESSMENT.scoring-assessment"),
        # scoring's wards are read from its own mirror: on ASSESSMENT it makes no ward's durable
        # and never reaches notifications' durable; on its mirror it changes no stream
        (
            "scoring",
            "publish",
            "$JS.API.CONSUMER.CREATE.ASSESSMENT.scoring-assessment-binh-dong"
            ".ward5s.binh-dong.assessment.>",
        ),
        ("scoring", "publish", "$JS.API.CONSUMER.MSG.NEXT.ASSESSMENT.notifications-assessment"),
        ("scoring", "publish", "$JS.API.CONSUMER.DELETE.ASSESSMENT.notifications-assessment"),
        ("scoring", "publish", "$JS.API.STREAM.MSG.GET.ASSESSMENT"),
        ("scoring", "publish", "$JS.API.STREAM.PURGE.SCORING_ASSESSMENT"),
        ("scoring", "publish", "$JS.API.STREAM.DELETE.SCORING_ASSESSMENT"),
        # and nobody else reads or touches scoring's mirror
        ("notifications", "publish", "$JS.API.CONSUMER.MSG.NEXT.SCORING_ASSESSMENT.x"),
        ("assessment", "publish", "$JS.API.CONSUMER.DELETE.SCORING_ASSESSMENT.x"),
        ("frontend", "publish", "$JS.API.STREAM.INFO.SCORING_ASSESSMENT"),
        # nor read another service's replies
        ("notifications", "subscribe", "_INBOX_scoring.>"),
        # a front-end may only ask on intake subjects
        ("frontend", "publish", "ward5s.binh-dong.assessment.feedback.received"),
        ("frontend", "subscribe", "ward5s.>"),
        ("frontend", "subscribe", "_INBOX_assessment.>"),
        ("frontend", "publish", "$JS.API.STREAM.INFO.ASSESSMENT"),
        # nobody but assessment reaches the photo evidence (tests/ops/test_evidence_bucket.py)
        ("scoring", "subscribe", "$O.EVIDENCE.C.>"),
        ("notifications", "publish", "$JS.API.STREAM.MSG.GET.OBJ_EVIDENCE"),
        ("frontend", "publish", "$O.EVIDENCE.M.ZXZpZGVuY2U="),
        ("frontend", "publish", "$JS.API.CONSUMER.CREATE.OBJ_EVIDENCE"),
        # notifications only reads the period reports' files; nobody else reaches them
        # (tests/ops/test_report_bucket.py)
        ("notifications", "publish", "$O.REPORTS.C.cmVwb3J0"),
        ("notifications", "publish", "$JS.API.STREAM.PURGE.OBJ_REPORTS"),
        ("scoring", "publish", "$JS.API.DIRECT.GET.OBJ_REPORTS.$O.REPORTS.M.cmVwb3J0"),
        ("frontend", "publish", "$JS.API.STREAM.MSG.GET.OBJ_REPORTS"),
    ],
)
async def test_a_user_is_refused_where_it_must_not_go(
    secured_nats: NatsServer, nats_secrets: dict[str, str], user: str, action: str, subject: str
) -> None:
    password = nats_secrets[f"WARD5S_{user.upper()}_NATS_PASSWORD"]
    complaint = await refused(secured_nats.url, user, password, action, subject)
    # nats-py reports the subject lower-cased
    assert f'permissions violation for {action_word[action]} to "{subject.lower()}"' in (
        complaint.lower()
    ), complaint


async def test_scoring_manages_a_wards_durable_on_its_mirror(
    secured_nats: NatsServer, nats_secrets: dict[str, str]
) -> None:
    """As the ``scoring`` user, what the partitioned consumer does with a ward's durable on
    SCORING_ASSESSMENT, with no violation: find the wards, make the durable at a sequence,
    pull and ack, prove the next message by subject, read the lag, delete it."""
    await create_streams_as_admin(secured_nats.url, nats_secrets)
    publisher = await connect_as(secured_nats.url, "assessment", nats_secrets)
    scoring = await connect_as(secured_nats.url, "scoring", nats_secrets)
    spec = PARTITIONED_EVENTS
    stream, durable = spec.stream.name, durable_name(spec, WARD)
    try:
        for n in range(3):
            await publisher.jetstream().publish(f"ward5s.{WARD}.assessment.x.{n}", b"{}")
        js = scoring.jetstream()
        for _ in range(100):  # the mirror copies them within milliseconds
            if (await js.stream_info(stream)).state.messages == 3:
                break
            await asyncio.sleep(0.05)
        info = await js.stream_info(stream, subjects_filter=spec.subject)
        assert set(info.state.subjects or {}) == {
            f"ward5s.{WARD}.assessment.x.{n}" for n in range(3)
        }
        await js.add_consumer(
            stream,
            config=ConsumerConfig(
                name=durable,
                durable_name=durable,
                ack_policy=AckPolicy.ALL,
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=2,
                filter_subject=partition_subject(spec, WARD),
            ),
        )
        pull = await js.pull_subscribe_bind(
            durable=durable, stream=stream, inbox_prefix=f"{inbox_prefix('scoring')}.".encode()
        )
        fetched = await pull.fetch(5, timeout=2)
        # the mirror's sequences are ASSESSMENT's: the marks mean the same on both
        assert [m.metadata.sequence.stream for m in fetched] == [2, 3]
        await fetched[-1].ack_sync()
        assert (await js.get_msg(stream, seq=2, subject=spec.subject, next=True)).seq == 2
        assert (await js.consumer_info(stream, durable)).ack_floor.stream_seq == 3
        await js.delete_consumer(stream, durable)
    finally:
        await scoring.close()
        await publisher.close()
    assert "violation" not in server_log(secured_nats).lower()


async def test_a_front_end_may_ask_on_intake(
    secured_nats: NatsServer, nats_secrets: dict[str, str]
) -> None:
    """The allowed path, so the refusals above are not the server refusing everything."""
    password = nats_secrets["WARD5S_FRONTEND_NATS_PASSWORD"]
    assert (
        await refused(
            secured_nats.url, "frontend", password, "publish", "ward5s.binh-dong.intake.feedback"
        )
        == ""
    )


async def test_the_web_pages_keep_signed_out_sessions_as_frontend(
    secured_nats: NatsServer, nats_secrets: dict[str, str]
) -> None:
    """As the ``frontend`` user (what compose gives the web pages), with its own inbox: the
    bucket of signed-out sessions is made, written and read; nothing is refused."""
    from services.web.adapters.ended_sessions import EndedSessions

    client = await connect_as(secured_nats.url, "frontend", nats_secrets)
    try:
        ended = EndedSessions(client.jetstream, 3600)
        await ended.ensure()
        assert not await ended.ended("some-session-id")
        await ended.end("some-session-id")
        assert await ended.ended("some-session-id")
        assert not await ended.ended("another-one")
    finally:
        await client.close()
    assert "permissions violation" not in server_log(secured_nats).lower()
