"""Production fails closed on the HTTP side every service shares (issue 17, item 7): no
``/docs`` (Swagger's scripts come from a CDN, blank on a ward's intranet), no open ``/metrics``
(refused without a configured token), and the metrics token compared in constant time."""

from __future__ import annotations

import hmac
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.runtime.auth import TokenVerifier
from services.runtime.http import create_http_app
from services.runtime.token_keys import JwksFile
from tests.support.keys import session_keys

TOKEN = "a-metrics-token-of-the-ward-32-bytes"


def app(production: bool, metrics_token: str | None = None) -> FastAPI:
    verifier = TokenVerifier("test", JwksFile(session_keys().jwks_file))
    return create_http_app(
        "test",
        title="t",
        description="d",
        token_verifier=verifier,
        readiness=[],
        metrics_token=metrics_token,
        production=production,
    )


async def get(application: FastAPI, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers=headers)


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_production_serves_no_api_pages(path: str) -> None:
    assert (await get(app(production=True, metrics_token=TOKEN), path)).status_code == 404
    assert (await get(app(production=False), path)).status_code == 200


async def test_production_metrics_are_never_open() -> None:
    closed = app(production=True)
    assert (await get(closed, "/metrics")).status_code == 401
    assert (await get(closed, "/metrics", authorization="Bearer ")).status_code == 401
    assert (await get(closed, "/metrics", authorization="Bearer None")).status_code == 401
    guarded = app(production=True, metrics_token=TOKEN)
    assert (await get(guarded, "/metrics", authorization=f"Bearer {TOKEN}x")).status_code == 401
    answer = await get(guarded, "/metrics", authorization=f"Bearer {TOKEN}")
    assert answer.status_code == 200 and "python_info" in answer.text
    assert (await get(app(production=False), "/metrics")).status_code == 200  # a demo stack


async def test_the_metrics_token_is_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared: list[tuple[Any, Any]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    guarded = app(production=False, metrics_token=TOKEN)
    assert (await get(guarded, "/metrics", authorization="Bearer wrong")).status_code == 401
    assert compared == [(b"Bearer wrong", f"Bearer {TOKEN}".encode())]
