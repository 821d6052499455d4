"""The web front-end's rules without a server: where each role lands, the session read from a
token, the pages' language and dates, the cookies, CSRF, the demo routes and redirects. The app
is driven in-process (no service behind it: these paths call none)."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.web.bootstrap import build_app
from services.web.domain.sessions import WebSession, home_of, session_of
from services.web.domain.texts import (
    ALL_TEXTS,
    TEXTS,
    language,
    local_date,
    merged,
    month_label,
    text,
)
from services.web.entrypoints.devices import qr_link
from services.web.entrypoints.pages import _local
from services.web.settings import WebSettings
from tools.processes import ROOT


def token(**claims: object) -> str:
    """A JWT's shape with these claims (the web reads claims; the services check signatures)."""
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJFZERTQSJ9.{body}.c2ln"


def claims(sub: str, role: str, unit: str | None = "vp") -> dict[str, object]:
    return {"sub": sub, "role": role, "unit": unit, "exp": int(time.time()) + 3600}


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("auditor", "/audit"),
        ("kiosk", "/kiosk"),
        ("staff", "/self-assessment"),
        ("unit_head", "/review"),
        ("vice_chairman", "/board"),
        ("chairman", "/board"),
        ("admin", "/self-assessment"),
        ("integration", "/nothing-here"),
        ("city", "/city"),
    ],
)
def test_each_role_lands_on_what_it_does(role: str, home: str) -> None:
    assert home_of(session_of(token(**claims("x", role)))) == home


def test_a_session_is_read_from_its_token_and_renewed_before_it_ends() -> None:
    session = session_of(token(sub="p005", role="auditor", unit="vp", exp=1_800_000_000), "r")
    assert (session.subject, session.role, session.unit, session.refresh) == (
        "p005",
        "auditor",
        "vp",
        "r",
    )
    assert not session.needs_refresh(datetime.fromtimestamp(1_800_000_000 - 61, UTC))
    assert session.needs_refresh(datetime.fromtimestamp(1_800_000_000 - 59, UTC))
    assert WebSession.from_dict(session.as_dict()) == session
    with pytest.raises(ValueError):
        session_of("not a token")
    with pytest.raises(ValueError):
        session_of(token(role="auditor"))  # no subject, no end


def test_vietnamese_first_and_dates_in_vietnam_time() -> None:
    assert language(None) == "vi" and language("fr") == "vi" and language("en") == "en"
    # 17:30 UTC on 31 March is 00:30 on 1 April in Ho Chi Minh City.
    assert local_date("2026-03-31T17:30:00+00:00") == "01/04/2026 00:30"
    assert month_label("2026-03") == "03/2026"
    assert text("not_applicable", "vi") == "Không áp dụng"
    assert text("not_applicable", "en") == "Not applicable"
    for vi, en in ALL_TEXTS.values():
        assert vi.strip() and en.strip()


def test_a_text_key_defined_by_two_tables_is_refused() -> None:
    # The programme's "acknowledge" once hid the alert inbox's ("Xác nhận đã nhận").
    assert text("acknowledge", "vi") == "Xác nhận đã nhận"
    assert text("review_acknowledge", "vi") == "Ghi nhận bản đánh giá"
    with pytest.raises(ValueError, match="acknowledge"):
        merged(TEXTS, {"acknowledge": ("Ghi nhận", "Acknowledge")}, {"acknowledge": ("a", "b")})


def test_redirects_stay_on_this_site() -> None:
    assert _local("/audit?x=1") == "/audit?x=1"
    for outside in ("//evil.example", "https://evil.example/", "/\\evil.example", None, ""):
        assert _local(outside) == "/"


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo-tokens.json"
    entries = [
        {"person_id": "p005", "device_id": None, "name": "Đặng Văn Lộc", "role": "auditor",
         "unit_id": "vp", "token": token(**claims("p005", "auditor"))},
        {"person_id": None, "device_id": "kiosk-01", "name": None, "role": "kiosk",
         "unit_id": "ttphcc", "token": token(**claims("kiosk-01", "kiosk", "ttphcc"))},
    ]  # fmt: skip
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


class EndedHere:
    """Signed-out sessions in memory, for the app in-process (no bus); the real bucket is
    tested against NATS in test_people.py."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def end(self, sid: str) -> None:
        self.ids.add(sid)

    async def ended(self, sid: str) -> bool:
        return sid in self.ids


def in_process(config: WebSettings) -> FastAPI:
    """The web app in-process (its lifespan not run: no bus, no service behind it)."""
    app = build_app(config)
    app.state.web = dataclasses.replace(app.state.web, ended=EndedHere())
    return app


def client(**settings: object) -> httpx.AsyncClient:
    config = WebSettings(service="web", **settings)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=in_process(config))
    return httpx.AsyncClient(transport=transport, base_url="http://web.test")


async def test_the_demo_signs_in_by_id_and_lands_on_the_home(tokens_file: Path) -> None:
    web = client(environment="test", demo_tokens=tokens_file)
    answer = await web.get("/demo/sign-in/p005")
    assert answer.status_code == 303 and answer.headers["location"] == "/audit"
    cookie = answer.headers["set-cookie"]
    assert "w5_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on this machine
    assert token(**claims("p005", "auditor")) not in cookie  # sealed, not readable
    device = await web.get("/demo/sign-in/kiosk-01")
    assert device.headers["location"] == "/kiosk"
    assert (await web.get("/demo/sign-in/nobody")).status_code == 404


async def test_there_is_no_demo_sign_in_outside_demo_stacks(tokens_file: Path) -> None:
    for web in (
        client(environment="test", demo_tokens=None),
        client(environment="production", demo_tokens=tokens_file, session_key="k" * 40),
    ):
        answer = await web.get("/demo/sign-in/p005")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
        assert (await web.get("/demo/qr/kiosk-01")).status_code == 404


def test_production_refuses_the_demo_session_key() -> None:
    with pytest.raises(SystemExit, match="WARD5S_WEB_SESSION_KEY"):
        WebSettings(service="web", environment="production").check_production()


async def test_cookies_are_secure_behind_https(tokens_file: Path) -> None:
    web = client(environment="test", demo_tokens=tokens_file)
    answer = await web.get("/demo/sign-in/p005", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in answer.headers["set-cookie"]


async def test_pages_are_vietnamese_whatever_the_browser_asks_until_switched() -> None:
    web = client(environment="test")
    page = await web.get("/sign-in", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text and "Đăng nhập" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    csrf = web.cookies["w5_csrf"]
    assert f'name="csrf" value="{csrf}"' in page.text
    switched = await web.post("/language", data={"csrf": csrf, "lang": "en", "next": "/sign-in"})
    assert switched.status_code == 303 and switched.headers["location"] == "/sign-in"
    assert "max-age=31536000" in switched.headers["set-cookie"].lower()
    again = await web.get("/sign-in")
    assert '<html lang="en">' in again.text and "Sign in" in again.text


async def test_a_form_without_the_csrf_token_is_refused(tokens_file: Path) -> None:
    web = client(environment="test", demo_tokens=tokens_file)
    await web.get("/sign-in")  # the CSRF cookie
    refused = await web.post(
        "/sign-in", data={"csrf": "forged", "email": "a@b.vn", "password": "x"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert "biểu mẫu" in refused.json()["error"]["message"]
    # In the page's language, not the browser's: Vietnamese until the switch says English.
    browser_en = {"Accept-Language": "en"}
    vietnamese = await web.post("/language", data={"csrf": "x", "lang": "en"}, headers=browser_en)
    assert vietnamese.status_code == 403 and "biểu mẫu" in vietnamese.json()["error"]["message"]
    web.cookies.set("w5_lang", "en")
    english = await web.post("/language", data={"csrf": "x", "lang": "vi"}, headers=browser_en)
    assert english.status_code == 403 and "form" in english.json()["error"]["message"]
    web.cookies.delete("w5_lang")
    await web.get("/demo/sign-in/p005")
    api = await web.post("/api/assessment/v1/audits", json={})
    assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"


async def test_a_page_asks_to_sign_in_first_and_refuses_other_roles(tokens_file: Path) -> None:
    web = client(environment="test", demo_tokens=tokens_file)
    answer = await web.get("/audit")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/audit"
    await web.get("/demo/sign-in/kiosk-01")
    refused = await web.get("/audit")
    assert refused.status_code == 403 and "không dành cho vai trò" in refused.text
    altered = web.cookies["w5_session"][:-4] + "AAAA"
    web.cookies.clear()
    web.cookies.set("w5_session", altered, domain="web.test")
    assert (await web.get("/audit")).headers["location"] == "/sign-in?next=/audit"


async def test_a_pages_call_after_its_session_ended_is_told_to_sign_in_again(
    tokens_file: Path,
) -> None:
    """The session cookie gone (expired), the CSRF cookie still there: a page's queued audit
    is refused by the gateway itself, in the page's language whatever the browser asks (it
    went on anonymously and came back in English, the service's words about a bearer token)."""
    web = client(environment="test", demo_tokens=tokens_file)
    await web.get("/sign-in")  # the CSRF cookie
    await web.get("/demo/sign-in/p005")
    csrf = web.cookies["w5_csrf"]
    web.cookies.delete("w5_session")
    answer = await web.post(
        "/api/assessment/v1/audits",
        json={},
        headers={"X-CSRF-Token": csrf, "Accept-Language": "en"},
    )
    assert answer.status_code == 401, answer.text
    error = answer.json()["error"]
    assert error["code"] == "not_signed_in"
    assert error["message"] == "Bạn chưa đăng nhập hoặc phiên đã hết hạn; hãy đăng nhập lại."


async def test_the_gateway_knows_only_the_services() -> None:
    answer = await client(environment="test").get("/api/elsewhere/v1/x")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_service"


async def test_a_service_that_does_not_answer_is_said_so(tokens_file: Path) -> None:
    """Assessment down: a page load gets a page saying so (503), a script's call the project's
    error in JSON; never a 500."""
    web = client(environment="test", demo_tokens=tokens_file, assessment_url="http://127.0.0.1:9")
    await web.get("/demo/sign-in/p005")
    shown = await web.get("/audit", headers={"Accept": "text/html"})
    assert shown.status_code == 503
    assert "text/html" in shown.headers["content-type"]
    assert "Dịch vụ assessment tạm thời không trả lời" in shown.text
    called = await web.get("/api/assessment/v1/catalog")
    assert called.status_code == 503
    assert called.json()["error"]["code"] == "upstream_unavailable"


async def test_a_page_that_does_not_exist_is_said_so_in_the_pages_language() -> None:
    web = client(environment="test")
    shown = await web.get("/demo/sign-in/p005", headers={"Accept": "text/html"})
    assert shown.status_code == 404 and '<html lang="vi">' in shown.text


@pytest.mark.slow
def test_the_web_has_no_migrate_command() -> None:
    """No database, so no ``migrate``: asked for it, the command line says it has none."""
    answer = subprocess.run(
        [sys.executable, "-m", "services.web", "migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert answer.returncode == 2 and "invalid choice: 'migrate'" in answer.stderr


async def test_a_qr_rating_carries_the_citizens_address(tmp_path: Path) -> None:
    """Assessment limits a QR page's ratings per citizen's address: the web passes the
    browser's address on (X-Forwarded-For), never its own for everyone."""
    seen: list[httpx.Request] = []

    def assessment(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"feedback_id": "f1", "unit_id": "kt"})

    config = WebSettings(service="web", environment="test")
    app = in_process(config)
    app.state.web.upstream.client = httpx.AsyncClient(transport=httpx.MockTransport(assessment))
    credential = token(**claims("qr-kt", "kiosk", "kt"))
    link = qr_link(config.session_key, credential, "")
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://web.test") as web:
        await web.get("/sign-in")  # the CSRF cookie
        answer = await web.post(
            f"{link}/feedback",
            json={"unit_id": "kt", "level": 5},
            headers={"X-CSRF-Token": web.cookies["w5_csrf"], "Idempotency-Key": "k1"},
        )
    assert answer.status_code == 201
    (sent,) = seen
    assert sent.url.path == "/v1/feedback"
    assert sent.headers["x-forwarded-for"] == "203.0.113.7"
    assert sent.headers["authorization"] == f"Bearer {credential}"
    assert sent.headers["idempotency-key"] == "k1"


async def test_a_wrong_address_or_query_gets_a_page_in_the_pages_language() -> None:
    """A page load gets an HTML page in the page's language (Vietnamese by default, whatever
    the browser asks; English once switched), a script the project's JSON; the CSRF refusal of
    a form is said in the page's language too."""
    web = client(environment="test")
    html = {"accept": "text/html,application/xhtml+xml", "accept-language": "en-US,en"}
    for path, status, code in (
        ("/khong-co-trang-nay", 404, "not_found"),
        ("/self-assessment?period=2025-13", 422, "bad_format"),
    ):
        answer = await web.get(path, headers=html)
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
        assert '<html lang="vi">' in answer.text
        script = await web.get(path, headers={"accept": "*/*", "accept-language": "en"})
        assert script.status_code == status
        error = script.json()["error"]
        assert error["code"] == code and error["message"] in answer.text
    assert "Không tìm thấy" in (await web.get("/khong-co-trang-nay", headers=html)).text
    web.cookies.set("w5_lang", "en")
    english = await web.get("/self-assessment?period=2025-13", headers=html)
    assert english.status_code == 422 and '<html lang="en">' in english.text
    web.cookies.delete("w5_lang")
    refused = await web.post(
        "/sign-out", data={"csrf": "not the cookie"}, headers={"accept-language": "en"}
    )
    assert refused.status_code == 403
    assert "biểu mẫu" in refused.json()["error"]["message"]


def test_a_refusal_of_a_listed_row_names_that_rows_field_past_the_rows_left_empty() -> None:
    from services.web.entrypoints.forms import form_field
    from services.web.entrypoints.programme import FOLLOW_UPS

    # Row 0 left empty (its owner chosen by default is not typing), row 1 a due date and a task
    # of spaces, row 2 written: the body's follow_ups[0] is row 1, follow_ups[1] row 2.
    form = {"owner-0": "p010", "task-1": "  ", "due-1": "2030-01-01", "task-2": "Việc", "due-2": ""}
    assert FOLLOW_UPS.of(form) == [1, 2]
    fields = {"follow_ups": FOLLOW_UPS}
    assert form_field("follow_ups[0].task", form, fields) == "task-1"
    assert form_field("follow_ups[1].due_on", form, fields) == "due-2"
    assert form_field("follow_ups[1].owner_id", form, fields) == "owner-2"
    assert form_field("follow_ups", form, fields) is None  # the list as a whole: the form's top
    assert form_field("follow_ups[5].task", form, fields) is None
    assert form_field("follow_ups[0].other", form, fields) is None
    assert form_field("items[2].code", {"codes": "S1.1"}, {"items": "codes"}) == "codes"
