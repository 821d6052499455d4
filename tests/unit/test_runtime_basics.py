"""Settings, bearer tokens and error bodies: the plumbing every service relies on."""

from __future__ import annotations

import pytest

from contracts.roles import Role
from services.runtime.auth import Principal
from services.runtime.errors import error_body, field_path, from_validation_errors, pick_language
from services.runtime.settings import ServiceSettings, load_settings


def test_service_setting_wins_over_shared_one(monkeypatch) -> None:
    monkeypatch.setenv("WARD5S_NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("WARD5S_HTTP_PORT", "9000")
    monkeypatch.setenv("WARD5S_SCORING_HTTP_PORT", "9002")
    settings = load_settings(ServiceSettings, "scoring", http_port=8002)
    assert settings.http_port == 9002
    assert settings.nats_url == "nats://shared:4222"
    assert settings.sqlalchemy_url.endswith("var/scoring.db")


def test_who_sees_which_unit() -> None:
    deputy = Principal("p002", "binh-dong", Role.VICE_CHAIRMAN, "vp", ("kt",))
    head = Principal("p010", "binh-dong", Role.UNIT_HEAD, "kt")
    staff = Principal("p011", "binh-dong", Role.STAFF, "kt")
    assert deputy.sees_unit("kt") and not deputy.sees_unit("dvcu")
    assert head.sees_unit("kt") and not head.sees_unit("vp")
    assert not staff.sees_unit("kt")
    assert Principal("p001", "binh-dong", Role.CHAIRMAN, "vp").sees_unit("dvcu")


@pytest.mark.parametrize(
    ("header", "lang"),
    [(None, "vi"), ("en-US,en;q=0.9", "en"), ("vi-VN,en;q=0.5", "vi"), ("fr", "vi")],
)
def test_language_choice(header: str | None, lang: str) -> None:
    assert pick_language(header) == lang


def test_validation_errors_name_the_field() -> None:
    status, code, field, params = from_validation_errors(
        [{"type": "less_than_equal", "loc": ("body", "items", 3, "score"), "ctx": {"le": 4}}]
    )
    assert (status, code, field, params) == (422, "out_of_range", "items[3].score", {"le": 4})
    assert field_path(("query", "period")) == "period"
    body = error_body(code, field, "vi")
    assert body == {
        "error": {
            "code": "out_of_range",
            "field": "items[3].score",
            "message": "Giá trị nằm ngoài khoảng cho phép.",
        }
    }
    assert error_body("required", "unit_id", "en")["error"]["message"] == (
        "This field is required."
    )
