"""Typed refusals: one table from kinds to HTTP statuses, texts registered explicitly, and the
older ``ApiError`` still answered the same way."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.runtime.auth import TokenVerifier
from services.runtime.errors import ApiError
from services.runtime.http import create_http_app
from services.runtime.refusals import (
    HTTP_STATUS,
    KIND_OF_STATUS,
    Kind,
    Refusal,
    message,
    read_messages,
    register_messages,
)
from services.runtime.token_keys import JwksFile
from tests.support.keys import session_keys


def test_every_kind_has_one_status_and_back() -> None:
    assert set(HTTP_STATUS) == set(Kind)
    assert len(set(HTTP_STATUS.values())) == len(Kind)
    assert {kind: KIND_OF_STATUS[status] for kind, status in HTTP_STATUS.items()} == {
        kind: kind for kind in Kind
    }
    assert Refusal(Kind.CONFLICT, "period_closed").status == 409
    assert Refusal(Kind.INVALID, "bad").status == 422


def test_api_error_is_a_refusal_of_its_status_kind() -> None:
    refused = ApiError(429, "rate_limited")
    assert isinstance(refused, Refusal)
    assert (refused.kind, refused.status, refused.code) == (Kind.RATE_LIMITED, 429, "rate_limited")
    with pytest.raises(KeyError):
        ApiError(418, "teapot")


def test_texts_are_registered_explicitly_and_fill_their_params() -> None:
    assert message("test_refusal_never_registered", "en") == "The value is not valid."
    register_messages({"test_refusal_day_off": ("Ngày {day} là ngày nghỉ.", "{day} is a day off.")})
    refused = Refusal(Kind.INVALID, "test_refusal_day_off", "day", day="30/04/2026")
    assert refused.body("vi") == {
        "error": {
            "code": "test_refusal_day_off",
            "message": "Ngày 30/04/2026 là ngày nghỉ.",
            "field": "day",
        }
    }
    assert refused.body("en")["error"]["message"] == "30/04/2026 is a day off."


async def test_the_http_edge_answers_refusals_by_the_one_table() -> None:
    verifier = TokenVerifier("test", JwksFile(session_keys().jwks_file))
    app: FastAPI = create_http_app(
        "test", title="t", description="d", token_verifier=verifier, readiness=[]
    )

    @app.get("/refuse/{kind}")
    async def refuse(kind: str) -> None:
        raise Refusal(Kind(kind), "conflict", "thing")

    @app.get("/legacy")
    async def legacy() -> None:
        raise ApiError(409, "conflict", "thing")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answers = {
            kind: await client.get(f"/refuse/{kind.value}", headers={"Accept-Language": "en"})
            for kind in HTTP_STATUS
        }
        legacy_answer = await client.get("/legacy")
    for kind, status in HTTP_STATUS.items():
        answer = answers[kind]
        assert answer.status_code == status
        assert answer.json() == {
            "error": {
                "code": "conflict",
                "message": "This conflicts with existing data.",
                "field": "thing",
            }
        }
    assert legacy_answer.status_code == 409
    assert legacy_answer.json()["error"]["message"] == "Xung đột với dữ liệu hiện có."


def test_texts_are_read_from_a_yaml_file_and_refused_without_both_languages(
    tmp_path: Path,
) -> None:
    texts = tmp_path / "texts.yaml"
    texts.write_text(
        'period_closed:\n  vi: "Kỳ {period} đã khóa sổ."\n  en: "Period {period} is closed."\n',
        encoding="utf-8",
    )
    assert read_messages(texts) == {
        "period_closed": ("Kỳ {period} đã khóa sổ.", "Period {period} is closed.")
    }
    texts.write_text('period_closed:\n  vi: "Kỳ {period} đã khóa sổ."\n', encoding="utf-8")
    with pytest.raises(ValueError, match="period_closed"):
        read_messages(texts)
