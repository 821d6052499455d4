"""People's own pages in Chromium against the real stack (conftest.py): the monthly "+"
submitted, returned, resubmitted and adjusted; signing in with a password (renewed while they
work) and out; CSRF on the gateway. Screenshots under var/artefacts/web/; no request leaves
127.0.0.1."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import httpx
import nats
import pytest

from contracts.catalog import default_catalog
from contracts.periods import Month
from services.runtime.sealing import DEMO_MAIL_KEY, unseal
from tests.assessment.conftest import read_stream
from tests.support.http import eventually
from tests.web.conftest import (
    Requests,
    WebStack,
    api,
    new_context,
    no_serious_violations,
    screenshots,
    this_month,
)
from tools.devstack import print_demo_links

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CATALOG = default_catalog()
P_ITEMS = [i.code for p in CATALOG.pillars if p.code == "P" for i in p.items]


async def link_secret(stack: WebStack, person_id: str) -> str:
    """The secret of the sign-in link issued to ``person_id``, opened from its sealed event on
    the stream (as notifications opens it to e-mail it)."""
    client = await nats.connect(stack.stack.nats_url)
    try:

        async def issued() -> str | None:
            for message in reversed(await read_stream(client)):
                event = message["event"]
                if event["type"] == "assessment.sign_in.link_issued":
                    link = unseal(DEMO_MAIL_KEY, event["data"]["sealed"])["link"]
                    if event["data"].get("person_id", person_id) == person_id:
                        return str(parse_qs(urlparse(link).query)["secret"][0])
            return None

        return await eventually(issued)
    finally:
        await client.close()


async def test_a_person_submits_their_plus_sees_it_returned_and_resubmits(
    browser, web_stack
) -> None:
    previous = Month.of(datetime.now(UTC)).shift(-1)
    closed = await api(
        "POST", f"{web_stack.assessment()}/v1/periods/{previous.key}/close", web_stack.token("p006")
    )
    assert closed.status_code in (200, 201, 409), closed.text  # 409: closed already
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/p012")  # staff of kt; head p010
    assert "/self-assessment" in page.url
    assert await page.get_attribute("html", "lang") == "vi"
    assert "Trưởng đơn vị của bạn sẽ xem xét" in await page.locator("#reviewer").inner_text()
    offered = await page.locator("#period option").evaluate_all("o => o.map(x => x.value)")
    assert this_month() in offered and previous.key not in offered  # open months only
    # The same form open in a second tab, filled otherwise: sent after the first, refused, and
    # what was typed in it stays.
    second = await context.new_page()
    await second.goto(f"{web_stack.url}/self-assessment")
    for code in P_ITEMS:
        group = page.get_by_role("radiogroup", name=re.compile("^" + re.escape(code) + " "))
        await group.get_by_role("radio", name="4", exact=True).check()
        group = second.get_by_role("radiogroup", name=re.compile("^" + re.escape(code) + " "))
        await group.get_by_role("radio", name="2", exact=True).check()
    await no_serious_violations(page)
    await page.get_by_role("button", name="Nộp bản tự đánh giá").dblclick()  # sent once
    await page.get_by_text("Đã nộp, đang chờ xem xét.").wait_for()
    await second.get_by_role("button", name="Nộp bản tự đánh giá").click()
    await second.locator("p.error").wait_for()
    for code in P_ITEMS:
        group = second.get_by_role("radiogroup", name=re.compile("^" + re.escape(code) + " "))
        assert await group.get_by_role("radio", name="2", exact=True).is_checked(), code
    await second.close()
    # A closed month is shown, and takes nothing.
    await page.goto(f"{web_stack.url}/self-assessment?period={previous.key}")
    assert "đã khóa sổ" in await page.locator("#month-closed").inner_text()
    assert await page.locator("#plus-form").count() == 0
    await page.goto(f"{web_stack.url}/self-assessment")

    head = web_stack.token("p010")
    listed = await api(
        "GET",
        f"{web_stack.assessment()}/v1/self-assessments",
        head,
        params={"period": this_month()},
    )
    (mine,) = [s for s in listed.json()["self_assessments"] if s["person_id"] == "p012"]
    answer = await api(
        "POST",
        f"{web_stack.assessment()}/v1/self-assessments/{mine['self_assessment_id']}/review",
        head,
        json={"outcome": "returned", "reason": "Tiêu chí P.1 cần minh chứng cụ thể"},
    )
    assert answer.status_code == 200, answer.text

    await page.reload()
    await page.get_by_text("Bị trả lại, cần sửa và nộp lại.").wait_for()
    assert "cần minh chứng cụ thể" in await page.locator("#review-reason").inner_text()
    await screenshots(page, "plus-returned")
    group = page.get_by_role("radiogroup", name=re.compile(r"^P\.1 "))
    await group.get_by_role("radio", name="3", exact=True).check()
    await page.get_by_role("button", name="Nộp lại bản tự đánh giá").click()
    await page.get_by_text("Đã nộp, đang chờ xem xét.").wait_for()
    shown = await page.locator("#status").inner_text()
    assert re.search(r"Nộp lúc: \d{2}/\d{2}/\d{4} \d{2}:\d{2}", shown)  # dd/mm/yyyy

    # The head approves it with an adjustment and a reason; the person sees both.
    listed = await api(
        "GET",
        f"{web_stack.assessment()}/v1/self-assessments",
        head,
        params={"period": this_month()},
    )
    mine = next(s for s in listed.json()["self_assessments"] if s["person_id"] == "p012")
    adjusted = [{"code": code, "score": 2 if code == "P.1" else 4} for code in P_ITEMS]
    answer = await api(
        "POST",
        f"{web_stack.assessment()}/v1/self-assessments/{mine['self_assessment_id']}/review",
        head,
        json={"outcome": "adjusted", "reason": "P.1 chưa đủ minh chứng", "items": adjusted},
    )
    assert answer.status_code == 200, answer.text
    await page.reload()
    await page.get_by_text("Đã được duyệt có điều chỉnh.").wait_for()
    assert "P.1 chưa đủ minh chứng" in await page.locator("#review-reason").inner_text()
    row = page.get_by_role("row", name=re.compile(r"^P\.1 "))
    p1_text = next(i.text for p in CATALOG.pillars for i in p.items if i.code == "P.1")
    assert p1_text.vi in await row.inner_text()  # the results name each item, not its code alone
    assert [c.strip() for c in await row.locator("td").all_inner_texts()] == ["3", "2"]
    assert await page.locator("#plus-form").count() == 0  # nothing to resubmit

    # The English switch is remembered; the page says so in English and <html lang="en">.
    await page.get_by_role("button", name="English").click()
    await page.get_by_text("Approved with adjustments.").wait_for()
    assert await page.get_attribute("html", "lang") == "en"
    await page.reload()
    assert await page.get_attribute("html", "lang") == "en"
    await screenshots(page, "plus-adjusted")
    requests.assert_local()
    await context.close()


async def test_a_person_signs_in_with_their_password_and_out(browser, web_stack) -> None:
    """Invited by the administrator, p013 sets a password and signs in on the sign-in page; a
    wrong password is refused in Vietnamese; their 62-second token is renewed while they work;
    signing out ends the session."""
    invited = await api(
        "POST",
        f"{web_stack.assessment()}/v1/auth/invitations",
        web_stack.token("p006"),
        params={"reason": "Cán bộ mới"},
        json={"person_id": "p013"},
    )
    assert invited.status_code == 202, invited.text
    secret = await link_secret(web_stack, "p013")
    password = "Sạch sẽ, săn sóc, sẵn sàng 2026"
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{web_stack.assessment()}/v1/auth/password",
            json={"secret": secret, "password": password},
        )
    assert answer.status_code == 200, answer.text

    requests = Requests()
    context = await new_context(browser, requests, phone=False)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/self-assessment")
    assert "/sign-in?next=/self-assessment" in page.url
    await no_serious_violations(page)
    await page.get_by_label("Địa chỉ e-mail").fill("p013@binhdong.example.vn")
    await page.get_by_label("Mật khẩu").fill("sai mật khẩu")
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_text("E-mail hoặc mật khẩu không đúng").wait_for()
    await screenshots(page, "sign-in-refused")
    await page.get_by_label("Mật khẩu").fill(password)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url("**/self-assessment")
    # The bar names the person from the org chart, as a demo sign-in does, not the role.
    who = await page.locator(".who").inner_text()
    assert "Mai Thị Ngọc Hân" in who and "Cán bộ, công chức" not in who
    session = next(c for c in await context.cookies() if c["name"] == "w5_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    first = session["value"]
    await page.wait_for_timeout(2500)  # the token now ends within the renewal margin
    await page.reload()
    await page.get_by_text("Chưa nộp cho tháng này.").wait_for()
    renewed = next(c for c in await context.cookies() if c["name"] == "w5_session")
    assert renewed["value"] != first  # renewed through assessment's refresh
    assert "Mai Thị Ngọc Hân" in await page.locator(".who").inner_text()

    await page.get_by_role("button", name="Đăng xuất").click()
    await page.wait_for_url("**/sign-in")
    await page.goto(f"{web_stack.url}/self-assessment")
    assert "/sign-in" in page.url
    requests.assert_local()
    await context.close()


def test_state_changes_need_the_csrf_token(web_stack) -> None:
    """A page's session cookie alone does not submit: 403 csrf_failed in the project's error
    shape, in Vietnamese."""
    with httpx.Client(base_url=web_stack.url, follow_redirects=False) as client:
        signed = client.get("/demo/sign-in/p005")
        assert signed.status_code == 303 and signed.headers["location"] == "/audit"
        answer = client.post("/api/assessment/v1/audits", json={})
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["code"] == "csrf_failed" and "biểu mẫu" in error["message"]
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert client.get("/demo/sign-in/nobody").status_code == 404


def test_signing_out_ends_every_kind_of_session_on_the_server(web_stack) -> None:
    """A copy of the session cookie taken before signing out is worth nothing after it, for a
    demo person and for a device (kiosk) alike: the pages send it to sign in, the gateway
    answers 401; another browser signed in as the same demo person is not signed out."""
    for subject, home in (("p005", "/audit"), ("kiosk-01", "/kiosk")):
        with (
            httpx.Client(base_url=web_stack.url, follow_redirects=False) as browser,
            httpx.Client(base_url=web_stack.url, follow_redirects=False) as other,
        ):
            assert browser.get(f"/demo/sign-in/{subject}").status_code == 303
            assert other.get(f"/demo/sign-in/{subject}").status_code == 303
            assert browser.get(home).status_code == 200
            copied = browser.cookies["w5_session"]
            csrf = browser.cookies["w5_csrf"]
            signed_out = browser.post("/sign-out", data={"csrf": csrf})
            assert signed_out.status_code == 303 and signed_out.headers["location"] == "/sign-in"
            with httpx.Client(
                base_url=web_stack.url, follow_redirects=False, cookies={"w5_session": copied}
            ) as thief:
                page = thief.get(home)
                assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")
                api = thief.get("/api/assessment/v1/units")
                assert api.status_code == 401, api.text
                assert api.json()["error"]["code"] == "not_signed_in"
            assert other.get(home).status_code == 200


def test_make_run_prints_a_qr_page_and_a_demo_password_that_signs_in(
    web_stack, tmp_path, capsys
) -> None:
    """The guide ``make run`` prints links a QR page and gives a demo person's e-mail and
    password; with them the sign-in page signs that person in (demo stacks only)."""
    tokens = tmp_path / "demo-tokens.json"
    tokens.write_text(json.dumps(web_stack.tokens), encoding="utf-8")
    port = int(web_stack.url.rsplit(":", 1)[1])
    print_demo_links(port, tokens)
    printed = capsys.readouterr().out
    qr = re.search(r"(http://127\.0\.0\.1:\d+/demo/qr/[\w-]+)", printed)
    assert qr is not None, printed
    found = re.search(r"with a password: (\S+), password «(.+?)»", printed)
    assert found is not None, printed
    email, password = found.groups()
    with httpx.Client(base_url=web_stack.url, follow_redirects=False) as browser:
        opened = browser.get(qr.group(1).removeprefix(web_stack.url))
        assert opened.status_code == 303 and opened.headers["location"].startswith("/qr/")
        browser.get("/sign-in")  # the CSRF cookie
        signed = browser.post(
            "/sign-in",
            data={"csrf": browser.cookies["w5_csrf"], "email": email, "password": password},
        )
        assert signed.status_code == 303, signed.text
        assert signed.headers["location"] == "/self-assessment"
