"""Typed dispatch: each command or event TYPE (a class, never a string) mapped to its handler.

A :class:`Registry` maps a message class to ``async handler(context, message) -> result``;
``context`` is whatever every handler of that registry receives (a unit of work, a service's
context object). Registration checks with mypy that the handler takes that class::

    COMMANDS: Registry[Context, dict[str, Any]] = Registry("assessment commands")

    @COMMANDS.register(AuditIn, name="audit", roles=AUDITORS, status=201)
    async def submit_audit(context: Context, body: AuditIn) -> dict[str, Any]: ...

    answer = await COMMANDS.dispatch(context, body)  # Unregistered if nobody handles AuditIn

One handler for several types: ``register(A, B)``, the handler taking ``A | B``. A message of
a subclass of a registered type goes to that type's handler; an unregistered one raises
:class:`Unregistered` (or, with :meth:`Registry.dispatch_known`, is skipped: for a consumer
that reads a whole stream and needs only some of it).

Pipeline: every dispatch runs through the registry's steps, outermost first, then the handler.
A step gets the :class:`Entry` (the handler with its ``name`` and ``options``, e.g. roles,
status, rate limit), the context, the message and ``call_next``; this is the one place where
idempotency, authorisation and metrics wrap every person's command::

    async def count(entry, context, message, call_next):
        try:
            return await call_next(context, message)
        finally:
            SUBMISSIONS.labels(entry.name).inc()

    COMMANDS = Registry("assessment commands", pipeline=[authorise, count, idempotent])

:class:`BatchRegistry` is the same table for consumers that apply a batch by kind (scoring):
each handler takes the batch's messages of its types (a ``Sequence``), in stream order, and the
handlers run in registration order. :class:`Table` is the same lookup by type for plain
values (synchronous functions), with no pipeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar, overload

X = TypeVar("X")  # what every handler of a registry receives besides the message
M = TypeVar("M")  # a message type
M2 = TypeVar("M2")
M3 = TypeVar("M3")
R = TypeVar("R")  # what the handlers return
X_contra = TypeVar("X_contra", contravariant=True)
M_contra = TypeVar("M_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)
V = TypeVar("V")  # what a table holds for each type


class Handler(Protocol[X_contra, M_contra, R_co]):
    """``async def handler(context, message) -> result``."""

    def __call__(self, context: X_contra, message: M_contra, /) -> Awaitable[R_co]: ...


class Unregistered(LookupError):
    """No handler is registered for a message's type (nor for any of its base classes)."""

    def __init__(self, registry: str, kind: type, known: Iterable[type]) -> None:
        names = ", ".join(sorted(k.__name__ for k in known)) or "none"
        super().__init__(
            f"{registry}: no handler registered for {kind.__module__}.{kind.__qualname__} "
            f"(registered: {names})"
        )
        self.kind = kind


@dataclass(frozen=True, eq=False)
class Entry(Generic[X, R]):
    """A registered handler: the type it takes, its ``name`` (the type's name unless given; a
    stable label for metrics, subjects and idempotency records) and free ``options`` the
    pipeline's steps read (roles, status, rate limits)."""

    kind: type
    handler: Handler[X, Any, R]
    name: str
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


Next = Callable[[X, Any], Awaitable[R]]


class Step(Protocol[X, R]):
    """A pipeline step: do something around ``call_next(context, message)`` and return its result
    (or raise a refusal instead of calling it)."""

    def __call__(
        self, entry: Entry[X, R], context: X, message: Any, call_next: Next[X, R], /
    ) -> Awaitable[R]: ...


class _ByType(Generic[V]):
    """Type -> value, resolved along the message class's MRO (a subclass gets its nearest
    registered base's) and cached."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[type, V] = {}
        self._resolved: dict[type, V | None] = {}

    def _put(self, kind: type, value: V) -> None:
        """Make ``value`` the one for ``kind``; a type is registered once."""
        if kind in self._entries:
            raise ValueError(f"{self.name}: {kind.__qualname__} is registered twice")
        self._entries[kind] = value
        self._resolved.clear()

    def find(self, kind: type) -> V | None:
        """The value for ``kind`` (or its nearest registered base), or None."""
        try:
            return self._resolved[kind]
        except KeyError:
            found = next((self._entries[k] for k in kind.__mro__ if k in self._entries), None)
            self._resolved[kind] = found
            return found

    def kinds(self) -> list[type]:
        """Every type registered, in registration order."""
        return list(self._entries)

    def __contains__(self, kind: type) -> bool:
        return self.find(kind) is not None


class Table(_ByType[V]):
    """Type -> a plain value (a function), found as the registries find a handler: for a
    synchronous step of a hot path that takes each message by its type, where a registry's
    pipeline and awaitables would cost more than the step (a rebuild reducing millions of events
    to facts)::

        FACTS: Table[Callable[[Event], Fact]] = Table("scoring facts")

        @FACTS.register(AuditSubmitted, AuditAmended)
        def audit_fact(event: AuditSubmitted | AuditAmended) -> Fact: ...

        make = FACTS.find(type(event))  # None if no type of its MRO is registered
    """

    def register(self, *kinds: type) -> Callable[[V], V]:
        """Decorator: make the value (a function) the one for each of ``kinds``; returns it
        unchanged."""

        def add(value: V) -> V:
            for kind in kinds:
                self._put(kind, value)
            return value

        return add


class _Handlers(_ByType[Entry[X, R]]):
    """Type -> handler's entry."""

    def _add(self, kind: type, handler: Any, name: str | None, options: Mapping[str, Any]) -> None:
        self._put(
            kind, Entry(kind, handler, name or kind.__name__, MappingProxyType(dict(options)))
        )

    def entry(self, kind: type) -> Entry[X, R]:
        """The entry for ``kind`` (or its nearest registered base); :class:`Unregistered`."""
        found = self.find(kind)
        if found is None:
            raise Unregistered(self.name, kind, self._entries)
        return found

    def entries(self) -> list[Entry[X, R]]:
        """Every entry, in registration order."""
        return list(self._entries.values())


class Registry(_Handlers[X, R]):
    """Handlers of single messages, each dispatch run through the pipeline."""

    def __init__(self, name: str, pipeline: Sequence[Step[X, R]] = ()) -> None:
        super().__init__(name)
        self.pipeline = list(pipeline)

    @overload
    def register(
        self, kind: type[M], /, *, name: str | None = None, **options: Any
    ) -> Callable[[Handler[X, M, R]], Handler[X, M, R]]: ...
    @overload
    def register(
        self, kind: type[M], kind2: type[M2], /, *, name: str | None = None, **options: Any
    ) -> Callable[[Handler[X, M | M2, R]], Handler[X, M | M2, R]]: ...
    @overload
    def register(
        self,
        kind: type[M],
        kind2: type[M2],
        kind3: type[M3],
        /,
        *,
        name: str | None = None,
        **options: Any,
    ) -> Callable[[Handler[X, M | M2 | M3, R]], Handler[X, M | M2 | M3, R]]: ...
    def register(self, /, *kinds: Any, **options: Any) -> Any:
        """Decorator: make ``handler`` the one for messages of ``kinds`` (up to three; the
        handler then takes their union); returns it unchanged."""
        name = options.pop("name", None)

        def add(handler: Any) -> Any:
            for kind in kinds:
                self._add(kind, handler, name, options)
            return handler

        return add

    def wrap(self, step: Step[X, R]) -> None:
        """Add a pipeline step inside those already there (the first added is outermost)."""
        self.pipeline.append(step)

    async def dispatch(self, context: X, message: Any) -> R:
        """Run ``message``'s handler through the pipeline; :class:`Unregistered` if none."""
        return await self.run(self.entry(type(message)), context, message)

    async def dispatch_known(self, context: X, message: Any) -> R | None:
        """Like :meth:`dispatch`, but a message nobody handles is skipped (returns None)."""
        entry = self.find(type(message))
        return None if entry is None else await self.run(entry, context, message)

    async def run(self, entry: Entry[X, R], context: X, message: Any) -> R:
        """Run ``entry``'s handler through the pipeline (for edges that looked it up first)."""
        call: Next[X, R] = entry.handler
        for step in reversed(self.pipeline):
            call = _bind(step, entry, call)
        return await call(context, message)


def _bind(step: Step[X, R], entry: Entry[X, R], call_next: Next[X, R]) -> Next[X, R]:
    def call(context: X, message: Any) -> Awaitable[R]:
        return step(entry, context, message, call_next)

    return call


class BatchRegistry(_Handlers[X, None]):
    """Handlers of batches by kind: ``async handler(context, messages_of_its_types)``."""

    @overload
    def register(
        self, kind: type[M], /
    ) -> Callable[[Handler[X, Sequence[M], None]], Handler[X, Sequence[M], None]]: ...
    @overload
    def register(
        self, kind: type[M], kind2: type[M2], /
    ) -> Callable[[Handler[X, Sequence[M | M2], None]], Handler[X, Sequence[M | M2], None]]: ...
    @overload
    def register(
        self, kind: type[M], kind2: type[M2], kind3: type[M3], /
    ) -> Callable[
        [Handler[X, Sequence[M | M2 | M3], None]], Handler[X, Sequence[M | M2 | M3], None]
    ]: ...
    def register(self, *kinds: type) -> Any:
        """Decorator: ``handler`` takes, in the batch's order, its messages of any of ``kinds``
        (up to three)."""

        def add(handler: Any) -> Any:
            for kind in kinds:
                self._add(kind, handler, getattr(handler, "__name__", None), {})
            return handler

        return add

    def split(self, messages: Iterable[Any]) -> list[tuple[Handler[X, Any, None], list[Any]]]:
        """The batch by handler: each handler (in registration order) with its messages (in
        the batch's order); messages nobody handles are left out."""
        groups: dict[int, list[Any]] = {}
        for message in messages:
            entry = self.find(type(message))
            if entry is not None:
                groups.setdefault(id(entry.handler), []).append(message)
        seen: set[int] = set()
        ordered = []
        for entry in self._entries.values():
            key = id(entry.handler)
            if key in groups and key not in seen:
                seen.add(key)
                ordered.append((entry.handler, groups[key]))
        return ordered

    async def apply(self, context: X, messages: Iterable[Any]) -> None:
        """Run each handler on its share of ``messages``, in registration order."""
        for handler, share in self.split(messages):
            await handler(context, share)
