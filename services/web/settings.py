"""Settings of the web front-end (``WARD5S_WEB_X`` then ``WARD5S_X``): where the services
answer, the key that seals its cookies, and the demo's tokens file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from services.runtime.settings import ServiceSettings, load_settings

#: Known only to demo and test stacks; a production stack refuses to start with it.
DEMO_SESSION_KEY = SecretStr("ward5s-demo-web-session-key-change-me-in-production")


class WebSettings(ServiceSettings):
    http_port: int = 8000
    #: The services' HTTP APIs, as this process reaches them (compose: the services' names).
    assessment_url: str = "http://127.0.0.1:8001"
    scoring_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    #: Seals the session cookie (the person's tokens) and signs QR links.
    session_key: SecretStr = DEMO_SESSION_KEY
    #: ``Secure`` cookies: None decides per request (https, or ``X-Forwarded-Proto: https`` from
    #: the proxy in front); a deployment behind TLS may force it with true.
    cookie_secure: bool | None = None
    #: A signed-in browser stays signed in this long without a visit (the refresh token's own
    #: lifetime, 12 hours by default, ends it sooner).
    session_hours: float = 12.0
    #: The demo loader's tokens (``var/demo-tokens.json``): ``GET /demo/sign-in/{id}`` signs a
    #: demo person or device in with them. Demo and test stacks only; production answers 404.
    demo_tokens: Path | None = None
    #: Seconds an upstream call may take before the page says the service is unavailable.
    upstream_timeout_s: float = 15.0

    @property
    def demo_mode(self) -> bool:
        return self.environment != "production" and self.demo_tokens is not None

    def demo_secrets(self) -> Mapping[str, tuple[SecretStr, str]]:
        return {
            **super().demo_secrets(),
            "WARD5S_WEB_SESSION_KEY": (self.session_key, DEMO_SESSION_KEY.get_secret_value()),
        }

    def upstream(self) -> dict[str, str]:
        """Service name -> base URL, for the gateway (``/api/<service>/...``)."""
        return {
            "assessment": self.assessment_url.rstrip("/"),
            "scoring": self.scoring_url.rstrip("/"),
            "notifications": self.notifications_url.rstrip("/"),
        }


def web_settings() -> WebSettings:
    return load_settings(WebSettings, "web")
