"""Citizens' rating screens in Chromium against the real stack (conftest.py): the kiosk offline
(its capture time kept), a kiosk signed in with its device credential and used by keyboard, a
QR link's page with no login. Screenshots under var/artefacts/web/; no request leaves
127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.catalog import default_catalog
from tests.support.http import eventually
from tests.web.conftest import (
    Requests,
    WebStack,
    api,
    new_context,
    no_serious_violations,
    screenshots,
)
from tools.processes import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CATALOG = default_catalog()


async def register_device(stack: WebStack, device_id: str, unit: str, channel: str) -> str:
    """The administrator registers a kiosk or QR link; its credential as assessment answers."""
    registered = await api(
        "PUT",
        f"{stack.assessment()}/v1/org/devices/{device_id}",
        stack.token("p006"),  # the ward's administrator
        params={"reason": "Thiết bị đánh giá mới"},
        json={
            "role": "kiosk",
            "unit_id": unit,
            "label_vi": f"Thiết bị {device_id}",
            "label_en": f"Device {device_id}",
            "channel": channel,
        },
    )
    assert registered.status_code == 200, registered.text
    return str(registered.json()["token"])


def print_qr_link(stack: WebStack, token_file: Path) -> str:
    """``python -m services.web qr-link`` as the operator runs it, with the web's settings."""
    command = ["qr-link", "--token-file", str(token_file), "--base-url", stack.url]
    printed = subprocess.run(
        [sys.executable, "-m", "services.web", *command],
        cwd=ROOT,
        env={**os.environ, **stack.web.env},
        capture_output=True,
        text=True,
        check=True,
    )
    return printed.stdout.strip()


async def test_a_kiosk_rating_given_offline_keeps_its_capture_time(browser, web_stack) -> None:
    requests = Requests()
    context = await new_context(browser, requests, phone=False)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/kiosk-01")
    assert page.url.endswith("/kiosk")
    await page.evaluate("navigator.serviceWorker.ready")
    levels = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
    for level in levels:
        button = page.get_by_role("button", name=level, exact=True)
        box = await button.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44
    await no_serious_violations(page)
    await screenshots(page, "kiosk")

    await context.set_offline(True)
    given = datetime.now(UTC)
    await page.get_by_label("Góp ý thêm (không bắt buộc)").fill("Cán bộ hướng dẫn tận tình")
    await page.get_by_role("button", name="Hài lòng", exact=True).click()
    await page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!").wait_for()
    await screenshots(page, "kiosk-thanks")
    await page.get_by_role("button", name="Rất hài lòng").wait_for(timeout=10000)  # reset
    await page.wait_for_timeout(2000)  # it waits offline a while before it is sent
    await context.set_offline(False)
    result = await eventually(
        lambda: page.evaluate(
            "Ward5sQueue.all().then(rows => rows.filter("
            "r => r.kind === 'feedback' && r.status !== 'queued'))"
        ),
        within=20,
    )
    assert result[0]["status"] == "sent", result[0].get("error")
    captured = datetime.fromisoformat(result[0]["result"]["captured_at"])
    sent = datetime.fromisoformat(result[0]["sent"])
    assert abs((captured - given).total_seconds()) < 2
    assert (sent - captured).total_seconds() >= 2
    requests.assert_local()
    await context.close()


async def test_a_kiosk_is_signed_in_with_its_credential_and_used_by_keyboard(
    browser, web_stack
) -> None:
    credential = await register_device(web_stack, "kiosk-test", "ttphcc", "kiosk")
    requests = Requests()
    context = await new_context(browser, requests, phone=False)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/sign-in")
    await page.get_by_role("link", name="Ki-ốt đánh giá: đăng nhập bằng mã thiết bị").click()
    field = page.get_by_label("Mã đăng nhập của ki-ốt (do quản trị hệ thống cấp)")
    await field.fill(web_stack.token("p005"))  # a person's token is no kiosk's credential
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_text("không phải của một ki-ốt").wait_for()
    await no_serious_violations(page)
    await screenshots(page, "kiosk-sign-in-refused")
    await field.fill(credential)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url("**/kiosk")
    assert "Trung tâm Phục vụ hành chính công" in await page.locator("h1").inner_text()

    # Keyboard alone: Tab through the comment to the levels, Enter to rate.
    await page.get_by_label("Góp ý thêm (không bắt buộc)").focus()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Hài lòng"
    await page.keyboard.press("Enter")
    await page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!").wait_for()
    requests.assert_local()
    await context.close()


async def test_a_citizen_rates_a_unit_by_its_qr_link(browser, web_stack, tmp_path) -> None:
    """An administrator registers a QR link of Phòng Kinh tế; the operator prints its page's
    address (python -m services.web qr-link); a citizen with no login rates the unit there. A
    link altered by one character opens nothing."""
    credential = await register_device(web_stack, "qr-test-kt", "kt", "qr")
    token_file = tmp_path / "qr.token"
    token_file.write_text(credential)
    link = await asyncio.to_thread(print_qr_link, web_stack, token_file)
    assert link.startswith(f"{web_stack.url}/qr/") and credential not in link

    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(link)
    assert "Phòng Kinh tế" in await page.locator("h1").inner_text()
    await page.get_by_role("button", name="Rất hài lòng").click()
    await page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!").wait_for()
    sent = await eventually(
        lambda: page.evaluate(
            "Ward5sQueue.all().then(rows => rows.filter("
            "r => r.kind === 'feedback' && r.status !== 'queued'))"
        ),
        within=20,
    )
    assert sent[0]["status"] == "sent", sent[0].get("error")
    assert sent[0]["result"]["unit_id"] == "kt"
    await screenshots(page, "qr-page")

    altered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert (await page.goto(altered)).status == 404
    requests.assert_local()
    await context.close()


async def test_a_kiosk_on_a_phone_names_its_unit_fits_five_faces_and_resets_to_vietnamese(
    browser, web_stack
) -> None:
    """On a 390×844 screen all five faces are on the screen, each at least 44×44; the bar names
    the unit, not the device id; a citizen who switched to English and double-tapped a face
    gave one rating, and the kiosk is back in Vietnamese for the next citizen."""
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/kiosk-02")
    who = await page.locator(".who").inner_text()
    assert "Trung tâm Phục vụ hành chính công" in who and "kiosk-02" not in who
    for button in await page.locator("button.level").all():
        box = await button.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    await screenshots(page, "kiosk-phone")

    await page.get_by_role("button", name="English").click()
    await page.wait_for_function("() => document.documentElement.lang === 'en'")
    await page.locator("button.level-4").dblclick()
    await page.get_by_text("Thank you for your rating!").wait_for()
    await page.wait_for_function("() => document.documentElement.lang === 'vi'", timeout=30000)
    await page.wait_for_load_state()
    await page.get_by_role("button", name="Rất hài lòng", exact=True).wait_for(timeout=30000)
    ratings = await page.evaluate(
        "Ward5sQueue.all().then(rows => rows.filter(r => r.kind === 'feedback').length)"
    )
    assert ratings == 1
    requests.assert_local()
    await context.close()
