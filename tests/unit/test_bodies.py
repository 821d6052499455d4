"""The body limit every service's app wears (``services.runtime.bodies``): counted as the bytes
arrive, chunked or not, before authentication reads them; a route may be given its own limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request

from services.runtime.auth import TokenVerifier
from services.runtime.bodies import MAX_BODY_BYTES
from services.runtime.http import Caller, create_http_app
from services.runtime.token_keys import JwksFile
from tests.support.keys import session_keys

UPLOAD_LIMIT = 10 * 1024 * 1024


def app_with_routes() -> tuple[FastAPI, list[int]]:
    verifier = TokenVerifier("test", JwksFile(session_keys().jwks_file))
    app = create_http_app("test", title="t", description="d", token_verifier=verifier, readiness=[])
    app.state.body_limits["/upload"] = UPLOAD_LIMIT
    read: list[int] = []

    @app.post("/things")
    async def things(caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        return body

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            read.append(size)
        return {"size": size}

    return app, read


async def chunks(total: int, size: int = 65536) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


async def post(app: FastAPI, path: str, content: Any, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, content=content, headers=headers)


async def test_a_chunked_body_over_the_limit_is_refused_before_authentication() -> None:
    app, _ = app_with_routes()
    answer = await post(app, "/things", chunks(8 * MAX_BODY_BYTES), **{"Accept-Language": "en"})
    assert answer.status_code == 413  # not 401: the body was cut off before the token was asked
    error = answer.json()["error"]
    assert error["code"] == "too_large" and "1048576" in error["message"]
    assert answer.headers["connection"] == "close"


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    app, _ = app_with_routes()
    answer = await post(app, "/things", b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert answer.status_code == 413
    assert answer.json()["error"]["message"].startswith("Nội dung gửi lên quá lớn")


async def test_a_body_within_the_limit_goes_through() -> None:
    app, _ = app_with_routes()
    answer = await post(app, "/things", b'{"a": 1}', **{"Content-Type": "application/json"})
    assert answer.status_code == 401  # the token is asked for once the body is read


async def test_a_route_with_a_limit_of_its_own_takes_its_size_and_not_more() -> None:
    app, read = app_with_routes()
    answer = await post(app, "/upload", chunks(UPLOAD_LIMIT))
    assert answer.status_code == 200 and answer.json() == {"size": UPLOAD_LIMIT}
    read.clear()
    answer = await post(app, "/upload", chunks(3 * UPLOAD_LIMIT))
    assert answer.status_code == 413
    assert str(UPLOAD_LIMIT) in answer.json()["error"]["message"]
    assert max(read) <= UPLOAD_LIMIT + 65536  # handed the chunk that passed it, then cut off
