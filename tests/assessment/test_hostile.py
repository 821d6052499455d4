"""Malformed and hostile bodies thrown at every POST endpoint and every intake subject: never a
5xx, never anything stored. Real NATS, real PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import intake as schemas
from contracts.subjects import intake_subject
from tests.assessment.conftest import (
    ADMIN,
    AUDITOR_KT,
    HEAD_KT,
    HR,
    KIOSK,
    STAFF_KT,
    this_month,
)

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "'; DROP TABLE audits; --",
        "\x00",
        "\ud7ff\ufeff",
        "Rất không hài lòng" * 300,
        "../../etc/passwd",
        "{{7*7}}",
        "2026-13",
        "9999-12",
        "1e309",
        "NaN",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | NASTY_TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def fields_of(model: type) -> list[str]:
    return [*model.model_fields, "code", "score", "extra"]


def hostile_object(model: type) -> st.SearchStrategy[object]:
    """Objects with the model's own field names (and some more) holding anything at all."""
    return st.dictionaries(st.sampled_from(fields_of(model)), JSON, max_size=6)


def hostile_body(model: type) -> st.SearchStrategy[object]:
    items = st.lists(hostile_object(schemas.AuditItemIn), max_size=3)
    with_items = st.fixed_dictionaries({"items": items}, optional={"reason": JSON, "period": JSON})
    return hostile_object(model) | with_items | JSON


ENDPOINTS = [
    ("/v1/audits", schemas.AuditIn, AUDITOR_KT),
    (f"/v1/audits/{uuid.uuid4()}/amend", schemas.AuditAmendIn, AUDITOR_KT),
    (f"/v1/audits/{uuid.uuid4()}/withdraw", schemas.ReasonIn, AUDITOR_KT),
    (f"/v1/corrective-actions/{uuid.uuid4()}/close", schemas.ActionCloseIn, HEAD_KT),
    (f"/v1/corrective-actions/{uuid.uuid4()}/reopen", schemas.ActionReopenIn, AUDITOR_KT),
    ("/v1/self-assessments", schemas.SelfAssessmentIn, STAFF_KT),
    (f"/v1/self-assessments/{uuid.uuid4()}/review", schemas.ReviewIn, HEAD_KT),
    ("/v1/feedback", schemas.FeedbackIn, KIOSK),
    ("/v1/task-results", schemas.TaskResultIn, HR),
    (f"/v1/periods/{this_month()}/close", schemas.ReasonIn, ADMIN),
    (f"/v1/periods/{this_month()}/reopen", schemas.ReasonIn, ADMIN),
    ("/v1/catalog", schemas.ReasonIn, ADMIN),
]
KEYS = st.none() | st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=0, max_size=260
)
HOSTILE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize(("path", "model", "headers"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
@HOSTILE
@given(body=st.data(), key=KEYS)
async def test_hostile_json_bodies(service, path, model, headers, body, key) -> None:
    payload = body.draw(hostile_body(model))
    before = await service.stored()
    extra = {"Idempotency-Key": key} if key is not None else {}
    answer = await service.http.post(path, json=payload, headers={**headers, **extra})
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert set(answer.json()["error"]) == {"code", "message", "field"}
    assert await service.stored() == before


@pytest.mark.parametrize(
    ("path", "model", "headers"), ENDPOINTS[:3], ids=[e[0] for e in ENDPOINTS[:3]]
)
@HOSTILE
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
async def test_hostile_raw_bodies(service, path, model, headers, raw) -> None:
    before = await service.stored()
    answer = await service.http.post(
        path, content=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert await service.stored() == before


@HOSTILE
@given(
    kind=st.sampled_from(sorted(schemas.INTAKE_KINDS.values())),
    raw=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()),
)
async def test_hostile_intake_messages(service, kind, raw) -> None:
    before = await service.stored()
    headers = {"Authorization": ADMIN["Authorization"], "Nats-Msg-Id": str(uuid.uuid4())}
    reply = await service.nc.request(intake_subject("binh-dong", kind), raw, 5, headers=headers)
    answer = json.loads(reply.data)
    assert 400 <= answer["status"] < 500, answer
    assert await service.stored() == before
