"""A domain anyone can connect (issue 28.1), in real Chromium on the CPython stack: she pastes a URL with
capitals and a trailing slash, sees what was understood before and after connecting, copies a
record's value with its button, sets the records at her "registrar" (the DNS-over-HTTPS stand-in
beside the stack), and without touching anything the panel's live check turns each record green,
the Cloudflare stand-in activates the hostname and the panel says the domain is live, and she gets
the "your domain is live" mail once. axe finds nothing on the domains panel, pending and live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.lane.client import subscribed
from tests.portal.conftest import shot, watched_page, within
from tests.portal.test_accessibility import violations
from tests.portal.test_account import log_in
from tests.served import Served

HOST = "www.harbourlane-bakery.test"


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """The conftest's page, CSP bypassed so axe can be injected, and the clipboard allowed."""
    async for opened in watched_page(browser, bypass_csp=True):
        await opened.context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield opened


async def test_a_pasted_url_connects_the_right_hostname_and_the_live_check_turns_green(
    page: Page, served: Served
) -> None:
    email = "portal-domains@example.com"
    owner = await asyncio.to_thread(subscribed, served, email)
    site = (await asyncio.to_thread(owner.post, "/api/v1/sites", {"name": "Harbourlane Bakery"})).json()
    assert (await asyncio.to_thread(owner.post, f"/api/v1/sites/{site['id']}/publish")).status_code == 201
    await log_in(page, served, email)
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible(timeout=30_000)
    await page.goto(f"{served.core}/sites/{site['id']}")
    panel = page.locator("#panel-domains")

    field = panel.get_by_label("Your domain")
    await field.fill("https://WWW.Harbourlane-Bakery.test/")
    understood = f"We'll connect {HOST}. Visitors who type harbourlane-bakery.test will be sent to it."
    await expect(panel.locator("#domain-understood")).to_have_text(understood)  # before connecting
    await panel.get_by_role("button", name="Connect").click()
    card = panel.locator(f'[data-domain="{HOST}"]')
    await expect(card.get_by_role("heading", name=HOST)).to_be_visible(timeout=30_000)
    await expect(card.get_by_text(understood)).to_be_visible()
    www = card.locator(f'tr[data-record="CNAME {HOST}"]')
    await expect(www).to_have_attribute("data-state", "missing", timeout=30_000)
    await expect(www).to_contain_text("Not found yet")  # in words, not colour only
    await expect(card.get_by_text("Waiting for your DNS records")).to_be_visible()
    assert await violations(page, "domains, pending") == []

    # The copy button puts the value on the clipboard.
    domain = (await asyncio.to_thread(owner.call, "GET", f"/api/v1/domains/{HOST}")).json()
    target = next(r["value"] for r in domain["dns_records"] if r["name"] == HOST)
    await www.get_by_role("button", name="Copy the value for www").click()
    assert await within(30, page.evaluate("navigator.clipboard.readText()"), "reading the clipboard") == target
    await shot(page, "domains-pending")

    # She sets every record at her registrar; the panel is left alone and checks by itself.
    for record in domain["dns_records"]:
        await asyncio.to_thread(served.set_dns, record["name"], record["type"], [record["value"]])
    await expect(card.get_by_text("Live:")).to_be_visible(timeout=60_000)
    for name in (HOST, "harbourlane-bakery.test"):
        row = card.locator(f'tr[data-record="CNAME {name}"]')
        await expect(row).to_have_attribute("data-state", "ok", timeout=60_000)
        await expect(row).to_contain_text("In place")
    await expect(card.locator('tr[data-record^="TXT "]')).to_have_count(0)  # proofs are not asked for once live
    await expect(card.get_by_role("link", name=HOST)).to_be_visible()
    await expect(card.locator(f'[data-checked="{HOST}"]')).not_to_contain_text("Checking again")  # it stopped
    assert await violations(page, "domains, live") == []
    await shot(page, "domains-live")
    mails = [m for m in await asyncio.to_thread(owner.outbox) if m["template"] == "domain_live" and m["to"] == email]
    assert len(mails) == 1  # the panel's checks noticed it: she is told by mail too, once
