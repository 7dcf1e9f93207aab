"""An account signed in through core (as a browser), on a plan the test chooses: billing's
entitlements answer is replaced so each test controls the plan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser as Chromium
from playwright.async_api import Page, Route, async_playwright

from devstack.adapters import drained
from devstack.stack import Stack
from shared.http import Request, Response, json_response
from tests.core.conftest import Browser, Outbox, browser, outbox, signed_up
from tests.etags import versioned_resource
from tests.imagefiles import png
from tools.chromium import ARGS, HEADLESS_SHELL

__all__ = ["Owner", "browser", "outbox", "png", "published_page"]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Chromium]:
    """Debian's Chromium headless shell, for tests that lay published pages out as a browser does."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=HEADLESS_SHELL, args=ARGS, headless=True)
        yield launched
        await launched.close()


def serve_rendered(files: dict[str, bytes], fetched: list[str] | None = None) -> Callable[[Route], Awaitable[None]]:
    """A route handler for http://site.test/: the rendered pages, and a tiny PNG for every asset
    (the layout comes from the <img>'s width and height, not from the file)."""

    async def serve(route: Route) -> None:
        path = "/" + route.request.url.split("/", 3)[3]
        if path.startswith("/assets/"):
            if fetched is not None:
                fetched.append(path)
            await route.fulfill(body=png(1, width=4, height=3), content_type="image/png")
        else:
            await route.fulfill(body=files[path], content_type="text/html")

    return serve


async def open_site(
    chromium: Chromium, files: dict[str, bytes], width: int, fetched: list[str] | None = None, **context: Any
) -> Page:
    """A new browser context `width` px wide showing `files` at http://site.test/ (close its context)."""
    page = await (await chromium.new_context(viewport={"width": width, "height": 800}, **context)).new_page()
    await page.route("http://site.test/**", serve_rendered(files, fetched))
    return page


@dataclass
class Owner:
    browser: Browser
    stack: Stack
    plan: str = "pro"

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        return await self.browser.call(method, path, body, headers)

    async def write(self, method: str, path: str, body: dict[str, Any] | None = None) -> Response:
        """A call as the portal makes it: an editor write names the resource's current ETag."""
        resource = versioned_resource(method, path)
        headers = None if resource is None else {"if-match": (await self.call("GET", resource)).header("etag")}
        return await self.call(method, path, body, headers)

    async def ok(self, method: str, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        """A call (as the portal makes it) expected to answer `status`."""
        response = await self.write(method, path, body if body is not None or method == "GET" else {})
        assert response.status == status, (response.status, response.body[:500])
        return response.json() if response.body else None

    async def upload(self, site_id: str, data: bytes, name: str = "photo.png", under: str = "") -> Response:
        """POSTs image bytes to the site's library (`under`: a sub-path, e.g. an original's variants)."""
        headers = {
            "origin": "http://127.0.0.1:8787",
            "sec-fetch-site": "same-origin",
            "cookie": self.browser.cookie,
            "content-type": "application/octet-stream",
        }
        return await self.stack.core.handle(
            Request("POST", f"/api/v1/sites/{site_id}/assets{under}", f"name={name}", headers, data)
        )

    async def new_site(self, name: str = "Bakery Rosa", **extra: Any) -> dict[str, Any]:
        return await self.ok("POST", "/api/v1/sites", {"name": name, **extra}, 201)  # type: ignore[no-any-return]


@pytest.fixture
async def owner(stack: Stack, browser: Browser, outbox: Outbox) -> Owner:
    return await make_owner(stack, browser, outbox)


async def make_owner(stack: Stack, browser: Browser, outbox: Outbox) -> Owner:
    """A verified, logged-in account whose plan the test controls (billing's answer is replaced)."""
    me = Owner(browser, stack)
    original = stack.billing.dispatch

    async def entitlements(request: Request) -> Response:
        if request.path.startswith("/internal/entitlements/"):
            return json_response({"plan": me.plan})
        return await original(request)

    stack.billing.dispatch = entitlements
    await signed_up(browser, outbox)
    return me


async def published_page(stack: Stack, host: str, path: str = "/", headers: dict[str, str] | None = None) -> Response:
    path, _, query = path.partition("?")
    return await drained(await stack.domain.handle(Request("GET", path, query, {"host": host, **(headers or {})})))


async def history_bodies(stack: Stack, site_id: str) -> set[str]:
    """The site files that hold the pages' history (customer/history.py)."""
    rows = await (await stack.site_db(site_id)).all("SELECT body_sha FROM page_history WHERE site_id = ?", (site_id,))
    return {str(r["body_sha"]) for r in rows}
