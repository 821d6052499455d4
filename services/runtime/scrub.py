"""What a log may say about an error: its kind and where it happened, never the data it was
about (docs/SECURITY.md, "Personal data").

Exceptions carry data in their messages: a database error lists the statement's bound
parameters (a citizen's comment, a person's name and address), a validation error the values it
refused. Every record of every logger of the process is made through one factory
(:func:`install`, from ``process.configure_logging`` and the CLI): a record with an exception
gets its traceback written here, each exception's line reduced to :func:`describe`. The
dead-letter headers use :func:`describe` too; the database engine also hides parameters
(``db.create_engine``).
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import StatementError

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def describe(error: BaseException) -> str:
    """One line about ``error`` without its data: its type, and for a database error the
    driver's error type, for a validation error where and why each value was refused, for an
    exception group the same of each."""
    kind = type(error).__name__
    if isinstance(error, StatementError):
        original = type(error.orig).__name__ if error.orig is not None else "?"
        return f"{kind} ({original})"
    if isinstance(error, ValidationError):
        where = ", ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}" for e in error.errors()[:10]
        )
        return f"{kind}: {error.error_count()} error(s) at {where}"
    if isinstance(error, BaseExceptionGroup):
        return f"{kind}: [{'; '.join(describe(e) for e in error.exceptions)}]"
    return kind


_SEPARATORS = {
    "cause": "\nThe above exception was the direct cause of the following exception:\n\n",
    "context": "\nDuring handling of the above exception, another exception occurred:\n\n",
}


def format_traceback(error: BaseException) -> str:
    """The traceback of ``error`` and of the exceptions that led to it, oldest first, each line
    of code as usual, each exception's own line by :func:`describe`."""
    chain: list[tuple[BaseException, str]] = []  # newest first, with how each follows its elder
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__cause__ is not None:
            elder, how = current.__cause__, "cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            elder, how = current.__context__, "context"
        else:
            elder, how = None, ""
        chain.append((current, how))
        current = elder
    text = ""
    for exception, how in reversed(chain):
        frames = "".join(traceback.format_tb(exception.__traceback__))
        text += _SEPARATORS.get(how, "") if text else ""
        text += f"Traceback (most recent call last):\n{frames}{describe(exception)}\n"
    return text.rstrip("\n")


_installed = False


def install() -> None:
    """Make every log record's traceback the scrubbed one (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_traceback(record.exc_info[1])
        return record

    logging.setLogRecordFactory(factory)
