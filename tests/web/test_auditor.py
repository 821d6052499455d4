"""The auditor's checklist in Chromium against the real stack (conftest.py): filled and submitted
on a phone with a photo (a file that is not one refused in words), a double tap recorded once,
amended; submitted offline and recorded once when back online, then withdrawn; the moment
checked in the page; refused with assessment's reason, opened again, corrected and resent.
Screenshots under var/artefacts/web/; no request leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ
from contracts.periods import Month
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

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

CATALOG = default_catalog()
S_ITEMS = [i.code for p in CATALOG.pillars if p.code != "P" for i in p.items]
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
    assert await first.get_by_text("Bàn bừa bộn").is_visible()  # the anchors are shown
    await first.get_by_text("Mức điểm").click()  # and fold away once known
    assert not await first.get_by_text("Bàn bừa bộn").is_visible()

    # Keyboard alone: arrows move between an item's six options, Tab goes on to its note and
    # its photo button.
    await first.get_by_role("radio", name="2", exact=True).focus()
    await page.keyboard.press("ArrowRight")
    assert await first.get_by_role("radio", name="3", exact=True).is_checked()
    await page.get_by_label("Ghi chú (S1.1)").focus()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "photo-S1-1"

    await fill_checklist(page, "kt")
    await page.get_by_label("Ghi chú (S1.1)").fill("Bàn quầy 2 còn hồ sơ cũ")
    await page.locator("#photo-S1-1").set_input_files(
        files=[{"name": "ban-quay-2.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    await page.locator("ul.photos[data-code='S1.1'] img").wait_for()
    # A file that is not a photo (a PDF; a "photo" that does not decode) is said in words beside
    # its item and left out; the form and the photo already taken stay.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.locator("#photo-S1-1").set_input_files(
        files=[
            {"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 ..."},
            {"name": "hong.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"},
        ]
    )
    problem = page.locator("p.photo-error[data-code='S1.1']")
    await problem.wait_for()
    said = await problem.inner_text()
    assert "bien-ban.pdf, hong.jpg" in said and "không phải là ảnh" in said, said
    assert errors == []
    assert await page.locator("ul.photos[data-code='S1.1'] img").count() == 1
    assert await page.get_by_label("Ghi chú (S1.1)").input_value() == "Bàn quầy 2 còn hồ sơ cũ"
    await page.wait_for_timeout(300)
    await page.reload()  # the draft is kept in the browser, its photo too
    assert await page.get_by_label("Ghi chú (S1.1)").input_value() == "Bàn quầy 2 còn hồ sơ cũ"
    assert await page.locator("ul.photos[data-code='S1.1'] img").count() == 1
    assert await first.get_by_role("radio", name="3", exact=True).is_checked()
    assert await page.get_by_label("Đơn vị được đánh giá").input_value() == "kt"

    await no_serious_violations(page)
    await screenshots(page, "auditor-checklist")
    # A double tap on the button: one submission, recorded once.
    await page.get_by_role("button", name="Nộp phiếu đánh giá").dblclick()
    sent = page.locator("#outbox li[data-status=sent]")
    await sent.first.wait_for(timeout=15000)
    assert "Đã gửi" in await sent.first.inner_text()
    await page.wait_for_function(
        "Ward5sQueue.all().then(rows => rows.every(r => r.status !== 'queued'))"
    )
    assert await page.locator("#outbox li.entry").count() == 1
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
    # The photo's upload found no connection: the entry waits, with no technical words.
    waiting = await page.locator("#outbox li[data-status=queued]").first.inner_text()
    assert "Đang chờ gửi" in waiting and "HTTP" not in waiting, waiting
    await screenshots(page, "auditor-offline-queued")
    assert await audits_of(web_stack, "vhxh") == set()

    await context.set_offline(False)
    # Sent on the "online" event, not at the next 20-second round.
    await page.locator("#outbox li[data-status=sent]").first.wait_for(timeout=8000)
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

    # Signing out forgets the pages kept for offline use.
    kept = "caches.match('/audit').then(page => page !== undefined)"
    assert await page.evaluate(kept)
    await page.get_by_role("button", name="Đăng xuất").click()
    await page.wait_for_url("**/sign-in")
    assert not await page.evaluate(kept)
    requests.assert_local()
    await context.close()


async def test_the_page_checks_the_audit_moment_before_sending(browser, web_stack) -> None:
    """Written as the ward writes it, a day and a time that exist, not ahead of now, in a month
    still open (last month closed by the administrator): each said in Vietnamese in the page,
    nothing queued."""
    previous = Month.of(datetime.now(UTC)).shift(-1)
    closed = await api(
        "POST", f"{web_stack.assessment()}/v1/periods/{previous.key}/close", web_stack.token("p006")
    )
    assert closed.status_code in (200, 201, 409), closed.text  # 409: closed already
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{web_stack.url}/demo/sign-in/p005")
    moment = page.get_by_label(re.compile(r"^Thời điểm đánh giá \(dd/mm/yyyy hh:mm"))
    # now, Vietnam time, written as the ward writes it (the page fills it once it has loaded)
    now = await eventually(moment.input_value)
    written = datetime.strptime(now, "%d/%m/%Y %H:%M").replace(tzinfo=LOCAL_TZ)
    assert abs((written - datetime.now(UTC)).total_seconds()) < 120
    assert f"tháng {now[3:10]}" in await page.locator("#period-label").inner_text()
    await fill_checklist(page, "dvcu")
    last_month = f"15/{previous.key[5:7]}/{previous.key[:4]} 09:30"
    cases = {
        "31-12-2026": "dd/mm/yyyy hh:mm",
        "31/02/2026 09:30": "Ngày 31/02/2026 không có trong lịch",
        f"{now[:10]} 24:10": "24:10 không phải giờ trong ngày",
        (written + timedelta(days=2)).strftime("%d/%m/%Y %H:%M"): "không được muộn hơn bây giờ",
        last_month: f"Tháng {previous.key[5:7]}/{previous.key[:4]} đã khóa sổ",
    }
    for typed, expected in cases.items():
        await moment.fill(typed)
        await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
        said = await page.locator("#form-error").inner_text()
        assert expected in said, (typed, said)
        assert "ISO" not in said
    await screenshots(page, "auditor-moment-checked")
    assert await page.evaluate("Ward5sQueue.all().then(rows => rows.length)") == 0
    requests.assert_local()
    await context.close()


async def outside_the_last_minutes_of_a_month(minutes: int) -> None:
    """Wait for the next month when fewer than ``minutes`` remain of this one (Vietnam time):
    a test that dates an audit a few minutes ahead must stay in the month it started in."""
    now = datetime.now(LOCAL_TZ)
    first_of_next = (now.replace(day=28) + timedelta(days=4)).replace(day=1)
    left = (first_of_next.replace(hour=0, minute=0, second=0, microsecond=0) - now).total_seconds()
    if left < minutes * 60:
        await asyncio.sleep(left + 5)


async def _has_value(field, expected: str) -> bool:
    return await field.input_value() == expected


@pytest.mark.timeout(240 + 12 * 60)
async def test_a_refused_audit_is_kept_opened_again_corrected_and_resent(
    browser, web_stack
) -> None:
    """A phone whose clock is an hour ahead lets its auditor date the audit ten minutes from
    now: assessment refuses it (in_future), shown as refused with its reason and never sent
    again; what was typed is kept, opened again from the list, corrected and resent: one audit
    recorded."""
    await outside_the_last_minutes_of_a_month(minutes=12)
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.clock.install(time=datetime.now(UTC) + timedelta(hours=1))
    await page.goto(f"{web_stack.url}/demo/sign-in/p005")
    await fill_checklist(page, "dvcu")
    ahead = datetime.now(LOCAL_TZ) + timedelta(minutes=10)
    moment = page.get_by_label(re.compile(r"^Thời điểm đánh giá"))
    await moment.fill(ahead.strftime("%d/%m/%Y %H:%M"))
    await page.get_by_label("Ghi chú (S2.3)").fill("Tủ hồ sơ chưa dán nhãn")
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    refused = page.locator("#outbox li[data-status=refused]")
    await refused.first.wait_for(timeout=30000)
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

    await refused.first.get_by_role("button", name="Mở lại để sửa").click()
    # The page reads the kept submission back from the browser's store, then fills the form.
    note = page.get_by_label("Ghi chú (S2.3)")
    await eventually(lambda: _has_value(note, "Tủ hồ sơ chưa dán nhãn"))
    assert await page.get_by_label("Đơn vị được đánh giá").input_value() == "dvcu"
    s11 = page.get_by_role("radiogroup", name=re.compile(r"^S1\.1 "))
    assert await s11.get_by_role("radio", name="3", exact=True).is_checked()
    # Reopening takes the refused row off the list; the page redraws it a moment later.
    await page.wait_for_function(
        "document.querySelectorAll('#outbox li[data-status=refused]').length === 0"
    )
    await moment.fill(datetime.now(LOCAL_TZ).strftime("%d/%m/%Y %H:%M"))
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    await page.locator("#outbox li[data-status=sent]").first.wait_for(timeout=30000)
    assert len(await audits_of(web_stack, "dvcu")) == 1
    requests.assert_local()
    await context.close()
