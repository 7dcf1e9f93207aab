"""The Insights view in real Chromium on the CPython stack: the owner sees the figures the domain worker
counted (as totals, SVG charts and the tables beside them), under the portal's CSP with nothing
refused, readable on a 375 px phone, and axe-core finds no violation."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import Browser, Page, expect

from tests import loopback
from tests.lane.client import PASSWORD, subscribed
from tests.portal.conftest import shot
from tests.portal.test_accessibility import AXE, violations
from tests.served import Served

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def visits(served: Served, host: str) -> None:
    """12 views (9 on the home page, 3 on About; 4 from a search engine, 8 within the site) and 2 enquiries."""
    with httpx.Client(base_url=served.domain, verify=loopback.TLS, timeout=60) as client:
        for i in range(12):
            referer = "https://duckduckgo.com/" if i < 4 else f"http://{host}/"
            headers = {
                "host": host,
                "user-agent": PHONE if i % 2 else DESKTOP,
                "cf-ipcountry": "CH",
                "referer": referer,
            }
            assert client.get("/about/" if i % 4 == 3 else "/", headers=headers).status_code == 200
    served.drain()


async def sign_in(page: Page, served: Served, email: str) -> None:
    await page.goto(served.core + "/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible()


async def test_the_insights_view_shows_the_figures_accessibly(browser: Browser, served: Served) -> None:
    email = "insights-portal@example.com"
    owner = await asyncio.to_thread(subscribed, served, email)
    site = owner.post("/api/v1/sites", {"name": "Chart Bakery", "slug": "chart-bakery"}).json()
    sid, home = site["id"], site["pages"][0]["id"]
    blocks = [{"type": "rich_text", "markdown": "Bread"}, {"type": "lead_form", "heading": "Write to us"}]
    assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks}).status_code == 200
    assert owner.post(f"/api/v1/sites/{sid}/pages", {"title": "About", "slug": "about"}).status_code == 201
    assert owner.post(f"/api/v1/sites/{sid}/publish").status_code == 201
    form = owner.call("GET", f"/api/v1/sites/{sid}/pages/{home}").json()["blocks"][1]["id"]
    await asyncio.to_thread(visits, served, site["default_host"])
    for n in range(2):
        sent = await asyncio.to_thread(
            loopback.post,
            f"{served.core}/api/v1/forms/{sid}/{form}",
            data={"name": f"V{n}", "email": f"v{n}@example.net", "message": "Cake?", "page": "/", "website": ""},
            headers={"origin": f"http://{site['default_host']}", "cf-connecting-ip": f"203.0.113.{n + 40}"},
            timeout=60,
        )
        assert sent.status_code == 303

    # Under the portal's own CSP: nothing refused, no script error.
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    await sign_in(page, served, email)
    await page.get_by_role("link", name="Insights").first.click()
    await expect(page.get_by_role("heading", name="Insights for Chart Bakery")).to_be_visible()
    await expect(page.locator("#total-views")).to_have_text("12")
    await expect(page.locator("#total-visitors")).to_have_text("4")  # only the 4 from the search engine start a visit
    await expect(page.locator("#total-enquiries")).to_have_text("2")
    await expect(page.locator("#enquiry-rate")).to_have_text("50%")
    today = page.locator("#days tbody tr").last
    await expect(today.locator("td")).to_have_text(["4", "12", "2"])
    await expect(page.get_by_role("img", name="Visits and page views per day")).to_be_visible()
    pages = page.get_by_role("table", name="Most viewed pages")
    await expect(pages.locator("tbody tr")).to_have_count(2)
    await expect(pages.locator("tbody tr").first).to_contain_text("/")
    await expect(pages.locator("tbody tr").first.locator("td")).to_have_text("9")
    await expect(page.get_by_role("table", name="Where visitors came from")).to_contain_text("duckduckgo.com")
    await expect(page.get_by_role("table", name="Countries")).to_contain_text("Switzerland")
    devices = page.get_by_role("table", name="Devices")
    await expect(devices).to_contain_text("Phones")
    await expect(devices).to_contain_text("Computers")
    await page.get_by_role("link", name="Last 30 days").click()
    await expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
    await expect(page.locator("#days tbody tr")).to_have_count(30)
    await page.get_by_role("link", name="Last 90 days").click()
    await expect(page.get_by_role("img", name="Visits and page views per week")).to_be_visible()
    await expect(page.locator("#total-views")).to_have_text("12")
    await shot(page, "insights")
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.get_by_role("link", name="Last 7 days").click()
    await expect(page.locator("#total-views")).to_have_text("12")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await shot(page, "insights-phone")
    assert refused == []
    assert errors == []
    await context.close()

    # axe-core (its script needs the CSP bypassed to be injected): no violations.
    assert AXE.exists()
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await sign_in(page, served, email)
    await page.goto(f"{served.core}/sites/{sid}/insights")
    await expect(page.locator("#total-views")).to_have_text("12")
    found = await violations(page, "insights")
    await page.set_viewport_size({"width": 375, "height": 800})
    found += await violations(page, "insights at 375 px")
    await context.close()
    assert found == []
