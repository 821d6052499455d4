"""How far scoring has applied assessment's events by ward (its default delivery), for tests
that wait until it has applied everything: each ward's mark against the ward's last message on
the stream. The marks count ASSESSMENT's sequences whichever copy the wards are read from
(scoring's mirror keeps them)."""

from __future__ import annotations

from nats.js import JetStreamContext

from contracts.streams import ASSESSMENT
from contracts.subjects import ward_of
from services.runtime import marks
from services.runtime.db import create_engine, session_factory
from services.runtime.partition_runs import partition_subject
from services.scoring.adapters.tables import partition_marks
from services.scoring.bootstrap import PARTITIONED_EVENTS


async def last_by_ward(js: JetStreamContext) -> dict[str, int]:
    """Each ward's last message on ASSESSMENT (its stream sequence), by ward."""
    spec = PARTITIONED_EVENTS
    info = await js.stream_info(ASSESSMENT.name, subjects_filter=spec.subject)
    wards = {ward_of(subject) for subject in (info.state.subjects or {})}
    found = {}
    for ward in sorted(wards):
        last = await js.get_msg(ASSESSMENT.name, subject=partition_subject(spec, ward))
        found[ward] = last.seq
    return found


async def scoring_marks(database_url: str) -> dict[str, int]:
    """Scoring's mark per ward in its database: the last sequence of the ward applied."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await marks.marks(session, partition_marks, PARTITIONED_EVENTS.name)
    finally:
        await engine.dispose()


async def wards_behind(js: JetStreamContext, database_url: str) -> int:
    """How many wards have messages on ASSESSMENT beyond scoring's mark (0: all applied)."""
    applied = await scoring_marks(database_url)
    return sum(1 for ward, last in (await last_by_ward(js)).items() if applied.get(ward, 0) < last)
