"""Progress of a long operator command, with its rate and the time left (``rich``): the
rebuild, the replay of dead letters, the soak. Written to stderr, and only when it is a
terminal, so logs and captured output stay clean."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")


def bar(console: Console | None = None) -> Progress:
    """A progress display: description, bar, done/total, elapsed and the estimated time left."""
    console = console or Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not (console.is_terminal or console.is_interactive),
        transient=False,
    )


def progress(items: Iterable[T], what: str, total: int | None = None) -> Iterator[T]:
    """``items``, one by one, with a bar named ``what`` (out of ``total``, or of their number
    when they have one)."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    with bar() as shown:
        task = shown.add_task(what, total=total)
        for item in items:
            yield item
            shown.advance(task)
