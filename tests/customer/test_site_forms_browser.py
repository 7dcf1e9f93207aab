"""Issue 27.1 in real Chromium: a visitor at 375 px sends the published contact form, with and
without JavaScript. The browser talks to the stack's domain worker (every request to the site's
host is handed to it in process), so the page, the post, domain's forwarding over the CUSTOMER
binding and customer's answer are the product's own."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from playwright.async_api import Browser as Chromium
from playwright.async_api import Page

from devstack.asgi import asgi
from devstack.stack import Stack
from tests.customer.conftest import Owner
from tests.customer.test_site_forms import ANNA, form_site

PHONE = {"width": 375, "height": 740}


@contextlib.asynccontextmanager
async def serving(stack: Stack, posts: list[str]) -> AsyncIterator[int]:
    """The stack's domain worker behind uvicorn on a free loopback port (in this event loop), as the
    local stack serves it: Chromium follows its redirects as it would the real edge's."""
    app = asgi(stack.domain)

    async def noting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            posts.append(scope["path"])
        await app(scope, receive, send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # A connection Chromium still holds must not keep the shutdown waiting (uvicorn waits without end).
    server = uvicorn.Server(uvicorn.Config(noting, log_level="warning", timeout_graceful_shutdown=5))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    async with asyncio.timeout(30):
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await task
        sock.close()


async def open_form(chromium: Chromium, url: str, js: bool) -> Page:
    context = await chromium.new_context(viewport=PHONE, java_script_enabled=js)
    page = await context.new_page()
    await page.goto(url)
    return page


async def fill(page: Page, block: str, fields: dict[str, str]) -> None:
    for name in ("name", "email", "phone", "message"):
        await page.fill(f"#{block}-{name}", fields[name])


async def send(page: Page, block: str) -> None:
    """Clicks the form's button and waits for the page the post brings."""
    async with page.expect_navigation():
        await page.click(f"#form-{block} button[type=submit]")


async def kept(page: Page, block: str) -> list[str]:
    return [await page.input_value(f"#{block}-{name}") for name in ("name", "email", "phone", "message")]


async def test_a_refused_post_comes_back_on_the_sites_page_with_every_field_kept_without_javascript(
    owner: Owner, stack: Stack, chromium: Chromium
) -> None:
    site, block = await form_site(owner)
    host, posts = str(site["default_host"]), []
    async with serving(stack, posts) as port:
        await no_javascript(chromium, f"{host}:{port}", block, posts)
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert [(x["name"], x["email"]) for x in leads] == [("Anna", "anna@example.com")]


async def no_javascript(chromium: Chromium, host: str, block: str, posts: list[str]) -> None:
    page = await open_form(chromium, f"http://{host}/", js=False)
    try:
        # A name of spaces passes the browser's `required`; the server trims it and refuses.
        visitor = {**ANNA, "name": "   ", "email": "anna@example.com"}
        await fill(page, block, visitor)
        await send(page, block)
        assert posts == [f"/_smartpages/forms/{block}"]
        assert page.url == f"http://{host}/_smartpages/forms/{block}"  # same host, nothing typed in it
        assert await page.title() == "Bakery Rosa"  # the site's page
        assert await kept(page, block) == ["", "anna@example.com", "+49 30 1234", ANNA["message"]]
        name = page.locator(f"#{block}-name")
        assert await name.get_attribute("aria-invalid") == "true"
        note = page.locator(f"#{block}-name-error")
        assert await note.inner_text() == "Please fill this in."
        assert await note.is_visible()
        assert await page.locator(f"#form-{block} [role=alert]").is_visible()
        # Fixed, sent again: taken, and the thank-you shows on the page.
        await page.fill(f"#{block}-name", "Anna")
        await send(page, block)
        assert page.url == f"http://{host}/#thanks-{block}"
        assert await page.locator(f"#thanks-{block}").is_visible()
        assert await page.locator(f"#thanks-{block}").inner_text() == "Thank you, Rosa"
    finally:
        await page.context.close()


async def test_with_javascript_the_browser_and_the_server_refuse_the_same_and_nothing_is_lost(
    owner: Owner, stack: Stack, chromium: Chromium
) -> None:
    site, block = await form_site(owner)
    host, posts = str(site["default_host"]), []
    async with serving(stack, posts) as port:
        await with_javascript(chromium, f"{host}:{port}", block, posts)
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert [(x["name"], x["email"]) for x in leads] == [("Anna", "anna@example.com")]


async def with_javascript(chromium: Chromium, host: str, block: str, posts: list[str]) -> None:
    page = await open_form(chromium, f"http://{host}/", js=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        # `anna@b`: the browser itself refuses it now (the same rule as the server's), nothing is sent.
        await fill(page, block, ANNA)
        await page.click(f"#form-{block} button[type=submit]")
        assert posts == []
        assert await page.locator(f"#{block}-email").evaluate("e => e.validity.patternMismatch")
        assert await kept(page, block) == [ANNA["name"], "anna@b", "+49 30 1234", ANNA["message"]]
        # What only the server can tell (a name of spaces) comes back in place: no page load (the
        # form script, allowed by its hash), every field kept, the problem focused.
        await page.evaluate("window.notReloaded = true")
        await fill(page, block, {**ANNA, "name": "   ", "email": "anna@example.com"})
        await page.click(f"#form-{block} button[type=submit]")
        note = page.locator(f"#{block}-name-error")
        await note.wait_for()
        assert posts == [f"/_smartpages/forms/{block}"]
        assert await page.evaluate("window.notReloaded") is True
        assert page.url == f"http://{host}/"
        assert await note.inner_text() == "Please fill this in."
        assert await kept(page, block) == ["", "anna@example.com", "+49 30 1234", ANNA["message"]]
        focused = await page.evaluate("document.activeElement && document.activeElement.id")
        assert focused == f"{block}-name"  # the problem is focused, so the visitor is taken to it
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0  # no horizontal scroll at 375 px
        box = await note.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"]
        # Fixed and sent again: the thank-you shows, still without a page load, the form emptied.
        await page.fill(f"#{block}-name", "Anna")
        await page.click(f"#form-{block} button[type=submit]")
        await page.locator(f"#thanks-{block}").wait_for(state="visible")
        assert await page.evaluate("window.notReloaded") is True
        assert page.url == f"http://{host}/#thanks-{block}"
        assert await kept(page, block) == ["", "", "", ""]
        assert posts == [f"/_smartpages/forms/{block}"] * 2
        # No CSP refusal, no script error (Chromium logs every 4xx answer it fetched: the refused post).
        assert [p for p in problems if "status of 400" not in p] == []
    finally:
        await page.context.close()
