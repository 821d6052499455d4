"""A JetStream object store bucket (``contracts.streams.BucketSpec``) as a service uses it: keep
bytes under a name, read them back, and find them changed. The buckets are made with the
streams (``broker.ensure_buckets``); each service's NATS user may touch only its own
(``infra/nats/accounts.conf``). A failure of the bus is :class:`StoreUnavailable` (the caller
refuses with 503 or retries later), never a bare NATS error."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import ObjectNotFoundError

log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The bucket could not be reached (NATS down, a timeout, a refused permission)."""


class DigestMismatch(Exception):
    """An object's bytes are not those its digest names (changed or damaged in the bucket)."""


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, lowercase hex (64 characters)."""
    return hashlib.sha256(data).hexdigest()


class Bucket:
    """One bucket, reached through the service's JetStream context (``jetstream()``, asked at
    each use: the bus connects after the app is built)."""

    def __init__(self, jetstream: Callable[[], JetStreamContext], name: str):
        self._jetstream = jetstream
        self.name = name

    async def put(self, key: str, data: bytes) -> None:
        """Keep ``data`` as the object ``key`` (replacing one of that name). Errors:
        :class:`StoreUnavailable`."""
        try:
            store = await self._jetstream().object_store(self.name)
            await store.put(key, data)
        except (NatsError, TimeoutError, OSError) as error:
            log.warning("object not stored in %s: %s", self.name, type(error).__name__)
            raise StoreUnavailable(type(error).__name__) from None

    async def get(self, key: str) -> bytes | None:
        """The bytes of the object ``key``; None if the bucket has none. Errors:
        :class:`StoreUnavailable`."""
        try:
            store = await self._jetstream().object_store(self.name)
            result = await store.get(key)
        except ObjectNotFoundError:
            return None
        except (NatsError, TimeoutError, OSError) as error:
            log.warning("object not read from %s: %s", self.name, type(error).__name__)
            raise StoreUnavailable(type(error).__name__) from None
        return bytes(result.data or b"")

    async def get_checked(self, key: str, digest: str) -> bytes:
        """The bytes of ``key``, which must hash to ``digest`` (SHA-256, hex). Errors:
        :class:`DigestMismatch` when they do not or the object is gone (fail closed: nothing
        unverified is used); :class:`StoreUnavailable`."""
        data = await self.get(key)
        if data is None or sha256(data) != digest:
            raise DigestMismatch(f"{self.name}/{key}")
        return data
