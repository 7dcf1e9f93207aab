"""Issue 27.2 in a real Chromium on the CPython stack: the owner adds a date question and a choice to her
contact form in the editor (plain words, no JSON), publishes, a visitor on a 375 px phone answers
them on the site, and the owner reads every answer in the inbox and the CSV."""

from __future__ import annotations

import csv
import io

from playwright.async_api import Browser, expect

from tests.lane.client import subscribed
from tests.portal.conftest import shot
from tests.portal.test_editor import confirm, open_block, open_editor, saved, signed_in_context
from tests.served import Served

EMAIL = "shaped-forms@example.com"


async def test_owner_adds_a_date_and_a_choice_a_visitor_answers_the_inbox_and_csv_show_them(
    browser: Browser, served: Served
) -> None:
    owner = subscribed(served, EMAIL)
    site = owner.post("/api/v1/sites", {"name": "Cake Corner"}).json()
    path = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    blocks = [{"type": "lead_form", "heading": "Order a cake", "thanks": "Thank you, we will call you."}]
    assert owner.call("PUT", path, {"title": "Home", "blocks": blocks}).status_code == 200

    context = await signed_in_context(browser, served, EMAIL)
    page = await open_editor(context, served, site, "Cake Corner")
    form = await open_block(page, "Contact form")
    await form.get_by_role("button", name="Add question").click()
    first = form.locator("li.item").nth(0)
    await first.get_by_label("Question", exact=True).fill("Date of the party")
    await first.get_by_label("Kind of answer", exact=True).select_option(label="Date")
    await first.get_by_label("Must be answered", exact=True).check()
    await form.get_by_role("button", name="Add question").click()
    second = form.locator("li.item").nth(1)
    await second.get_by_label("Question", exact=True).fill("Cake size")
    await second.get_by_label("Kind of answer", exact=True).select_option(label="Choice")
    await second.get_by_label("Choices, one a line (for a choice or checkboxes)", exact=True).fill("Small\nLarge")
    await saved(page)
    stored = owner.call("GET", path).json()["blocks"][0]["fields"]
    assert [(f["label"], f["kind"], f["required"]) for f in stored] == [
        ("Date of the party", "date", True),
        ("Cake size", "choice", False),
    ]
    # Reordered: the choice first.
    await second.get_by_role("button", name="Move up").click()
    await saved(page)
    assert [f["label"] for f in owner.call("GET", path).json()["blocks"][0]["fields"]] == [
        "Cake size",
        "Date of the party",
    ]
    await shot(page, "shaped-form-editor")
    await page.get_by_role("button", name="Publish", exact=True).click()
    await confirm(page, "Publish")
    await expect(page.locator("#flash")).to_contain_text("Published version 1.", timeout=60_000)
    site_url = await page.locator("#live-link").get_attribute("href")
    assert site_url is not None

    visitor = await browser.new_context(viewport={"width": 375, "height": 812})
    guest = await visitor.new_page()
    await guest.goto(site_url)
    await guest.get_by_label("Email", exact=True).fill("gina@example.net")
    await guest.get_by_label("Cake size (optional)", exact=True).select_option("Large")
    await guest.get_by_label("Date of the party", exact=True).fill("2027-05-01")
    assert await guest.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    await guest.get_by_role("button", name="Send").click()
    await expect(guest.get_by_text("Thank you, we will call you.")).to_be_visible(timeout=30_000)
    await visitor.close()

    await page.goto(f"{served.core}/sites/{site['id']}/leads")
    lead = page.get_by_role("listitem").filter(has_text="gina@example.net")
    await expect(lead).to_contain_text("Date of the party")
    await expect(lead).to_contain_text("2027-05-01")
    await expect(lead).to_contain_text("Cake size")
    await expect(lead).to_contain_text("Large")
    await shot(page, "shaped-form-inbox")
    exported = owner.call("GET", f"/api/v1/sites/{site['id']}/leads.csv")
    header, row = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    given = dict(zip(header, row, strict=True))
    answers = (given["Cake size"], given["Date of the party"], given["Email"])
    assert answers == ("Large", "2027-05-01", "gina@example.net")
    await context.close()
