"""axe-core (npm, pinned) on every portal view in real Chromium, with every editor panel and block
form open and each dialog shown (billing's switch preview and the account's deletion dialog
included): no violations. (The preview iframe shows the published site,
which its own tests audit; axe runs on the portal's document.)"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect
from playwright.async_api import Error as PlaywrightError

from tests import loopback
from tests.imagefiles import png
from tests.lane.client import PASSWORD, subscribed
from tests.portal.conftest import ROOT, within
from tests.served import Served

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

EVERY_BLOCK: list[dict[str, Any]] = [
    {"type": "hero", "heading": "Fresh bread", "subheading": "Daily", "cta_label": "Visit", "cta_href": "/contact/"},
    {"type": "rich_text", "markdown": "## Story\n\nSince 1990."},
    {"type": "image", "asset": "", "alt": "Loaf"},
    {"type": "gallery", "images": [{"asset": "", "alt": "Loaf"}]},
    {"type": "features", "items": [{"title": "Slow", "text": "36 hours"}]},
    {"type": "pricing", "plans": [{"name": "Cake", "price": "€20", "features": ["Serves 6"]}]},
    {"type": "testimonials", "items": [{"quote": "Lovely", "author": "Mara"}]},
    {"type": "cta", "heading": "Order", "label": "Call", "href": "tel:+41000"},
    {"type": "lead_form", "heading": "Write to us"},
    {"type": "hours_location", "hours": [{"day": "mon", "opens": "08:00", "closes": "18:00"}], "address": "1 Street"},
    {"type": "footer", "text": "© Bakery", "links": [{"label": "Home", "href": "/"}]},
]


async def upload_picture(served: Served, owner: Any, site_id: str) -> str:
    """A small PNG into the site's library, as the portal uploads it; its sha256."""
    reply = await asyncio.to_thread(
        loopback.post,
        f"{served.core}/api/v1/sites/{site_id}/assets?name=loaf.png",
        content=png(1, width=40, height=30),
        headers={"cookie": owner.cookie, "origin": served.core, "sec-fetch-site": "same-origin"},
        timeout=60,
    )
    return str(reply.json()["sha256"])


async def violations(page: Page, view: str) -> list[str]:
    for attempt in range(2):  # a second time if the page was replaced under the first run
        try:
            await within(30, page.add_script_tag(path=str(AXE)), f"loading axe on {view}")
            audit = page.evaluate("axe.run(document, {iframes: false, resultTypes: ['violations']})")
            result = await within(60, audit, f"axe on {view}")
            break
        except TimeoutError:
            if attempt == 1:
                raise
    return [
        f"{view}: {v['id']} ({v['impact']}) {v['help']} at {json.dumps([n['target'] for n in v['nodes']][:3])}"
        for v in result["violations"]
    ]


async def preview_violations(page: Page) -> list[str]:
    """The preview as the editing surface (on-page editing): its editable blocks, its "+" buttons
    and the text toolbar open, audited inside the frame."""
    preview = page.frame_locator("#pv")
    rich = preview.locator("[data-sp-rich]").first
    for attempt in range(3):  # the preview may still be reloading after the last save
        await expect(page.locator("#save-status")).to_have_text("Saved", timeout=30_000)
        await page.wait_for_timeout(2500)
        await expect(rich).to_have_attribute("contenteditable", "true", timeout=30_000)
        await rich.locator("p").first.click()
        await expect(preview.get_by_role("toolbar", name="Text style")).to_be_visible()
        handle = await page.locator("#pv").element_handle()
        frame = await handle.content_frame() if handle else None
        assert frame is not None
        try:
            await within(30, frame.add_script_tag(path=str(AXE)), "loading axe in the preview")
            result = await within(60, frame.evaluate("axe.run(document, {resultTypes: ['violations']})"), "axe")
            break
        except (PlaywrightError, TimeoutError):  # the frame was replaced under axe: audit the new one
            if attempt == 2:
                raise
    return [
        f"preview: {v['id']} ({v['impact']}) {v['help']} at {json.dumps([n['target'] for n in v['nodes']][:3])}"
        for v in result["violations"]
    ]


async def test_no_axe_violations_on_any_portal_view(browser: Browser, served: Served, tmp_path: Path) -> None:
    assert AXE.exists(), "npm ci installs axe-core"
    found: list[str] = []

    # Signed out: the auth views.
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    for path, heading in [
        ("/login", "Log in"),
        ("/signup", "Create your SmartPages account"),
        ("/forgot", "Reset your password"),
        ("/magic-link", "Sign in by email"),
        ("/reset?token=x", "Choose a new password"),
    ]:
        await page.goto(served.core + path)
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
        found += await violations(page, path)
    # The audit can fail: a picture without alt text is caught.
    await page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/favicon.svg\">')")
    assert any("image-alt" in v for v in await violations(page, "probe"))
    # A wrong password shows its error next to the field: audited too.
    await page.goto(served.core + "/login")
    await page.get_by_label("Email").fill("nobody@example.com")
    await page.get_by_label("Password").fill("wrong password here")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator(".field-error")).to_be_visible()
    found += await violations(page, "/login with an error")
    await context.close()

    # Signed in, with a site using every block type, a picture and a lead.
    owner = subscribed(served, "axe@example.com")
    site = owner.post("/api/v1/sites", {"name": "Axe Bakery", "slug": "axe-bakery"}).json()
    uploaded = await upload_picture(served, owner, site["id"])
    blocks = json.loads(json.dumps(EVERY_BLOCK).replace('"asset": ""', f'"asset": "{uploaded}"'))
    home = site["pages"][0]["id"]
    assert owner.call("PUT", f"/api/v1/sites/{site['id']}/pages/{home}", {"blocks": blocks}).status_code == 200
    assert owner.post(f"/api/v1/sites/{site['id']}/publish").status_code == 201
    form_block = owner.call("GET", f"/api/v1/sites/{site['id']}/pages/{home}").json()["blocks"][8]["id"]
    await asyncio.to_thread(
        loopback.post,
        f"{served.core}/api/v1/forms/{site['id']}/{form_block}",
        data={"name": "Gina", "email": "gina@example.net", "message": "Hello", "page": "/", "website": ""},
        headers={"origin": "http://axe-bakery.localhost"},
        timeout=60,
    )

    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(served.core + "/login")
    await page.get_by_label("Email").fill("axe@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible()
    found += await violations(page, "/ (dashboard)")
    for path, heading in [("/billing", "Billing"), ("/account", "Account")]:
        await page.goto(served.core + path)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        found += await violations(page, path)
    # Billing with yearly prices shown and a switch's preview open; the account's deletion dialog,
    # with a wrong password's error by its field.
    await page.goto(served.core + "/billing")
    await page.get_by_label("Every year (2 months free)").check()
    await page.get_by_role("button", name="Switch to Pro, paid yearly").click()
    await expect(page.locator("#confirm-switch")).to_be_visible()
    found += await violations(page, "/billing, yearly, a switch's preview")
    await page.goto(served.core + "/account")
    await page.get_by_role("button", name="Delete my account…").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    found += await violations(page, "/account, deletion dialog")
    await page.get_by_role("dialog").get_by_label("Type your password to confirm").fill("not the password")
    await page.get_by_role("dialog").get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("dialog").locator(".field-error")).to_be_visible()
    found += await violations(page, "/account, deletion dialog with a wrong password")
    await page.get_by_role("dialog").get_by_role("button", name="Keep my account").click()
    await page.goto(f"{served.core}/sites/{site['id']}/leads")
    await expect(page.get_by_role("heading", name="Enquiries for Axe Bakery")).to_be_visible()
    found += await violations(page, "leads")

    await page.goto(f"{served.core}/sites/{site['id']}")
    await expect(page.get_by_role("heading", name="Axe Bakery", level=1)).to_be_visible()
    await expect(page.locator("#domains form, #domains .alert")).to_be_visible()
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    for button in await page.get_by_role("button", name="Add feature").all():
        await button.click()  # list items added in place, audited too
    await expect(page.locator("#history li.history-entry").first).to_be_visible(timeout=30_000)
    found += await violations(page, "editor, every panel and block form open")
    # The new, empty feature cannot be saved: the error sits by its field, the status says so.
    await expect(page.locator("#save-status")).to_have_text("Not saved — check the marked field", timeout=30_000)
    await expect(page.locator(".field-error").first).to_be_visible()
    found += await violations(page, "editor, an autosave refused with the error by its field")
    await page.get_by_role("button", name="Insert here: a new block above features").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    found += await violations(page, "editor, block chooser")
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    # Undo takes the empty features away again, so the page saves and can be published.
    await page.get_by_role("button", name="Undo", exact=True).click()
    await expect(page.locator("#save-status")).to_have_text("Saved", timeout=30_000)
    await page.get_by_role("listitem", name="Picture block").get_by_role("button", name="Choose picture").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    found += await violations(page, "editor, picture chooser")
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    found += await violations(page, "editor, publish confirmation")
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    found += await preview_violations(page)
    await context.close()
    assert found == []
