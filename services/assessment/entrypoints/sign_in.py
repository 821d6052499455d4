"""People sign in (docs/SECURITY.md, "People sign in"): the routes under ``/v1/auth`` (open: no
bearer token; the one-time secret, the password or the refresh token is the credential), the
administrator's invitation (through the command pipeline, recorded with its reason). The
operator's ``invite`` command is in ``first_admin.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from contracts.common import ENTITY_PATTERN
from services.assessment.adapters.tables import plumbing
from services.assessment.domain.credentials import Lifetimes
from services.assessment.entrypoints.deps import Admin, submit
from services.assessment.entrypoints.keys import Issuer
from services.assessment.handlers import sign_in
from services.assessment.handlers.commands import Invitation
from services.assessment.handlers.sign_in import Session, SignInConfig
from services.assessment.settings import AssessmentSettings
from services.runtime.characters import PlainBody
from services.runtime.clock import Now
from services.runtime.db import SessionFactory
from services.runtime.http import IdempotencyKey, app_state
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork

router = APIRouter(prefix="/auth", tags=["sign-in"])

P = ParamSpec("P")
T = TypeVar("T")


def sign_in_config(config: AssessmentSettings, issuer: Issuer) -> SignInConfig:
    """Sign-in's configuration from the settings, minting with ``issuer``."""
    return SignInConfig(
        mint=issuer.access,
        lifetimes=Lifetimes(
            invitation=timedelta(hours=config.invitation_hours),
            reset=timedelta(hours=config.reset_hours),
            access=timedelta(minutes=config.access_token_minutes),
            refresh=timedelta(hours=config.refresh_token_hours),
            device=timedelta(days=config.device_token_days),
        ),
        link_base=config.sign_in_url,
        mail_key=config.sign_in_mail_key,
        hashing=config.password_hashing,
    )


class SignInEdge:
    """What the open routes need: units of work on the service's database and clock, and the
    configuration (``app.state.sign_in``)."""

    def __init__(self, units: Callable[[], UnitOfWork], config: SignInConfig) -> None:
        self.units, self.config = units, config

    @classmethod
    def of(cls, sessions: SessionFactory, clock: Now, config: SignInConfig) -> SignInEdge:
        return cls(UnitOfWork.factory(sessions, plumbing.outbox, clock), config)

    async def run(
        self,
        step: Callable[Concatenate[UnitOfWork, P], Awaitable[T]],
        *args: P.args,
        **kw: P.kwargs,
    ) -> T:
        """``step(uow, *args, **kw)``'s answer, run in a unit of work of its own: committed
        when the step returns, before the route answers, None included (a failed sign-in is
        counted for the backoff though the route then answers 401); rolled back when the step
        raises (a refused link or password changes nothing)."""
        async with self.units() as uow:
            return await step(uow, *args, **kw)


def _issued(session: Session | None, refusal: str) -> dict[str, Any]:
    """The tokens of the session sign-in opened (:meth:`Session.as_json`); 401 ``refusal``
    when it opened none."""
    if session is None:
        raise Refusal(Kind.UNAUTHENTICATED, refusal)
    return session.as_json()


_edge: Callable[[Request], SignInEdge] = app_state("sign_in")


class PasswordIn(PlainBody):
    secret: str = Field(min_length=1, max_length=200, description="The link's one-time secret")
    password: str = Field(min_length=1, max_length=1000)


#: An e-mail address as the org chart holds it (RFC 5321's length; the chart checked the rest).
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


class SignInIn(PlainBody):
    email: Email
    password: str = Field(min_length=1, max_length=1000)


class RefreshIn(PlainBody):
    refresh_token: str = Field(min_length=1, max_length=200)


class ResetIn(PlainBody):
    email: Email


class InvitationIn(PlainBody):
    person_id: str = Field(pattern=ENTITY_PATTERN)


@router.post(
    "/sign-in",
    summary="Sign in with e-mail and password: a short access token and a refresh token",
)
async def sign_in_route(request: Request, body: SignInIn) -> dict[str, Any]:
    """401 ``sign_in_failed`` alike for an unknown address, a wrong password and an address
    under backoff (5 failures in a row, then a doubling delay)."""
    edge = _edge(request)
    session = await edge.run(sign_in.sign_in, body.email, body.password, edge.config)
    return _issued(session, "sign_in_failed")


@router.post(
    "/refresh",
    summary="A new access token and a new refresh token for a live refresh token (rotated)",
)
async def refresh_route(request: Request, body: RefreshIn) -> dict[str, Any]:
    edge = _edge(request)
    session = await edge.run(sign_in.refresh, body.refresh_token, edge.config)
    return _issued(session, "session_invalid")


@router.post(
    "/sign-out",
    status_code=204,
    summary="Revoke a refresh token and every one rotated from the same sign-in",
)
async def sign_out_route(request: Request, body: RefreshIn) -> None:
    await _edge(request).run(sign_in.sign_out, body.refresh_token)


@router.post(
    "/password",
    summary="Set a password with a one-time invitation or reset secret; revokes every session",
)
async def password_route(request: Request, body: PasswordIn) -> dict[str, Any]:
    edge = _edge(request)
    person_id = await edge.run(
        sign_in.set_password, body.secret, body.password, edge.config.hashing
    )
    return {"person_id": person_id, "sessions_revoked": True}


@router.post(
    "/reset",
    status_code=202,
    summary="E-mail a password reset link to this address (the same answer whether it exists)",
)
async def reset_route(request: Request, body: ResetIn) -> dict[str, Any]:
    """503 ``bus_full`` while the bus cannot store the link's event: the person is told to try
    later rather than wait for an e-mail held back until space returns."""
    request.app.state.runtime.check_bus()
    edge = _edge(request)
    await edge.run(sign_in.request_reset, body.email, edge.config)
    return {"accepted": True}


@router.post(
    "/invitations",
    status_code=202,
    summary="Invite a person of the org chart to set their password (a link by e-mail)",
)
async def invite_route(
    admin: Admin,
    request: Request,
    body: InvitationIn,
    reason: Annotated[str, Query(min_length=1, max_length=1000, description="Why (recorded)")],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Recorded as ``invitation.issued`` with the reason; the link goes only by e-mail."""
    return await submit(request, Invitation(person_id=body.person_id, reason=reason), admin, key)
