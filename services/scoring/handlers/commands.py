"""People's commands to scoring: the chairman's decision on a tie at the cap and the
administrator's rebuild. Each goes through the runtime's one command pipeline
(``services.runtime.commands``: metrics, the caller's seat now, the entry's roles, idempotency by
the caller's key, the unit of work), keyed by its body's class (``contracts.scoring_commands``).

The caller's seat is the ward's roster as scoring keeps it (``org_rosters``, from
``assessment.org.published``): a chairman no longer the chairman, or no longer in the org chart,
decides nothing from their next request on, whatever their token says (issue 14, item 4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict

from prometheus_client import Counter

from contracts.envelope import Actor
from contracts.periods import Month, Period
from contracts.roles import Role
from contracts.scoring_commands import DecisionCommand, RebuildCommand
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock, Now
from services.runtime.commands import Answer, CommandContext, Commands, command_registry
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork
from services.scoring.adapters import org
from services.scoring.adapters.tables import plumbing
from services.scoring.domain import periods
from services.scoring.domain.policy import Policy
from services.scoring.handlers.classification import decide
from services.scoring.rebuild import RebuildReport
from services.scoring.views import people as person_views

COMMANDS_TOTAL = Counter(
    "ward5s_scoring_commands_total",
    "People's commands to scoring by kind and outcome (accepted, replayed for a repeated "
    "idempotency key, refused_<status>).",
    ["kind", "outcome"],
)

#: Replays the stream into a fresh projection and swaps it in; its report.
Rebuild = Callable[[], Awaitable[RebuildReport]]


class Command(CommandContext):
    """A command's context in this service: the pipeline's, plus the policy and the rebuild
    (given by :class:`ScoringCommands`)."""

    policy: Policy
    rebuild: Rebuild


async def seat(command: Command) -> Principal:
    """The caller as the ward's current roster has them (role and unit); 403
    ``not_in_org_chart`` for someone it does not name (or names without a role: a roster
    stored before roles were kept, until the next chart or a rebuild)."""
    caller = command.principal
    async with command.sessions() as session:
        member = (await org.roster(session, caller.ward)).get(caller.subject_id)
    if member is None or member.role is None:
        raise Refusal(Kind.FORBIDDEN, "not_in_org_chart")
    return Principal(caller.subject_id, caller.ward, Role(member.role), member.unit_id)


COMMANDS = command_registry("scoring commands", COMMANDS_TOTAL, plumbing.idempotency, seat=seat)


@COMMANDS.register(DecisionCommand, name="classification_decision", roles={Role.CHAIRMAN})
async def record_decision(command: Command, body: DecisionCommand) -> Answer:
    """Names who of the people tied at the edge of a duty group's quota keep "xuất sắc"
    (:func:`~services.scoring.handlers.classification.decide`); answers the decision and the
    classification as it now stands. Refuses a period the classification does not take (422
    ``bad_period``) and a decision that does not fit (422 / 409, see ``decide``)."""
    period = periods.accept(body.period, periods.CLASSIFICATION, Month.of(command.now))
    assert isinstance(period, Period)  # CLASSIFICATION takes no rolling window
    policy, ward = command.policy, command.principal.ward
    actor = Actor(kind="person", id=command.principal.subject_id)
    uow = command.uow
    events = await decide(
        uow, policy, ward, period, body.excellent, actor, body.duty_group, body.note
    )
    months = [m.key for m in period.months()]
    result = await person_views.classification(uow.session, ward, period.key, months, policy)
    return {
        "decision": events[0].model_dump(mode="json"),
        "reissued": len(events) > 1,
        "period": period.key,
        "policy_version": policy.version,
        "quotas": [q.model_dump(mode="json") for q in result.quotas],
        "people": [p.model_dump(mode="json") for p in result.people],
    }


# The rebuild is the way back from a lost projection, the roster with it: the token's role alone.
@COMMANDS.register(RebuildCommand, name="rebuild", roles={Role.ADMIN}, seated=False)
async def rebuild_projection(command: Command, body: RebuildCommand) -> Answer:
    """Replay the stream into a fresh projection and swap it in; answers the rebuild's report.
    The rebuild has transactions of its own (the swap's holds every ward's batches off); the
    command's unit of work keeps only its idempotency record."""
    return asdict(await command.rebuild())


class ScoringCommands(Commands[Command]):
    """The command table bound to this service's database, policy, clock and rebuild."""

    def __init__(
        self, sessions: SessionFactory, policy: Policy, clock: Now, rebuild: Rebuild
    ) -> None:
        super().__init__(COMMANDS, self._context)
        self.sessions = sessions
        self.policy = policy
        self.clock = clock
        self.rebuild = rebuild

    def _context(self, principal: Principal, key: str | None) -> Command:
        now = self.clock.now()
        units = UnitOfWork.factory(self.sessions, plumbing.outbox, FrozenClock(now))
        command = Command(principal, key, self.sessions, units, now)
        command.policy, command.rebuild = self.policy, self.rebuild
        return command
