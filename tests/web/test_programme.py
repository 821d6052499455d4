"""The pages of the rest of the 5S+ programme in Chromium against assessment and scoring (one
stack for the module): a unit head writes the review of the month with the figures attached and
a follow-up, the vice-chairman in charge acknowledges it, the head closes the follow-up with a
note. Screenshots at phone and desktop sizes, axe-core, and no request leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from contracts.common import LOCAL_TZ
from contracts.figures import written
from contracts.periods import Month
from tests.support.http import eventually
from tests.web.conftest import (
    Requests,
    WebStack,
    api,
    new_context,
    no_serious_violations,
    screenshots,
    started_web_stack,
    this_month,
)
from tests.web.test_auditor import phone_photo
from tests.web.test_leaders import signed_in
from tools.demo import audit_body

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    # The vice-chairman p002 sits on the initiatives council besides the chairman.
    council = {"WARD5S_ASSESSMENT_INITIATIVE_COUNCIL": "p002"}
    workdir = tmp_path_factory.mktemp("programme")
    with started_web_stack(workdir, ("assessment", "scoring"), **council) as s:
        yield s


async def test_a_head_writes_the_months_review_the_vice_chairman_acknowledges_it(
    browser, programme
) -> None:
    # Kinh tế's auditor scores the Văn phòng 3 of 4 everywhere; scoring's figures of the month
    # are what the review attaches.
    answer = await api(
        "POST",
        f"{programme.assessment()}/v1/audits",
        programme.token("p011"),
        json=audit_body("vp", 3),
    )
    assert answer.status_code == 201, answer.text
    scores_url = f"{programme.service('scoring')}/v1/units/vp/scores"
    chairman = programme.token("p001")

    async def scored() -> dict | None:
        got = await api("GET", scores_url, chairman, params={"period": this_month()})
        return got.json() if got.status_code == 200 and got.json()["total_percent"] else None

    scores = await eventually(scored, within=30, interval=0.5)

    requests, context, page = await signed_in(browser, programme, "p004")
    await page.goto(f"{programme.url}/reviews?period={this_month()}")
    await page.get_by_label("Kết quả đạt được").fill("Bàn tiếp dân gọn gàng, hồ sơ có nhãn")
    await page.get_by_label("Tồn tại, hạn chế").fill("Kho lưu trữ còn lộn xộn")
    await page.get_by_label("Bài học kinh nghiệm").fill("Phân công người giữ kho theo tuần")
    await page.get_by_label("Việc 1").fill("Sắp xếp lại kho lưu trữ")
    due = (datetime.now(LOCAL_TZ).date() + timedelta(days=10)).isoformat()
    await page.get_by_label("Hạn hoàn thành 1").fill(due)
    await no_serious_violations(page)
    await page.get_by_role("button", name="Gửi bản đánh giá").click()
    await page.get_by_text("Đã gửi bản đánh giá.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Kho lưu trữ còn lộn xộn")
    text = await card.inner_text()
    total = written(scores["exact"]["total_percent"], "vi")  # rounded once, from exact
    assert total == "75,0" and total in text  # the figures attached are scoring's
    assert "Chưa ghi nhận" in text and "Sắp xếp lại kho lưu trữ" in text
    y, m, d = due.split("-")
    assert f"{d}/{m}/{y}" in text
    assert await page.get_by_role("button", name="Gửi bản đánh giá").count() == 0  # once
    await screenshots(page, "period-review-written")
    requests.assert_local()
    await context.close()

    # The vice-chairman in charge of the Văn phòng acknowledges it with a remark.
    requests, context, page = await signed_in(browser, programme, "p003", phone=False)
    await page.goto(f"{programme.url}/reviews?period={this_month()}")
    card = page.locator("section.card", has_text="Kho lưu trữ còn lộn xộn")
    await card.get_by_label("Ý kiến của lãnh đạo phụ trách").fill("Đồng ý, làm trong tháng")
    await card.get_by_role("button", name="Ghi nhận bản đánh giá").click()
    await page.get_by_text("Đã ghi nhận bản đánh giá.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Kho lưu trữ còn lộn xộn")
    assert "Đồng ý, làm trong tháng" in await card.inner_text()
    assert await card.get_by_role("button", name="Ghi nhận bản đánh giá").count() == 0
    await no_serious_violations(page)
    await screenshots(page, "period-review-acknowledged")
    # English by the switch: the same review in English words, the unit's name in English.
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("heading", name=re.compile("^Periodic reviews")).wait_for()
    card = page.locator("section.card", has_text="Kho lưu trữ còn lộn xộn")
    text = await card.inner_text()
    assert "Acknowledged" in text and "What went well" in text and "S1 Sort" in text, text
    requests.assert_local()
    await context.close()

    # The head closes the follow-up with a note; assessment holds it.
    requests, context, page = await signed_in(browser, programme, "p004")
    await page.goto(f"{programme.url}/reviews?period={this_month()}")
    await page.get_by_label("Kết quả thực hiện").fill("Đã dán nhãn toàn bộ hộp hồ sơ")
    await page.get_by_role("button", name="Đóng việc").click()
    await page.get_by_text("Đã đóng việc.").wait_for(timeout=30_000)
    assert "Đã xong: Đã dán nhãn toàn bộ hộp hồ sơ" in await page.locator("main").inner_text()
    listed = await api(
        "GET",
        f"{programme.assessment()}/v1/reviews",
        chairman,
        params={"period": this_month(), "unit_id": "vp"},
    )
    (review,) = listed.json()["reviews"]
    assert review["acknowledged_by"] == "p003"
    (task,) = review["follow_ups"]
    assert (task["status"], task["note"]) == ("closed", "Đã dán nhãn toàn bộ hộp hồ sơ")
    requests.assert_local()
    await context.close()


async def test_a_head_proposes_an_initiative_and_the_chairman_adopts_it(browser, programme) -> None:
    requests, context, page = await signed_in(browser, programme, "p004")
    await page.goto(f"{programme.url}/initiatives")
    await page.get_by_label("Tên sáng kiến").fill("Số hoá sổ theo dõi hồ sơ")
    await page.get_by_label("Thực trạng, vấn đề").fill("Tra cứu hồ sơ giấy mất nhiều thời gian")
    await page.get_by_label("Giải pháp đề xuất").fill("Lập bảng tính dùng chung có mã hồ sơ")
    await page.get_by_label("Hiệu quả dự kiến").fill("Tra cứu dưới một phút")
    await page.get_by_label("Sáng kiến của đơn vị").check()
    await no_serious_violations(page)
    await page.get_by_role("button", name="Gửi đề xuất").click()
    await page.get_by_text("Đã gửi đề xuất sáng kiến.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Số hoá sổ theo dõi hồ sơ")
    assert "Mới đề xuất" in await card.inner_text()  # the state in contracts.labels' words
    assert await card.get_by_role("button", name="Ghi quyết định").count() == 0  # not theirs
    requests.assert_local()
    await context.close()

    requests, context, page = await signed_in(browser, programme, "p001", phone=False)
    await page.goto(f"{programme.url}/initiatives")
    card = page.locator("section.card", has_text="Số hoá sổ theo dõi hồ sơ")
    assert "Văn phòng HĐND và UBND (của đơn vị)" in await card.inner_text()
    # Rejecting without a reason is refused by assessment, in Vietnamese, beside the reason,
    # the decision chosen kept.
    await card.get_by_label("Quyết định").select_option(label="Không chấp nhận")
    await card.get_by_role("button", name="Ghi quyết định").click()
    card = page.locator("section.card", has_text="Số hoá sổ theo dõi hồ sơ")
    await card.locator(".refused").wait_for(timeout=30_000)
    assert await card.locator(".refused").inner_text() == "Lý do: Cần ghi rõ lý do."
    assert await card.get_by_label("Lý do").get_attribute("aria-invalid") == "true"
    assert await card.get_by_label("Quyết định").input_value() == "rejected"
    assert "Mới đề xuất" in await card.inner_text()
    await card.get_by_label("Quyết định").select_option(label="Được công nhận, áp dụng")
    await card.get_by_label("Hiệu quả thực tế").fill("Tra cứu còn 40 giây mỗi hồ sơ")
    await card.get_by_role("button", name="Ghi quyết định").click()
    await page.get_by_text("Đã ghi quyết định.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Số hoá sổ theo dõi hồ sơ")
    text = await card.inner_text()
    assert "Được công nhận, áp dụng" in text and "Tra cứu còn 40 giây mỗi hồ sơ" in text
    assert await card.get_by_role("button", name="Ghi quyết định").count() == 0  # final
    await no_serious_violations(page)
    await screenshots(page, "initiatives")
    listed = await api("GET", f"{programme.assessment()}/v1/initiatives", programme.token("p001"))
    (initiative,) = listed.json()["initiatives"]
    assert (initiative["status"], initiative["by_unit"]) == ("adopted", True)
    requests.assert_local()
    await context.close()


async def test_a_form_sent_again_after_going_back_records_one_initiative(
    browser, programme
) -> None:
    """The browser's back button shows the kept form; sent again, it is the same command."""
    requests, context, page = await signed_in(browser, programme, "p004")
    await page.goto(f"{programme.url}/initiatives")
    await page.get_by_label("Tên sáng kiến").fill("Bảng hẹn giờ trả kết quả")
    await page.get_by_label("Thực trạng, vấn đề").fill("Người dân phải chờ lâu")
    await page.get_by_label("Giải pháp đề xuất").fill("Niêm yết giờ trả kết quả")
    await page.get_by_label("Hiệu quả dự kiến").fill("Giảm thời gian chờ")
    await page.get_by_role("button", name="Gửi đề xuất").click()
    await page.get_by_text("Đã gửi đề xuất sáng kiến.").wait_for(timeout=30_000)
    await page.go_back()
    await page.get_by_label("Tên sáng kiến").fill("Bảng hẹn giờ trả kết quả")
    await page.get_by_label("Thực trạng, vấn đề").fill("Người dân phải chờ lâu")
    await page.get_by_label("Giải pháp đề xuất").fill("Niêm yết giờ trả kết quả")
    await page.get_by_label("Hiệu quả dự kiến").fill("Giảm thời gian chờ")
    await page.get_by_role("button", name="Gửi đề xuất").click()
    await page.get_by_text("Đã gửi đề xuất sáng kiến.").wait_for(timeout=30_000)
    listed = await api("GET", f"{programme.assessment()}/v1/initiatives", programme.token("p001"))
    same = [i for i in listed.json()["initiatives"] if i["title"] == "Bảng hẹn giờ trả kết quả"]
    assert len(same) == 1, same
    requests.assert_local()
    await context.close()


async def test_a_dissatisfied_citizen_leaves_a_contact_and_the_head_calls_back(
    browser, programme
) -> None:
    requests = Requests()
    context = await new_context(browser, requests, phone=True)
    page = await context.new_page()
    await page.goto(f"{programme.url}/demo/sign-in/kiosk-01")  # the service centre's counter
    await page.locator("#comment").fill("Chờ ở quầy hơn một tiếng mới được tiếp nhận.")
    await page.get_by_role("button", name="Không hài lòng", exact=True).click()
    # The contact is optional, asked in Vietnamese with large targets.
    await page.get_by_text("Quý khách có muốn được liên hệ lại không?").wait_for()
    for name in ("Gửi", "Bỏ qua"):
        box = await page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box and box["height"] >= 64 and box["width"] >= 120
    await no_serious_violations(page)
    await screenshots(page, "kiosk-contact")
    await page.get_by_label("Số điện thoại hoặc thư điện tử").fill("0903 123 456")
    await page.get_by_role("button", name="Gửi", exact=True).click()
    # No consent, no contact sent: the citizen is asked to tick it or skip.
    await page.get_by_role("alert").wait_for()
    await page.get_by_label("Tôi đồng ý để cán bộ liên hệ lại với tôi").check()
    await page.get_by_role("button", name="Gửi", exact=True).click()
    await page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!").wait_for()

    # A second citizen skips it: their rating is sent without a contact, no call-back.
    await page.get_by_role("button", name="Rất không hài lòng").wait_for(timeout=15_000)
    await page.get_by_role("button", name="Rất không hài lòng").click()
    await page.get_by_role("button", name="Bỏ qua").click()
    await page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!").wait_for()

    async def sent() -> list | None:
        rows = await page.evaluate(
            "Ward5sQueue.all().then(rows => rows.filter(r => r.kind === 'feedback'))"
        )
        return rows if rows and all(r["status"] == "sent" for r in rows) else None

    rows = await eventually(sent, within=30, interval=0.5)
    # The contact does not stay on the kiosk once sent: only the rating without one is kept.
    assert [r["body"].get("contact") for r in rows] == [None]
    requests.assert_local()
    await context.close()

    # The head of the service centre sees one call-back with the contact, and notes the outcome.
    requests, context, page = await signed_in(browser, programme, "p024")
    await page.goto(f"{programme.url}/call-backs")
    cards = page.locator("section.card", has_text="Không hài lòng")
    assert await cards.count() == 1
    # The citizen's comment beside their contact: what the call is about.
    text = await cards.inner_text()
    assert "0903 123 456" in text
    assert "Ý kiến của người dân: Chờ ở quầy hơn một tiếng mới được tiếp nhận." in text
    await no_serious_violations(page)
    await screenshots(page, "call-backs")
    await cards.get_by_label("Kết quả liên hệ").fill("Đã gọi, hẹn làm lại hồ sơ sáng thứ Hai")
    await cards.get_by_role("button", name="Đã liên hệ").click()
    await page.get_by_text("Đã ghi kết quả liên hệ.").wait_for(timeout=30_000)
    assert await page.locator("section.card", has_text="Không hài lòng").count() == 0
    listed = await api(
        "GET", f"{programme.assessment()}/v1/citizen-follow-ups", programme.token("p024")
    )
    (done,) = listed.json()["follow_ups"]
    assert (done["status"], done["level"], done["contact"]) == ("done", 2, None)
    requests.assert_local()
    await context.close()


async def test_the_chairman_and_a_vice_chairman_download_the_same_period_report(
    browser, programme, tmp_path
) -> None:
    # The Văn phòng audited 3 of 4 this month (its scores as scoring's API gives them).
    body = audit_body("vp", 3)
    await api("POST", f"{programme.assessment()}/v1/audits", programme.token("p011"), json=body)
    scores_url = f"{programme.service('scoring')}/v1/units/vp/scores"

    async def scored() -> dict | None:
        got = await api("GET", scores_url, programme.token("p001"), params={"period": this_month()})
        return got.json() if got.status_code == 200 and got.json()["total_percent"] else None

    scores = await eventually(scored, within=30, interval=0.5)
    total = written(scores["exact"]["total_percent"], "vi")  # the PDF rounds once, from exact
    sheets = []
    # The chairman, then the vice-chairman p002, whose charge (kt, vhxh) is not the Văn phòng:
    # the report is the ward's, the one mailed to the committee, the same for both.
    for person in ("p001", "p002"):
        requests, context, page = await signed_in(browser, programme, person, phone=False)
        await page.goto(f"{programme.url}/classification?period={this_month()}")
        await no_serious_violations(page)
        text, rows = await downloaded_report(page, tmp_path / f"report-{person}")
        assert "Văn phòng HĐND và UBND" in text and f"{total} %" in text
        (vp,) = [r for r in rows if r["Đơn vị"] == "Văn phòng HĐND và UBND"]
        assert vp["Tổng điểm 5S (%)"] == scores["total_percent"]
        sheets.append(rows)
        requests.assert_local()
        await context.close()
    assert sheets[0] == sheets[1]

    # A unit head reads the classification but is offered no period report.
    requests, context, page = await signed_in(browser, programme, "p004")
    await page.goto(f"{programme.url}/classification?period={this_month()}")
    assert await page.get_by_role("link", name="Tải bản in A4 (PDF)").count() == 0
    await context.close()


async def downloaded_report(page: Any, saved: Path) -> tuple[str, list[dict[str, Any]]]:
    """The period report downloaded from the classification page open in ``page`` by its two
    links, saved as ``saved`` .pdf and .xlsx: the PDF's text (laid out) and the workbook's rows
    (heading -> cell)."""
    async with page.expect_download() as pdf_download:
        await page.get_by_role("link", name="Tải bản in A4 (PDF)").click()
    pdf = saved.with_suffix(".pdf")
    await (await pdf_download.value).save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = await asyncio.create_subprocess_exec(
        "pdftotext", "-layout", str(pdf), "-", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await pdftotext.communicate()
    assert pdftotext.returncode == 0
    async with page.expect_download() as xlsx_download:
        await page.get_by_role("link", name="Tải bảng tính (XLSX)").click()
    xlsx = saved.with_suffix(".xlsx")
    await (await xlsx_download.value).save_as(xlsx)
    sheet = openpyxl.load_workbook(xlsx).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return out.decode(), [dict(zip(header, row, strict=True)) for row in rows]


async def test_an_admin_publishes_a_campaign_an_auditor_audits_a_unit_against_it(
    browser, programme
) -> None:
    today = datetime.now(LOCAL_TZ).date()
    requests, context, page = await signed_in(browser, programme, "p006", phone=False)
    await page.goto(f"{programme.url}/campaigns")
    await page.get_by_label("Tên phong trào").fill("Ngày xanh lần thứ I")
    await page.get_by_label("Từ ngày").fill(today.isoformat())
    await page.get_by_label("Đến ngày").fill((today - timedelta(days=1)).isoformat())
    await page.get_by_label("Mã tiêu chí lấy từ bộ tiêu chí").fill("S1.1")
    await page.get_by_label("Tiêu chí riêng 1").fill("Cây xanh được chăm sóc, tưới đủ")
    # Ending before it starts is refused: the form comes back as it was typed, to be corrected.
    await page.get_by_role("button", name="Phát động").click()
    refusal = "Ngày kết thúc đợt phát động phải từ ngày bắt đầu trở đi."
    await page.get_by_text(refusal).wait_for(timeout=30_000)
    assert await page.get_by_label("Tên phong trào").input_value() == "Ngày xanh lần thứ I"
    assert await page.get_by_label("Từ ngày").input_value() == today.isoformat()
    assert await page.get_by_label("Mã tiêu chí lấy từ bộ tiêu chí").input_value() == "S1.1"
    assert await page.get_by_label("Tiêu chí riêng 1").input_value() == (
        "Cây xanh được chăm sóc, tưới đủ"
    )
    await page.get_by_label("Đến ngày").fill((today + timedelta(days=3)).isoformat())
    await no_serious_violations(page)
    await page.get_by_role("button", name="Phát động").click()
    await page.get_by_text("Đã phát động phong trào.").wait_for(timeout=30_000)
    requests.assert_local()
    await context.close()

    # Kinh tế's auditor scores the Văn phòng: S1.1 at 4, the green item at 2: 6 of 8.
    requests, context, page = await signed_in(browser, programme, "p011")
    await page.goto(f"{programme.url}/campaigns")
    card = page.locator("section.card", has_text="Ngày xanh lần thứ I")
    await card.get_by_label("Đơn vị được đánh giá").select_option(label="Văn phòng HĐND và UBND")
    groups = card.locator("fieldset.item")
    assert await groups.count() == 2
    await groups.nth(0).get_by_role("radio", name="4", exact=True).check()
    await groups.nth(1).get_by_role("radio", name="2", exact=True).check()
    await no_serious_violations(page)
    await screenshots(page, "campaign-audit")
    await card.get_by_role("button", name="Gửi kết quả đánh giá").click()
    await page.get_by_text("Đã ghi kết quả đánh giá.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Ngày xanh lần thứ I")
    row = card.locator("tr", has_text="Văn phòng HĐND và UBND")
    assert "75,0 %" in await row.inner_text()
    assert "Kết quả toàn phường: 75,0 %" in await card.inner_text()
    listed = await api("GET", f"{programme.assessment()}/v1/campaigns", programme.token("p001"))
    (campaign,) = listed.json()["campaigns"]
    (vp,) = campaign["units"]
    assert (vp["result"]["numerator"], vp["result"]["denominator"]) == (3, 4)
    requests.assert_local()
    await context.close()


async def test_the_board_counts_each_units_initiatives_and_call_backs(browser, programme) -> None:
    assessment, chairman, month = programme.assessment(), programme.token("p001"), this_month()
    # Văn hóa - Xã hội proposes two initiatives this month, the chairman adopts one; a citizen
    # at the service centre's kiosk is not satisfied and leaves a contact; both units audited.
    for unit in ("vhxh", "ttphcc"):
        audited = await api(
            "POST", f"{assessment}/v1/audits", programme.token("p011"), json=audit_body(unit, 3)
        )
        assert audited.status_code == 201, audited.text
    proposed = []
    for title in ("Sổ tay thủ tục bằng mã QR", "Góc đọc sách cho người chờ"):
        body = {
            "title": title,
            "problem": "Chờ lâu",
            "proposal": "Làm ngay",
            "expected_effect": "Nhanh hơn",
            "by_unit": True,
        }
        answer = await api(
            "POST", f"{assessment}/v1/initiatives", programme.token("p017"), json=body
        )
        assert answer.status_code == 201, answer.text
        proposed.append(answer.json()["initiative_id"])
    adopted = {"status": "adopted", "measured_effect": "Người dân tự tra cứu"}
    decided = await api(
        "POST", f"{assessment}/v1/initiatives/{proposed[0]}/decide", chairman, json=adopted
    )
    assert decided.status_code == 200, decided.text
    rating = {"unit_id": "ttphcc", "level": 2, "contact": "0903 555 111", "contact_consent": True}
    rated = await api("POST", f"{assessment}/v1/feedback", programme.token("kiosk-01"), json=rating)
    assert rated.status_code in (200, 201, 202), rated.text

    async def counted() -> tuple | None:
        ideas = await api(
            "GET", f"{assessment}/v1/initiatives/counts", chairman, params={"period": month}
        )
        calls = await api(
            "GET", f"{assessment}/v1/citizen-follow-ups/counts", chairman, params={"period": month}
        )
        idea = {u["unit_id"]: u for u in ideas.json()["units"]}.get("vhxh")
        call = {u["unit_id"]: u for u in calls.json()["units"]}.get("ttphcc")
        return (idea, call) if idea and call else None

    idea, call = await eventually(counted, within=30, interval=0.5)
    assert (idea["proposed"], idea["adopted"]) == (2, 1)
    scores_url = f"{programme.service('scoring')}/v1/units/ttphcc/scores"

    async def rated_in_scoring() -> dict | None:
        got = await api("GET", scores_url, chairman, params={"period": month})
        body = got.json() if got.status_code == 200 else {}
        return body if body.get("ratings") and body.get("total_percent") else None

    centre = await eventually(rated_in_scoring, within=30, interval=0.5)
    requests, context, page = await signed_in(browser, programme, "p001", phone=False)
    await page.goto(f"{programme.url}/board?period={month}")
    culture = page.locator("#ranking tr", has_text="Phòng Văn hóa - Xã hội")
    assert (await culture.locator("td.initiatives").inner_text()).strip() == "2 / 1"
    service = page.locator("#ranking tr", has_text=re.compile("Trung tâm Phục vụ hành chính công"))
    expected = f"{call['opened'] - call['done']} / {call['done']}"
    assert call["opened"] - call["done"] >= 1
    assert (await service.locator("td.call-backs").inner_text()).strip() == expected
    share = f"{centre['satisfaction_percent']:.1f}".replace(".", ",")
    assert share in await service.inner_text()
    header = await page.locator("#ranking thead").inner_text()
    assert "Sáng kiến (đề xuất / áp dụng)" in header
    assert "Liên hệ lại người dân (chưa xong / đã xong)" in header
    await no_serious_violations(page)
    await screenshots(page, "board-programme")
    # The last 12 months (one counts read of each kind for the whole window) hold this month's.
    await page.goto(f"{programme.url}/board?period=last12m")
    culture = page.locator("#ranking tr", has_text="Phòng Văn hóa - Xã hội")
    assert (await culture.locator("td.initiatives").inner_text()).strip() == "2 / 1"
    service = page.locator("#ranking tr", has_text=re.compile("Trung tâm Phục vụ hành chính công"))
    assert (await service.locator("td.call-backs").inner_text()).strip() == expected
    requests.assert_local()
    await context.close()


async def test_a_photo_taken_in_a_campaign_audit_is_shown_in_its_results(
    browser, programme
) -> None:
    today = datetime.now(LOCAL_TZ).date()
    campaign = {
        "title": "Ngày xanh lần thứ II",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=2)).isoformat(),
        "items": [{"text": "Cây xanh được chăm sóc, tưới đủ"}],
    }
    published = await api(
        "POST", f"{programme.assessment()}/v1/campaigns", programme.token("p006"), json=campaign
    )
    assert published.status_code == 201, published.text
    # Kinh tế's auditor audits the Văn hóa - Xã hội and takes a photo, as on the checklist.
    requests, context, page = await signed_in(browser, programme, "p011")
    await page.goto(f"{programme.url}/campaigns")
    card = page.locator("section.card", has_text="Ngày xanh lần thứ II")
    await card.get_by_label("Đơn vị được đánh giá").select_option(label="Phòng Văn hóa - Xã hội")
    await card.locator("fieldset.item").get_by_role("radio", name="3", exact=True).check()
    await card.locator("input.photo-input").set_input_files(
        files=[{"name": "cay-xanh.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    await card.locator("ul.photos img").wait_for()
    assert await card.locator("ul.photos img").count() == 1
    await no_serious_violations(page)
    await card.get_by_role("button", name="Gửi kết quả đánh giá").click()
    await page.get_by_text("Đã ghi kết quả đánh giá.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Ngày xanh lần thứ II")
    row = card.locator("tr", has_text="Phòng Văn hóa - Xã hội")
    assert "75,0 %" in await row.inner_text()
    photo = row.locator("img.evidence")
    assert await photo.count() == 1
    # The photo shown is the one the audit cites, served through the gateway (a real image).
    await photo.scroll_into_view_if_needed()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await photo.element_handle()
    )
    listed = await api("GET", f"{programme.assessment()}/v1/campaigns", programme.token("p001"))
    (ours,) = [c for c in listed.json()["campaigns"] if c["title"] == "Ngày xanh lần thứ II"]
    (audited,) = ours["units"]
    (evidence_id,) = audited["evidence_ids"]
    assert await photo.get_attribute("src") == f"/api/assessment/v1/evidence/{evidence_id}"
    await screenshots(page, "campaign-photo")
    requests.assert_local()
    await context.close()

    # The head of the unit audited sees the photo in the results too.
    requests, context, page = await signed_in(browser, programme, "p017")
    await page.goto(f"{programme.url}/campaigns")
    photo = page.locator("section.card", has_text="Ngày xanh lần thứ II").locator("img.evidence")
    await photo.scroll_into_view_if_needed()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await photo.element_handle()
    )
    requests.assert_local()
    await context.close()


async def test_a_heads_review_names_its_writer_and_the_owner_chosen_among_the_units_people(
    browser, programme
) -> None:
    # Kinh tế's head writes the month's review and gives a follow-up to one of the unit's
    # people, chosen by name (the unit's people from GET /v1/people).
    requests, context, page = await signed_in(browser, programme, "p010")
    await page.goto(f"{programme.url}/reviews?period={this_month()}")
    owners = page.get_by_label("Người thực hiện 1")
    offered = [o.strip() for o in await owners.locator("option").all_inner_texts()]
    assert offered[0] == "Hồ Văn Phúc"  # the head first, then kt's people in Vietnamese order
    assert offered[1:] == [
        "Phan Thành Đạt",
        "Mai Thị Ngọc Hân",
        "Châu Thị Diễm My",
        "Lý Hoàng Nam",
        "Trương Thị Kim Oanh",
        "Tạ Quang Vinh",
    ]
    await page.get_by_label("Kết quả đạt được").fill("Hồ sơ đất đai được số hoá")
    await page.get_by_label("Tồn tại, hạn chế").fill("Tủ hồ sơ tầng 2 chưa dán nhãn")
    await page.get_by_label("Bài học kinh nghiệm").fill("Giao việc có hạn, có người theo dõi")
    await page.get_by_label("Việc 1").fill("Dán nhãn tủ hồ sơ tầng 2")
    await owners.select_option(label="Lý Hoàng Nam")
    # A due date gone by is refused: the page comes back with everything as it was written.
    await page.get_by_label("Hạn hoàn thành 1").fill("2020-01-01")
    await page.get_by_role("button", name="Gửi bản đánh giá").click()
    await page.get_by_text("Hạn hoàn thành phải sau ngày hôm nay.").wait_for(timeout=30_000)
    assert await page.get_by_label("Kết quả đạt được").input_value() == "Hồ sơ đất đai được số hoá"
    assert await page.get_by_label("Bài học kinh nghiệm").input_value() == (
        "Giao việc có hạn, có người theo dõi"
    )
    assert await page.get_by_label("Việc 1").input_value() == "Dán nhãn tủ hồ sơ tầng 2"
    assert await owners.input_value() == "p012"
    assert await page.get_by_label("Hạn hoàn thành 1").input_value() == "2020-01-01"
    due = (datetime.now(LOCAL_TZ).date() + timedelta(days=7)).isoformat()
    await page.get_by_label("Hạn hoàn thành 1").fill(due)
    await no_serious_violations(page)
    await page.get_by_role("button", name="Gửi bản đánh giá").click()
    await page.get_by_text("Đã gửi bản đánh giá.").wait_for(timeout=30_000)
    requests.assert_local()
    await context.close()

    # The vice-chairman in charge of kt reads it: writer and owner by name, no id.
    requests, context, page = await signed_in(browser, programme, "p002", phone=False)
    await page.goto(f"{programme.url}/reviews?period={this_month()}")
    card = page.locator("section.card", has_text="Tủ hồ sơ tầng 2 chưa dán nhãn")
    text = await card.inner_text()
    assert "Người viết: Hồ Văn Phúc" in text
    assert "Dán nhãn tủ hồ sơ tầng 2 · Người thực hiện: Lý Hoàng Nam" in text
    assert "p010" not in text and "p012" not in text
    listed = await api(
        "GET",
        f"{programme.assessment()}/v1/reviews",
        programme.token("p001"),
        params={"period": this_month(), "unit_id": "kt"},
    )
    (review,) = listed.json()["reviews"]
    assert [f["owner_id"] for f in review["follow_ups"]] == ["p012"]
    await screenshots(page, "period-review-names")
    requests.assert_local()
    await context.close()


async def test_a_follow_up_with_a_due_date_but_no_task_is_refused_beside_its_row(
    browser, programme
) -> None:
    # Văn hoá – Xã hội's head leaves the first follow-up row empty, gives the second a due
    # date and a task of spaces only, the third a task and a due date: the second row is
    # refused (it is not dropped), beside its own task field, and nothing is kept.
    requests, context, page = await signed_in(browser, programme, "p017")
    await page.goto(f"{programme.url}/reviews?period={this_month()}")
    due = (datetime.now(LOCAL_TZ).date() + timedelta(days=7)).isoformat()
    await page.get_by_label("Kết quả đạt được").fill("Sân sinh hoạt được quét dọn hằng tuần")
    await page.get_by_label("Tồn tại, hạn chế").fill("Kho dụng cụ chưa sắp xếp")
    await page.get_by_label("Bài học kinh nghiệm").fill("Phân công theo tổ")
    await page.get_by_label("Việc 2").fill("   ")
    await page.get_by_label("Hạn hoàn thành 2").fill(due)
    await page.get_by_label("Việc 3").fill("Sắp xếp kho dụng cụ")
    await page.get_by_label("Hạn hoàn thành 3").fill(due)
    await page.get_by_role("button", name="Gửi bản đánh giá").click()
    refusal = page.locator("#task-1-error")
    await refusal.wait_for(timeout=30_000)
    assert (await refusal.inner_text()).startswith("Việc 2: ")
    task = page.get_by_label("Việc 2")
    assert await task.get_attribute("aria-invalid") == "true"
    assert await task.get_attribute("aria-describedby") == "task-1-error"
    assert await page.locator("[aria-invalid=true]").count() == 1
    assert await page.locator(".refused").count() == 1
    # Everything typed is there again to correct.
    assert await page.get_by_label("Kết quả đạt được").input_value() == (
        "Sân sinh hoạt được quét dọn hằng tuần"
    )
    assert await page.get_by_label("Tồn tại, hạn chế").input_value() == "Kho dụng cụ chưa sắp xếp"
    assert await page.get_by_label("Bài học kinh nghiệm").input_value() == "Phân công theo tổ"
    assert await page.get_by_label("Việc 1").input_value() == ""
    assert await page.get_by_label("Hạn hoàn thành 1").input_value() == ""
    assert await page.get_by_label("Hạn hoàn thành 2").input_value() == due
    assert await page.get_by_label("Việc 3").input_value() == "Sắp xếp kho dụng cụ"
    assert await page.get_by_label("Hạn hoàn thành 3").input_value() == due
    await no_serious_violations(page)
    await screenshots(page, "period-review-blank-task")
    listed = await api(
        "GET",
        f"{programme.assessment()}/v1/reviews",
        programme.token("p001"),
        params={"period": this_month(), "unit_id": "vhxh"},
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["reviews"] == []
    requests.assert_local()
    await context.close()


async def test_a_member_of_the_initiatives_council_decides_in_the_page(browser, programme) -> None:
    # The service centre's head proposes an initiative of their own.
    body = {
        "title": "Tin nhắn hẹn ngày trả kết quả",
        "problem": "Người dân phải gọi hỏi kết quả nhiều lần",
        "proposal": "Gửi tin nhắn khi hồ sơ có kết quả",
        "expected_effect": "Bớt cuộc gọi hỏi kết quả",
    }
    proposed = await api(
        "POST", f"{programme.assessment()}/v1/initiatives", programme.token("p024"), json=body
    )
    assert proposed.status_code == 201, proposed.text
    # A vice-chairman in charge of the centre but not on the council reads it, decides nothing.
    requests, context, page = await signed_in(browser, programme, "p003", phone=False)
    await page.goto(f"{programme.url}/initiatives")
    card = page.locator("section.card", has_text="Tin nhắn hẹn ngày trả kết quả")
    assert "Nguyễn Hữu Tài" in await card.inner_text()  # the proposer by name
    assert await card.get_by_role("button", name="Ghi quyết định").count() == 0
    requests.assert_local()
    await context.close()

    # p002, on the council (though in charge of other units), decides in the page.
    requests, context, page = await signed_in(browser, programme, "p002", phone=False)
    await page.goto(f"{programme.url}/initiatives")
    card = page.locator("section.card", has_text="Tin nhắn hẹn ngày trả kết quả")
    text = await card.inner_text()
    assert "Nguyễn Hữu Tài" in text and "p024" not in text
    await card.get_by_label("Quyết định").select_option(label="Được chấp nhận")
    await no_serious_violations(page)
    await card.get_by_role("button", name="Ghi quyết định").click()
    await page.get_by_text("Đã ghi quyết định.").wait_for(timeout=30_000)
    card = page.locator("section.card", has_text="Tin nhắn hẹn ngày trả kết quả")
    assert "Được chấp nhận" in await card.inner_text()
    await screenshots(page, "initiative-council")
    listed = await api("GET", f"{programme.assessment()}/v1/initiatives", programme.token("p001"))
    (decided,) = [
        i for i in listed.json()["initiatives"] if i["title"] == "Tin nhắn hẹn ngày trả kết quả"
    ]
    assert (decided["status"], decided["decided_by"]) == ("accepted", "p002")
    requests.assert_local()
    await context.close()


async def test_a_period_asked_by_its_address_is_the_one_its_picker_selects(
    browser, programme
) -> None:
    """A month the pickers do not offer by default (two months ago: they offer this month and
    the last), opened by its address, heads the page and is the one selected in its picker on
    the reviews, the classification, the board and the "+" self-assessment; "Xem" shows that
    month again, not another (it showed December, the first offered, for October)."""
    month = Month.of(datetime.now(LOCAL_TZ)).shift(-2)
    words = f"{month.key[5:]}/{month.key[:4]}"  # "tháng 10/2026", "Tháng 10/2026", "10/2026"
    requests, context, page = await signed_in(browser, programme, "p002", phone=False)
    # Each page's heading of the period: the page's own, the board's ranking's.
    pages = (
        ("/reviews", "Kỳ đánh giá", "h1"),
        ("/classification", "Kỳ", "h1"),
        ("/board", "Kỳ", "#ranking-title"),
        ("/self-assessment", "Tháng", "#status-title"),  # a closed month among the open
    )
    for path, label, heading in pages:
        await page.goto(f"{programme.url}{path}?period={month.key}")
        assert words in await page.locator(heading).inner_text(), path
        picker = page.get_by_label(label, exact=True)
        assert await picker.input_value() == month.key, path
        chosen = picker.locator("option:checked")
        assert (await chosen.inner_text()).strip().endswith(words), path
        await page.get_by_role("button", name="Xem", exact=True).click()
        await page.wait_for_load_state()
        assert f"period={month.key}" in page.url, path
        assert words in await page.locator(heading).inner_text(), path
        assert await page.get_by_label(label, exact=True).input_value() == month.key, path
    await screenshots(page, "period-picker-asked")
    requests.assert_local()
    await context.close()


async def test_the_months_audits_and_actions_are_downloaded_by_those_allowed(
    browser, programme, tmp_path
) -> None:
    # The Văn phòng's auditor scores Văn hoá - Xã hội 1 of 4: its corrective actions open.
    body = audit_body("vhxh", 1)
    audited = await api(
        "POST", f"{programme.assessment()}/v1/audits", programme.token("p005"), json=body
    )
    assert audited.status_code == 201, audited.text
    month = this_month()
    words = f"tháng {month[5:]}/{month[:4]}"

    # The unit's head (p017), on the corrective actions: this month's and the last's exports.
    requests, context, page = await signed_in(browser, programme, "p017")
    await page.goto(f"{programme.url}/actions")
    section = page.get_by_role("region", name="Dữ liệu đánh giá theo tháng")
    months = section.get_by_role("listitem")
    assert await months.count() == 2
    this = months.first
    assert (await this.inner_text()).lower().startswith(words)
    csv_link = this.get_by_role("link", name=re.compile(r"^Phiếu đánh giá \(CSV\)"))
    href = await csv_link.get_attribute("href")
    assert href == f"/api/assessment/v1/exports/audits.csv?period={month}"
    exported = await context.request.get(f"{programme.url}{href}")
    assert exported.status == 200
    assert exported.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO((await exported.body()).decode("utf-8-sig"))))
    assert {"Mã phiếu", "Mã tiêu chí", "Nội dung tiêu chí", "Thành viên đoàn đánh giá"} <= set(
        header
    )
    # One row an item, of the head's unit alone (assessment's rule: the units they see).
    assert rows and {r[1] for r in rows} == {"Phòng Văn hóa - Xã hội"}
    async with page.expect_download() as download:
        await this.get_by_role("link", name=re.compile(r"^Biện pháp khắc phục \(XLSX\)")).click()
    xlsx = tmp_path / "actions.xlsx"
    await (await download.value).save_as(xlsx)
    sheet = openpyxl.load_workbook(xlsx).active
    heading, *actions = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert {"Mã biện pháp", "Người chịu trách nhiệm", "Hạn hoàn thành"} <= set(heading)
    assert actions  # the audit's findings, one a row
    await no_serious_violations(page)
    await screenshots(page, "actions-exports")
    requests.assert_local()
    await context.close()

    # A vice-chairman finds this month's beside the classification's downloads.
    requests, context, page = await signed_in(browser, programme, "p002", phone=False)
    await page.goto(f"{programme.url}/classification?period={month}")
    section = page.get_by_role("region", name="Dữ liệu đánh giá theo tháng")
    assert await section.get_by_role("listitem").count() == 1
    assert await section.get_by_role("link").count() == 4
    await context.close()

    # Staff (p019) are refused the exports: no links on their page, and the address refused.
    requests, context, page = await signed_in(browser, programme, "p019")
    await page.goto(f"{programme.url}/actions")
    await page.get_by_role("heading", level=1).wait_for()
    assert await page.get_by_text("Dữ liệu đánh giá theo tháng").count() == 0
    assert await page.locator("a[href*='/v1/exports/']").count() == 0
    refused = await context.request.get(f"{programme.url}{href}")
    assert refused.status == 403
    await context.close()
