"""What the ASGI middlewares every service's app wears (``http.create_http_app``) share."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass
class HttpMiddleware:
    """A middleware of HTTP requests alone: :meth:`http` handles each request; any other scope
    (the app's lifespan, a websocket) goes straight on to ``app``."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
