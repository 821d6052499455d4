"""The matrix, proved (issue 14, item 7): every role of a ward and a city, and every token no
service may accept, against every endpoint of the three services running as processes on
PostgreSQL and NATS. The endpoints are read from each service's OpenAPI: one without a row in
``MATRIX`` fails the test, and so does a row for an endpoint that is gone.

What each role gets is written once, in ``MATRIX``: ``OK`` (let through: what the request then
gets is the endpoint's business, 2xx, 404, 409 or 422, never 401, 403 or 5xx), ``401``, ``403``
or ``404``, and ``OPEN`` for the routes that take no bearer token (they answer the same with any
token as with none). Every secured endpoint answers 401 to a missing, expired, not yet valid or
forged token, to a token for other services, to a token of a signed-out session or a rotated
device, and to the token of a person an org chart load removed; a person of another ward is
refused every write and reads nothing of this ward."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.periods import Month
from services.runtime.clock import wall
from tests.security.conftest import WardStack, sign_in_through_mail
from tests.support import forged
from tests.support.http import eventually
from tools.demo import audit_body

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.postgres]

OK, OPEN = "ok", "open"
ROLES = (
    "admin",
    "chairman",
    "vice_chairman",
    "unit_head",
    "auditor",
    "staff",
    "kiosk",
    "qr",
    "integration",
    "city",
)
PEOPLE = frozenset(ROLES[:6])
DEVICES = frozenset({"kiosk", "qr", "integration"})
#: Who holds each role: the demo ward's people and devices (the vice-chairman p002 is in charge
#: of kt and vhxh; the auditor p011 audits every unit but kt; the staff p012 works in kt).
HOLDERS = {
    "admin": {"person_id": "p006"},
    "chairman": {"person_id": "p001"},
    "vice_chairman": {"person_id": "p002"},
    "unit_head": {"person_id": "p010"},
    "auditor": {"person_id": "p011"},
    "staff": {"person_id": "p012"},
    "kiosk": {"device_id": "kiosk-01"},
    "qr": {"device_id": "qr-kt"},
    "integration": {"device_id": "hr-sync"},
    "city": {"role": "city"},
}
MONTH = Month.of(wall()).key
YEAR = MONTH[:4]
ANY_ID = str(uuid.uuid4())


def row(allowed: frozenset[str] | set[str], **exceptions: Any) -> dict[str, Any]:
    """``OK`` for the ``allowed`` roles, 403 for every other role, and the ``exceptions``
    (role=answer) over both."""
    answers: dict[str, Any] = {role: OK if role in allowed else 403 for role in ROLES}
    answers.update(exceptions)
    return answers


def ward_row(allowed: frozenset[str] | set[str], **exceptions: Any) -> dict[str, Any]:
    """A ward service's row: as :func:`row`, the devices' tokens (for assessment alone) refused
    as tokens for another service (401)."""
    return row(allowed, **{**dict.fromkeys(DEVICES, 401), **exceptions})


OPEN_ROW = dict.fromkeys(ROLES, OPEN)
EVERYONE_OF_THE_WARD = PEOPLE | DEVICES
LEADERS = {"admin", "chairman", "vice_chairman", "unit_head", "auditor"}

#: (service, method, path) -> role -> answer: the one table.
MATRIX: dict[tuple[str, str, str], dict[str, Any]] = {
    # --- assessment --------------------------------------------------------------------------
    ("assessment", "GET", "/healthz"): OPEN_ROW,
    ("assessment", "GET", "/readyz"): OPEN_ROW,
    ("assessment", "GET", "/metrics"): OPEN_ROW,
    ("assessment", "GET", "/.well-known/jwks.json"): OPEN_ROW,
    ("assessment", "POST", "/v1/audits"): row({"auditor"}),
    ("assessment", "POST", "/v1/audits/{audit_id}/amend"): row({"auditor"}),
    ("assessment", "POST", "/v1/audits/{audit_id}/withdraw"): row({"auditor"}),
    ("assessment", "GET", "/v1/audits/{audit_id}"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "POST", "/v1/corrective-actions/{action_id}/close"): row(PEOPLE),
    ("assessment", "POST", "/v1/corrective-actions/{action_id}/reopen"): row(
        {"auditor", "chairman", "vice_chairman"}
    ),
    ("assessment", "GET", "/v1/corrective-actions"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "POST", "/v1/reviews"): row({"unit_head"}),
    ("assessment", "POST", "/v1/reviews/{review_id}/acknowledge"): row(
        {"chairman", "vice_chairman"}
    ),
    ("assessment", "POST", "/v1/review-follow-ups/{follow_up_id}/close"): row(PEOPLE),
    ("assessment", "GET", "/v1/reviews"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "POST", "/v1/initiatives"): row(PEOPLE),
    # The council is the policy's: any person may be named to it (404 here: no such one).
    ("assessment", "POST", "/v1/initiatives/{initiative_id}/decide"): row(PEOPLE),
    ("assessment", "GET", "/v1/initiatives"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "GET", "/v1/initiatives/counts"): row(
        {"admin", "chairman", "vice_chairman", "auditor", "unit_head"}
    ),
    ("assessment", "POST", "/v1/citizen-follow-ups/{follow_up_id}/done"): row(PEOPLE),
    ("assessment", "GET", "/v1/citizen-follow-ups"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "GET", "/v1/citizen-follow-ups/counts"): row(
        {"admin", "chairman", "vice_chairman", "auditor", "unit_head"}
    ),
    ("assessment", "POST", "/v1/campaigns"): row({"admin"}),
    ("assessment", "POST", "/v1/campaigns/{campaign_id}/audits"): row({"auditor"}),
    ("assessment", "GET", "/v1/campaigns"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "GET", "/v1/reports"): row({"admin", "chairman", "vice_chairman"}),
    # The people of the units one leads, by the seat the org chart gives now.
    ("assessment", "GET", "/v1/people"): row({"admin", "chairman", "vice_chairman", "unit_head"}),
    ("assessment", "POST", "/v1/self-assessments"): row(PEOPLE),
    ("assessment", "GET", "/v1/self-assessments"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "POST", "/v1/self-assessments/{self_assessment_id}/review"): row(
        PEOPLE | {"integration"}
    ),
    ("assessment", "POST", "/v1/feedback"): row({"kiosk", "qr"}),
    # Those who work the unit's counter (the staff p012 and head p010 of kt), administrators.
    ("assessment", "POST", "/v1/rating-codes"): row({"admin", "unit_head", "staff"}),
    ("assessment", "GET", "/v1/feedback/held"): row({"admin", "chairman"}),
    ("assessment", "POST", "/v1/feedback/held/release"): row({"admin"}),
    ("assessment", "POST", "/v1/task-results"): row(
        {"integration", "unit_head", "vice_chairman", "chairman"}
    ),
    # The person (the staff p012), their unit head, the leaders, administrators, the HR system.
    ("assessment", "GET", "/v1/task-results/{person_id}/{period}"): row(
        {"admin", "chairman", "vice_chairman", "unit_head", "staff", "integration"}
    ),
    ("assessment", "POST", "/v1/periods/{period}/close"): row({"admin"}),
    ("assessment", "POST", "/v1/periods/{period}/reopen"): row({"admin"}),
    ("assessment", "GET", "/v1/calendar"): row(PEOPLE),
    ("assessment", "GET", "/v1/periods"): row(PEOPLE),
    ("assessment", "PUT", "/v1/calendar/days/{day}"): row({"admin"}),
    ("assessment", "DELETE", "/v1/calendar/days/{day}"): row({"admin"}),
    ("assessment", "GET", "/v1/units"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "GET", "/v1/catalog"): row(EVERYONE_OF_THE_WARD),
    ("assessment", "POST", "/v1/catalog"): row({"admin"}),
    ("assessment", "GET", "/v1/org"): row({"admin"}),
    ("assessment", "PUT", "/v1/org/chart"): row({"admin"}),
    ("assessment", "PUT", "/v1/org/devices/{device_id}"): row({"admin"}),
    ("assessment", "POST", "/v1/org/devices/{device_id}/credential"): row({"admin"}),
    ("assessment", "GET", "/v1/admin/actions"): row({"admin", "chairman"}),
    ("assessment", "GET", "/v1/exports/{what}.{fmt}"): row(LEADERS),
    ("assessment", "POST", "/v1/auth/sign-in"): OPEN_ROW,
    ("assessment", "POST", "/v1/auth/refresh"): OPEN_ROW,
    ("assessment", "POST", "/v1/auth/sign-out"): OPEN_ROW,
    ("assessment", "POST", "/v1/auth/password"): OPEN_ROW,
    ("assessment", "POST", "/v1/auth/reset"): OPEN_ROW,
    ("assessment", "POST", "/v1/auth/invitations"): row({"admin"}),
    ("assessment", "POST", "/v1/evidence"): row(PEOPLE),
    ("assessment", "GET", "/v1/evidence/{evidence_id}"): row(EVERYONE_OF_THE_WARD),
    # --- scoring -----------------------------------------------------------------------------
    ("scoring", "GET", "/healthz"): OPEN_ROW,
    ("scoring", "GET", "/readyz"): OPEN_ROW,
    ("scoring", "GET", "/metrics"): OPEN_ROW,
    ("scoring", "GET", "/v1/units/{unit_id}/scores"): ward_row(LEADERS, city=OK),
    ("scoring", "GET", "/v1/rankings"): ward_row(LEADERS, city=OK),
    ("scoring", "GET", "/v1/wards/rankings"): ward_row({"city"}),
    # Auditors see units, not people; a city compares wards, not people.
    ("scoring", "GET", "/v1/people/{person_id}/scores"): ward_row(PEOPLE - {"auditor"}),
    ("scoring", "GET", "/v1/classification"): ward_row(LEADERS - {"auditor"}, city=OK),
    ("scoring", "POST", "/v1/classification/{period}/decisions"): ward_row({"chairman"}),
    ("scoring", "POST", "/v1/admin/rebuild"): ward_row({"admin"}),
    ("scoring", "GET", "/v1/admin/rebuild"): ward_row({"admin"}),
    ("scoring", "GET", "/v1/exports/{what}.{fmt}"): ward_row(LEADERS, city=OK),
    ("scoring", "GET", "/v1/labels"): OPEN_ROW,
    # --- notifications -----------------------------------------------------------------------
    ("notifications", "GET", "/healthz"): OPEN_ROW,
    ("notifications", "GET", "/readyz"): OPEN_ROW,
    ("notifications", "GET", "/metrics"): OPEN_ROW,
    ("notifications", "GET", "/v1/links/{token}"): OPEN_ROW,
    ("notifications", "POST", "/v1/links/{token}"): OPEN_ROW,
    ("notifications", "GET", "/v1/alerts"): ward_row(PEOPLE),
    ("notifications", "POST", "/v1/alerts/{alert_id}/ack"): ward_row(PEOPLE),
    ("notifications", "POST", "/v1/alerts/{alert_id}/snooze"): ward_row(PEOPLE),
    ("notifications", "GET", "/v1/preferences/{person_id}"): ward_row({"admin", "staff"}),
    ("notifications", "PUT", "/v1/preferences/{person_id}"): ward_row({"admin", "staff"}),
    ("notifications", "GET", "/v1/deliveries/failed"): ward_row({"admin"}),
    ("notifications", "GET", "/v1/clock"): ward_row(PEOPLE),
    ("notifications", "POST", "/v1/clock"): ward_row({"admin"}),
}


@dataclass(frozen=True)
class Call:
    """What is sent to an endpoint: its path's values, query and body."""

    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None


REASON = {"reason": "Kiểm tra quyền truy cập"}
#: Scoring's reads name the demo ward: a city reads it (its chart names the city), a person of
#: another ward is refused it.
WARD = {"ward": "binh-dong"}
#: The header line of an org chart, and nothing else: refused (422) once let through.
CHART = Path("services/assessment/demo/org_chart.csv").read_text("utf-8").splitlines()
EMPTY_CHART = CHART[0]
#: A request per endpoint that passes its schema, so that what answers is the access check; the
#: writes let through change nothing of what the other rows need (past months, unknown ids).
CALLS: dict[tuple[str, str, str], Call] = {
    ("assessment", "POST", "/v1/audits"): Call(json=audit_body("vhxh", 3)),
    ("assessment", "POST", "/v1/audits/{audit_id}/amend"): Call(
        {"audit_id": ANY_ID}, json={"items": audit_body("vhxh", 3)["items"], **REASON}
    ),
    ("assessment", "POST", "/v1/audits/{audit_id}/withdraw"): Call(
        {"audit_id": ANY_ID}, json=REASON
    ),
    ("assessment", "GET", "/v1/audits/{audit_id}"): Call({"audit_id": ANY_ID}),
    ("assessment", "POST", "/v1/corrective-actions/{action_id}/close"): Call(
        {"action_id": ANY_ID}, json={"note": "Đã khắc phục"}
    ),
    ("assessment", "POST", "/v1/corrective-actions/{action_id}/reopen"): Call(
        {"action_id": ANY_ID}, json=REASON
    ),
    # A period not begun: the head of kt gets past the roles to 422 and stores nothing.
    ("assessment", "POST", "/v1/reviews"): Call(
        json={"unit_id": "kt", "period": "2099-01", "went_well": "-", "went_badly": "-"}
        | {"lessons": "-"}
    ),
    ("assessment", "POST", "/v1/reviews/{review_id}/acknowledge"): Call(
        {"review_id": ANY_ID}, json={}
    ),
    ("assessment", "POST", "/v1/review-follow-ups/{follow_up_id}/close"): Call(
        {"follow_up_id": ANY_ID}, json={"note": "Đã làm"}
    ),
    ("assessment", "GET", "/v1/reviews"): Call(query={"period": MONTH}),
    ("assessment", "POST", "/v1/initiatives"): Call(
        json={"title": "Số hóa sổ", "problem": "-", "proposal": "-", "expected_effect": "-"}
    ),
    ("assessment", "POST", "/v1/initiatives/{initiative_id}/decide"): Call(
        {"initiative_id": ANY_ID}, json={"status": "accepted"}
    ),
    ("assessment", "GET", "/v1/initiatives"): Call(query={"period": MONTH}),
    ("assessment", "GET", "/v1/initiatives/counts"): Call(query={"period": YEAR}),
    ("assessment", "POST", "/v1/citizen-follow-ups/{follow_up_id}/done"): Call(
        {"follow_up_id": ANY_ID}, json={"note": "Đã gọi lại"}
    ),
    ("assessment", "GET", "/v1/citizen-follow-ups"): Call(),
    ("assessment", "GET", "/v1/citizen-follow-ups/counts"): Call(query={"period": YEAR}),
    ("assessment", "POST", "/v1/campaigns"): Call(
        json={"title": "Ngày xanh", "starts_on": "2026-01-05", "ends_on": "2026-01-05"}
        | {"items": [{"text": "Cây xanh được chăm sóc"}]}
    ),
    ("assessment", "POST", "/v1/campaigns/{campaign_id}/audits"): Call(
        {"campaign_id": ANY_ID},
        json={"unit_id": "vp", "performed_at": "2026-01-05T09:00:00+07:00", "items": []},
    ),
    ("assessment", "GET", "/v1/campaigns"): Call(),
    # No such month: the leaders get past the roles to 422 (scoring is not asked).
    ("assessment", "GET", "/v1/reports"): Call(query={"period": "2026-13"}),
    ("assessment", "GET", "/v1/people"): Call(query={"unit_id": "kt"}),
    ("assessment", "POST", "/v1/self-assessments"): Call(json={"period": "2020-01", "items": []}),
    ("assessment", "GET", "/v1/self-assessments"): Call(query={"period": MONTH}),
    ("assessment", "POST", "/v1/self-assessments/{self_assessment_id}/review"): Call(
        {"self_assessment_id": ANY_ID}, json={"outcome": "approved"}
    ),
    ("assessment", "POST", "/v1/feedback"): Call(json={"unit_id": "kt", "level": 5}),
    ("assessment", "POST", "/v1/rating-codes"): Call(json={"unit_id": "kt"}),
    ("assessment", "GET", "/v1/feedback/held"): Call(query={"period": MONTH}),
    ("assessment", "POST", "/v1/feedback/held/release"): Call(
        json={"period": MONTH, "unit_id": "kt", **REASON}
    ),
    ("assessment", "POST", "/v1/task-results"): Call(
        json={"person_id": "p999", "period": "2020-01", "points": 50, "note": "Kiểm tra"}
    ),
    ("assessment", "GET", "/v1/task-results/{person_id}/{period}"): Call(
        {"person_id": "p012", "period": MONTH}
    ),
    ("assessment", "POST", "/v1/periods/{period}/close"): Call({"period": "2020-01"}),
    ("assessment", "POST", "/v1/periods/{period}/reopen"): Call({"period": "2020-01"}, json=REASON),
    ("assessment", "GET", "/v1/calendar"): Call(query={"year": YEAR}),
    ("assessment", "PUT", "/v1/calendar/days/{day}"): Call(
        {"day": "2020-01-01"}, json={"working": True, **REASON}
    ),
    ("assessment", "DELETE", "/v1/calendar/days/{day}"): Call({"day": "2020-01-01"}),
    ("assessment", "POST", "/v1/catalog"): Call(query=REASON, json={}),
    ("assessment", "PUT", "/v1/org/chart"): Call(
        query=REASON, content=EMPTY_CHART.encode(), content_type="text/csv"
    ),
    ("assessment", "PUT", "/v1/org/devices/{device_id}"): Call(
        {"device_id": "qr-matrix"},
        query=REASON,
        json={"role": "kiosk", "unit_id": "kt", "label_vi": "QR", "label_en": "QR"},
    ),
    ("assessment", "POST", "/v1/org/devices/{device_id}/credential"): Call(
        {"device_id": "no-such-device"}, query=REASON
    ),
    ("assessment", "GET", "/v1/exports/{what}.{fmt}"): Call(
        {"what": "audits", "fmt": "csv"}, query={"period": MONTH}
    ),
    ("assessment", "POST", "/v1/auth/sign-in"): Call(
        json={"email": "nobody@binhdong.example.vn", "password": "not the password"}
    ),
    ("assessment", "POST", "/v1/auth/refresh"): Call(json={"refresh_token": "x" * 43}),
    ("assessment", "POST", "/v1/auth/sign-out"): Call(json={"refresh_token": "x" * 43}),
    ("assessment", "POST", "/v1/auth/password"): Call(
        json={"secret": "x" * 43, "password": "Một mật khẩu đủ dài 2026"}
    ),
    ("assessment", "POST", "/v1/auth/reset"): Call(json={"email": "nobody@binhdong.example.vn"}),
    ("assessment", "POST", "/v1/auth/invitations"): Call(query=REASON, json={"person_id": "p999"}),
    ("assessment", "POST", "/v1/evidence"): Call(content=b"not a photo", content_type="image/png"),
    ("assessment", "GET", "/v1/evidence/{evidence_id}"): Call({"evidence_id": ANY_ID}),
    ("scoring", "GET", "/v1/units/{unit_id}/scores"): Call(
        {"unit_id": "kt"}, query={"period": YEAR, **WARD}
    ),
    ("scoring", "GET", "/v1/rankings"): Call(query={"period": YEAR, **WARD}),
    ("scoring", "GET", "/v1/wards/rankings"): Call(query={"period": YEAR}),
    ("scoring", "GET", "/v1/people/{person_id}/scores"): Call(
        {"person_id": "p012"}, query={"period": YEAR, **WARD}
    ),
    ("scoring", "GET", "/v1/classification"): Call(query={"period": MONTH, **WARD}),
    ("scoring", "GET", "/v1/exports/{what}.{fmt}"): Call(
        {"what": "units", "fmt": "csv"}, query={"period": YEAR, **WARD}
    ),
    ("scoring", "POST", "/v1/classification/{period}/decisions"): Call(
        {"period": "2020-01"}, json={"excellent": []}
    ),
    ("notifications", "GET", "/v1/links/{token}"): Call({"token": "x" * 20}),
    ("notifications", "POST", "/v1/links/{token}"): Call({"token": "x" * 20}),
    ("notifications", "POST", "/v1/alerts/{alert_id}/ack"): Call({"alert_id": ANY_ID}),
    ("notifications", "POST", "/v1/alerts/{alert_id}/snooze"): Call(
        {"alert_id": ANY_ID}, json={"hours": 1}
    ),
    ("notifications", "GET", "/v1/preferences/{person_id}"): Call({"person_id": "p012"}),
    ("notifications", "PUT", "/v1/preferences/{person_id}"): Call(
        {"person_id": "p012"}, json={"email": True, "digest": False}
    ),
    ("notifications", "POST", "/v1/clock"): Call(json={"advance_seconds": 1}),
}


def allowed(expected: Any, status: int, open_status: int | None) -> bool:
    if status >= 500:
        return False
    if expected == OK:
        return status not in (401, 403)
    if expected == OPEN:
        return status == open_status
    return bool(status == expected)


class Sweep:
    def __init__(self, ward_stack: WardStack, http: httpx.AsyncClient) -> None:
        self.stack = ward_stack
        self.http = http
        self.faults: list[str] = []

    async def send(self, endpoint: tuple[str, str, str], token: str | None) -> httpx.Response:
        service, method, template = endpoint
        call = CALLS.get(endpoint, Call())
        path = template
        for name, value in call.path.items():
            path = path.replace("{" + name + "}", value)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if call.content_type:
            headers["Content-Type"] = call.content_type
        return await self.http.request(
            method,
            self.stack.url(service) + path,
            params=dict(call.query),
            json=call.json if call.content is None else None,
            content=call.content,
            headers=headers,
        )

    def check(
        self,
        endpoint: tuple[str, str, str],
        who: str,
        expected: Any,
        answer: httpx.Response,
        open_status: int | None,
    ) -> None:
        if not allowed(expected, answer.status_code, open_status):
            service, method, path = endpoint
            self.faults.append(
                f"{service} {method} {path} as {who}: expected {expected}, got "
                f"{answer.status_code} {answer.text[:160]}"
            )


async def endpoints(ward_stack: WardStack, http: httpx.AsyncClient) -> set[tuple[str, str, str]]:
    """Every (service, method, path) the three services' OpenAPI documents."""
    found = set()
    for service in ("assessment", "scoring", "notifications"):
        spec = (await http.get(f"{ward_stack.url(service)}/openapi.json")).json()
        for path, operations in spec["paths"].items():
            found |= {(service, method.upper(), path) for method in operations}
    return found


def secured(endpoint: tuple[str, str, str]) -> bool:
    return MATRIX[endpoint] is not OPEN_ROW


async def test_every_role_and_every_token_against_every_endpoint(ward_stack: WardStack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        documented = await endpoints(ward_stack, http)
        assert documented - MATRIX.keys() == set(), "endpoints without a row in MATRIX"
        assert MATRIX.keys() - documented == set(), "rows for endpoints that are gone"
        assert all(set(answers) == set(ROLES) for answers in MATRIX.values())

        revoked = await revoked_tokens(ward_stack, http)
        sweep = Sweep(ward_stack, http)
        tokens = {role: ward_stack.token(**HOLDERS[role]) for role in ROLES}
        refused = {
            "no token": None,
            "expired": forged.expired(),
            "not yet valid": forged.not_yet_valid(),
            "another key": forged.wrong_key(),
            "alg none": forged.alg_none(),
            "HS256 keyed with the public key": forged.hs256_with_public_key(),
            **revoked,
        }
        other_ward = forged.of_another_ward()
        for endpoint in sorted(MATRIX):
            answers = MATRIX[endpoint]
            open_status = None
            if not secured(endpoint):
                open_status = (await sweep.send(endpoint, None)).status_code
            for role in ROLES:
                answer = await sweep.send(endpoint, tokens[role])
                sweep.check(endpoint, role, answers[role], answer, open_status)
            if not secured(endpoint):
                continue
            for what, token in {
                **refused,
                "for the other services": forged.for_other_services(endpoint[0]),
            }.items():
                answer = await sweep.send(endpoint, token)
                sweep.check(endpoint, what, 401, answer, None)
            answer = await sweep.send(endpoint, other_ward)
            if endpoint[1] != "GET":
                sweep.check(endpoint, "a chairman of another ward", 403, answer, None)
            elif answer.status_code < 300 and any(
                mark in answer.text for mark in ("binh-dong", "Phòng Kinh tế", '"p012"', "kiosk-01")
            ):
                sweep.faults.append(f"{endpoint} shows another ward's data: {answer.text[:160]}")
            elif answer.status_code >= 500:
                sweep.faults.append(
                    f"{endpoint} as a chairman of another ward: {answer.status_code}"
                )
        assert sweep.faults == [], "\n".join(sweep.faults)


async def revoked_tokens(ward_stack: WardStack, http: httpx.AsyncClient) -> dict[str, str]:
    """Tokens revoked three ways, each refused by every service once the revocation reached
    it: a signed-out session's access token, a rotated device's old token, and the demo token
    of a person an org chart load removed."""
    assessment = ward_stack.url("assessment")
    admin = {"Authorization": f"Bearer {ward_stack.token(person_id='p006')}"}
    session = await sign_in_through_mail(ward_stack, http, "p021", "Mật khẩu của p021 năm 2026")
    out = await http.post(
        f"{assessment}/v1/auth/sign-out", json={"refresh_token": session["refresh_token"]}
    )
    assert out.status_code == 204
    rotated = ward_stack.token(device_id="qr-vp")
    answer = await http.post(
        f"{assessment}/v1/org/devices/qr-vp/credential", params=REASON, headers=admin
    )
    assert answer.status_code == 200, answer.text
    removed = ward_stack.token(person_id="p038")
    chart = "\n".join(line for line in CHART if not line.startswith("p038,")) + "\n"
    answer = await http.put(
        f"{assessment}/v1/org/chart",
        params=REASON,
        content=chart.encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    tokens = {
        "a signed-out session": session["access_token"],
        "a rotated device's old token": rotated,
        "a person removed from the org chart": removed,
    }
    for service, path in (
        ("scoring", f"/v1/rankings?period={YEAR}"),
        ("notifications", "/v1/alerts"),
    ):
        for token in (tokens["a signed-out session"], removed):

            async def refused(service: str = service, path: str = path, token: str = token) -> bool:
                answer = await http.get(
                    ward_stack.url(service) + path, headers={"Authorization": f"Bearer {token}"}
                )
                return answer.status_code == 401

            await eventually(refused, within=15)
    return tokens
