"""What the screens read back: an audit with its history, the self-assessments a caller may see,
the corrective actions of their units; the OpenAPI document names every error; the submission
counter. Real NATS, real PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from contracts.common import LOCAL_TZ
from services.assessment.domain.policy import Policy
from services.runtime.clock import wall
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    AUDITOR_VP,
    HEAD_KT,
    STAFF_KT,
    audit_body,
    now_local,
    plus_body,
    this_month,
)
from tests.assessment.test_events import post_twice
from tests.conftest import bearer

CHAIRMAN = bearer("chairman", "p001", "vp")
HEAD_VHXH = bearer("unit_head", "p017", "vhxh")

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def test_an_audit_keeps_every_revision(service) -> None:
    answer = await service.http.post("/v1/audits", json=audit_body("kt", 1), headers=AUDITOR_VP)
    audit = answer.json()["audit_id"]
    amend = {"items": audit_body("kt", 2)["items"], "reason": "Đã đối chiếu lại"}
    await service.http.post(f"/v1/audits/{audit}/amend", json=amend, headers=AUDITOR_VP)
    detail = (await service.http.get(f"/v1/audits/{audit}", headers=HEAD_KT)).json()
    assert [(r["revision"], r["change"], r["reason"]) for r in detail["revisions"]] == [
        (1, "submitted", None),
        (2, "amended", "Đã đối chiếu lại"),
    ]
    assert {i["score"] for i in detail["revisions"][0]["items"]} == {1}
    assert {i["score"] for i in detail["revisions"][1]["items"]} == {2}
    hidden = await service.http.get(
        f"/v1/audits/{audit}", headers=bearer("unit_head", "p004", "vp")
    )
    assert hidden.status_code == 404

    actions = (await service.http.get("/v1/corrective-actions", headers=HEAD_KT)).json()
    assert len(actions["corrective_actions"]) == 25
    assert {a["owner_id"] for a in actions["corrective_actions"]} == {"p010"}
    assert {a["owner_name"] for a in actions["corrective_actions"]} == {"Hồ Văn Phúc"}
    others = await service.http.get(
        "/v1/corrective-actions", headers=bearer("unit_head", "p004", "vp")
    )
    assert others.json()["corrective_actions"] == []


async def test_self_assessments_are_seen_by_the_person_and_their_leaders(service) -> None:
    await service.http.post("/v1/self-assessments", json=plus_body(), headers=STAFF_KT)
    params = {"period": this_month(), "status": "submitted"}

    async def seen_by(headers: dict[str, str]) -> set[str]:
        answer = await service.http.get("/v1/self-assessments", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return {row["person_id"] for row in answer.json()["self_assessments"]}

    assert await seen_by(STAFF_KT) == {"p012"}
    assert await seen_by(HEAD_KT) == {"p012"}
    assert await seen_by(ADMIN) == {"p012"}
    assert await seen_by(bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))) == {"p012"}
    assert await seen_by(bearer("staff", "p013", "kt")) == set()
    assert await seen_by(AUDITOR_KT) == set()
    assert await seen_by(bearer("unit_head", "p004", "vp")) == set()
    # The person by name, for the head who reviews them.
    listed = await service.http.get("/v1/self-assessments", params=params, headers=HEAD_KT)
    row = listed.json()["self_assessments"][0]
    assert row["full_name"] == "Lý Hoàng Nam"
    # Its review is due 3 working days after the day it was sent (the ward's calendar).
    sent_on = datetime.fromisoformat(row["submitted_at"]).astimezone(LOCAL_TZ).date()
    assert row["review_due_on"] == Policy().review_deadline(sent_on).isoformat()
    assert row["yours_to_review"] is True  # kt's head reviews kt's staff
    deputy = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))
    seen = await service.http.get("/v1/self-assessments", params=params, headers=deputy)
    assert seen.json()["self_assessments"][0]["yours_to_review"] is False  # their head does


async def test_openapi_names_every_error(service) -> None:
    document = (await service.http.get("/openapi.json")).json()
    posts = {path: spec["post"] for path, spec in document["paths"].items() if "post" in spec}
    assert len(posts) >= 11
    for path, spec in posts.items():
        assert {"401", "403", "422"} <= set(spec["responses"]), path
        assert spec["responses"]["422"]["content"]["application/json"]["schema"]
    assert "429" in posts["/v1/feedback"]["responses"]


async def test_submissions_are_counted_by_kind_and_outcome(service) -> None:
    def count(outcome: str) -> float:
        value = REGISTRY.get_sample_value(
            "ward5s_assessment_submissions_total", {"kind": "audit", "outcome": outcome}
        )
        return value or 0.0

    accepted, refused = count("accepted"), count("refused_403")
    await service.http.post("/v1/audits", json=audit_body("vp"), headers=AUDITOR_KT)
    await service.http.post("/v1/audits", json=audit_body("kt"), headers=AUDITOR_KT)
    assert count("accepted") == accepted + 1
    assert count("refused_403") == refused + 1


async def test_no_administrator_mints_a_token_as_a_person(service) -> None:
    answer = await service.http.post("/v1/org/people/p020/token", headers=ADMIN)
    assert answer.status_code in (404, 405)
    routes = service.app.openapi()["paths"]
    assert not [path for path in routes if "token" in path and "/org/people" in path]


async def test_the_chairman_reads_what_administrators_did_with_their_reasons(service) -> None:
    since = wall()
    device = {"role": "kiosk", "unit_id": "ttphcc", "label_vi": "Ki-ốt 3", "label_en": "Kiosk 3"}
    why = "Ki-ốt mới ở quầy 3"
    registered = await service.http.put(
        "/v1/org/devices/kiosk-03", json=device, headers=ADMIN, params={"reason": why}
    )
    assert registered.status_code == 200, registered.text
    for caller in (STAFF_KT, HEAD_KT, AUDITOR_KT):
        assert (await service.http.get("/v1/admin/actions", headers=caller)).status_code == 403
    read = await service.http.get(
        "/v1/admin/actions", params={"since": since.isoformat()}, headers=CHAIRMAN
    )
    assert read.status_code == 200, read.text
    assert [
        (a["action"], a["subject"], a["reason"], a["actor"]["id"]) for a in read.json()["actions"]
    ] == [
        ("device.registered", "kiosk-03", why, "p006"),
        ("credential.issued", "kiosk-03", why, "p006"),
    ]
    # The same on the bus, with the actor in the envelope.
    events = await service.settled_events(2, subject="kiosk-03")
    assert {m["event"]["type"] for m in events} == {"assessment.admin.action_recorded"}
    assert {m["event"]["actor"]["id"] for m in events} == {"p006"}


async def test_anyone_of_the_ward_reads_its_units_by_name(service) -> None:
    answer = await service.http.get("/v1/units", headers=STAFF_KT)
    assert answer.status_code == 200, answer.text
    units = {u["unit_id"]: u["name_vi"] for u in answer.json()["units"]}
    assert units["kt"] == "Phòng Kinh tế"
    assert len(units) == 5
    assert (await service.http.get("/v1/units")).status_code == 401


async def test_a_units_open_actions_are_listed_soonest_due_first_with_their_count(service) -> None:
    """What the board reads: one unit's open actions (never another's), the first few and how
    many there are, and how many are due before a day."""
    path, wanted = "/v1/corrective-actions", {"status": "open", "unit_id": "vhxh"}

    async def listed(**more: object) -> dict[str, Any]:
        answer = await service.http.get(path, params={**wanted, **more}, headers=CHAIRMAN)
        assert answer.status_code == 200, answer.text
        return answer.json()

    before = (await listed())["total"]
    low = {item["code"] for item in audit_body("vhxh")["items"][:3]}
    body = audit_body("vhxh", lambda code: 1 if code in low else 3)
    await post_twice(service, "/v1/audits", body, AUDITOR_KT)
    other = await post_twice(service, "/v1/audits", audit_body("vp", lambda _: 1), AUDITOR_KT)
    assert other["corrective_actions"]
    every = await listed()
    assert every["total"] == len(every["corrective_actions"]) == before + 3
    assert {a["unit_id"] for a in every["corrective_actions"]} == {"vhxh"}
    dues = [a["due_on"] for a in every["corrective_actions"]]
    assert dues == sorted(dues)
    first = await listed(limit=2)
    assert (first["total"], first["corrective_actions"]) == (
        every["total"],
        every["corrective_actions"][:2],
    )
    later = (now_local().date() + timedelta(days=400)).isoformat()
    for before_day, count in ((dues[0], 0), (later, every["total"])):
        counted = await listed(due_before=before_day, limit=0)
        assert (counted["total"], counted["corrective_actions"]) == (count, [])
    # Another unit's head sees none of vp's (they own none of them), counted or listed.
    theirs = await service.http.get(
        path, params={"status": "open", "unit_id": "vp"}, headers=HEAD_VHXH
    )
    assert theirs.json() == {"corrective_actions": [], "total": 0}
