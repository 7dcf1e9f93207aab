"""Editing on the page, in a real Chromium on the CPython stack: the preview is the editing surface. Text
typed in place is saved by itself (no button) and published; the toolbar's bold becomes <strong>
on the published page; "+" between two blocks in the preview inserts there; Alt+↑ on a block in
the preview moves it, and so does dragging it by its handle; an earlier draft comes back from the
page's history; the preview-only markup and script never reach the published page."""

from __future__ import annotations

import re

from playwright.async_api import Frame, Page, expect

from tests.lane.client import subscribed, view
from tests.portal.conftest import ARTIFACTS
from tests.portal.test_editor import confirm, open_editor, saved, signed_in_context
from tests.served import Served


def setup(served: Served, email: str, name: str, blocks: list[dict]) -> tuple[object, dict, str]:  # type: ignore[type-arg]
    owner = subscribed(served, email)
    site = owner.post("/api/v1/sites", {"name": name}).json()
    path = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    assert owner.call("PUT", path, {"title": "Home", "blocks": blocks}).status_code == 200
    return owner, site, path


async def editing_frame(page: Page, ready: str) -> Frame:
    """The preview frame once its editing script runs (the text `ready` is editable)."""
    frame = page.frame_locator("#pv")
    await expect(frame.locator("[data-sp-field]", has_text=ready).first).to_have_attribute(
        "contenteditable", re.compile("true|plaintext-only"), timeout=30_000
    )
    handle = await page.locator("#pv").element_handle()
    assert handle is not None
    found = await handle.content_frame()
    assert found is not None
    return found


async def test_text_typed_on_the_page_is_saved_and_published_with_bold(browser, served: Served) -> None:  # type: ignore[no-untyped-def]
    blocks = [
        {"type": "hero", "heading": "Old headline"},
        {"type": "rich_text", "markdown": "Plain words here."},
        {"type": "footer", "text": "© On Page"},
    ]
    owner, site, path = setup(served, "onpage@example.com", "On Page", blocks)
    context = await signed_in_context(browser, served, "onpage@example.com")
    page = await open_editor(context, served, site, "On Page")
    frame = await editing_frame(page, "Old headline")

    # Typed into the headline on the page: the block's form opens beside it, nothing to click.
    heading = frame.locator("h1[data-sp-field=heading]")
    await heading.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Typed on the page")
    hero = page.get_by_role("listitem", name="Big headline block")
    await expect(hero.locator("details")).to_have_attribute("open", "")
    await expect(hero.get_by_label("Headline", exact=True)).to_have_value("Typed on the page")
    await saved(page)
    assert owner.call("GET", path).json()["blocks"][0]["heading"] == "Typed on the page"  # type: ignore[attr-defined]
    assert await page.get_by_role("button", name=re.compile(r"^Save")).count() == 0

    # Bold from the toolbar: stored as the safe Markdown the renderer reads, never shown as such.
    text = frame.locator("[data-sp-rich] p")
    await text.click()
    await frame.evaluate(
        """() => {
          const node = document.querySelector('[data-sp-rich] p').firstChild;
          const at = node.nodeValue.indexOf('words');
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + 5);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }"""
    )
    toolbar = frame.get_by_role("toolbar", name="Text style")
    await expect(toolbar).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "editor-onpage-toolbar.png"))
    await toolbar.get_by_role("button", name="Bold").click()
    await expect(toolbar.get_by_role("button", name="Bold")).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_role("listitem", name="Text block").locator("textarea")).to_have_value(
        "Plain **words** here."
    )
    await saved(page)
    assert owner.call("GET", path).json()["blocks"][1]["markdown"] == "Plain **words** here."  # type: ignore[attr-defined]

    await page.get_by_role("button", name="Publish", exact=True).click()
    await confirm(page, "Publish")
    await expect(page.locator("#flash")).to_contain_text("Published version 1.", timeout=60_000)
    site_url = await page.locator("#live-link").get_attribute("href")
    host = re.sub(r"^http://|:\d+/$", "", site_url or "")
    published = view(served, host, "/", want=b"Typed on the page").text
    assert "<h1>Typed on the page</h1>" in published
    assert "Plain <strong>words</strong> here." in published
    assert "data-sp-" not in published
    assert "frame.js" not in published
    await context.close()


PREVIEW_BUILT = 60_000  # ms: up to two preview builds one after the other, on a loaded CI machine


async def test_blocks_inserted_and_moved_on_the_page(browser, served: Served) -> None:  # type: ignore[no-untyped-def]
    blocks = [
        {"type": "hero", "heading": "Top"},
        {"type": "features", "heading": "Why us", "items": [{"title": "Slow"}]},
        {"type": "footer", "text": "© Between"},
    ]
    owner, site, path = setup(served, "onpage-insert@example.com", "Between", blocks)
    context = await signed_in_context(browser, served, "onpage-insert@example.com")
    page = await open_editor(context, served, site, "Between")
    frame = await editing_frame(page, "Top")

    # "+" between the headline and the features, in the preview itself.
    await frame.get_by_role("button", name="Insert a block above features").click()
    dialog = page.get_by_role("dialog", name="Add a block here")
    await dialog.get_by_role("button", name="Call to action", exact=True).click()
    await expect(page.locator("#flash")).to_contain_text("Call to action block added at place 2 of 4.")
    await saved(page)
    types = [b["type"] for b in owner.call("GET", path).json()["blocks"]]  # type: ignore[attr-defined]
    assert types == ["hero", "cta", "features", "footer"]
    # A fresh preview build after the save (two in a row when a build was running: editor/preview.js).
    await expect(page.locator("#pv").content_frame.locator("[data-sp-type=cta]")).to_be_visible(timeout=PREVIEW_BUILT)
    frame = await editing_frame(page, "Ready?")
    shown = frame.locator("main > [data-sp-block]")
    await expect(shown).to_have_count(3)

    # Alt+↑ on the features block in the preview: it moves above the call to action, keeps the focus.
    features = frame.locator("[data-sp-type=features]")
    await features.focus()
    await page.keyboard.press("Alt+ArrowUp")
    await expect(page.locator("#flash")).to_contain_text("Features block moved to place 2 of 4.")
    await saved(page)
    types = [b["type"] for b in owner.call("GET", path).json()["blocks"]]  # type: ignore[attr-defined]
    assert types == ["hero", "features", "cta", "footer"]
    order = await frame.evaluate(
        "[...document.querySelectorAll('main > [data-sp-block]')].map((b) => b.dataset.spType)"
    )
    assert order == ["hero", "features", "cta"]
    assert await frame.evaluate("document.activeElement.dataset.spType") == "features"
    names = page.locator("#blocks > li > .block-head > strong")
    await expect(names).to_have_text(["Big headline", "Features", "Call to action", "Footer"])
    await page.screenshot(path=str(ARTIFACTS / "editor-onpage-1280.png"))

    # With the mouse: the call to action dragged by its handle onto the features takes their place.
    cta = await frame.locator("[data-sp-type=cta]").get_attribute("data-sp-block")
    grip = frame.locator(f'[data-drag="{cta}"]')
    await grip.scroll_into_view_if_needed()
    start, end = await grip.bounding_box(), await frame.locator("[data-sp-type=features]").bounding_box()
    assert start is not None
    assert end is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    for step in range(1, 6):
        await page.mouse.move(x + 20, y - 40 * step)  # up, over the features block just above
    await page.mouse.up()
    await expect(page.locator("#flash")).to_contain_text("Call to action block moved to place 2 of 4.")
    await saved(page)
    types = [b["type"] for b in owner.call("GET", path).json()["blocks"]]  # type: ignore[attr-defined]
    assert types == ["hero", "cta", "features", "footer"]
    await context.close()


async def test_an_earlier_draft_is_restored_from_the_history(browser, served: Served) -> None:  # type: ignore[no-untyped-def]
    # A new site, as created: its first save in the editor starts its history.
    owner = subscribed(served, "onpage-history@example.com")
    site = owner.post("/api/v1/sites", {"name": "History"}).json()
    path = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    first = owner.call("GET", path).json()["blocks"][0]["heading"]
    context = await signed_in_context(browser, served, "onpage-history@example.com")
    page = await open_editor(context, served, site, "History")
    frame = await editing_frame(page, first)
    await frame.locator("h1[data-sp-field=heading]").click()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Second words")
    await saved(page)

    history = page.locator("#panel-history")
    newest = history.locator("li.history-entry").first
    await expect(newest).to_contain_text("Changed the headline of the Big headline block", timeout=30_000)
    await expect(newest).to_contain_text("This is your draft now.")
    oldest = history.locator("li.history-entry").last
    await expect(oldest).to_contain_text("The page as it was when you began editing")
    await page.screenshot(path=str(ARTIFACTS / "editor-history-1280.png"))
    await oldest.get_by_role("button", name=re.compile(r"^Restore: Draft saved")).click()
    await confirm(page, "Restore")
    await expect(page.locator("#flash")).to_contain_text("The earlier draft is back.")
    hero = page.get_by_role("listitem", name="Big headline block")
    await expect(hero.get_by_label("Headline", exact=True)).to_have_value(first)
    assert owner.call("GET", path).json()["blocks"][0]["heading"] == first  # type: ignore[attr-defined]
    await expect(history.locator("li.history-entry").first).to_contain_text("Earlier draft put back", timeout=30_000)
    # The preview shows it too, and undo takes the restore back.
    await expect(page.frame_locator("#pv").locator("h1")).to_have_text(first, timeout=PREVIEW_BUILT)
    await page.get_by_role("button", name="Undo", exact=True).click()
    await expect(hero.get_by_label("Headline", exact=True)).to_have_value("Second words")
    await saved(page)
    assert owner.call("GET", path).json()["blocks"][0]["heading"] == "Second words"  # type: ignore[attr-defined]
    await context.close()
