"""The billing view of a paying customer in real Chromium on the lane: the next charge, the card's
last digits, the invoice on Stripe's hosted page, and a switch Starter → Pro after the prorated
preview, with the plan following Stripe's webhook."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, expect

from tests.lane.client import PASSWORD, subscribed
from tests.lane.harness import Lane
from tests.portal.conftest import shot

pytestmark = pytest.mark.lane


async def test_billing_view_and_a_plan_switch(page: Page, lane: Lane) -> None:
    await asyncio.to_thread(subscribed, lane, "switcher@example.com")  # on Starter, paid
    await page.goto(f"{lane.core}/login")
    await page.get_by_label("Email").fill("switcher@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("link", name="Billing").click()
    await expect(page.locator("main")).to_contain_text("Your plan: starter", timeout=15_000)
    await expect(page.get_by_text("Next charge:")).to_be_visible()
    await expect(page.get_by_text("visa ending in 4242")).to_be_visible()
    await expect(page.get_by_role("link", name="View invoice")).to_have_count(1)  # this customer's only
    invoice = await page.get_by_role("link", name="View invoice").get_attribute("href")
    assert invoice is not None
    assert invoice.startswith(f"{lane.stripe}/invoices/in_")  # Stripe's hosted page
    await page.get_by_role("button", name="Switch to Pro").click()
    await expect(page.get_by_text("Your next charge, on")).to_be_visible()
    await shot(page, "billing-switch-preview")
    await page.locator("#do-switch").click()
    await expect(page.get_by_text("You are switching to Pro")).to_be_visible()
    for _ in range(60):  # Stripe's webhook lands a moment later
        await page.reload()
        if "Your plan: pro" in await page.inner_text("main"):
            break
        await asyncio.sleep(0.5)
    await expect(page.locator("main")).to_contain_text("Your plan: pro")
    await shot(page, "billing-pro")
