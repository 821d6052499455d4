"""The web front-end in a real browser against the real stack as processes: a nats-server,
assessment on SQLite with the demo ward's org chart, the web service, and Debian's Chromium
driven by Playwright (``/usr/bin/chromium``, installed by ``make test``; no browser download).
One stack and one browser per module; every test saves screenshots at phone and desktop sizes
under ``var/artefacts/web/`` and checks that no request left 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from contracts.periods import Month
from tests.support.stack import Stack
from tools.processes import ROOT, NatsServer, ServiceProcess, free_port

CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and nothing of the browser's own talking to the internet.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = ROOT / "var" / "artefacts" / "web"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"127.0.0.1"}


@dataclass
class WebStack:
    stack: Stack
    web: ServiceProcess
    tokens: list[dict[str, Any]]

    @property
    def url(self) -> str:
        return self.web.base_url

    def assessment(self) -> str:
        return self.stack.url("assessment")

    def service(self, name: str) -> str:
        return self.stack.url(name)

    def token(self, subject: str) -> str:
        entry = next(e for e in self.tokens if subject in (e["person_id"], e["device_id"]))
        return str(entry["token"])


@contextmanager
def started_web_stack(
    workdir: Path, services: tuple[str, ...] = ("assessment",), **env: str
) -> Iterator[WebStack]:
    """A nats-server, the demo ward's org chart, ``services`` (SQLite each) and the web
    service pointed at them, stopped on leaving; ``env``: more settings for every process."""
    nats = NatsServer(workdir / "nats", log=workdir / "nats.log").start()
    databases = {name: f"sqlite+aiosqlite:///{workdir / name}.db" for name in services}
    # Access tokens of 62 s: a password session is renewed (refresh) on nearly every request.
    extra = {"WARD5S_ASSESSMENT_ACCESS_TOKEN_MINUTES": "1.04", **env}
    # The stack tells assessment where scoring runs (its figures for reviews and reports).
    stack = Stack(nats.url, databases, workdir, extra_env=extra)
    tokens_file = workdir / "demo-tokens.json"
    web = None
    try:
        tokens = stack.load_demo(tokens_file, mode="org")
        stack.start(*services)
        urls = {f"WARD5S_WEB_{name.upper()}_URL": stack.url(name) for name in services}
        web_env = {**stack.env("assessment"), **urls, "WARD5S_WEB_DEMO_TOKENS": str(tokens_file)}
        web = ServiceProcess("web", free_port(), web_env, log=workdir / "web.log").start()
        yield WebStack(stack, web, tokens)
    finally:
        if web is not None:
            web.stop()
        stack.stop()
        nats.stop()


@pytest.fixture(scope="module")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    with started_web_stack(tmp_path_factory.mktemp("web")) as stack:
        yield stack


@dataclass
class Requests:
    """Every request the browser made (pages, service worker included), and those refused for
    leaving 127.0.0.1."""

    seen: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def assert_local(self) -> None:
        assert self.seen, "no request recorded"
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        elsewhere = [u for u in self.seen if urlsplit(u).hostname not in LOCAL_HOSTS]
        assert elsewhere == [], f"requests left 127.0.0.1: {elsewhere}"


def chromium() -> str:
    assert CHROMIUM.exists(), "Debian's chromium is missing: make test installs it"
    return str(CHROMIUM)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


async def new_context(browser: Any, requests: Requests, phone: bool = True) -> Any:
    """A fresh browser profile (phone-sized by default) whose every request is recorded, and
    refused when it is not for 127.0.0.1."""
    context = await browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        has_touch=phone,
        locale="en-US",  # the pages must be Vietnamese whatever the browser asks for
        timezone_id="Asia/Ho_Chi_Minh",
        service_workers="allow",
    )

    async def guard(route: Any) -> None:
        url = route.request.url
        requests.seen.append(url)
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            await route.fallback()
        else:
            requests.outside.append(url)
            await route.abort()

    await context.route("**/*", guard)
    context.on("request", lambda request: requests.seen.append(request.url))
    return context


#: Nothing when the page fits a screen ``width`` px wide; else the page's width, then the first
#: elements reaching past the screen's right edge (tag, class and right edge in px).
TOO_WIDE = """width => {
  if (document.documentElement.scrollWidth <= width) return [];
  const out = [document.documentElement.scrollWidth];
  for (const e of document.querySelectorAll("body *")) {
    const right = e.getBoundingClientRect().right;
    if (right > width && out.length < 6) out.push(`${e.tagName}.${e.className} ${right}`);
  }
  return out;
}"""


async def screenshots(page: Any, name: str) -> None:
    """The page at phone and desktop sizes, whole, under var/artefacts/web/; on the phone the
    page is no wider than the screen (a wide table scrolls in its own box, not the page)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(viewport)
        if label == "phone":
            from playwright.async_api import TimeoutError as NotNarrowed

            # A chart's canvas follows the new size a frame or two later (a ResizeObserver).
            fits = "w => document.documentElement.scrollWidth <= w"
            with contextlib.suppress(NotNarrowed):  # said below, with what is too wide
                await page.wait_for_function(fits, arg=PHONE["width"], timeout=3000)
            wide = await page.evaluate(TOO_WIDE, PHONE["width"])
            assert wide == [], f"{name}: wider than a phone ({PHONE['width']} px): {wide}"
        await page.screenshot(path=str(ARTEFACTS / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(size)


async def no_serious_violations(page: Any) -> None:
    """axe-core (shipped by the axe-playwright-python package, served from nowhere but the
    test) finds no serious or critical violation on the page."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], json.dumps(bad, ensure_ascii=False)


def this_month() -> str:
    return Month.of(datetime.now(UTC)).key


async def api(method: str, url: str, token: str, **more: object) -> httpx.Response:
    """A call to a service's API with a demo token."""
    async with httpx.AsyncClient(timeout=10) as client:
        headers = {"Authorization": f"Bearer {token}"}
        return await client.request(method, url, headers=headers, **more)  # type: ignore[arg-type]
