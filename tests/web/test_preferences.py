"""How a person is told (/preferences) in Chromium against assessment, notifications and the
web service as processes: the choices changed, kept and shown again after a reload; a webhook
address notifications refuses said beside its field with what was typed kept and nothing
saved; a webhook saved shows its signing secret once. Screenshots at phone and desktop sizes,
axe-core, and no request leaves 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.http import eventually
from tests.web.conftest import (
    Requests,
    WebStack,
    api,
    new_context,
    no_serious_violations,
    screenshots,
    started_web_stack,
)

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

#: A unit head of the demo chart (Văn hoá - Xã hội), and a member of staff.
HEAD, STAFF = "p017", "p019"
#: A loopback address: a webhook may not reach it (no network is allow-listed here).
REFUSED = "http://127.0.0.1:9/hook"
#: A public address, written as one (nothing resolved); saving it sends nothing.
PUBLIC = "https://93.184.215.14/ward5s-hook"


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    services = ("assessment", "notifications")
    with started_web_stack(tmp_path_factory.mktemp("preferences"), services) as stack:
        yield stack


async def known(stack: WebStack, person: str) -> None:
    """Notifications knows ``person`` from the chart assessment published (their channels may
    be saved: the defaults, put as they are)."""
    url = f"{stack.service('notifications')}/v1/preferences/me"
    body = {"email": True, "webhook_url": None, "digest": False}

    async def saved() -> bool:
        answer = await api("PUT", url, stack.token(person), json=body)
        return answer.status_code == 200

    await eventually(saved, within=30, interval=0.5)


async def kept(stack: WebStack, person: str) -> dict[str, Any]:
    url = f"{stack.service('notifications')}/v1/preferences/me"
    answer = await api("GET", url, stack.token(person))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def signed_in(browser: Any, stack: WebStack, person: str) -> tuple[Requests, Any, Any]:
    requests = Requests()
    context = await new_context(browser, requests)
    page = await context.new_page()
    await page.goto(f"{stack.url}/demo/sign-in/{person}")
    return requests, context, page


async def shown(page: Any) -> dict[str, str]:
    """The current choices as the page lists them: term -> what it says."""
    terms = await page.locator("#preferences-now dt").all_inner_texts()
    values = await page.locator("#preferences-now dd").all_inner_texts()
    return {t.strip(): v.strip() for t, v in zip(terms, values, strict=True)}


async def test_choices_are_changed_kept_and_refused_beside_the_field(browser, told) -> None:
    await known(told, HEAD)
    requests, context, page = await signed_in(browser, told, HEAD)
    await page.get_by_role("navigation").get_by_role("link", name="Cách nhận thông báo").click()
    await page.get_by_role("heading", level=1, name="Cách nhận thông báo").wait_for()
    assert await shown(page) == {
        "E-mail": "Bật",
        "Bản tổng hợp hằng ngày": "Tắt",
        "Địa chỉ webhook": "Chưa có",
    }
    await no_serious_violations(page)
    await screenshots(page, "preferences")

    # E-mail off, the digest on: saved, said so, and shown again after a reload.
    email = page.get_by_label("Nhận thông báo qua e-mail")
    digest = page.get_by_label("Gom thông báo không khẩn", exact=False)
    await email.uncheck()
    await digest.check()
    await page.get_by_role("button", name="Lưu lựa chọn").click()
    await page.get_by_text("Đã lưu cách nhận thông báo.").wait_for()
    await page.reload()
    assert (await shown(page))["E-mail"] == "Tắt"
    assert (await shown(page))["Bản tổng hợp hằng ngày"] == "Bật"
    assert not await email.is_checked() and await digest.is_checked()
    assert {k: v for k, v in (await kept(told, HEAD)).items() if k in ("email", "digest")} == {
        "email": False,
        "digest": True,
    }

    # A webhook address notifications refuses: the refusal beside the field, with the address
    # and the boxes as they were sent, the focus on the field; nothing saved.
    await email.check()
    field = page.get_by_label("Địa chỉ webhook", exact=True)
    await field.fill(REFUSED)
    await page.get_by_role("button", name="Lưu lựa chọn").click()
    error = page.locator("#webhook_url-error")
    await error.wait_for()
    assert (await error.inner_text()).startswith("Địa chỉ webhook: Địa chỉ webhook phải là http(s)")
    assert await field.input_value() == REFUSED
    assert await field.get_attribute("aria-invalid") == "true"
    assert "webhook_url-error" in (await field.get_attribute("aria-describedby") or "")
    assert await field.evaluate("e => document.activeElement === e")
    assert await email.is_checked() and await digest.is_checked()
    assert page.url.endswith("/preferences")  # the page's own address, opened again as it is
    assert (await kept(told, HEAD))["webhook_url"] is None
    assert (await kept(told, HEAD))["email"] is False
    await no_serious_violations(page)
    await screenshots(page, "preferences-refused")

    # An address longer than notifications keeps (2,000 characters): refused beside the field,
    # not cut short by the page (a shorter address would be another one), nothing saved.
    long = PUBLIC + "?end=" + "x" * 2990
    await field.fill(long)
    assert await field.input_value() == long
    await page.get_by_role("button", name="Lưu lựa chọn").click()
    await page.get_by_text("Địa chỉ webhook: Giá trị quá dài.").wait_for()
    assert await field.input_value() == long
    assert (await kept(told, HEAD))["webhook_url"] is None

    # A public address: saved, its signing secret shown once with what it is for.
    await field.fill(PUBLIC)
    await page.get_by_role("button", name="Lưu lựa chọn").click()
    secret = page.locator("#webhook-secret")
    await secret.wait_for()
    saved = await kept(told, HEAD)
    assert saved["webhook_url"] == PUBLIC and saved["email"] is True
    assert await secret.inner_text() == saved["webhook_secret"]
    assert saved["webhook_secret"].startswith("whsec_")
    assert "webhook-signature" in await page.locator("section.notice").inner_text()
    await no_serious_violations(page)
    await screenshots(page, "preferences-secret")
    assert page.url.endswith("/preferences")
    await page.reload()
    assert await page.locator("#webhook-secret").count() == 0
    assert (await shown(page))["Địa chỉ webhook"] == PUBLIC
    assert await field.input_value() == PUBLIC

    # Emptied, there is no webhook any more.
    await field.fill("")
    await page.get_by_role("button", name="Lưu lựa chọn").click()
    await page.get_by_text("Đã lưu cách nhận thông báo.").wait_for()
    assert (await shown(page))["Địa chỉ webhook"] == "Chưa có"
    assert (await kept(told, HEAD))["webhook_url"] is None
    requests.assert_local()
    await context.close()


async def test_every_person_reaches_the_page_in_english_too(browser, told) -> None:
    requests, context, page = await signed_in(browser, told, STAFF)
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("navigation").get_by_role("link", name="How I am told").click()
    await page.get_by_role("heading", level=1, name="How I am told").wait_for()
    assert (await shown(page))["E-mail"] == "On"
    await no_serious_violations(page)
    requests.assert_local()
    await context.close()
