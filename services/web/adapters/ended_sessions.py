"""Sessions signed out, kept where every web instance sees them: a JetStream key-value bucket
(``web_ended_sessions``; nothing new to run). A browser's session lives in its sealed cookie, so
signing out cannot take the cookie back from a copy of it; instead the session's id (``sid`` in
the cookie) is listed here and a cookie naming a listed id is no session, whatever it holds (a
person's, a demo person's or a device's token). Entries expire when no cookie naming them can
still be valid (the bucket's TTL: the longest a session lasts without a visit, plus a margin)."""

from __future__ import annotations

from collections.abc import Callable

from faststream.exceptions import IncorrectState
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from services.runtime.refusals import Kind, Refusal

BUCKET = "web_ended_sessions"
#: Kept this much longer than a session can last, for clocks and a request in flight.
MARGIN_S = 3600.0


class EndedSessions:
    """``jetstream``: the bus's JetStream context (the web's runtime connects it at start);
    ``session_s``: the longest a session lasts without a visit (seconds)."""

    def __init__(self, jetstream: Callable[[], JetStreamContext], session_s: float) -> None:
        self._jetstream = jetstream
        self._ttl = session_s + MARGIN_S
        self._bucket: KeyValue | None = None

    async def ensure(self) -> KeyValue:
        """The bucket, made on first use when missing (file storage, one entry per id)."""
        if self._bucket is None:
            js = self._jetstream()
            try:
                self._bucket = await js.key_value(BUCKET)
            except BucketNotFoundError:
                config = KeyValueConfig(
                    bucket=BUCKET,
                    description="web sessions signed out, until their cookies expire",
                    ttl=self._ttl,
                    storage=StorageType.FILE,
                )
                self._bucket = await js.create_key_value(config)
        return self._bucket

    async def end(self, sid: str) -> None:
        """List the session ``sid`` as ended (every instance refuses its cookie from now on)."""
        await (await self.ensure()).put(sid, b"1")

    async def ended(self, sid: str) -> bool:
        """Whether the session ``sid`` was signed out. 503 ``sessions_unavailable`` when the
        bus cannot say: a session is not taken as live when this cannot be known (fail
        closed)."""
        try:
            await (await self.ensure()).get(sid)
        except KeyNotFoundError:
            return False
        except (NatsError, IncorrectState, TimeoutError) as error:
            raise Refusal(Kind.UNAVAILABLE, "sessions_unavailable") from error
        return True
