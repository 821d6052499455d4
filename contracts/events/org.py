"""Assessment's events about the ward's organisation and access: the org chart and working
calendar as published, an administrator's action, a sign-in link to mail, credentials revoked."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts.common import Contract, EntityId, Text
from contracts.events.common import AssessmentEvent
from contracts.roles import Role

#: What an administrator did (issue 14, item 5): every such action is recorded with its actor
#: (the envelope's) and reason, and the chairman reads them.
AdminAction = Literal[
    "org_chart.loaded",
    "device.registered",
    "credential.issued",
    "credential.revoked",
    "catalog.published",
    "period.closed",
    "period.reopened",
    "calendar.day_declared",
    "calendar.day_removed",
    "invitation.issued",
    "feedback.released",
]


class AdminActionRecordedData(Contract):
    action: AdminAction
    #: What it was done to: the org chart's version, a device id, a catalogue version, a month,
    #: a day.
    subject: str
    reason: str | None = None
    #: What else says what was done (e.g. ``{"people": "38"}``, ``{"active": "false"}``).
    details: dict[str, str] = Field(default_factory=dict)


class OrgUnit(Contract):
    unit_id: EntityId
    name: Text


EmploymentType = Literal["cong_chuc", "nguoi_lao_dong"]
#: Decree 335's "groups of officials with similar duties" when the org chart names none.
LEADERS_GROUP = "lanh_dao"
SPECIALISTS_GROUP = "chuyen_mon"
LEADER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD})


class OrgPerson(Contract):
    person_id: EntityId
    full_name: str
    email: str | None = None
    role: Role
    unit_id: EntityId | None
    units_in_charge: tuple[EntityId, ...] = ()
    #: The group of officials with similar duties within which the 20 % cap on "xuất sắc"
    #: applies (Decree 335/2025/NĐ-CP); None: by role, leaders or specialists.
    duty_group: EntityId | None = None
    #: công chức are counted in the cap; người lao động (contract workers) are classified but
    #: not counted.
    employment_type: EmploymentType = "cong_chuc"

    @property
    def group(self) -> str:
        """The duty group the org chart names, else leaders (chairman, vice-chairmen, unit
        heads) or specialists by role."""
        if self.duty_group:
            return self.duty_group
        return LEADERS_GROUP if self.role in LEADER_ROLES else SPECIALISTS_GROUP


class DutyGroup(Contract):
    """A group of officials with similar duties the ward's org chart names (``OrgPerson``'s
    ``duty_group``), with the name pages and exports show for it; the id stays the key."""

    group_id: EntityId
    name: Text


class OrgChartPublishedData(Contract):
    """The whole org chart of a ward, republished on every change (notifications routes by it)."""

    version: int = Field(ge=1)
    units: tuple[OrgUnit, ...]
    people: tuple[OrgPerson, ...]
    #: The duty groups the people's ``duty_group`` names, with their names (schema version 2;
    #: version 1 had none: its groups show as their ids until the next chart).
    duty_groups: tuple[DutyGroup, ...] = ()
    #: The ward's name as its administrator loaded it (a city's comparison shows it).
    ward_name: str | None = Field(default=None, max_length=200)
    #: The city the ward belongs to, as its administrator declared it on the chart's load:
    #: that city's officials (role ``city``) may read the ward's figures on scoring.
    city: EntityId | None = None


class CalendarDay(Contract):
    """A day the ward's calendar sets apart from Monday-Friday minus public holidays."""

    day: date
    #: True: a make-up working day (a Saturday worked); False: a day off.
    working: bool
    reason: str = Field(default="", max_length=300)


class CalendarPublishedData(Contract):
    """The ward's whole working calendar, republished on every change: the days off and the
    make-up working days that the government's notices or the ward itself declared, on top of
    the public holidays and weekend workdays the ``holidays`` package knows."""

    version: int = Field(ge=1)
    days: tuple[CalendarDay, ...]


class OrgChartPublished(AssessmentEvent):
    """Version 2 names the chart's duty groups (``duty_groups``); version 1, without them, is
    still read (a chart the previous release published)."""

    readable_versions: ClassVar[frozenset[int]] = frozenset({1, 2})
    type: Literal["assessment.org.published"] = "assessment.org.published"
    schema_version: int = 2
    data: OrgChartPublishedData


class CalendarPublished(AssessmentEvent):
    type: Literal["assessment.calendar.published"] = "assessment.calendar.published"
    data: CalendarPublishedData


class AdminActionRecorded(AssessmentEvent):
    type: Literal["assessment.admin.action_recorded"] = "assessment.admin.action_recorded"
    data: AdminActionRecordedData


SignInLinkPurpose = Literal["invitation", "reset"]


class SignInLinkIssuedData(Contract):
    """A one-time link for a person to set their password, for notifications to e-mail. The
    link itself travels only ``sealed`` (Fernet, with the key assessment and notifications share,
    ``WARD5S_SIGN_IN_MAIL_KEY``): the stream keeps this event, never a usable secret in clear
    (docs/SECURITY.md, "How the link reaches the person")."""

    person_id: EntityId
    purpose: SignInLinkPurpose
    #: After this moment the link is refused: notifications sends nothing once it has passed.
    expires_at: AwareDatetime
    #: ``{"link", "email", "full_name"}`` as JSON, sealed.
    sealed: str


class SignInLinkIssued(AssessmentEvent):
    type: Literal["assessment.sign_in.link_issued"] = "assessment.sign_in.link_issued"
    data: SignInLinkIssuedData


class CredentialsRevokedData(Contract):
    """Credentials of a person or device revoked before the tokens minted from them expire: a
    person's sessions (signed out, a refresh token replayed, a password set, the person moved or
    removed by an org chart load) or a device's credential (deactivated, rotated). Every service
    refuses a token whose ``sid`` is one of them (docs/SECURITY.md, "Revoking")."""

    subject_id: EntityId
    #: The token claim ``sid`` of each credential revoked.
    credential_ids: tuple[Annotated[str, Field(min_length=1, max_length=64)], ...]
    #: When the last token minted from them expires: the services forget them after it.
    until: AwareDatetime


class CredentialsRevoked(AssessmentEvent):
    type: Literal["assessment.credential.revoked"] = "assessment.credential.revoked"
    data: CredentialsRevokedData
