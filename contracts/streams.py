"""JetStream streams: one per publishing context, and one for dead letters.

Streams keep events for replay (a projection can always be rebuilt from the start), so retention
is by limits with no age limit; the duplicate window makes a republish of the same ``Nats-Msg-Id``
a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.subjects import DLQ_ROOT, context_subjects


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str
    duplicate_window_s: float = 2 * 60 * 60
    max_age_s: float = 0  # 0: keep forever
    #: The stream this one mirrors (its messages copied with their subjects, headers and stream
    #: sequences; it takes none of its own, so ``subjects`` is empty), or None.
    mirror_of: str | None = None


ASSESSMENT = StreamSpec(
    "ASSESSMENT", (context_subjects("assessment"),), "Facts: audits, self-assessments, feedback"
)
SCORING = StreamSpec("SCORING", (context_subjects("scoring"),), "Numbers: scores, classification")
NOTIFICATIONS = StreamSpec(
    "NOTIFICATIONS", (context_subjects("notifications"),), "Who was told what, and when"
)
#: Scoring's own copy of ASSESSMENT, which scoring alone reads: a ward's durable consumer there
#: (``scoring-assessment-<ward>``) is one scoring's NATS user may create, pull and delete by any
#: name, which it could not be granted on ASSESSMENT without also reaching notifications'
#: durable. A mirror keeps the origin's stream sequences (gaps included), so the wards' marks
#: and a rebuild read from ASSESSMENT speak of the same messages.
SCORING_ASSESSMENT = StreamSpec(
    "SCORING_ASSESSMENT",
    (),
    "Scoring's copy of ASSESSMENT, read by ward",
    mirror_of=ASSESSMENT.name,
)
DEAD_LETTERS = StreamSpec(
    "DEADLETTER",
    (f"{DLQ_ROOT}.>",),
    "Messages a consumer could not process, with the reason in the headers",
    max_age_s=90 * 24 * 60 * 60,
)

#: In the order they are made: a mirror after its origin.
ALL_STREAMS: tuple[StreamSpec, ...] = (
    ASSESSMENT,
    SCORING_ASSESSMENT,
    SCORING,
    NOTIFICATIONS,
    DEAD_LETTERS,
)
STREAM_OF_CONTEXT = {"assessment": ASSESSMENT, "scoring": SCORING, "notifications": NOTIFICATIONS}


@dataclass(frozen=True)
class BucketSpec:
    """A JetStream object store bucket (its stream is ``OBJ_<name>``)."""

    name: str
    description: str


#: Photo evidence of audits, one bucket per deployment: each photo is the object
#: ``<ward>/<evidence id>``, re-encoded without its metadata by assessment, which alone writes
#: and reads it (its database says who may see it). Kept as long as the audits that cite it.
EVIDENCE = BucketSpec("EVIDENCE", "Photos cited by audits, by ward: <ward>/<evidence id>")

#: The period reports issued to each ward's committee (the PDF and the workbook), one object per
#: file named ``<ward>/<period>/<sha256>.<pdf|xlsx>``: assessment writes them before it emits
#: ``assessment.report.issued`` naming them, notifications reads them to attach them (and
#: checks each against the digest the event gives). Kept as the record of what was sent.
REPORTS = BucketSpec("REPORTS", "Period reports sent to the committee: <ward>/<period>/<sha256>")

ALL_BUCKETS: tuple[BucketSpec, ...] = (EVIDENCE, REPORTS)
