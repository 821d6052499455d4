"""The pages people submit from, in Chromium against the real stack (see conftest.py): the
auditor's checklist online and offline, the kiosk offline, the monthly "+" returned and
resubmitted. Screenshots under var/artefacts/web/; no request leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import nats
import pytest
from PIL import Image

from contracts.catalog import default_catalog
from contracts.periods import Month
from services.runtime.sealing import DEMO_MAIL_KEY, unseal
from tests.assessment.conftest import read_stream
from tests.support.http import eventually
from tests.web.conftest import (
    Requests,
    WebStack,
    new_context,
    no_serious_violations,
    screenshots,
)
from tools.processes import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CATALOG = default_catalog()
S_ITEMS = [i.code for p in CATALOG.pillars if p.code != "P" for i in p.items]
P_ITEMS = [i.code for p in CATALOG.pillars if p.code == "P" for i in p.items]
SIX = ["0", "1", "2", "3", "4", "Không áp dụng"]


#: The EXIF tag of a photo's GPS position.
GPS_IFD = 0x8825


def chairman(stack: WebStack) -> str:
    return stack.token("p001")


def auditor(stack: WebStack) -> str:
    return stack.token("p005")


def phone_photo() -> bytes:
    """A photo as a phone takes it: 4000×3000 JPEG with its GPS position in the EXIF."""
    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (10.0, 46.0, 30.0), 3: "E", 4: (106.0, 40.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def this_month() -> str:
    return Month.of(datetime.now(UTC)).key


async def api(method: str, url: str, token: str, **more: object) -> httpx.Response:
    """A call to a service's API with a demo token."""
    async with httpx.AsyncClient(timeout=10) as client:
        headers = {"Authorization": f"Bearer {token}"}
        return await client.request(method, url, headers=headers, **more)  # type: ignore[arg-type]


#: The demo units these tests audit, by the name the ward's export gives them.
UNIT_NAMES = {
    "kt": "Phòng Kinh tế",
    "vhxh": "Phòng Văn hóa - Xã hội",
    "dvcu": "Đội Quản lý trật tự đô thị",
}


async def audits_of(stack: WebStack, unit: str) -> set[str]:
    """The ids of the month's audits of ``unit``, as the chairman's export lists them."""
    answer = await api(
        "GET",
        f"{stack.assessment()}/v1/exports/audits.csv",
        stack.token("p001"),
        params={"period": this_month()},
    )
    assert answer.status_code == 200, answer.text
    rows = csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff")))
    return {row["Mã phiếu"] for row in rows if row["Đơn vị"] == UNIT_NAMES[unit]}


async def fill_checklist(page, unit: str, score: str = "3") -> None:
    await page.get_by_label("Đơn vị được đánh giá").select_option(unit)
    for code in S_ITEMS:
        group = page.get_by_role("radiogroup", name=re.compile("^" + re.escape(code) + " "))
        choice = "Không áp dụng" if code == "S5.5" else score
        await group.get_by_role("radio", name=choice, exact=True).check()


async def test_an_auditor_fills_and_submits_the_checklist_on_a_phone(browser, web_stack) -> None:
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/p005")  # an auditor of the office (vp)
    assert page.url.endswith("/audit")
    assert await page.get_attribute("html", "lang") == "vi"
    await page.wait_for_function("navigator.serviceWorker.controller !== null || true")

    units = await page.locator("#unit option").evaluate_all("o => o.map(x => x.value)")
    assert "vp" not in units and "kt" in units  # never one's own unit

    groups = page.get_by_role("radiogroup")
    assert await groups.count() == len(S_ITEMS)
    first = page.get_by_role("radiogroup", name=re.compile(r"^S1\.1 "))
    names = [await r.get_attribute("value") for r in await first.get_by_role("radio").all()]
    assert len(names) == 6
    for name in SIX:
        assert await first.get_by_role("radio", name=name, exact=True).count() == 1
    await first.get_by_text("Mức điểm").click()
    assert await first.get_by_text("Bàn bừa bộn").is_visible()  # the anchors are shown

    await fill_checklist(page, "kt")
    await page.get_by_label("Ghi chú (S1.1)").fill("Bàn quầy 2 còn hồ sơ cũ")
    await page.locator("#photo-S1-1").set_input_files(
        files=[{"name": "ban-quay-2.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    await page.locator("ul.photos[data-code='S1.1'] img").wait_for()
    await page.wait_for_timeout(300)
    await page.reload()  # the draft is kept in the browser, its photo too
    assert await page.get_by_label("Ghi chú (S1.1)").input_value() == "Bàn quầy 2 còn hồ sơ cũ"
    assert await page.locator("ul.photos[data-code='S1.1'] img").count() == 1
    assert await first.get_by_role("radio", name="3", exact=True).is_checked()
    assert await page.get_by_label("Đơn vị được đánh giá").input_value() == "kt"

    await no_serious_violations(page)
    await screenshots(page, "auditor-checklist")
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    sent = page.locator("#outbox li[data-status=sent]")
    await sent.first.wait_for(timeout=15000)
    assert "Đã gửi" in await sent.first.inner_text()
    await screenshots(page, "auditor-sent")

    audits = await audits_of(web_stack, "kt")
    assert len(audits) == 1
    # The photo was shrunk in the browser (at most 1600 px), uploaded, and cited by S1.1.
    (audit_id,) = audits
    detail = await api("GET", f"{web_stack.assessment()}/v1/audits/{audit_id}", chairman(web_stack))
    items = {i["code"]: i for i in detail.json()["revisions"][-1]["items"]}
    (evidence_id,) = items["S1.1"]["evidence_ids"]
    photo = await api(
        "GET", f"{web_stack.assessment()}/v1/evidence/{evidence_id}", auditor(web_stack)
    )
    assert photo.status_code == 200 and photo.headers["content-type"].startswith("image/")
    with Image.open(io.BytesIO(photo.content)) as kept:
        assert max(kept.size) == 1600
        assert not kept.getexif().get(GPS_IFD)
    uploads = [u for u in requests.seen if u.endswith("/api/assessment/v1/evidence")]
    assert len(uploads) >= 1

    # Amend it, with a reason: S1.1 down to 1; its photo stays cited.
    await page.get_by_role("button", name="Sửa phiếu").first.click()
    await page.get_by_label("Lý do sửa phiếu").fill("Kiểm tra lại quầy 2")
    await first.get_by_role("radio", name="1", exact=True).check()
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    amended = page.locator("#outbox li[data-status=sent]", has_text="Sửa phiếu ·")
    await amended.first.wait_for(timeout=15000)
    detail = await api("GET", f"{web_stack.assessment()}/v1/audits/{audit_id}", chairman(web_stack))
    latest = detail.json()["revisions"][-1]
    assert (latest["revision"], latest["reason"]) == (2, "Kiểm tra lại quầy 2")
    items = {i["code"]: i for i in latest["items"]}
    assert items["S1.1"]["score"] == 1 and items["S1.1"]["evidence_ids"] == [evidence_id]
    requests.assert_local()
    await context.close()


async def test_an_audit_submitted_offline_is_recorded_once_when_back_online(
    browser, web_stack
) -> None:
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/p005")
    await page.evaluate("navigator.serviceWorker.ready")
    await page.reload()  # now under the service worker's control
    await fill_checklist(page, "vhxh", "2")

    await context.set_offline(True)
    await page.locator("#photo-S2-1").set_input_files(  # taken offline: queued with the audit
        files=[{"name": "kho.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    await page.locator("ul.photos[data-code='S2.1'] img").wait_for()
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    queued = page.locator("#outbox li[data-status=queued]")
    await queued.first.wait_for()
    assert "Đang chờ gửi" in await queued.first.inner_text()
    assert "mất kết nối" in await page.locator("#network").inner_text()
    await page.reload()  # offline: the page comes from the service worker, the queue stays
    await page.locator("#outbox li[data-status=queued]").first.wait_for()
    await screenshots(page, "auditor-offline-queued")
    assert await audits_of(web_stack, "vhxh") == set()

    await context.set_offline(False)
    await page.locator("#outbox li[data-status=sent]").first.wait_for(timeout=20000)
    # Retried however often (the answer lost, the online event again): still one audit.
    await page.evaluate(
        """async () => {
            const rows = await Ward5sQueue.all();
            for (const row of rows.filter(r => r.kind === 'audit')) {
                row.status = 'queued'; await Ward5sQueue.put(row);
            }
            await Ward5sQueue.flush();
            window.dispatchEvent(new Event('online'));
            await Ward5sQueue.flush();
        }"""
    )
    await page.locator("#outbox li[data-status=sent]").first.wait_for()
    (audit_id,) = await audits_of(web_stack, "vhxh")
    detail = await api("GET", f"{web_stack.assessment()}/v1/audits/{audit_id}", chairman(web_stack))
    items = {i["code"]: i for i in detail.json()["revisions"][-1]["items"]}
    assert len(items["S2.1"]["evidence_ids"]) == 1
    await screenshots(page, "auditor-back-online")

    # Withdraw it, with a reason.
    await page.get_by_role("button", name="Rút phiếu").first.click()
    await page.get_by_label("Lý do rút phiếu").fill("Chấm nhầm đơn vị")
    await page.get_by_role("button", name="Xác nhận rút phiếu").click()

    async def status() -> str | None:
        answer = await api(
            "GET", f"{web_stack.assessment()}/v1/audits/{audit_id}", web_stack.token("p001")
        )
        detail = answer.json()
        return detail["status"] if detail["status"] == "withdrawn" else None

    assert await eventually(status) == "withdrawn"
    withdrawal = page.locator("#outbox li[data-status=sent]", has_text="Rút phiếu ·")
    await withdrawal.first.wait_for()
    requests.assert_local()
    await context.close()


async def test_a_refused_audit_says_the_services_reason_in_vietnamese(browser, web_stack) -> None:
    """An audit dated two days ahead: refused by assessment (in_future), shown as refused with
    its reason, recorded nowhere, and never sent again."""
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/p005")
    now = await page.get_by_label("Thời điểm đánh giá (giờ Việt Nam)").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", now)  # today, Vietnam time
    month = f"{now[5:7]}/{now[:4]}"
    assert month in await page.locator("#period-label").inner_text()
    ahead = (datetime.fromisoformat(now) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    await fill_checklist(page, "dvcu")
    await page.get_by_label("Thời điểm đánh giá (giờ Việt Nam)").fill(ahead)
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    refused = page.locator("#outbox li[data-status=refused]")
    await refused.first.wait_for(timeout=15000)
    text = await refused.first.inner_text()
    assert "Bị từ chối" in text and "tương lai" in text
    await no_serious_violations(page)
    await screenshots(page, "auditor-refused")
    assert await audits_of(web_stack, "dvcu") == set()
    attempts = await page.evaluate(
        "Ward5sQueue.all().then(rows => rows.filter(r => r.status === 'refused')"
        ".map(r => r.attempts))"
    )
    await page.evaluate("Ward5sQueue.flush()")
    again = await page.evaluate(
        "Ward5sQueue.all().then(rows => rows.filter(r => r.status === 'refused')"
        ".map(r => r.attempts))"
    )
    assert again == attempts == [1]
    requests.assert_local()
    await context.close()


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


async def test_a_person_submits_their_plus_sees_it_returned_and_resubmits(
    browser, web_stack
) -> None:
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/p012")  # staff of kt; head p010
    assert "/self-assessment" in page.url
    assert await page.get_attribute("html", "lang") == "vi"
    for code in P_ITEMS:
        group = page.get_by_role("radiogroup", name=re.compile("^" + re.escape(code) + " "))
        await group.get_by_role("radio", name="4", exact=True).check()
    await no_serious_violations(page)
    await page.get_by_role("button", name="Nộp bản tự đánh giá").click()
    await page.get_by_text("Đã nộp, đang chờ xem xét.").wait_for()

    head = web_stack.token("p010")
    listed = await api(
        "GET",
        f"{web_stack.assessment()}/v1/self-assessments",
        head,
        params={"period": this_month()},
    )
    mine = next(s for s in listed.json()["self_assessments"] if s["person_id"] == "p012")
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
    assert "Cán bộ, công chức" in await page.locator(".who").inner_text()
    session = next(c for c in await context.cookies() if c["name"] == "w5_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    first = session["value"]
    await page.wait_for_timeout(2500)  # the token now ends within the renewal margin
    await page.reload()
    await page.get_by_text("Chưa nộp cho tháng này.").wait_for()
    renewed = next(c for c in await context.cookies() if c["name"] == "w5_session")
    assert renewed["value"] != first  # renewed through assessment's refresh

    await page.get_by_role("button", name="Đăng xuất").click()
    await page.wait_for_url("**/sign-in")
    await page.goto(f"{web_stack.url}/self-assessment")
    assert "/sign-in" in page.url
    requests.assert_local()
    await context.close()
