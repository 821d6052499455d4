"""Personal data stays out of logs (issue 17, item 6): a database error's bound parameters, a
validation error's values and any exception's message are not written; the kind of error and
where it happened are. And a control character in a command's body is refused (422) before it
reaches the database."""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ValidationError
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.exc import IntegrityError

from contracts.roles import Role
from services.runtime import scrub
from services.runtime.auth import Principal
from services.runtime.characters import unsafe_field
from services.runtime.clock import FrozenClock
from services.runtime.commands import Answer, CommandContext, Commands, command_registry
from services.runtime.db import PlumbingTables, create_engine, new_metadata
from services.runtime.refusals import Refusal
from services.runtime.uow import UnitOfWork, in_memory
from tests.unit.test_runtime_commands import MOMENT

NAME, EMAIL = "Nguyễn Văn An", "p012@binhdong.example.vn"
COMMENT = f"Cảm ơn {NAME}, số điện thoại 0909 123 456"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """What the process's logging writes, as ``configure_logging`` sets it up."""
    scrub.install()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("test.scrub")
    logger.addHandler(handler)
    yield out
    logger.removeHandler(handler)


async def test_a_database_error_is_logged_without_its_bound_parameters(
    tmp_path: Path, log_text: io.StringIO
) -> None:
    metadata = MetaData()
    people = Table(
        "people",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("email", String(254), unique=True),
        Column("comment", String(2000)),
    )
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        row = {"email": EMAIL, "comment": COMMENT}
        with pytest.raises(IntegrityError) as failed:
            async with engine.begin() as connection:
                await connection.execute(people.insert(), [row, row])
    finally:
        await engine.dispose()
    assert NAME not in str(failed.value) and EMAIL not in str(failed.value)  # hide_parameters
    try:
        raise RuntimeError("the handler failed") from failed.value
    except RuntimeError:
        logging.getLogger("test.scrub").exception("unhandled error on POST /v1/feedback")
    text = log_text.getvalue()
    assert "unhandled error on POST /v1/feedback" in text
    assert "IntegrityError (IntegrityError)" in text and "test_scrub.py" in text
    for secret in (NAME, EMAIL, "0909", "UNIQUE constraint failed: people.email"):
        assert secret not in text


def test_a_validation_error_says_where_not_what(log_text: io.StringIO) -> None:
    class Person(BaseModel):
        full_name: str
        age: int

    with pytest.raises(ValidationError) as invalid:
        Person.model_validate({"full_name": NAME, "age": EMAIL})
    described = scrub.describe(invalid.value)
    assert described == "ValidationError: 1 error(s) at age: int_parsing"
    try:
        raise invalid.value
    except ValidationError:
        logging.getLogger("test.scrub").warning("dead-lettered", exc_info=True)
    assert EMAIL not in log_text.getvalue() and "age: int_parsing" in log_text.getvalue()


def test_any_exception_is_logged_by_its_kind_only(log_text: io.StringIO) -> None:
    try:
        {}[NAME]
    except KeyError:
        logging.getLogger("test.scrub").exception("lookup failed")
    text = log_text.getvalue()
    assert "KeyError" in text and NAME not in text


class Rating(BaseModel):
    unit_id: str
    comment: str | None = None
    tags: list[str] = []


metadata = new_metadata()
plumbing = PlumbingTables(metadata, commands=True)
COMMANDS = command_registry(
    "characters",
    Counter("test_chars", "t", ["kind", "outcome"], registry=CollectorRegistry()),
    plumbing.idempotency,
)


@COMMANDS.register(Rating, name="rate")
async def rate(context: CommandContext, body: Rating) -> Answer:
    return {"ok": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (Rating(unit_id="kt", comment=f"{NAME}\u0000"), "comment"),
        (Rating(unit_id="kt\x1b[2J"), "unit_id"),
        (Rating(unit_id="kt", tags=["ok", "a\x07"]), "tags[1]"),
    ],
)
async def test_a_control_character_in_a_command_is_refused_before_the_handler(
    body: Rating, field: str
) -> None:
    async with in_memory(metadata) as sessions:

        def context(principal: Principal, key: str | None) -> CommandContext:
            units = UnitOfWork.factory(sessions, plumbing.outbox, FrozenClock(MOMENT))
            return CommandContext(principal, key, sessions, units, MOMENT)

        caller = Principal("qr-kt", "binh-dong", Role.KIOSK, "kt")
        with pytest.raises(Refusal) as refused:
            await Commands(COMMANDS, context).execute(caller, body)
    assert (refused.value.status, refused.value.code, refused.value.field) == (
        422,
        "control_character",
        field,
    )
    assert refused.value.body("en")["error"]["message"].startswith("The value holds a control")


def test_line_breaks_and_tabs_stay_allowed_in_free_text() -> None:
    assert unsafe_field(Rating(unit_id="kt", comment="Dòng 1\r\nDòng 2\tcuối")) is None


def test_the_one_search_per_string_refuses_exactly_the_control_characters() -> None:
    """The pipeline's check searches each string once for a character outside what free text
    may hold; it finds exactly Unicode's control characters (Cc) but tab and line breaks."""
    for point in range(0x110000):
        char = chr(point)
        expected = unicodedata.category(char) == "Cc" and char not in "\t\n\r"
        assert (unsafe_field(f"a{char}b") is not None) == expected, hex(point)
    nested = {"items": [{"note": "tốt"}, {"note": "ổn\x7f"}]}
    assert unsafe_field(nested) == "items[1].note"
