"""Settings from the environment.

Each setting ``x`` of service ``s`` is read from ``WARD5S_S_X`` and, failing that, ``WARD5S_X``:
so ``WARD5S_NATS_URL`` sets the bus for every service and ``WARD5S_SCORING_HTTP_PORT`` only the
scoring port. Defaults run the whole stack on one machine with SQLite files under ``var/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

#: Known only to demo and test stacks; a production stack refuses to start with it.
DEMO_TOKEN_SECRET = "ward5s-demo-secret-change-me-in-production"

Environment = Literal["production", "demo", "test"]


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
    token_secret: SecretStr = SecretStr(DEMO_TOKEN_SECRET)
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
        A service with secrets of its own adds them."""
        return {"WARD5S_TOKEN_SECRET": (self.token_secret, DEMO_TOKEN_SECRET)}

    def check_production(self) -> None:
        """Refuse to start a production stack that still has a demo secret (SystemExit)."""
        if self.environment != "production":
            return
        for variable, (value, demo) in self.demo_secrets().items():
            if value.get_secret_value() == demo:
                raise SystemExit(f"{variable} must be set to a secret of your own in production")


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
