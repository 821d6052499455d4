"""The webhook channel: a signed JSON post to the address a person chose, which cannot be turned
against the ward's own network nor hold up anyone else's message.

- **Where it may go.** An address is resolved (DNS) and every address it resolves to must be a
  public one: loopback, private, link-local (the cloud metadata address 169.254.169.254 among
  them), shared, reserved and multicast addresses are refused unless the operator allow-lists
  their network (``WARD5S_NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS``). It is checked when a person
  saves the address and again at each send, after resolution, and the request then goes to the
  very address checked (the name kept for ``Host`` and TLS), so a name that resolves elsewhere
  the second time (DNS rebinding) reaches nothing it was not allowed to. No proxy from the
  environment, no redirect followed.
- **How long it may take.** One deadline for the whole exchange (connect, send, answer), not a
  timeout per read: a receiver that answers one byte every few seconds is cut off at the
  deadline. At most ``max_answer_bytes`` of the answer are read; the rest is never fetched.
- **How it is signed** (Standard Webhooks, https://www.standardwebhooks.com): each receiver has
  a secret of its own (``whsec_`` + base64 of 32 random bytes); the headers ``webhook-id`` (the
  message's id, the same on every retry), ``webhook-timestamp`` (Unix seconds) and
  ``webhook-signature`` (``v1,`` + base64 of HMAC-SHA256 over ``id.timestamp.body``) let the
  receiver check the sender and refuse a replay (an old timestamp, an id seen before).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx

from services.notifications.adapters.channels import Refused, Unavailable
from services.runtime.settings import Network

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SECRET_PREFIX = "whsec_"


class AddressRefused(Refused):
    """The address is not one a webhook may reach (not public, and not allow-listed)."""


class AddressUnknown(Unavailable):
    """The address's name does not resolve now (it may later)."""


@dataclass(frozen=True)
class Target:
    """Where a webhook goes: the URL as given and the address it was resolved to and checked."""

    url: httpx.URL
    address: IPAddress

    @property
    def pinned(self) -> httpx.URL:
        """The URL with its host replaced by the checked address."""
        return self.url.copy_with(host=str(self.address))


@dataclass(frozen=True)
class AddressGuard:
    """Decides which addresses a webhook may reach: public ones, and the operator's
    allow-listed networks."""

    allowed: tuple[Network, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        """Whether ``address`` may be reached: allow-listed, or public (``is_global``: not
        loopback, private, link-local, shared, reserved, documentation or multicast). An IPv4
        address written as IPv6 (``::ffff:127.0.0.1``) is judged as the IPv4 address."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    async def resolve(self, url: str) -> Target:
        """The checked target of ``url``: an ``http``/``https`` URL with a host whose every
        address is permitted. Raises :class:`AddressRefused` (a bad URL, or an address not
        permitted) or :class:`AddressUnknown` (the name does not resolve now)."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise AddressRefused("not a URL") from error
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise AddressRefused("only http and https URLs with a host")
        addresses = await _addresses(parsed.host, parsed.port or _PORTS[parsed.scheme])
        refused = [str(a) for a in addresses if not self.permits(a)]
        if refused:
            raise AddressRefused(f"address not permitted ({', '.join(refused)})")
        return Target(parsed, addresses[0])


_PORTS = {"http": 80, "https": 443}


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise AddressUnknown("name does not resolve") from error
    # A scope id (fe80::1%eth0) is not part of the address to judge.
    unique = dict.fromkeys(str(info[4][0]).split("%")[0] for info in found)
    if not unique:
        raise AddressUnknown("name does not resolve")
    return [ipaddress.ip_address(a) for a in unique]


def new_secret() -> str:
    """A receiver's signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature of one message: ``v1,`` and the base64 HMAC-SHA256, with
    the secret's decoded bytes, of ``{message_id}.{timestamp}.{body}``."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of a signed post (Standard Webhooks)."""
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


class Webhook:
    """Posts signed JSON to a checked address within one deadline, reading a bounded answer.

    ``deadline_s`` covers the whole exchange; ``max_answer_bytes`` is how much of the answer is
    read at most. A 2xx answer is a delivery; 408, 429, a 5xx, the deadline or a network error
    raise :class:`Unavailable` (retried later); any other answer (a 3xx: redirects are not
    followed; a 4xx) and an address not permitted raise :class:`Refused`."""

    def __init__(
        self, guard: AddressGuard, deadline_s: float = 10.0, max_answer_bytes: int = 4096
    ) -> None:
        self.guard = guard
        self.deadline_s = deadline_s
        self.max_answer_bytes = max_answer_bytes

    async def post(
        self, url: str, secret: str, message_id: str, timestamp: int, body: bytes
    ) -> None:
        try:
            async with asyncio.timeout(self.deadline_s):
                target = await self.guard.resolve(url)
                headers = signed_headers(secret, message_id, timestamp, body)
                status = await self._exchange(target, headers, body)
        except TimeoutError:
            raise Unavailable(f"no answer within {self.deadline_s:g} s") from None
        except httpx.HTTPError as error:
            raise Unavailable(type(error).__name__) from error
        if status in (408, 429) or status >= 500:
            raise Unavailable(f"HTTP {status}")
        if not 200 <= status < 300:
            raise Refused(f"HTTP {status}")

    async def _exchange(self, target: Target, headers: dict[str, str], body: bytes) -> int:
        """Send to the checked address and read at most ``max_answer_bytes`` of the answer; its
        status."""
        host = target.url.host
        headers = {**headers, "Host": target.url.netloc.decode("ascii")}
        async with httpx.AsyncClient(
            timeout=self.deadline_s, trust_env=False, follow_redirects=False
        ) as client:
            request = client.build_request(
                "POST",
                target.pinned,
                content=body,
                headers=headers,
                extensions={"sni_hostname": host},
            )
            answer = await client.send(request, stream=True)
            try:
                await _read_at_most(answer.aiter_raw(), self.max_answer_bytes)
            finally:
                await answer.aclose()
            return answer.status_code


async def _read_at_most(chunks: AsyncIterator[bytes], limit: int) -> int:
    """Read chunks until ``limit`` bytes have come (or the answer ends); how many were read."""
    read = 0
    async for chunk in chunks:
        read += len(chunk)
        if read >= limit:
            break
    return read
