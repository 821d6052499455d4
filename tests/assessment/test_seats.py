"""Rights follow the org chart as it is now (issue 14, item 4): every command is judged by the
caller's seat in the ward's org chart and device register at the moment of the request, not by
the claims of their token. A person moved loses their old seat's rights on their next request;
a person removed and a device deactivated lose all of them. In-memory SQLite, a frozen clock,
through the one command pipeline (``handlers/seats.py`` is its seat step)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pydantic import BaseModel

from contracts import intake
from contracts.common import Text
from contracts.roles import Role
from services.assessment.adapters.tables import metadata
from services.assessment.demo.loader import read_org_chart
from services.assessment.domain.graders import Seat, grading_refusal
from services.assessment.domain.org import DeviceRow, OrgRow
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import DeviceRegistration, OrgChartUpload, Submissions
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import in_memory
from tests.assessment.test_commands import MONTH, NOW, Ward, audit, plus
from tests.conftest import WARD

ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")
CHAIRMAN = Principal("p001", WARD, Role.CHAIRMAN, "vp")
VICE_KT = Principal("p002", WARD, Role.VICE_CHAIRMAN, "vp", ("kt", "vhxh"))
AUDITOR_KT = Principal("p011", WARD, Role.AUDITOR, "kt")
AUDITOR_VP = Principal("p005", WARD, Role.AUDITOR, "vp")
HEAD_KT = Principal("p010", WARD, Role.UNIT_HEAD, "kt")
HEAD_VHXH = Principal("p017", WARD, Role.UNIT_HEAD, "vhxh")
STAFF_KT = Principal("p012", WARD, Role.STAFF, "kt")
HR = Principal("hr-sync", WARD, Role.INTEGRATION)
KIOSK = Principal("kiosk-01", WARD, Role.KIOSK, "ttphcc")


@pytest.fixture
def ward(demo_sessions: SessionFactory) -> Ward:
    return Ward(demo_sessions, FrozenClock(NOW))


async def refusal(ward: Ward, caller: Principal, body: BaseModel) -> tuple[Kind, str, str | None]:
    """What the pipeline answers ``caller`` for ``body``, which must be refused."""
    with pytest.raises(Refusal) as refused:
        await ward.run(caller, body)
    return refused.value.kind, refused.value.code, refused.value.field


def chart(**changes: dict[str, Any] | None) -> OrgChartUpload:
    """The demo org chart with a person changed (``p011={"unit_id": "vhxh"}``) or removed
    (``p010=None``)."""
    rows: list[OrgRow] = []
    for row in read_org_chart()[0]:
        if row.person_id not in changes:
            rows.append(row)
        elif (change := changes[row.person_id]) is not None:
            rows.append(dataclasses.replace(row, **change))
    return OrgChartUpload(ward_name="Phường Bình Đông", rows=tuple(rows))


def low_audit(owner_id: str | None = None) -> intake.AuditIn:
    """An audit of vhxh whose S1.1 is a finding (score 1), owned by ``owner_id`` if given."""
    body = audit("vhxh", lambda code: 1 if code == "S1.1" else 3)
    for item in body.items:
        if item.code == "S1.1":
            item.owner_id = owner_id
    return body


async def test_an_auditor_moved_into_a_unit_can_no_longer_amend_or_withdraw_their_audit_of_it(
    ward: Ward,
) -> None:
    _, audited = await ward.run(AUDITOR_KT, audit("vhxh"))
    audit_id = audited["audit_id"]
    items = [{"code": item.code, "score": 2} for item in audit("vhxh").items]
    amend = intake.AuditAmendCommand.model_validate(
        {"audit_id": audit_id, "items": items, "reason": "Chấm lại"}
    )
    withdraw = intake.AuditWithdrawCommand(audit_id=audit_id, reason="Nhầm đơn vị")
    # Still in kt, the auditor may correct it; then the chart moves them into vhxh.
    assert (await ward.run(AUDITOR_KT, amend))[1]["revision"] == 2
    await ward.run(ADMIN, chart(p011={"unit_id": "vhxh"}))
    staged = len(await ward.staged())

    # Their token still says kt: the chart now says vhxh, the unit audited.
    own_unit = (Kind.FORBIDDEN, "own_unit", "audit_id")
    assert await refusal(ward, AUDITOR_KT, amend) == own_unit
    assert await refusal(ward, AUDITOR_KT, withdraw) == own_unit
    assert await refusal(ward, AUDITOR_KT, audit("vhxh")) == (Kind.FORBIDDEN, "own_unit", "unit_id")
    assert len(await ward.staged()) == staged
    # And kt, no longer their unit, they may audit now.
    assert (await ward.run(AUDITOR_KT, audit("kt")))[0] == 201


async def test_an_auditor_may_neither_own_nor_close_their_own_finding(ward: Ward) -> None:
    assert await refusal(ward, AUDITOR_KT, low_audit(owner_id="p011")) == (
        Kind.FORBIDDEN,
        "own_finding",
        "items[0].owner_id",
    )
    _, audited = await ward.run(AUDITOR_KT, low_audit())
    (action_id,) = audited["corrective_actions"]
    close = intake.ActionCloseCommand(action_id=action_id, note="Đã khắc phục")
    # The auditor becomes vhxh's head: a head closes their unit's actions, but not this one,
    # which they found.
    await ward.run(ADMIN, chart(p011={"unit_id": "vhxh", "role": Role.UNIT_HEAD}))
    assert await refusal(ward, AUDITOR_KT, close) == (Kind.FORBIDDEN, "own_finding", "action_id")
    assert (await ward.run(HEAD_VHXH, close))[1]["status"] == "closed"


async def test_a_head_removed_from_the_org_chart_can_no_longer_review_a_subordinate(
    ward: Ward,
) -> None:
    _, submitted = await ward.run(STAFF_KT, plus(4))
    adjust = intake.ReviewCommand.model_validate(
        {
            "self_assessment_id": submitted["self_assessment_id"],
            "outcome": "adjusted",
            "reason": "Thiếu minh chứng",
            "items": [{"code": item.code, "score": 2} for item in plus(2).items],
        }
    )
    await ward.run(ADMIN, chart(p010=None))
    assert await refusal(ward, HEAD_KT, adjust) == (Kind.FORBIDDEN, "not_in_org_chart", None)
    # Back in the chart but heading another unit: no longer the head of kt's people.
    await ward.run(ADMIN, chart(p010={"unit_id": "dvcu"}))
    assert await refusal(ward, HEAD_KT, adjust) == (Kind.FORBIDDEN, "not_reviewer", None)
    # The vice-chairman in charge of kt does not review kt's staff either: their head does.
    assert await refusal(ward, VICE_KT, adjust) == (Kind.FORBIDDEN, "not_reviewer", None)


async def test_a_removed_auditor_can_no_longer_audit(ward: Ward) -> None:
    _, audited = await ward.run(AUDITOR_KT, audit("vhxh"))
    await ward.run(ADMIN, chart(p011=None))
    withdraw = intake.AuditWithdrawCommand(audit_id=audited["audit_id"], reason="Rút")
    removed = (Kind.FORBIDDEN, "not_in_org_chart", None)
    assert await refusal(ward, AUDITOR_KT, audit("dvcu")) == removed
    assert await refusal(ward, AUDITOR_KT, withdraw) == removed
    # Nor anything else a person does.
    assert await refusal(ward, AUDITOR_KT, plus(3)) == removed


async def test_a_changed_role_counts_from_the_next_request_whatever_the_token_says(
    ward: Ward,
) -> None:
    # A token claiming another role than the chart's gets the chart's rights.
    claimed_admin = dataclasses.replace(STAFF_KT, role=Role.ADMIN)
    close = intake.PeriodCloseCommand(period="2026-01")
    assert await refusal(ward, claimed_admin, close) == (Kind.FORBIDDEN, "forbidden", None)
    # An auditor made staff audits no more, with the auditor's token they still hold.
    await ward.run(ADMIN, chart(p005={"role": Role.STAFF}))
    assert await refusal(ward, AUDITOR_VP, audit("kt")) == (Kind.FORBIDDEN, "forbidden", None)


async def test_a_deactivated_hr_integration_can_no_longer_record_task_results(
    ward: Ward,
) -> None:
    points = intake.TaskResultIn(person_id="p012", period=MONTH, points=60, disqualified=True)
    assert (await ward.run(HR, points))[0] == 201
    hr = DeviceRow("hr-sync", Role.INTEGRATION, None, Text(vi="HR", en="HR"), active=False)
    await ward.run(ADMIN, DeviceRegistration(device=hr))
    staged = len(await ward.staged())
    assert await refusal(ward, HR, points) == (Kind.FORBIDDEN, "unknown_device", None)
    # A deactivated kiosk likewise, and a token of a device role for a person's id.
    kiosk = DeviceRow("kiosk-01", Role.KIOSK, "ttphcc", Text(vi="K", en="K"), active=False)
    await ward.run(ADMIN, DeviceRegistration(device=kiosk))
    rating = intake.FeedbackIn(unit_id="ttphcc", level=5)
    assert await refusal(ward, KIOSK, rating) == (Kind.FORBIDDEN, "unknown_device", None)
    posing = Principal("p012", WARD, Role.INTEGRATION)
    assert await refusal(ward, posing, points) == (Kind.FORBIDDEN, "unknown_device", None)
    # The kiosk's deactivation is recorded (an administrator's action); the refusals record nothing.
    assert len(await ward.staged()) == staged + 1


async def test_the_chairman_s_plus_is_reviewed_by_the_integration_or_the_named_reviewer(
    ward: Ward,
) -> None:
    _, submitted = await ward.run(CHAIRMAN, plus(4))
    approve = intake.ReviewCommand(
        self_assessment_id=submitted["self_assessment_id"], outcome="approved"
    )
    # Never by a subordinate: not the vice-chairmen, not the admin.
    for subordinate in (VICE_KT, ADMIN):
        assert await refusal(ward, subordinate, approve) == (Kind.FORBIDDEN, "not_reviewer", None)
    assert await refusal(ward, CHAIRMAN, approve) == (Kind.FORBIDDEN, "own_review", None)
    # A policy that names a reviewer: them, and no longer the integration.
    named = Submissions(ward.sessions, Policy(chairman_reviewer="p005"), ward.clock)
    with pytest.raises(Refusal) as refused:
        await named.execute(HR, approve)
    assert refused.value.code == "not_reviewer"
    status, reviewed = await named.execute(AUDITOR_VP, approve)
    assert (status, reviewed["status"]) == (200, "approved")


async def test_by_default_the_integration_records_the_chairman_s_review(ward: Ward) -> None:
    _, submitted = await ward.run(CHAIRMAN, plus(4))
    approve = intake.ReviewCommand(
        self_assessment_id=submitted["self_assessment_id"], outcome="approved"
    )
    assert (await ward.run(HR, approve))[1]["status"] == "approved"


async def test_the_first_org_chart_of_a_ward_is_loaded_by_its_administrator() -> None:
    rows, _ = read_org_chart()
    first = OrgChartUpload(ward_name="Phường Bình Đông", rows=tuple(rows))
    newcomer = Principal("p999", WARD, Role.ADMIN)
    async with in_memory(metadata) as sessions:
        commands = Submissions(sessions, Policy(), FrozenClock(NOW))
        assert (await commands.execute(newcomer, first))[0] == 200
        # Once the ward has a chart, an administrator it does not name is refused.
        with pytest.raises(Refusal) as refused:
            await commands.execute(newcomer, first)
        assert refused.value.code == "not_in_org_chart"
        assert (await commands.execute(ADMIN, first))[0] == 200


def seat(person_id: str, role: Role, unit_id: str | None = "vp", *charge: str) -> Seat:
    return Seat(person_id, role.value, unit_id, charge)


@pytest.mark.parametrize(
    ("grader", "person_role", "unit_id", "reviewer", "expected"),
    [
        # The vice-chairmen's "+": the chairman, never another vice-chairman or a unit head.
        (seat("p001", Role.CHAIRMAN), Role.VICE_CHAIRMAN, "vp", None, None),
        (
            seat("p003", Role.VICE_CHAIRMAN, "vp", "vp"),
            Role.VICE_CHAIRMAN,
            "vp",
            None,
            "not_grader",
        ),
        (seat("p004", Role.UNIT_HEAD), Role.VICE_CHAIRMAN, "vp", None, "not_grader"),
        # The chairman's: the integration by default; the named reviewer when there is one,
        # unless the chairman grades them (a vice-chairman, a unit head).
        (seat("hr-sync", Role.INTEGRATION, None), Role.CHAIRMAN, "vp", None, None),
        (seat("hr-sync", Role.INTEGRATION, None), Role.CHAIRMAN, "vp", "p040", "not_grader"),
        (seat("p040", Role.STAFF), Role.CHAIRMAN, "vp", "p040", None),
        (seat("p002", Role.VICE_CHAIRMAN, "vp", "kt"), Role.CHAIRMAN, "vp", "p002", "not_grader"),
        (seat("p004", Role.UNIT_HEAD), Role.CHAIRMAN, "vp", "p004", "not_grader"),
        (seat("p001", Role.CHAIRMAN), Role.CHAIRMAN, "vp", "p001", "own"),
        # The integration grades nobody else's "+".
        (seat("hr-sync", Role.INTEGRATION, None), Role.STAFF, "kt", None, "not_grader"),
    ],
)
def test_leaders_are_graded_by_their_superior_never_by_a_subordinate(
    grader: Seat, person_role: Role, unit_id: str, reviewer: str | None, expected: str | None
) -> None:
    person = "p001" if person_role is Role.CHAIRMAN else "p-graded"
    assert grading_refusal(grader, person, person_role.value, unit_id, reviewer) == expected
