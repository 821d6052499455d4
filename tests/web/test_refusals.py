"""A refused form loses nothing and says which field, in Chromium against assessment and scoring
(one stack for the module): the page drawn again holds what was typed in the form sent (and
only that one), says the service's refusal beside the field it names, naming the field by its
label in the page's language (aria-invalid, aria-describedby), has one h1 naming the page,
stands at an address that can be opened again, logs no console error and passes axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ
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
from tests.web.test_auditor import fill_checklist
from tools.demo import audit_body

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

P_ITEMS = [i.code for p in default_catalog().pillars if p.code == "P" for i in p.items]
TOO_LONG = "Giá trị quá dài."
TOO_SHORT = "Giá trị quá ngắn."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    workdir = tmp_path_factory.mktemp("refusals")
    with started_web_stack(workdir, ("assessment", "scoring")) as s:
        yield s


class Watched:
    """A signed-in page whose console errors and uncaught exceptions are kept."""

    def __init__(self, requests: Requests, context: Any, page: Any) -> None:
        self.requests, self.context, self.page = requests, context, page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    async def close(self) -> None:
        assert self.errors == [], self.errors
        self.requests.assert_local()
        await self.context.close()


async def watched(browser: Any, stack: WebStack, person: str, phone: bool = True) -> Watched:
    requests = Requests()
    context = await new_context(browser, requests, phone=phone)
    page = await context.new_page()
    seen = Watched(requests, context, page)
    await page.goto(f"{stack.url}/demo/sign-in/{person}")
    return seen


async def typed_in(field: Any, text: str) -> None:
    """``text`` in ``field`` as pasted by a browser that lets it past the field's maxlength
    (the service, not the page, is the judge of a value's length)."""
    pasted = '(el, text) => { el.value = text; el.dispatchEvent(new Event("input")); }'
    await field.evaluate(pasted, text)


async def sent_anyway(form: Any) -> None:
    """The form sent without the browser's own checks (``required``), as an old browser would."""
    await form.evaluate("f => { f.noValidate = true; }")


async def refused_beside(page: Any, field: Any, label: str, message: str) -> None:
    """``field`` is marked invalid and described by the refusal beside it, which names it by
    its ``label`` and says ``message``; it is the one refusal on the page."""
    await page.locator(".refused").first.wait_for()
    assert await field.get_attribute("aria-invalid") == "true"
    said = page.locator(f"#{await field.get_attribute('aria-describedby')}")
    assert await said.inner_text() == f"{label}: {message}"
    # Beside it: in the same form, right before the field.
    assert await said.evaluate("(e, f) => e.nextElementSibling === f", await field.element_handle())
    assert await page.locator(".refused").count() == 1


async def one_heading(page: Any, name: str) -> None:
    headings = page.locator("h1")
    assert await headings.count() == 1
    assert (await headings.inner_text()).strip() == name


async def opens_again(stack: WebStack, page: Any, path: str) -> None:
    """The page stands at ``path`` (its own, not the form's POST-only one), and opening that
    address again shows the page."""
    assert page.url == f"{stack.url}{path}", page.url
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with httpx.AsyncClient(cookies=cookies) as client:
        again = await client.get(page.url, headers={"accept": "text/html"})
    assert again.status_code == 200, again.status_code


async def submit_plus(stack: WebStack, person: str) -> str:
    body = {"period": this_month(), "items": [{"code": c, "score": 4} for c in P_ITEMS]}
    url = f"{stack.assessment()}/v1/self-assessments"
    answer = await api("POST", url, stack.token(person), json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["self_assessment_id"])


async def test_a_head_returning_a_plus_with_a_too_long_reason_keeps_all_typed(
    browser, stack
) -> None:
    mine = await submit_plus(stack, "p007")  # staff of vp, whose head is p004
    other = await submit_plus(stack, "p008")
    seen = await watched(browser, stack, "p004")
    page = seen.page
    await page.goto(f"{stack.url}/review?period={this_month()}")
    card = page.locator("section.card", has_text="Bùi Thị Thanh Tâm")
    await card.get_by_label("Điểm điều chỉnh P.1").select_option("2")
    reason = "Cần nêu việc làm cụ thể. " * 48  # 1,200 characters
    assert len(reason) == 1200
    await typed_in(card.get_by_label("Lý do"), reason)
    await (
        page.locator("section.card", has_text="Ngô Đức Thịnh")
        .get_by_label("Lý do")
        .fill("Của người khác")
    )
    await card.get_by_role("button", name="Trả lại").click()

    field = page.locator(f"#reason-{mine}")
    label = "Lý do (bắt buộc khi điều chỉnh hoặc trả lại)"
    await refused_beside(page, field, label, TOO_LONG)
    assert await field.input_value() == reason  # the 1,200 characters, all of them
    assert await page.locator(f"#adj-{mine}-P-1").input_value() == "2"  # not the self-score 4
    assert await page.locator(f"#reason-{other}").input_value() == ""  # another form: untouched
    assert await page.locator(f"#adj-{other}-P-1").input_value() == "4"
    assert await page.evaluate("document.activeElement.id") == f"reason-{mine}"
    await one_heading(page, 'Duyệt tự đánh giá "+"')
    await opens_again(stack, page, f"/review?period={this_month()}")
    await no_serious_violations(page)
    await screenshots(page, "refused-review-too-long")

    # Corrected, it is sent: the same form, the reason shortened.
    await field.fill("Cần nêu việc làm cụ thể")
    await card.get_by_role("button", name="Trả lại").click()
    await page.get_by_text("Đã ghi nhận việc xem xét.").wait_for()
    assert await page.locator(".refused").count() == 0
    await seen.close()


async def test_closing_an_action_with_a_too_long_or_empty_note_keeps_the_note(
    browser, stack
) -> None:
    # Kinh tế's auditor finds S1.1 of the Văn phòng at 0: an action owned by its head, p004.
    body = audit_body("vp", lambda code: 0 if code == "S1.1" else 4)
    answer = await api("POST", f"{stack.assessment()}/v1/audits", stack.token("p011"), json=body)
    assert answer.status_code == 201, answer.text
    seen = await watched(browser, stack, "p004")
    page = seen.page
    await page.goto(f"{stack.url}/actions")
    card = page.locator("section.card", has_text="S1.1")
    note = card.get_by_label("Đã khắc phục thế nào")
    long_note = ("Đã dọn hồ sơ cũ. " * 124)[:2100]
    assert len(long_note) == 2100
    await typed_in(note, long_note)
    await card.get_by_role("button", name="Đóng biện pháp khắc phục").click()
    card = page.locator("section.card", has_text="S1.1")
    note = card.get_by_label("Đã khắc phục thế nào")
    await refused_beside(page, note, "Đã khắc phục thế nào", TOO_LONG)
    assert await note.input_value() == long_note
    await one_heading(page, "Biện pháp khắc phục")
    await opens_again(stack, page, "/actions")
    await no_serious_violations(page)
    await screenshots(page, "refused-action-too-long")

    # An empty note, sent past the browser's own check: refused beside the note too.
    await note.fill("")
    await sent_anyway(card.locator("form"))
    await card.get_by_role("button", name="Đóng biện pháp khắc phục").click()
    await page.wait_for_load_state()
    note = page.locator("section.card", has_text="S1.1").get_by_label("Đã khắc phục thế nào")
    await refused_beside(page, note, "Đã khắc phục thế nào", TOO_SHORT)
    assert await note.input_value() == ""
    await opens_again(stack, page, "/actions")

    # In English, the field is named in English.
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("heading", name="Corrective actions").wait_for()
    assert page.url == f"{stack.url}/actions"
    card = page.locator("section.card", has_text="S1.1")
    await sent_anyway(card.locator("form"))
    await card.get_by_role("button", name=re.compile("^Close")).click()
    await page.wait_for_load_state()
    note = page.locator("section.card", has_text="S1.1").get_by_label("What was done")
    await refused_beside(page, note, "What was done", "The value is too short.")
    await no_serious_violations(page)
    await seen.close()


async def test_an_admins_actions_of_one_item_are_cards_axe_finds_no_fault_with(
    browser, stack
) -> None:
    # Two units found wanting on the same item: two cards under the same heading.
    for unit in ("kt", "vhxh"):
        body = audit_body(unit, lambda code: 0 if code == "S2.1" else 4)
        url = f"{stack.assessment()}/v1/audits"
        answer = await api("POST", url, stack.token("p005"), json=body)
        assert answer.status_code == 201, answer.text
    seen = await watched(browser, stack, "p006", phone=False)
    page = seen.page
    await page.goto(f"{stack.url}/actions")
    assert await page.locator("section.card", has_text="S2.1").count() >= 2
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    faults = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4])
        for v in results.response["violations"]
    ]
    assert faults == [], faults
    await seen.close()


async def test_a_note_form_keeps_its_text_and_names_its_field(browser, stack) -> None:
    """The shared note form (call-backs, follow-ups, a review's acknowledgement): a review's
    acknowledgement with a 2,100-character note keeps it, refused beside it; so does the
    review's own form, every field of it."""
    seen = await watched(browser, stack, "p004")
    page = seen.page
    await page.goto(f"{stack.url}/reviews?period={this_month()}")
    await page.get_by_label("Kết quả đạt được").fill("Bàn tiếp dân gọn gàng")
    await page.get_by_label("Tồn tại, hạn chế").fill("Kho lưu trữ còn lộn xộn")
    lessons = "Phân công người giữ kho. " * 200  # 5,000 characters: over the 4,000 allowed
    await typed_in(page.get_by_label("Bài học kinh nghiệm"), lessons)
    await page.get_by_label("Việc 1").fill("Sắp xếp lại kho lưu trữ")
    due = (datetime.now(LOCAL_TZ).date() + timedelta(days=10)).isoformat()
    await page.get_by_label("Hạn hoàn thành 1").fill(due)
    await page.get_by_role("button", name="Gửi bản đánh giá").click()
    field = page.get_by_label("Bài học kinh nghiệm")
    await refused_beside(page, field, "Bài học kinh nghiệm", TOO_LONG)
    assert await field.input_value() == lessons
    assert await page.get_by_label("Kết quả đạt được").input_value() == "Bàn tiếp dân gọn gàng"
    assert await page.get_by_label("Việc 1").input_value() == "Sắp xếp lại kho lưu trữ"
    assert await page.get_by_label("Hạn hoàn thành 1").input_value() == due
    await opens_again(stack, page, f"/reviews?period={this_month()}")
    await no_serious_violations(page)
    await field.fill("Phân công người giữ kho")
    await page.get_by_role("button", name="Gửi bản đánh giá").click()
    await page.get_by_text("Đã gửi bản đánh giá.").wait_for(timeout=30_000)
    await seen.close()

    # The vice-chairman in charge acknowledges it with a 2,100-character note.
    seen = await watched(browser, stack, "p003")
    page = seen.page
    await page.goto(f"{stack.url}/reviews?period={this_month()}")
    card = page.locator("section.card", has_text="Kho lưu trữ còn lộn xộn")
    remark = ("Đồng ý, làm trong tháng. " * 90)[:2100]  # over the 2,000 allowed
    await typed_in(card.get_by_label("Ý kiến của lãnh đạo phụ trách"), remark)
    await card.get_by_role("button", name="Ghi nhận bản đánh giá").click()
    card = page.locator("section.card", has_text="Kho lưu trữ còn lộn xộn")
    field = card.get_by_label("Ý kiến của lãnh đạo phụ trách")
    await refused_beside(page, field, "Ý kiến của lãnh đạo phụ trách", TOO_LONG)
    assert await field.input_value() == remark
    await one_heading(page, f"Họp đánh giá, rút kinh nghiệm · {await period_words(page)}")
    await no_serious_violations(page)
    await seen.close()


async def period_words(page: Any) -> str:
    heading = (await page.locator("h1").inner_text()).strip()
    return heading.split(" · ", 1)[1]


async def test_initiatives_and_campaigns_name_the_field_refused(browser, stack) -> None:
    seen = await watched(browser, stack, "p007")
    page = seen.page
    await page.goto(f"{stack.url}/initiatives")
    title = "Số hoá hồ sơ " * 25  # 325 characters: over the 300 allowed
    await typed_in(page.get_by_label("Tên sáng kiến"), title)
    await page.get_by_label("Thực trạng, vấn đề").fill("Hồ sơ giấy khó tìm")
    await page.get_by_label("Giải pháp đề xuất").fill("Quét và đặt tên thống nhất")
    await page.get_by_label("Hiệu quả dự kiến").fill("Tìm hồ sơ trong 1 phút")
    await page.get_by_role("button", name="Gửi đề xuất").click()
    field = page.get_by_label("Tên sáng kiến")
    await refused_beside(page, field, "Tên sáng kiến", TOO_LONG)
    assert await field.input_value() == title
    assert await page.get_by_label("Thực trạng, vấn đề").input_value() == "Hồ sơ giấy khó tìm"
    await one_heading(page, "Sổ sáng kiến")
    await opens_again(stack, page, "/initiatives")
    await no_serious_violations(page)
    await seen.close()

    # An administrator's campaign with an empty checklist: refused beside the checklist.
    seen = await watched(browser, stack, "p006")
    page = seen.page
    await page.goto(f"{stack.url}/campaigns")
    await page.get_by_label("Tên phong trào").fill("Ngày xanh lần thứ I")
    await page.get_by_label("Từ ngày").fill("2026-12-01")
    await page.get_by_label("Đến ngày").fill("2026-12-31")
    await page.get_by_role("button", name="Phát động").click()
    field = page.locator("#c-codes")
    label = "Mã tiêu chí lấy từ bộ tiêu chí (cách nhau bằng dấu phẩy, ví dụ S1.1, S3.2)"
    await refused_beside(page, field, label, TOO_SHORT)
    assert await page.get_by_label("Tên phong trào").input_value() == "Ngày xanh lần thứ I"
    await one_heading(page, "Phong trào, đợt ra quân")
    await no_serious_violations(page)
    await seen.close()


async def test_small_things_of_the_pages(browser, stack) -> None:
    seen = await watched(browser, stack, "p007")
    page = seen.page
    await page.goto(f"{stack.url}/self-assessment")
    assert await page.get_by_role("button", name="Xem", exact=True).count() == 1
    assert await page.get_by_role("button", name="OK").count() == 0
    # A refused page load is headed by the page's name, the refusal said under it.
    answer = await page.goto(f"{stack.url}/board?period=bad")
    assert answer is not None and answer.status == 422
    await one_heading(page, "Bảng theo dõi 5S các đơn vị")
    said = await page.locator("main p.error").inner_text()
    assert said and "Bảng theo dõi" not in said  # the refusal's words, not a second heading
    seen.errors.clear()  # the refused load itself (422) is the one error Chromium logs
    icon = await page.request.get(f"{stack.url}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
    await seen.close()


async def test_an_amendment_without_a_reason_says_so_beside_the_reason(browser, stack) -> None:
    seen = await watched(browser, stack, "p005")  # an auditor of the office (vp)
    page = seen.page
    await page.goto(f"{stack.url}/audit")
    await fill_checklist(page, "dvcu")
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    await page.locator("#outbox li[data-status=sent]").first.wait_for(timeout=15000)
    await page.get_by_role("button", name="Sửa phiếu").first.click()
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    reason = page.get_by_label("Lý do sửa phiếu")
    said = "Lý do sửa phiếu: cần ghi lý do trước khi gửi bản sửa."
    assert await page.locator("#amend-reason-error").inner_text() == said
    assert await reason.get_attribute("aria-invalid") == "true"
    assert await reason.get_attribute("aria-describedby") == "amend-reason-error"
    assert await page.evaluate("document.activeElement.id") == "amend-reason"
    await no_serious_violations(page)
    # With a reason it is sent, and the refusal is gone.
    await reason.fill("Kiểm tra lại quầy 2")
    await page.get_by_role("button", name="Nộp phiếu đánh giá").click()
    amended = page.locator("#outbox li[data-status=sent]", has_text="Sửa phiếu ·")
    await amended.first.wait_for(timeout=15000)
    assert await page.locator("#amend-reason-error").is_hidden()
    await seen.close()
