"""The hot path's decoder (contracts.fast, through services.runtime.poison.screen_fast) against
the pydantic contract it mirrors: on audit events valid and broken in every way a mutation can
break them, it takes exactly what the contract takes, with the same values, and refuses exactly
what the screen refuses, with the same reason."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import fast
from contracts.catalog import default_catalog
from contracts.events import parse_event
from contracts.subjects import event_subject
from services.runtime.poison import Poison, screen, screen_fast
from tests.support.examples import examples

ITEMS = list(default_catalog().audit_items.values())
TYPES = ("assessment.audit.submitted", "assessment.audit.amended", "assessment.audit.withdrawn")
#: The fields filled by a default factory when absent: each decoding draws its own.
DRAWN = ("event_id", "recorded_at", "correlation_id")

# Values a mutation puts in a field: the right type and the wrong, at and beyond every bound,
# and the strings a pattern or a date format might let through by mistake.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 2, 4, 5, 10, 11, 2**63]),
    st.sampled_from([0.0, 0.5, 1.0, 3.0, 4.0, 9.99, 10.0, 10.5, -1.0, 1e309]),
    st.sampled_from(
        [
            "",
            "3",
            "S1",
            "S6",
            "P",
            "x",
            "unit-01\n",
            "unit 01",
            "Unit_01.b",
            "phuong-1",
            "Phuong-1",
            "-phuong",
            "2026-01",
            "2026-13",
            "2026-1",
            "٢٠٢٦-01",
            "2026-01\n",
            "2026-01-15T02:00:00+00:00",
            "2026-01-15T02:00:00",
            "2026-01-15T02:00:00Z",
            "2026-01-15t02:00:00z",
            "2026-01-15 02:00:00+07:00",
            "2026-01-15",
            "1700000000",
            "person",
            "robot",
            str(uuid.UUID(int=7)),
            uuid.UUID(int=7).hex,
            "{" + str(uuid.UUID(int=7)) + "}",
            "urn:uuid:" + str(uuid.UUID(int=7)),
            "n" * 2001,
            "e\u0301",
        ]
    ),
    st.text(max_size=8),
    st.lists(st.integers(0, 4), max_size=2),
    st.dictionaries(st.sampled_from(["code", "x"]), st.integers(0, 4), max_size=2),
)


@st.composite
def states(draw: Any) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=4, unique_by=id))
    return {
        "revision": draw(st.integers(1, 3)),
        "period": draw(st.sampled_from(["2025-12", "2026-01", "2026-10"])),
        "performed_at": "2026-01-15T02:00:00+07:00",
        "catalog_version": "2026.1",
        "items": [
            {
                "code": item.code,
                "pillar": item.code.split(".")[0],
                "weight": draw(st.sampled_from([item.weight, 1, 2.5, 10])),
                "score": draw(st.one_of(st.none(), st.integers(0, 4))),
                **draw(st.sampled_from([{}, {"note": "ghi chú"}, {"evidence": ["a.jpg"]}])),
            }
            for item in chosen
        ],
    }


@st.composite
def audit_events(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    state = draw(states())
    ids = {"audit_id": str(uuid.uuid4()), "unit_id": draw(st.sampled_from(["kt", "unit-01"]))}
    if kind == "assessment.audit.withdrawn":
        data = {**ids, "revision": 2, "reason": "sai", "replaces": state}
    else:
        data = {**state, **ids, "auditor_id": "p007"}
        if kind == "assessment.audit.amended":
            data |= {"reason": "sửa", "replaces": draw(states())}
    event = {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "schema_version": 1,
        "ward": "binh-dong",
        "occurred_at": "2026-01-15T02:00:00+00:00",
        "recorded_at": "2026-01-15T02:00:01+00:00",
        "actor": {"kind": "person", "id": "p007"},
        "correlation_id": str(uuid.uuid4()),
        "data": data,
    }
    return draw(mutated(event))


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


@st.composite
def mutated(draw: Any, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` as it is (a third of the time) or with one field replaced, removed, or one
    unknown field added."""
    how = draw(st.sampled_from(["none", "replace", "replace", "remove", "add"]))
    if how == "none":
        return event
    path = draw(st.sampled_from(_paths(event)[1:]))
    *parents, last = path
    holder: Any = event
    for step in parents:
        holder = holder[step]
    if how == "replace":
        holder[last] = draw(ODD_VALUES)
    elif how == "remove" and isinstance(holder, dict):
        del holder[last]
    elif how == "add" and isinstance(holder, dict):
        holder["unexpected"] = draw(ODD_VALUES)
    return event


def normal(value: Any) -> Any:
    """A decoded event as plain values (lists for tuples), to compare the two decoders."""
    if isinstance(value, msgspec.Struct):
        value = msgspec.to_builtins(value, builtin_types=(uuid.UUID, datetime))
    elif hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normal(v) for v in value]
    return value


def outcome(decode: Any, subject: str, data: bytes, given: dict[str, Any]) -> Any:
    try:
        decoded = normal(decode(subject, data))
    except Poison as refused:
        return ("refused", refused.reason)
    for name in DRAWN:
        if name not in given:
            decoded.pop(name)
    return ("taken", decoded)


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=audit_events(), own_subject=st.booleans())
def test_the_fast_screen_takes_and_refuses_what_the_contract_does(
    event: dict[str, Any], own_subject: bool
) -> None:
    data = json.dumps(event).encode()
    kind = event.get("type") if isinstance(event.get("type"), str) else "x"
    subject = event_subject("binh-dong" if own_subject else "tan-dinh", str(kind))
    assert outcome(screen_fast, subject, data, event) == outcome(screen, subject, data, event)


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=audit_events())
def test_what_the_fast_decoder_takes_the_contract_takes_with_the_same_values(
    event: dict[str, Any],
) -> None:
    data = json.dumps(event).encode()
    decoded = fast.decode(data)
    if decoded is None:
        return
    expected = normal(parse_event(data))  # raises if the contract refuses it
    got = normal(decoded)
    for name in DRAWN:
        if name not in event:
            got.pop(name), expected.pop(name)
    assert got == expected


def test_a_valid_audit_takes_the_fast_path() -> None:
    event = {
        "type": "assessment.audit.submitted",
        "ward": "binh-dong",
        "occurred_at": "2026-01-15T02:00:00+00:00",
        "actor": {"kind": "person", "id": "p007"},
        "data": {
            "revision": 1,
            "period": "2026-01",
            "performed_at": "2026-01-15T02:00:00+07:00",
            "catalog_version": "2026.1",
            "items": [{"code": "S1.01", "pillar": "S1", "score": 3}],
            "audit_id": str(uuid.UUID(int=1)),
            "unit_id": "kt",
            "auditor_id": "p007",
        },
    }
    subject = "ward5s.binh-dong.assessment.audit.submitted"
    taken = screen_fast(subject, json.dumps(event).encode())
    assert isinstance(taken, fast.AuditSubmitted)
    assert taken.subject == subject and taken.data.items[0].weight == 1.0
