"""The client's address as a service knows it (``services.runtime.clients``): the peer's, or
the address a trusted reverse proxy forwards; a forwarded address from anyone else is ignored,
so a client cannot choose the address its ratings are counted under."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from services.runtime.auth import TokenVerifier
from services.runtime.clients import address_of, client_address
from services.runtime.http import create_http_app
from services.runtime.settings import networks
from services.runtime.token_keys import JwksFile
from tests.support.keys import session_keys

PROXIES = networks("10.0.0.0/8, 172.18.0.2")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not a proxy: its header is ignored
        ("172.18.0.2", "198.51.100.1", "198.51.100.1"),
        ("172.18.0.2", "1.2.3.4, 198.51.100.1, 10.1.1.1", "198.51.100.1"),  # nearest untrusted
        ("10.2.3.4", None, None),  # a proxy that names no client: unknown, not the proxy
        ("172.18.0.2", "10.1.1.1", None),
        (None, "198.51.100.1", None),
    ],
)
def test_the_client_is_the_nearest_address_before_the_trusted_proxies(
    peer: str | None, forwarded: str | None, client: str | None
) -> None:
    assert address_of(peer, forwarded, PROXIES) == client


async def test_every_app_keeps_the_requests_client_address_for_its_handlers() -> None:
    verifier = TokenVerifier("test", JwksFile(session_keys().jwks_file))
    app: FastAPI = create_http_app(
        "test",
        title="t",
        description="d",
        token_verifier=verifier,
        readiness=[],
        trusted_proxies="127.0.0.0/8",
    )

    @app.get("/whoami")
    async def whoami() -> dict[str, str | None]:
        return {"client": client_address()}

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        forwarded = await http.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
        unnamed = await http.get("/whoami")
    assert forwarded.json() == {"client": "203.0.113.9"}
    assert unnamed.json() == {"client": None}
    assert client_address() is None  # outside a request
