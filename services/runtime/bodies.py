"""A bound on every request body, however it arrives (an ASGI middleware every service's app
wears, ``http.create_http_app``).

The bound is checked on the bytes as they come in, not on the ``Content-Length`` header alone:
a body sent chunked (no length) is counted as it streams, and refused (413 ``too_large``) as
soon as it passes the route's limit, before anything, authentication included, has read it
all. So an unauthenticated client cannot make a process hold a body larger than the limit.
A declared ``Content-Length`` over the limit is refused before a byte is read.

Every route has :data:`MAX_BODY_BYTES` unless it is given a limit of its own, by path, in
``app.state.body_limits`` (an upload, e.g. assessment's ``POST /v1/evidence``, 10 MB). Such a
route reads its body with that cap itself, so it answers its own refusal (naming its field): it
is handed the chunk that passes the limit, and cut off if it asks for more.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from services.runtime.asgi import HttpMiddleware
from services.runtime.errors import error_body, pick_language

#: The largest body a route takes unless it has a limit of its own (1 MiB).
MAX_BODY_BYTES = 1_048_576


class BodyTooLarge(Exception):
    """The body went past its limit while it was being read."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


@dataclass
class BodyLimit(HttpMiddleware):
    """Refuses (413) a body over its route's limit: ``limits`` maps a path to its own limit
    (read at each request, so routes may be given one after the app is built); others have
    ``default``."""

    limits: Mapping[str, int]
    default: int = MAX_BODY_BYTES

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        own = path in self.limits
        limit = self.limits.get(path, self.default)
        declared = _header(scope, b"content-length") or ""
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        state = {"read": 0, "over": False, "answered": False}

        async def counted() -> Message:
            if state["read"] > limit:  # a route with its own limit asking past it
                state["over"] = True
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit and not own:
                    state["over"] = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["over"] and not state["answered"]:
                return  # the app's answer to a body cut short: ours is the 413
            state["answered"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except* BodyTooLarge:  # from a route reading the stream itself (maybe in a task group)
            pass
        if state["over"] and not state["answered"]:
            await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    """Answer 413 ``too_large`` in the caller's language and close the connection (the rest of
    the body is never read)."""
    lang = pick_language(_header(scope, b"accept-language"))
    body = json.dumps(error_body("too_large", None, lang, limit=limit)).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": 413, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
