"""A person's webhook: saving its address (checked, with a signing secret of its own), the
body and id of its messages, and turning it off when it keeps failing.

The address must be one a webhook may reach (``adapters.webhooks.AddressGuard``: public, or
allow-listed by the operator), checked here when it is saved and again at each send. A new
address gets a new secret (``whsec_…``, Standard Webhooks), answered to its owner. A webhook
whose messages failed ``disable_after`` times in a row is turned off, its waiting messages
dropped, and its owner told by e-mail (the alert ``webhook.disabled``, in their inbox too)
until they save it again, which resolves that alert.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from contracts.events import OrgPerson
from services.notifications.adapters import deliveries, org
from services.notifications.adapters.webhooks import (
    AddressGuard,
    AddressRefused,
    AddressUnknown,
    new_secret,
)
from services.notifications.domain import rules
from services.notifications.domain.texts import templates
from services.notifications.handlers.alerts import Raising, raise_alerts, resolve
from services.notifications.handlers.context import Context
from services.runtime.refusals import Kind, Refusal

WEBHOOK_DISABLED = "webhook.disabled"
#: ``webhook.disabled`` alerts are one per person (the period of the dedup key is fixed).
_PERIOD = "webhook"


def body(payload: dict[str, Any]) -> bytes:
    """A message's JSON body, as signed and sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def message_id(items: list[Any]) -> str:
    """The id of a message (``webhook-id``): its first delivery's, the same on every retry."""
    return f"ward5s-delivery-{items[0].ward}-{items[0].id}"


async def check(guard: AddressGuard, url: str) -> None:
    """Refuse (422 on ``webhook_url``) an address a webhook may not reach, or whose name does
    not resolve."""
    try:
        await guard.resolve(url)
    except AddressRefused:
        raise Refusal(Kind.INVALID, "webhook_address_refused", "webhook_url") from None
    except AddressUnknown:
        raise Refusal(Kind.INVALID, "webhook_address_unknown", "webhook_url") from None


async def save(
    ctx: Context, guard: AddressGuard, ward: str, person_id: str, chosen: dict[str, Any]
) -> dict[str, Any]:
    """Keep a person's channels (``email``, ``webhook_url``, ``digest``): a webhook address
    checked, a new secret for a new address, the webhook on again with no failures counted (its
    ``webhook.disabled`` alert resolved). Answers the channels with ``webhook_secret``."""
    url = chosen["webhook_url"]
    current = await deliveries.preference(ctx.session, ward, person_id)
    secret = None
    if url:
        await check(guard, url)
        kept = current is not None and current.webhook_url == url and current.webhook_secret
        secret = current.webhook_secret if kept else new_secret()
    values = {
        **chosen,
        "webhook_secret": secret,
        "webhook_failures": 0,
        "webhook_disabled_at": None,
        "updated_at": ctx.now,
    }
    await deliveries.save_preference(ctx.session, ward, person_id, values)
    if current is not None and current.webhook_disabled_at is not None:
        await resolve(ctx, ward, WEBHOOK_DISABLED, person_id, _PERIOD)
    return {"person_id": person_id, **chosen, "webhook_secret": secret}


async def note_outcome(ctx: Context, row: Any, sent: bool, disable_after: int) -> None:
    """Count a message of ``row``'s webhook: a success ends its run of failures; the
    ``disable_after``-th failure in a row turns it off and tells its owner."""
    ward, person_id = row.ward, row.recipient_id
    if sent:
        await deliveries.webhook_worked(ctx.session, ward, person_id)
        return
    failures = await deliveries.webhook_failed(ctx.session, ward, person_id)
    if failures < disable_after or not await deliveries.disable_webhook(
        ctx.session, ward, person_id, ctx.now
    ):
        return
    people = await org.load_people(ctx.session, ward)
    owner = next((p for p in people if p.person_id == person_id), None)
    if owner is not None:
        await _tell(ctx, ward, owner, httpx.URL(row.webhook_url).host, failures)


async def _tell(ctx: Context, ward: str, owner: OrgPerson, host: str, failures: int) -> None:
    way = rules.Route(((owner,),))
    cause = Raising(
        ward=ward,
        rule=WEBHOOK_DISABLED,
        subject_id=owner.person_id,
        period=_PERIOD,
        unit_id=owner.unit_id or "",
        message=templates()[WEBHOOK_DISABLED].fill(host=host, failures=failures),
        critical=False,
    )
    await raise_alerts(ctx, cause, way.initial(), way)
