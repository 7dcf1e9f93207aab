"""The editor as an owner uses it, in a real Chromium on the CPython stack: a multi-page site from a starter
template, every block type edited through form controls (nothing typed as JSON), a 4000x3000 phone
photo of about 4 MB shrunk in the browser (EXIF orientation honoured), keyboard reordering, the
phone preview, publishing, a lead read in the inbox the notification mail links to; and two tabs,
where the stale write is refused and the owner's text is kept."""

from __future__ import annotations

import asyncio
import io
import re
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.lane.client import PASSWORD, subscribed, view
from tests.portal.conftest import ARTIFACTS, shot
from tests.served import Served


def phone_photo(path: Path) -> Path:
    """A 4000x3000 JPEG of about 4 MB, stored sideways with EXIF orientation 6 as phones do."""
    noise = Image.effect_noise((4000, 3000), 40).convert("L")
    ramp = Image.linear_gradient("L").resize((4000, 3000))
    photo = Image.merge("RGB", (ramp, noise, Image.eval(ramp, lambda v: 255 - v)))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=72, exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return path


async def signed_in_context(browser: Browser, served: Served, email: str, bypass_csp: bool = False) -> BrowserContext:
    """A browser signed in through the portal's own log-in form (`bypass_csp` only so axe can be injected)."""
    context = await browser.new_context(bypass_csp=bypass_csp, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{served.core}/login")
    await page.get_by_label("Email", exact=True).fill(email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible(timeout=30_000)
    await page.close()
    return context


async def confirm(page: Page, button: str) -> None:
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name=button, exact=True).click()


def block(page: Page, label: str) -> object:
    return page.get_by_role("listitem", name=f"{label} block")


async def open_block(page: Page, label: str):  # type: ignore[no-untyped-def]
    item = page.get_by_role("listitem", name=f"{label} block").first
    details = item.locator("details")
    if await details.get_attribute("open") != "":
        await item.get_by_text(f"Edit {label.lower()}", exact=True).click()
    return item


async def save(item, label: str) -> None:  # type: ignore[no-untyped-def]
    """Nothing to click: a change saves itself; wait until the status line says so."""
    await saved(item.page)


async def saved(page: Page) -> None:
    await expect(page.locator("#save-status")).to_have_text("Saved", timeout=30_000)


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


async def test_owner_builds_edits_publishes_and_reads_a_lead(browser: Browser, served: Served, tmp_path: Path) -> None:
    owner = subscribed(served, "rosa@example.com")
    context = await signed_in_context(browser, served, "rosa@example.com")
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page = await context.new_page()
    await page.goto(f"{served.core}/")

    # A site from the bakery template, another previewed before choosing (tests/portal/test_templates.py).
    await page.get_by_label("Name of your business or site").fill("Rosa's Bakery")
    await page.get_by_role("button", name="Preview the Restaurant template").click()
    await expect(page.get_by_role("dialog", name="Restaurant: how the template looks")).to_be_visible()
    await page.get_by_role("dialog").get_by_role("button", name="Close").click()
    await page.get_by_label("Bakery", exact=True).check()
    await shot(page, "10-new-site-templates")
    await page.get_by_role("button", name="Create the site").click()
    await expect(page.get_by_role("heading", name="Rosa's Bakery", level=1)).to_be_visible(timeout=90_000)
    pages = page.get_by_role("navigation", name="Pages of this site")
    for title in ("Home", "Bakes", "Contact"):
        await expect(pages.get_by_role("link", name=title)).to_be_visible()
    assert not re.search(r"[0-9a-f]{40}", await page.inner_text("main"))  # no hashes on screen
    assert "[{" not in await page.inner_text("main")  # no JSON

    # The phone photo: shrunk and turned upright in the browser, with its variants.
    photo = phone_photo(tmp_path / "IMG_2041.jpg")
    assert 3_000_000 < photo.stat().st_size < 5_500_000
    await page.get_by_label("Add photos or pictures", exact=True).set_input_files(str(photo))
    await page.locator("#upload").get_by_role("button", name="Upload").click()
    await expect(page.locator("#flash")).to_contain_text("Picture added.", timeout=60_000)
    card = page.locator("#library li", has_text="IMG_2041.jpg")
    await expect(card).to_contain_text("1600 × 2133 pixels")  # portrait, as the camera held it
    await expect(card).to_contain_text("Not used")

    # Every block type, through its controls. Hero: words and the new photo from the library.
    hero = await open_block(page, "Big headline")
    await hero.get_by_label("Headline", exact=True).fill("Bread baked at dawn")
    await hero.get_by_role("button", name="Choose picture").click()
    await page.get_by_role("dialog").get_by_role("button", name="IMG_2041.jpg").click()
    await hero.get_by_label("Describe the picture (for people who cannot see it)", exact=True).fill(
        "Our bakery at dawn"
    )
    await save(hero, "Big headline")

    features = await open_block(page, "Features")
    await features.get_by_role("button", name="Add feature").click()
    await features.get_by_role("group", name="Feature 4").get_by_label("Title", exact=True).fill("Open Sundays")
    await features.get_by_role("group", name="Feature 4").get_by_label("Text", exact=True).fill("Until noon.")
    await features.get_by_role("group", name="Feature 1").get_by_role("button", name="Remove feature").click()
    # The layout choice comes from the block catalogue like every other field.
    await features.get_by_label("Layout", exact=True).select_option(label="One under the other")
    await save(features, "Features")
    await reload_editor(page)
    features = await open_block(page, "Features")
    await expect(features.get_by_label("Layout", exact=True)).to_have_value("list")

    testimonials = await open_block(page, "Testimonials")
    await testimonials.get_by_label("What they said", exact=True).first.fill("Worth getting up early for.")
    await save(testimonials, "Testimonials")

    hours = await open_block(page, "Opening hours and address")
    await hours.get_by_label("Closed on Sunday", exact=True).uncheck()
    await hours.get_by_label("Sunday opens", exact=True).fill("08:00")
    await hours.get_by_label("Sunday closes", exact=True).fill("12:00")
    await save(hours, "Opening hours and address")

    footer = await open_block(page, "Footer")
    await footer.get_by_role("button", name="Add link").click()
    link = footer.get_by_role("group", name="Link 2")
    await link.get_by_label("Text", exact=True).fill("Our bakes")
    await link.get_by_label("Goes to", exact=True).fill("javascript:alert(1)")
    # The error sits under the field, in plain words, tied to it for screen readers.
    target = link.get_by_label("Goes to", exact=True)
    await expect(target).to_have_attribute("aria-invalid", "true")
    described = await target.get_attribute("aria-describedby")
    assert described is not None
    error = page.locator(f"#{described.split()[-1]}")
    await expect(error).to_contain_text("Enter a web address")
    assert "blocks[" not in await error.inner_text()
    await expect(target).to_be_focused()
    await target.fill("/bakes/")
    await save(footer, "Footer")

    for kind in ("Text", "Call to action", "Picture"):
        await page.get_by_label("Block type", exact=True).select_option(label=kind)
        await page.get_by_role("button", name="Add block").click()
        await expect(page.locator("#flash")).to_contain_text(f"{kind} block added")
    text = block(page, "Text")
    await text.get_by_label("Text", exact=True).fill("## Our story\n\nThree generations of **bakers**.")  # type: ignore[attr-defined]
    await save(text, "Text")
    cta = block(page, "Call to action")
    await cta.get_by_label("Heading", exact=True).fill("Order a cake")  # type: ignore[attr-defined]
    await cta.get_by_label("Button goes to", exact=True).fill("/contact/")  # type: ignore[attr-defined]
    await save(cta, "Call to action")
    picture = block(page, "Picture")
    await picture.get_by_label("Caption", exact=True).fill("Our counter")  # type: ignore[attr-defined]
    await picture.get_by_label(  # type: ignore[attr-defined]
        "Describe the picture (for people who cannot see it)", exact=True
    ).fill("The shop counter")
    await save(picture, "Picture")

    # Reorder with the keyboard: the Text block moves up; focus stays on its button.
    names = page.locator("#blocks > li > .block-head > strong")
    before = await names.all_inner_texts()
    up = page.get_by_role("button", name="Move Text block up")
    await up.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#flash")).to_contain_text("Text block moved to place")
    after = await names.all_inner_texts()
    i = before.index("Text")
    assert after[i - 1] == "Text"
    assert after[i] == before[i - 1]
    await expect(up).to_be_focused()

    # The other pages: gallery and prices on "Bakes", the contact form on "Contact".
    await pages.get_by_role("link", name="Bakes").click()
    gallery = await open_block(page, "Photo gallery")
    await gallery.get_by_role("button", name="Add photo").click()
    await gallery.get_by_role("group", name="Photo 3").get_by_role("button", name="Choose picture").click()
    await page.get_by_role("dialog").get_by_role("button", name="IMG_2041.jpg").click()
    await (
        gallery.get_by_role("group", name="Photo 3").get_by_label("Describe the photo", exact=True).fill("The counter")
    )
    await save(gallery, "Photo gallery")
    prices = await open_block(page, "Prices")
    plan = prices.get_by_role("group", name="Plan 1")
    await plan.get_by_label("Price", exact=True).fill("32")
    await plan.get_by_label("Currency", exact=True).select_option("CHF ")
    await plan.get_by_role("button", name="Add line").click()
    await plan.get_by_label("Line 2", exact=True).fill("Candles included")
    await save(prices, "Prices")
    await pages.get_by_role("link", name="Contact").click()
    form = await open_block(page, "Contact form")
    await form.get_by_label("Intro", exact=True).fill("Tell us the date and the size.")
    await save(form, "Contact form")

    # Preview: the page switcher and the phone size.
    await page.get_by_label("Page", exact=True).select_option(label="Home")
    await page.get_by_role("button", name="Phone").click()
    await expect(page.get_by_role("button", name="Phone")).to_have_attribute("aria-pressed", "true")
    preview = page.frame_locator("#pv")
    await expect(preview.get_by_role("heading", name="Bread baked at dawn")).to_be_visible(timeout=30_000)
    await expect(page.locator("#pv-frame")).to_have_class(re.compile(r"\bphone\b"))
    box = await page.locator("#pv").bounding_box()
    assert box is not None
    assert box["width"] <= 375
    await shot(page, "11-editor-phone-preview")

    # Publish, after confirming.
    await page.get_by_role("button", name="Publish", exact=True).click()
    await confirm(page, "Publish")
    await expect(page.locator("#flash")).to_contain_text("Published version 1.", timeout=60_000)
    await expect(page.locator("#status")).to_contain_text("What you see here is live.")
    await page.screenshot(path=str(ARTIFACTS / "editor-1280.png"), full_page=False)
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.screenshot(path=str(ARTIFACTS / "editor-375.png"), full_page=False)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await page.set_viewport_size({"width": 1280, "height": 900})
    site_url = await page.locator("#live-link").get_attribute("href")
    assert site_url is not None
    host = re.sub(r"^http://|:\d+/$", "", site_url)

    # Every published image is sized, described, and responsive.
    home = view(served, host, "/", want=b"Bread baked at dawn")
    parser = Images()
    parser.feed(home.text)
    assert parser.images
    for img in parser.images:
        assert img.get("width")
        assert img.get("height")
        assert img.get("alt")
        assert img.get("srcset"), img
    assert parser.images[0].get("fetchpriority") == "high"

    # A visitor writes; the owner reads it in the inbox the mail links to.
    visitor = await browser.new_context(viewport={"width": 375, "height": 812})
    guest = await visitor.new_page()
    await guest.goto(site_url + "contact/")
    await guest.get_by_label("Name", exact=True).fill("Gina")
    await guest.get_by_label("Email", exact=True).fill("gina@example.net")
    await guest.get_by_label("Message", exact=True).fill("A birthday cake for Saturday, please.")
    await guest.get_by_role("button", name="Send").click()
    await expect(guest.get_by_text("Thank you!")).to_be_visible()
    await visitor.close()
    mails = [m for m in owner.outbox() if m["template"] == "lead_notification"]
    assert mails, "no lead notification"
    link = next(u for u in mails[0]["links"] if u.endswith("/leads"))
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Enquiries for Rosa's Bakery")).to_be_visible()
    lead = page.get_by_role("listitem").filter(has_text="A birthday cake for Saturday")
    await expect(lead).to_contain_text("New")
    await expect(page.locator("#lead-count")).to_contain_text("1 enquiry, 1 new.")
    await lead.get_by_role("button", name="Mark as read").click()
    await expect(page.locator("#lead-count")).to_contain_text("1 enquiry, 0 new.")
    csv = owner.call("GET", f"/api/v1/sites/{link.split('/')[-2]}/leads.csv")
    assert "gina@example.net" in csv.text
    await shot(page, "12-leads-inbox")
    await context.close()
    assert errors == []


async def open_editor(context: BrowserContext, served: Served, site: dict, name: str) -> Page:  # type: ignore[type-arg]
    tab = await context.new_page()
    await tab.goto(f"{served.core}/sites/{site['id']}")
    await expect(tab.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=30_000)
    return tab


async def reload_editor(page: Page) -> None:
    """Reloads the editor and waits for it to be drawn again (it asks the API for several things)."""
    name = await page.get_by_role("heading", level=1).inner_text()
    await page.reload()
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=30_000)
    await expect(page.locator("main").get_by_text("Loading…", exact=True)).to_have_count(0, timeout=30_000)


def stored_page(owner, site: dict) -> dict:  # type: ignore[no-untyped-def,type-arg]
    page_id = site["pages"][0]["id"]
    return owner.call("GET", f"/api/v1/sites/{site['id']}/pages/{page_id}").json()  # type: ignore[no-any-return]


async def test_an_edit_saves_itself_survives_a_reload_and_can_be_undone(browser: Browser, served: Served) -> None:
    owner = subscribed(served, "autosave@example.com")
    site = owner.post("/api/v1/sites", {"name": "No Buttons"}).json()
    context = await signed_in_context(browser, served, "autosave@example.com")
    page = await open_editor(context, served, site, "No Buttons")
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    # No Save button anywhere in the editor.
    assert await page.get_by_role("button", name=re.compile(r"^Save")).count() == 0
    status = page.locator("#save-status")
    await expect(status).to_have_attribute("aria-live", "polite")
    await expect(status).to_have_text("Saved")

    before = stored_page(owner, site)["blocks"][0]["heading"]
    hero = block(page, "Big headline")
    await hero.get_by_label("Headline", exact=True).fill("Typed, never saved by hand")  # type: ignore[attr-defined]
    await expect(status).to_have_text("Saving…")
    await saved(page)
    assert stored_page(owner, site)["blocks"][0]["heading"] == "Typed, never saved by hand"
    await page.get_by_label("Title in search results", exact=True).fill("No Buttons, saved by themselves")
    await saved(page)
    assert owner.call("GET", f"/api/v1/sites/{site['id']}").json()["seo"]["title"] == "No Buttons, saved by themselves"

    await reload_editor(page)
    await expect(block(page, "Big headline").get_by_label("Headline", exact=True)).to_have_value(  # type: ignore[attr-defined]
        "Typed, never saved by hand"
    )
    seo_title = page.get_by_label("Title in search results", exact=True)
    await expect(seo_title).to_have_value("No Buttons, saved by themselves")

    # Undo brings the earlier text back (and saves it); redo puts the new text back.
    await expect(page.get_by_role("button", name="Undo", exact=True)).to_be_disabled()  # a new session
    await page.evaluate("document.querySelectorAll('#blocks details').forEach((d) => { d.open = true; })")
    headline = block(page, "Big headline").get_by_label("Headline", exact=True)  # type: ignore[attr-defined]
    await headline.fill("Second words")
    await saved(page)
    await page.get_by_role("button", name="Undo", exact=True).click()
    await page.evaluate("document.querySelectorAll('#blocks details').forEach((d) => { d.open = true; })")
    await expect(block(page, "Big headline").get_by_label("Headline", exact=True)).to_have_value(  # type: ignore[attr-defined]
        "Typed, never saved by hand"
    )
    await saved(page)
    assert stored_page(owner, site)["blocks"][0]["heading"] == "Typed, never saved by hand"
    await page.keyboard.press("Control+Shift+Z")
    await page.evaluate("document.querySelectorAll('#blocks details').forEach((d) => { d.open = true; })")
    await expect(block(page, "Big headline").get_by_label("Headline", exact=True)).to_have_value(  # type: ignore[attr-defined]
        "Second words"
    )
    await saved(page)
    assert stored_page(owner, site)["blocks"][0]["heading"] == "Second words"
    assert before != "Second words"
    await context.close()


async def test_two_tabs_never_lose_text_silently(browser: Browser, served: Served) -> None:
    owner = subscribed(served, "tabs@example.com")
    site = owner.post("/api/v1/sites", {"name": "Two Tabs"}).json()
    context = await signed_in_context(browser, served, "tabs@example.com")
    first = await open_editor(context, served, site, "Two Tabs")
    second = await open_editor(context, served, site, "Two Tabs")

    # Tab one adds a block and edits the headline: both saved by themselves.
    await first.get_by_label("Block type", exact=True).select_option(label="Call to action")
    await first.get_by_role("button", name="Add block").click()
    await expect(first.locator("#flash")).to_contain_text("Call to action block added")
    hero = await open_block(first, "Big headline")
    await hero.get_by_label("Headline", exact=True).fill("Written in tab one")
    await saved(first)

    # Tab two still shows the old page: its save is refused, its text stays where it was typed,
    # and it is told so in plain words.
    stale = await open_block(second, "Big headline")
    await stale.get_by_label("Headline", exact=True).fill("Written in tab two")
    await expect(second.locator("#save-status")).to_have_text("Not saved — changed in another tab", timeout=30_000)
    alert = second.locator("#conflict")
    await expect(alert).to_contain_text("changed in another tab or on another device")
    await expect(alert).to_contain_text("Nothing you typed is lost")
    await expect(stale.get_by_label("Headline", exact=True)).to_have_value("Written in tab two")
    # Typing on keeps every keystroke in the browser, never sent over tab one's text.
    await stale.get_by_label("Headline", exact=True).fill("Written in tab two, and more")
    assert stored_page(owner, site)["blocks"][0]["heading"] == "Written in tab one"
    await shot(second, "13-stale-write")

    # Leaving asks first while something is not saved; staying keeps it.
    await second.get_by_role("link", name="Sites", exact=True).click()
    await expect(second.get_by_role("dialog")).to_contain_text("not saved yet")
    await second.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    await expect(stale.get_by_label("Headline", exact=True)).to_have_value("Written in tab two, and more")

    # Loading the other version shows tab one's page, with tab two's text beside it to copy.
    await alert.get_by_role("button", name="Load the other version (your text is kept to copy)").click()
    kept = second.locator("#kept")
    await expect(kept).to_be_visible()
    await expect(kept.get_by_role("textbox", name="Big headline: your version")).to_have_value(
        re.compile("Headline: Written in tab two, and more")
    )
    await expect(second.get_by_role("listitem", name="Call to action block")).to_be_visible()
    fresh = await open_block(second, "Big headline")
    await expect(fresh.get_by_label("Headline", exact=True)).to_have_value("Written in tab one")
    await shot(second, "14-kept-text")
    # A reload keeps the kept text too.
    await second.reload()
    await expect(second.locator("#kept")).to_contain_text("Written in tab two, and more")

    # An iPhone HEIC photo is refused in plain words, before anything is sent.
    await second.get_by_label("Add photos or pictures").set_input_files(
        files=[{"name": "IMG_0001.HEIC", "mimeType": "image/heic", "buffer": b"\x00\x00\x00\x18ftypheic" + bytes(64)}]
    )
    await second.locator("#upload").get_by_role("button", name="Upload").click()
    await expect(second.locator("#upload .form-alert")).to_contain_text("iPhone HEIC photo")

    # Putting her version back is her choice, and it is saved; tab one's new block stays.
    await second.locator("#kept").get_by_role("button", name="Put my version back").click()
    await saved(second)
    await expect(second.locator("#kept")).to_be_hidden()
    stored = stored_page(owner, site)
    assert [b["type"] for b in stored["blocks"]] == ["hero", "cta"]
    assert stored["blocks"][0]["heading"] == "Written in tab two, and more"
    await context.close()


async def test_offline_edits_are_kept_and_saved_once_back_online(browser: Browser, served: Served) -> None:
    owner = subscribed(served, "offline@example.com")
    site = owner.post("/api/v1/sites", {"name": "Train Ride"}).json()
    context = await signed_in_context(browser, served, "offline@example.com")
    page = await open_editor(context, served, site, "Train Ride")
    hero = await open_block(page, "Big headline")
    status = page.locator("#save-status")

    await context.set_offline(True)
    await hero.get_by_label("Headline", exact=True).fill("Typed in a tunnel")
    await expect(status).to_have_text("Not saved — retrying", timeout=30_000)
    kept = await page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('sp-draft:')).map((k) => localStorage.getItem(k)).join()"
    )
    assert "Typed in a tunnel" in kept
    await shot(page, "15-offline")
    await context.set_offline(False)
    await saved(page)
    assert stored_page(owner, site)["blocks"][0]["heading"] == "Typed in a tunnel"
    assert await page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('sp-draft:')).length") == 0

    # A save that never reached the server, then a reload: the text comes back and is saved.
    async def refuse_writes(route):  # type: ignore[no-untyped-def]
        if route.request.method == "PUT":
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/api/v1/sites/*/pages/*", refuse_writes)
    await hero.get_by_label("Headline", exact=True).fill("Typed, then the tab was reloaded")
    await expect(status).to_have_text("Not saved — retrying", timeout=30_000)
    await page.unroute("**/api/v1/sites/*/pages/*", refuse_writes)
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.reload()
    await expect(page.locator("#flash")).to_contain_text("are back in the editor", timeout=30_000)
    restored = await open_block(page, "Big headline")
    await expect(restored.get_by_label("Headline", exact=True)).to_have_value("Typed, then the tab was reloaded")
    await saved(page)
    assert stored_page(owner, site)["blocks"][0]["heading"] == "Typed, then the tab was reloaded"

    # Publish publishes what the owner sees: a change typed just before is saved first.
    await restored.get_by_label("Headline", exact=True).fill("Published straight away")
    await page.get_by_role("button", name="Publish", exact=True).click()
    await confirm(page, "Publish")
    await expect(page.locator("#flash")).to_contain_text("Published version 1.", timeout=60_000)
    host = re.sub(r"^http://|:\d+/$", "", await page.locator("#live-link").get_attribute("href") or "")
    view(served, host, "/", want=b"Published straight away")
    await context.close()


async def test_a_block_inserted_between_two_others_lands_there(browser: Browser, served: Served) -> None:
    owner = subscribed(served, "insert@example.com")
    site = owner.post("/api/v1/sites", {"name": "In Between"}).json()
    page_id = site["pages"][0]["id"]
    path = f"/api/v1/sites/{site['id']}/pages/{page_id}"
    blocks = [
        {"type": "hero", "heading": "Top"},
        {"type": "features", "items": [{"title": "Slow"}]},
        {"type": "footer", "text": "© In Between"},
    ]
    assert owner.call("PUT", path, {"title": "Home", "blocks": blocks}).status_code == 200
    context = await signed_in_context(browser, served, "insert@example.com")
    page = await open_editor(context, served, site, "In Between")

    await page.get_by_role("button", name="Insert here: a new block above features").click()
    dialog = page.get_by_role("dialog", name="Add a block here")
    await dialog.get_by_role("button", name="Call to action", exact=True).click()
    await expect(page.locator("#flash")).to_contain_text("Call to action block added at place 2 of 4.")
    names = page.locator("#blocks > li > .block-head > strong")
    await expect(names).to_have_text(["Big headline", "Call to action", "Features", "Footer"])
    await expect(block(page, "Call to action").get_by_label("Heading", exact=True)).to_be_focused()  # type: ignore[attr-defined]
    assert [b["type"] for b in owner.call("GET", path).json()["blocks"]] == ["hero", "cta", "features", "footer"]

    # At the very top, and from the form under the list: before the footer, not after it.
    await page.get_by_role("button", name="Insert here: a new block above big headline").click()
    await page.get_by_role("dialog").get_by_role("button", name="Text", exact=True).click()
    await expect(page.locator("#flash")).to_contain_text("Text block added at place 1 of 5.")
    await page.get_by_label("Block type", exact=True).select_option(label="Contact form")
    await page.get_by_role("button", name="Add block", exact=True).click()
    await expect(page.locator("#flash")).to_contain_text("Contact form block added at place 5 of 6.")
    await saved(page)
    assert [b["type"] for b in owner.call("GET", path).json()["blocks"]] == [
        "rich_text",
        "hero",
        "cta",
        "features",
        "lead_form",
        "footer",
    ]
    # Keyboard reordering still works.
    up = page.get_by_role("button", name="Move Contact form block up")
    await up.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#flash")).to_contain_text("Contact form block moved to place 4 of 6.")
    await expect(up).to_be_focused()
    await saved(page)
    assert [b["type"] for b in owner.call("GET", path).json()["blocks"]][3] == "lead_form"

    # A half-typed link in one block does not hold back the others: they are saved, the link's
    # error sits by it, and it is saved as soon as it is right.
    cta = await open_block(page, "Call to action")
    await cta.get_by_label("Button goes to", exact=True).fill("javascript:alert(1)")
    features = await open_block(page, "Features")
    await features.get_by_label("Title", exact=True).fill("Saved despite the link")
    await expect(page.locator("#save-status")).to_have_text("Not saved — check the marked field", timeout=30_000)
    await expect(cta.get_by_label("Button goes to", exact=True)).to_have_attribute("aria-invalid", "true")
    stored = owner.call("GET", path).json()["blocks"]
    assert stored[4]["items"][0]["title"] == "Saved despite the link"
    assert stored[2]["href"] != "javascript:alert(1)"
    await cta.get_by_label("Button goes to", exact=True).fill("/contact/")
    await saved(page)
    assert owner.call("GET", path).json()["blocks"][2]["href"] == "/contact/"
    await context.close()


async def test_the_editor_fits_a_375_px_phone_with_touch_sized_controls(browser: Browser, served: Served) -> None:
    owner = subscribed(served, "phone@example.com")
    site = owner.post("/api/v1/sites", {"name": "Phone Bakery"}).json()
    page_id = site["pages"][0]["id"]
    blocks = [
        {"type": "hero", "heading": "Fresh bread"},
        {"type": "pricing", "plans": [{"name": "Cake", "price": "€20", "features": ["Serves 6"]}]},
        {"type": "hours_location", "hours": [{"day": "mon", "opens": "08:00", "closes": "18:00"}], "address": "1 St"},
        {"type": "footer", "text": "© Bakery", "links": [{"label": "Home", "href": "/"}]},
    ]
    path = f"/api/v1/sites/{site['id']}/pages/{page_id}"
    assert owner.call("PUT", path, {"title": "Home", "blocks": blocks}).status_code == 200
    context = await signed_in_context(browser, served, "phone@example.com")
    page = await open_editor(context, served, site, "Phone Bakery")
    await page.set_viewport_size({"width": 375, "height": 812})
    hours = await open_block(page, "Opening hours and address")
    await expect(hours.get_by_label("Sunday opens", exact=True)).to_be_visible()
    fits = "document.scrollingElement.scrollWidth <= innerWidth"
    assert await page.evaluate(fits), await page.evaluate("document.scrollingElement.scrollWidth")
    await hours.scroll_into_view_if_needed()
    await page.screenshot(path=str(ARTIFACTS / "editor-375-hours.png"), full_page=False)
    # Every view of the editor: every panel open, the block chooser, the kept text.
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    assert await page.evaluate(fits), await page.evaluate("document.scrollingElement.scrollWidth")
    small = await page.evaluate(
        """[...document.querySelectorAll(`main button, main select, main summary, main a.button,
            main input:not([type=checkbox]):not([type=radio]):not([type=file])`)]
          .filter((e) => e.offsetParent !== null && !e.closest('.hint'))
          .map((e) => [e, e.getBoundingClientRect()])
          .filter(([e, r]) => r.height < 44 || (e.tagName === 'BUTTON' && r.width < 44))
          .map(([e, r]) => `${e.tagName} ${e.textContent.trim().slice(0, 30)} ${r.width}x${r.height}`)"""
    )
    assert small == []
    await shot(page, "editor-375-every-panel")
    await page.get_by_role("button", name="Insert here: a new block above footer").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    assert await page.evaluate(fits)
    await page.screenshot(path=str(ARTIFACTS / "editor-375-add-block.png"), full_page=False)
    await page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    # Editing on the phone saves like anywhere else.
    await hours.get_by_label("Sunday opens", exact=True).fill("09:00")
    await hours.get_by_label("Sunday closes", exact=True).fill("12:00")
    await saved(page)
    stored = owner.call("GET", path).json()["blocks"][2]["hours"]
    assert {"day": "sun", "opens": "09:00", "closes": "12:00"}.items() <= next(
        h for h in stored if h["day"] == "sun"
    ).items()
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.screenshot(path=str(ARTIFACTS / "editor-1280-autosave.png"), full_page=False)
    await context.close()


async def test_wrong_password_says_so_next_to_the_field(browser: Browser, served: Served) -> None:
    subscribed(served, "forgetful@example.com")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{served.core}/login")
    await page.get_by_label("Email", exact=True).fill("forgetful@example.com")
    await page.get_by_label("Password", exact=True).fill("not the password at all")
    await page.get_by_role("button", name="Log in").click()
    field = page.get_by_label("Password", exact=True)
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(".field-error")).to_contain_text("The email or password is not right.")
    assert "session has ended" not in await page.inner_text("main")
    await context.close()
