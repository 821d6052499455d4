"""Settings from the environment.

Each setting ``x`` of service ``s`` is read from ``WARD5S_S_X`` and, failing that, ``WARD5S_X``:
so ``WARD5S_NATS_URL`` sets the bus for every service and ``WARD5S_SCORING_HTTP_PORT`` only the
scoring port. Defaults run the whole stack on one machine with SQLite files under ``var/``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

from services.runtime.auth import KeysUnavailable
from services.runtime.clock import START_VARIABLE
from services.runtime.sealing import DEMO_MAIL_KEY
from services.runtime.token_keys import JwksFile, demo_kids

#: The shortest secret a production stack accepts (``openssl rand -hex 32`` gives 64).
MIN_SECRET_LENGTH = 32

Environment = Literal["production", "demo", "test"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def separated(value: str) -> tuple[str, ...]:
    """The items of a setting that lists several separated by commas (``"p005, p007"``, NATS
    servers): each stripped, empty ones dropped."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def networks(value: str) -> tuple[Network, ...]:
    """The networks of a setting that lists them in CIDR notation (or as single addresses),
    separated by commas or spaces (``"10.0.0.0/8, 172.18.0.2"``: trusted proxies, a webhook's
    allowed networks); ValueError for one that is not a network."""
    return tuple(ipaddress.ip_network(p, strict=False) for p in value.replace(",", " ").split())


class ServiceSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    service: str
    environment: Environment = "demo"
    http_host: str = "127.0.0.1"
    http_port: int
    database_url: str = ""
    var_dir: Path = Path("var")
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    #: Where a verifying service (scoring, notifications) finds the public keys of bearer
    #: tokens: the issuer's JWKS endpoint, or, when ``jwks_file`` is set, that file instead
    #: (``services.runtime.token_keys``). No service but assessment holds a private key.
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwks_file: Path | None = None
    #: A token naming an unknown key fetches the JWKS again at most this often.
    jwks_refresh_s: float = 30.0
    #: The cached JWKS is fetched again once this old (a retired key stops verifying by then).
    jwks_max_age_s: float = 300.0
    #: The deployment's reverse proxies (CIDR, comma-separated), whose ``X-Forwarded-For`` names
    #: the client (``services.runtime.clients``); empty: the peer is the client.
    trusted_proxies: str = ""
    #: When set, /metrics asks for this bearer token (Prometheus sends it).
    metrics_token: SecretStr | None = None
    #: Create or update the streams on start (a production stack does it once, as an admin).
    declare_streams: bool = True
    relay_poll_s: float = 0.5
    relay_batch: int = 500
    consumer_batch: int = 256
    log_level: str = "INFO"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / (self.service + '.db')}"

    def demo_secrets(self) -> Mapping[str, tuple[SecretStr, str]]:
        """The secrets a production stack must set: variable -> (value, the demo value).
        A service with secrets of its own adds them. (Token keys are not secrets shared between
        services: see ``services.runtime.token_keys``.)"""
        return {}

    def check_production(self) -> None:
        """Refuse to start a production stack (SystemExit) that still has a demo secret, a
        secret shorter than :data:`MIN_SECRET_LENGTH`, a JWKS file trusting a demo key, or a
        moved wall clock (``WARD5S_WALL_CLOCK_START``: ``services.runtime.clock``)."""
        if self.environment != "production":
            return
        if os.environ.get(START_VARIABLE):
            # A moved wall clock would date every record of a real ward wrongly.
            raise SystemExit(f"{START_VARIABLE} is for demo and test stacks, not production")
        for variable, (value, demo) in self.demo_secrets().items():
            secret = value.get_secret_value()
            if secret == demo or "change-me" in secret:
                raise SystemExit(f"{variable} must be set to a secret of your own in production")
            if len(secret) < MIN_SECRET_LENGTH:
                raise SystemExit(
                    f"{variable} is too short: use at least {MIN_SECRET_LENGTH} characters "
                    "(openssl rand -hex 32)"
                )
        if self.jwks_file is not None:
            try:
                trusted = demo_kids(JwksFile(self.jwks_file).keys())
            except (KeysUnavailable, ValueError) as error:
                raise SystemExit(f"WARD5S_JWKS_FILE: {error}") from None
            if trusted:
                raise SystemExit(f"{self.jwks_file} trusts demo or test keys: {trusted}")


class CommandSettings(ServiceSettings):
    """A service that takes people's commands (``services.runtime.commands``)."""

    #: How long a retry of a person's command with the same idempotency key still gets the first
    #: answer back (older keys are forgotten by the housekeeping loop).
    idempotency_retention_days: float = 30.0

    @property
    def keep_commands(self) -> timedelta:
        """:attr:`idempotency_retention_days` as a duration."""
        return timedelta(days=self.idempotency_retention_days)


class SignInMailSettings(ServiceSettings):
    """A service that holds the key sign-in links are sealed with for e-mailing (assessment
    seals them, notifications opens them to send; ``WARD5S_SIGN_IN_MAIL_KEY``, one variable
    read by both: ``services.runtime.sealing``)."""

    sign_in_mail_key: SecretStr = DEMO_MAIL_KEY

    def demo_secrets(self) -> Mapping[str, tuple[SecretStr, str]]:
        return {
            **super().demo_secrets(),
            "WARD5S_SIGN_IN_MAIL_KEY": (self.sign_in_mail_key, DEMO_MAIL_KEY.get_secret_value()),
        }


S = TypeVar("S", bound=ServiceSettings)


def own_settings(cls: type[S], config: ServiceSettings | None, load: Callable[[], S]) -> S:
    """A service's own settings from what a caller passed: none (read the environment with
    ``load``), its own (as they are), or the shared ones a generic tool builds (their values,
    the service's defaults for the rest)."""
    if config is None:
        return load()
    if isinstance(config, cls):
        return config
    return cls.model_validate(dict(config))


def load_settings(cls: type[S], service: str, **defaults: object) -> S:
    """Build settings for ``service`` from the environment, over the given defaults."""
    values: dict[str, object] = {"service": service, **defaults}
    for name in cls.model_fields:
        for key in (f"WARD5S_{service}_{name}".upper(), f"WARD5S_{name}".upper()):
            if key in os.environ:
                values[name] = os.environ[key]
                break
    return cls.model_validate(values)
