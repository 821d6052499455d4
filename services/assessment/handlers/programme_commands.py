"""The commands of the rest of the 5S+ programme (periodic reviews and their follow-ups, the
initiatives register, citizen follow-up, campaigns), registered on the command pipeline like
every submission (``commands.py`` imports this module)."""

from __future__ import annotations

from contracts import intake as schemas
from contracts.roles import Role
from services.assessment.handlers import campaigns, citizen_follow_ups, initiatives, reviews
from services.assessment.handlers.pipeline import (
    ADMIN,
    AUDITORS,
    COMMANDS,
    PEOPLE,
    Submission,
    command,
)
from services.runtime.commands import Answer


@command(schemas.PeriodReviewIn, roles=frozenset({Role.UNIT_HEAD}), status=201)
async def write_review(context: Submission, body: schemas.PeriodReviewIn) -> Answer:
    return await context.run(reviews.write_review, body, context.scoring)


@command(schemas.PeriodReviewAckCommand, roles=frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN}))
async def acknowledge_review(context: Submission, body: schemas.PeriodReviewAckCommand) -> Answer:
    return await context.run(reviews.acknowledge_review, body.review_id, body.note)


@command(schemas.FollowUpCloseCommand, roles=PEOPLE)
async def close_follow_up(context: Submission, body: schemas.FollowUpCloseCommand) -> Answer:
    return await context.run(reviews.close_follow_up, body.follow_up_id, body.note, body.evidence)


@command(schemas.InitiativeIn, roles=PEOPLE, status=201)
async def propose_initiative(context: Submission, body: schemas.InitiativeIn) -> Answer:
    return await context.run(initiatives.propose, body)


# The council is the policy's (``Policy.initiative_council``): any person may be named to it.
@command(schemas.InitiativeDecisionCommand, roles=PEOPLE)
async def decide_initiative(context: Submission, body: schemas.InitiativeDecisionCommand) -> Answer:
    return await context.run(initiatives.decide, body)


@command(schemas.CitizenFollowUpDoneCommand, roles=PEOPLE)
async def citizen_follow_up_done(
    context: Submission, body: schemas.CitizenFollowUpDoneCommand
) -> Answer:
    return await context.run(citizen_follow_ups.mark_done, body.follow_up_id, body.note)


@COMMANDS.register(schemas.CampaignIn, name="campaign.publish", roles=ADMIN, status=201)
async def publish_campaign(context: Submission, body: schemas.CampaignIn) -> Answer:
    """HTTP only, like the administrators' other publications."""
    return await context.run(campaigns.publish, body)


@command(schemas.CampaignAuditCommand, roles=AUDITORS, status=201)
async def audit_campaign(context: Submission, body: schemas.CampaignAuditCommand) -> Answer:
    return await context.run(campaigns.audit, body)
