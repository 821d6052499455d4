"""The services' HTTP APIs as the web front-end calls them: sign-in, refresh and sign-out on
assessment, JSON reads on a person's behalf, and the gateway's pass-through of any request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from services.runtime.refusals import Kind, Refusal

#: Request headers the gateway passes on (others, cookies first, stay here).
FORWARDED_REQUEST = ("content-type", "accept", "idempotency-key", "authorization")
#: Answer headers passed back to the browser.
FORWARDED_ANSWER = ("content-type", "content-disposition", "retry-after", "location")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return httpx.Response(self.status, content=self.body).json()


#: The connections to the services, all kept alive between pages.
KEPT_CONNECTIONS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


class Upstream:
    """One HTTP client for the services (``bases``: name -> base URL)."""

    def __init__(self, bases: Mapping[str, str], timeout_s: float) -> None:
        self.bases = dict(bases)
        # A page sends its reads together (the board nearly forty): every connection is kept
        # for the next page, where httpx's default kept 20 and opened the rest anew each time.
        self.client = httpx.AsyncClient(timeout=timeout_s, limits=KEPT_CONNECTIONS)

    async def close(self) -> None:
        await self.client.aclose()

    def url(self, service: str, path: str) -> str:
        if service not in self.bases:
            raise Refusal(Kind.NOT_FOUND, "unknown_service", "service", service=service)
        return f"{self.bases[service]}/{path.lstrip('/')}"

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        lang: str = "vi",
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        json: Any = None,
        content: bytes | None = None,
        client: str | None = None,
    ) -> Answer:
        """One request to ``service``; the answer as it came. ``client``: the address of the
        browser this request is made for, sent as ``X-Forwarded-For`` (the service believes it
        only from its trusted proxies, ``WARD5S_TRUSTED_PROXIES``: a QR page's ratings are
        limited per citizen's address, not per web service). 503 ``upstream_unavailable``
        when the service cannot be reached or takes too long."""
        sent = {key: value for key, value in (headers or {}).items()}
        sent["accept-language"] = lang
        if token:
            sent["authorization"] = f"Bearer {token}"
        if client:
            sent["x-forwarded-for"] = client
        try:
            reply = await self.client.request(
                method,
                self.url(service, path),
                headers=sent,
                params=params,
                json=json,
                content=content,
            )
        except httpx.HTTPError as error:
            raise Refusal(
                Kind.UNAVAILABLE, "upstream_unavailable", None, service=service
            ) from error
        kept = {k: v for k, v in reply.headers.items() if k.lower() in FORWARDED_ANSWER}
        return Answer(reply.status_code, reply.content, kept)

    async def read(self, service: str, path: str, token: str, lang: str, **params: Any) -> Any:
        """A JSON read on the caller's behalf; a refusal of the service is raised as the same
        refusal here (its code and status), so a page says what the service said."""
        answer = await self.call(service, "GET", path, token=token, lang=lang, params=params)
        if answer.status >= 400:
            raise refusal_of(answer)
        return answer.json()


class UpstreamRefusal(Refusal):
    """A service's refusal carried through as it was worded (its own message and field)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        error = body.get("error") or {}
        super().__init__(Kind.INVALID, str(error.get("code") or "invalid"), error.get("field"))
        self.upstream_status = status
        self.message = str(error.get("message") or "")

    @property
    def status(self) -> int:
        return self.upstream_status


def refusal_of(answer: Answer) -> UpstreamRefusal:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    return UpstreamRefusal(answer.status, body if isinstance(body, dict) else {})
