"""Production fails closed on mail (issue 17, item 7): notifications refuses to start with a
mail catcher as its relay, where alerts would reach nobody."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.notifications.settings import NotificationsSettings

STRONG = SecretStr("a-production-secret-of-its-own-32-bytes")


def production(**values: object) -> NotificationsSettings:
    return NotificationsSettings(
        service="notifications",
        http_port=1,
        environment="production",
        signing_secret=STRONG,
        sign_in_mail_key=STRONG,
        **values,
    )


@pytest.mark.parametrize(
    ("host", "port"),
    [("mailpit", 1025), ("mailpit", 25), ("MailHog", 25), ("relay.binhdong.example.vn", 1025)],
)
def test_production_refuses_a_mail_catcher(host: str, port: int) -> None:
    with pytest.raises(SystemExit, match="is a mail catcher"):
        production(smtp_host=host, smtp_port=port).check_production()


def test_production_takes_a_real_relay_and_a_demo_stack_the_catcher() -> None:
    production(smtp_host="relay.binhdong.example.vn", smtp_port=587).check_production()
    demo = NotificationsSettings(service="notifications", http_port=1, smtp_host="mailpit")
    demo.check_production()  # not production: nothing checked
