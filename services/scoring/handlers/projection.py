"""The consumer's handler: apply a batch of events to the read model in its unit of work, each
kind by its fold, then announce what changed (staged with ``uow.emit``)."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.envelope import Event
from contracts.events import CredentialsRevoked
from services.runtime import revocations
from services.runtime.dispatch import BatchRegistry
from services.runtime.uow import UnitOfWork
from services.scoring.adapters import locks
from services.scoring.adapters.tables import plumbing
from services.scoring.domain import projected
from services.scoring.domain.audits import HeldAudit
from services.scoring.domain.policy import Policy
from services.scoring.handlers import audits, feedback, org, reviews
from services.scoring.handlers.announce import announce
from services.scoring.handlers.batch import Batch

#: The events the projection takes (``domain.projected``), each kind folded by its own handler,
#: in registration order (the other events change nothing).
FOLDS: BatchRegistry[Batch] = BatchRegistry("scoring folds")
# In this order: a close is applied after the batch's facts, so its final results hold them.
FOLDS.register(*projected.AUDITS[:3])(audits.fold_audits)
FOLDS.register(*projected.AUDITS[3:])(audits.fold_audits)  # the same, as the hot path's structs
FOLDS.register(HeldAudit)(audits.fold_audits)  # and as the live consumer holds them
FOLDS.register(*projected.REVIEWS)(reviews.fold_reviews)
FOLDS.register(*projected.TASK_RESULTS)(reviews.fold_task_results)
FOLDS.register(*projected.FEEDBACK)(feedback.fold_feedback)
FOLDS.register(*projected.CLOSES, *projected.REOPENS)(org.fold_periods)
FOLDS.register(*projected.ORG_CHARTS)(org.fold_org_charts)


class Scoring:
    """The scoring projection's handler, with the policy it scores by."""

    def __init__(self, policy: Policy, announce: bool = True) -> None:
        self.policy = policy
        #: A rebuild replays history into a scratch projection, alone: it announces nothing and
        #: needs no lock (the swap holds every ward's while it catches up).
        self.announce = announce

    async def apply(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        """Fold ``events`` (new ones, in stream order) into the projection in ``uow``'s
        transaction and stage the events announcing what changed."""
        if self.announce:
            # Not the projection's: a rebuild keeps the live list as it is.
            for event in events:
                if isinstance(event, CredentialsRevoked):
                    await revocations.record_event(uow.session, plumbing.revoked, event)
        batch = Batch(uow, self.policy)
        # Split by kind once, in stream order: a batch holds thousands of events, mostly of one
        # kind (a type is a dictionary key; ``isinstance`` per event and kind costs more).
        shares = FOLDS.split(events)
        for fold, share in shares:
            if fold is audits.fold_audits:
                batch.audit_records = audits.prepare(share)
        if self.announce:
            await locks.lock_wards(uow.session, {e.ward for e in events})
        for fold, share in shares:
            await fold(batch, share)
        if self.announce:
            for ward in sorted(batch.touched):
                uow.emit_all(await announce(batch, ward, batch.touched[ward]))
