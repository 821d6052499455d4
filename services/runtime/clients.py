"""The address of the client a request comes from, as this service can know it: the peer's
address, or, when the peer is one of the deployment's reverse proxies
(``WARD5S_TRUSTED_PROXIES``, networks in CIDR notation), the nearest address before the proxies
in ``X-Forwarded-For``. A header from anyone else is ignored (a client could write any address
there).

An ASGI middleware every service's app wears (``http.create_http_app``) keeps it for the
request in :data:`CLIENT_ADDRESS`, where a handler that limits per client reads it with
:func:`client_address` (assessment's ratings). The NATS intake has no client address (None).
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

from services.runtime.asgi import HttpMiddleware
from services.runtime.settings import Network

#: The current request's client address; None outside an HTTP request.
CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("client_address", default=None)


def client_address() -> str | None:
    """The address of the client of the request being handled, or None (the NATS intake)."""
    return CLIENT_ADDRESS.get()


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def address_of(peer: str | None, forwarded: str | None, proxies: tuple[Network, ...]) -> str | None:
    """The client's address from the peer's and ``X-Forwarded-For``: walking back from the
    peer through trusted proxies, the first address that is not one; None when there is none
    (a proxy that forwarded no client: its own address is every client's, not one)."""
    address = peer
    hops = [hop.strip() for hop in (forwarded or "").split(",") if hop.strip()]
    while address is not None and _trusted(address, proxies):
        address = hops.pop() if hops else None
    return address


@dataclass
class ClientAddress(HttpMiddleware):
    """Keeps the request's client address in :data:`CLIENT_ADDRESS` for its handlers."""

    proxies: tuple[Network, ...] = ()

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        client: Any = scope.get("client")
        forwarded = next(
            (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"),
            None,
        )
        token = CLIENT_ADDRESS.set(
            address_of(client[0] if client else None, forwarded, self.proxies)
        )
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)
