"""Phone editing at 375 px (issue 26.6), in real Chromium on the CPython stack: no editor view scrolls
sideways and nothing sticks out of the screen (outside a box that scrolls on its own), with each
panel reached through the phone's jump list, each block type's form open on its own (the
opening-hours grid included), the page settings, every dialog, the conflict alert and the kept
text; every control in each of those views is touch-sized (44 px)."""

from __future__ import annotations

import json

from playwright.async_api import Browser, Page, expect

from tests.lane.client import subscribed
from tests.portal.conftest import ARTIFACTS
from tests.portal.test_accessibility import EVERY_BLOCK, upload_picture
from tests.portal.test_editor import open_editor, signed_in_context
from tests.served import Served

# Everything wider than the screen that is not inside a box scrolling on its own, and the page's
# own scroll width.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && !inScroller(e);
  }).map((e) => `${e.tagName}#${e.id}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`);
  return { scroll: document.scrollingElement.scrollWidth, width: innerWidth, wide: wide.slice(0, 6) };
}"""

SMALL = """() => [...document.querySelectorAll(`main button, main select, main summary, main a.button,
    main input:not([type=checkbox]):not([type=radio]):not([type=file]), dialog button, dialog input:not([type=file])`)]
  .filter((e) => e.offsetParent !== null && !e.closest('.hint'))
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.height < 44 || (e.tagName === 'BUTTON' && r.width < 44))
  .map(([e, r]) => `${e.tagName} ${e.textContent.trim().slice(0, 30)} ${r.width}x${r.height}`)"""


async def fits(page: Page, view: str) -> None:
    measured = await page.evaluate(MEASURE)
    assert measured["scroll"] <= measured["width"], (view, measured)
    assert measured["wide"] == [], (view, measured)
    assert await page.evaluate(SMALL) == [], view


async def phone_editor(browser: Browser, served: Served, email: str) -> tuple[Page, dict, object]:  # type: ignore[type-arg]
    """A published site with every block type, a picture and a domain, on a 375 px screen."""
    owner = subscribed(served, email)
    site = owner.post("/api/v1/sites", {"name": "Phone Bakery"}).json()
    uploaded = await upload_picture(served, owner, site["id"])
    blocks = json.loads(json.dumps(EVERY_BLOCK).replace('"asset": ""', f'"asset": "{uploaded}"'))
    path = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    assert owner.call("PUT", path, {"blocks": blocks}).status_code == 200
    assert owner.post(f"/api/v1/sites/{site['id']}/publish").status_code == 201
    hostname = f"www.{email.split('@')[0]}-a-rather-long-bakery-name.test"
    added = owner.post("/api/v1/domains", {"site_id": site["id"], "hostname": hostname})
    assert added.status_code in (200, 201), added.text  # its DNS records are the widest table
    context = await signed_in_context(browser, served, email)
    page = await open_editor(context, served, site, "Phone Bakery")
    await page.set_viewport_size({"width": 375, "height": 812})
    return page, site, owner


async def test_no_editor_view_scrolls_sideways_on_a_375_px_phone(browser: Browser, served: Served) -> None:
    page, _site, _owner = await phone_editor(browser, served, "narrow@example.com")
    await fits(page, "editor as opened")
    # Each panel, reached through the jump list the phone shows above the panels.
    jumps = page.get_by_role("navigation", name="Parts of the editor")
    names = [await b.inner_text() for b in await jumps.get_by_role("button").all()]
    panels = {"Pages", "Blocks", "Pictures", "Colours", "Search", "Versions", "Domain", "Preview"}
    assert panels <= set(names)
    for name in names:
        await jumps.get_by_role("button", name=name, exact=True).click()
        section = page.locator(f"section[aria-labelledby='{await page.evaluate('document.activeElement.id')}']")
        await expect(section).to_be_in_viewport()
        await fits(page, f"panel {name}")
    await page.get_by_text("Page settings for").click()
    await fits(page, "page settings open")
    # Each block type's form on its own, the opening-hours grid among them.
    for item in await page.locator("#blocks > li.block").all():
        label = await item.get_attribute("aria-label")
        details = item.locator("details")
        await item.locator("summary").click()
        await expect(details).to_have_attribute("open", "")
        await fits(page, f"{label} open")
        if label == "Opening hours and address block":
            await expect(item.get_by_label("Sunday opens", exact=True)).to_be_visible()
            await item.scroll_into_view_if_needed()
            await page.screenshot(path=str(ARTIFACTS / "phone-375-hours.png"), full_page=False)
        await item.locator("summary").click()
    # Every dialog.
    await page.get_by_role("button", name="Insert here: a new block above footer").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await fits(page, "block chooser")
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    image = page.get_by_role("listitem", name="Picture block")
    await image.locator("summary").click()
    await image.get_by_role("button", name="Choose picture").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await fits(page, "picture chooser")
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await fits(page, "publish confirmation")
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    await page.screenshot(path=str(ARTIFACTS / "phone-375-editor.png"), full_page=False)
    await page.context.close()


async def test_the_conflict_and_the_kept_text_fit_a_375_px_phone(browser: Browser, served: Served) -> None:
    page, site, owner = await phone_editor(browser, served, "narrow-conflict@example.com")
    path = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    changed = owner.call("GET", path).json()["blocks"]
    changed[0]["heading"] = "Changed on another device"
    assert owner.call("PUT", path, {"blocks": changed}).status_code == 200  # type: ignore[attr-defined]
    hero = page.get_by_role("listitem", name="Big headline block")
    await hero.locator("summary").click()
    await hero.get_by_label("Headline", exact=True).fill("Typed on the phone, a long line of words that wraps")
    alert = page.locator("#conflict")
    await expect(alert).to_contain_text("changed in another tab or on another device", timeout=30_000)
    await fits(page, "conflict alert")
    await page.get_by_role("button", name="Load the other version (your text is kept to copy)").click()
    await expect(page.locator("#kept")).to_contain_text("Typed on the phone", timeout=30_000)
    await fits(page, "kept text")
    await page.screenshot(path=str(ARTIFACTS / "phone-375-kept.png"), full_page=False)
    await page.context.close()
