"""Typed dispatch: handlers found by the message's type, the pipeline around every command, and
batches split by kind in stream order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from services.runtime.dispatch import BatchRegistry, Entry, Next, Registry, Table, Unregistered


@dataclass(frozen=True)
class Submit:
    value: int


@dataclass(frozen=True)
class Amend:
    value: int


@dataclass(frozen=True)
class UrgentSubmit(Submit):
    pass


@dataclass(frozen=True)
class Unknown:
    pass


def commands(trail: list[str]) -> Registry[str, int]:
    registry: Registry[str, int] = Registry("test commands")

    @registry.register(Submit, name="submit", roles={"auditor"})
    async def submit(caller: str, command: Submit) -> int:
        trail.append(f"submit by {caller}")
        return command.value * 2

    @registry.register(Amend)
    async def amend(caller: str, command: Amend) -> int:
        return -command.value

    return registry


async def test_each_type_goes_to_its_own_handler() -> None:
    trail: list[str] = []
    registry = commands(trail)
    assert await registry.dispatch("p001", Submit(21)) == 42
    assert await registry.dispatch("p001", Amend(5)) == -5
    assert trail == ["submit by p001"]


async def test_a_subclass_goes_to_its_base_handler() -> None:
    registry = commands([])
    assert await registry.dispatch("p001", UrgentSubmit(1)) == 2
    assert UrgentSubmit in registry and Unknown not in registry


async def test_an_unregistered_type_is_named_in_the_error() -> None:
    registry = commands([])
    with pytest.raises(Unregistered, match=r"test commands: no handler registered for .*Unknown"):
        await registry.dispatch("p001", Unknown())
    with pytest.raises(Unregistered, match=r"registered: Amend, Submit"):
        registry.entry(Unknown)
    assert await registry.dispatch_known("p001", Unknown()) is None


def test_a_type_is_registered_once() -> None:
    registry = commands([])
    with pytest.raises(ValueError, match="registered twice"):

        @registry.register(Submit)
        async def again(caller: str, command: Submit) -> int:
            return 0


def test_entries_carry_their_name_and_options() -> None:
    registry = commands([])
    submit, amend = registry.entries()
    assert (submit.kind, submit.name, dict(submit.options)) == (
        Submit,
        "submit",
        {"roles": {"auditor"}},
    )
    assert (amend.name, dict(amend.options)) == ("Amend", {})


async def test_the_pipeline_wraps_every_command_outermost_first() -> None:
    trail: list[str] = []
    registry = commands(trail)

    def step(label: str) -> Any:
        async def around(
            entry: Entry[str, int], caller: str, message: Any, call_next: Next[str, int]
        ) -> int:
            trail.append(f"{label} in {entry.name}")
            result = await call_next(caller, message)
            trail.append(f"{label} out {result}")
            return result

        return around

    async def authorise(
        entry: Entry[str, int], caller: str, message: Any, call_next: Next[str, int]
    ) -> int:
        if caller not in entry.options.get("roles", {caller}):
            raise PermissionError(entry.name)
        return await call_next(caller, message)

    registry.wrap(step("metrics"))
    registry.wrap(authorise)
    registry.wrap(step("idempotency"))
    assert await registry.dispatch("auditor", Submit(2)) == 4
    assert trail == [
        "metrics in submit",
        "idempotency in submit",
        "submit by auditor",
        "idempotency out 4",
        "metrics out 4",
    ]
    with pytest.raises(PermissionError, match="submit"):
        await registry.dispatch("kiosk", Submit(2))
    assert await registry.dispatch("kiosk", Amend(3)) == -3  # no roles: anyone


async def test_one_handler_for_several_types() -> None:
    registry: Registry[None, str] = Registry("changes")

    @registry.register(Submit, Amend)
    async def changed(_: None, message: Submit | Amend) -> str:
        return type(message).__name__

    assert [await registry.dispatch(None, m) for m in (Amend(1), Submit(1))] == ["Amend", "Submit"]


async def test_batches_split_by_handler_in_registration_then_stream_order() -> None:
    batches: BatchRegistry[list[str]] = BatchRegistry("batches")

    @batches.register(Submit, Amend)
    async def changes(seen: list[str], events: Sequence[Submit | Amend]) -> None:
        seen.append("changes " + " ".join(f"{type(e).__name__}{e.value}" for e in events))

    @batches.register(Unknown)
    async def closes(seen: list[str], events: Sequence[Unknown]) -> None:
        seen.append(f"closes {len(events)}")

    seen: list[str] = []
    await batches.apply(seen, [Unknown(), Amend(1), "ignored", Submit(2), UrgentSubmit(3)])
    assert seen == ["changes Amend1 Submit2 UrgentSubmit3", "closes 1"]
    seen.clear()
    await batches.apply(seen, [Unknown()])
    assert seen == ["closes 1"]


def test_a_table_finds_a_plain_value_by_type_as_the_registries_find_a_handler() -> None:
    table: Table[Callable[[Any], int]] = Table("values")

    @table.register(Submit, Amend)
    def value(message: Submit | Amend) -> int:
        return message.value

    assert table.find(UrgentSubmit) is value and table.find(Unknown) is None
    assert table.kinds() == [Submit, Amend] and Unknown not in table
    with pytest.raises(ValueError, match="values: Amend is registered twice"):
        table.register(Amend)(value)
