"""The events notifications publishes: an alert raised, delivered, acknowledged, escalated or
resolved."""

from __future__ import annotations

import uuid
from typing import Literal

from contracts.common import Contract, EntityId
from contracts.envelope import Event


class AlertData(Contract):
    alert_id: uuid.UUID
    rule: str
    subject_id: EntityId
    period: str
    recipient_id: EntityId
    severity: Literal["info", "warning", "critical"] = "warning"
    channel: str | None = None
    escalation_level: int = 0
    note: str | None = None


class NotificationEvent(Event):
    owner = "notifications"
    data: AlertData


class AlertRaised(NotificationEvent):
    type: Literal["notifications.alert.raised"] = "notifications.alert.raised"


class AlertDelivered(NotificationEvent):
    type: Literal["notifications.alert.delivered"] = "notifications.alert.delivered"


class AlertAcknowledged(NotificationEvent):
    type: Literal["notifications.alert.acknowledged"] = "notifications.alert.acknowledged"


class AlertEscalated(NotificationEvent):
    type: Literal["notifications.alert.escalated"] = "notifications.alert.escalated"


class AlertResolved(NotificationEvent):
    type: Literal["notifications.alert.resolved"] = "notifications.alert.resolved"
