"""Room for a brand in the editor (issue 26.4), in a real Chromium on the CPython stack: the owner uploads a
logo and picks a brand colour that would not read well (told so next to the field, with the nearest
colour that does), then one that passes; the published page shows the logo, the icon made from it
and the colours."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from playwright.async_api import Browser, expect

from tests.lane.client import subscribed, view
from tests.portal.test_editor import confirm, open_editor, saved, signed_in_context
from tests.served import Served


async def test_logo_and_brand_colour_reach_the_published_site(browser: Browser, served: Served, tmp_path: Path) -> None:
    owner = subscribed(served, "brand@example.com")
    site = owner.post("/api/v1/sites", {"name": "Sunny Bakes"}).json()
    context = await signed_in_context(browser, served, "brand@example.com")
    page = await open_editor(context, served, site, "Sunny Bakes")
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")

    logo = tmp_path / "logo.png"
    Image.new("RGB", (480, 160), (138, 110, 0)).save(logo)
    await page.locator("#th-logo").click()
    await page.locator("#picker-file").set_input_files(str(logo))
    sha = re.compile(r"^[0-9a-f]{64}$")
    await expect(page.locator("#th-logo")).to_have_attribute("data-value", sha, timeout=30_000)
    await expect(page.locator("#seo-icon")).to_have_attribute("data-value", sha, timeout=30_000)
    await saved(page)

    # A sunny yellow would make links unreadable: refused, said next to the field, nothing lost.
    colour = page.locator("#th-primary")
    await colour.fill("#ffe066")
    error = page.locator("#th-primary-error")
    await expect(error).to_contain_text("too light", timeout=30_000)
    await expect(error).to_contain_text("#8a6e00")
    await expect(colour).to_have_value("#ffe066")
    assert owner.call("GET", f"/api/v1/sites/{site['id']}").json()["theme"].get("primary", "") == ""

    await colour.fill("#8a6e00")
    await saved(page)
    await expect(error).to_have_count(0)
    theme = owner.call("GET", f"/api/v1/sites/{site['id']}").json()["theme"]
    assert theme["primary"] == "#8a6e00"

    await page.get_by_role("button", name="Publish", exact=True).click()
    await confirm(page, "Publish")
    await expect(page.locator("#flash")).to_contain_text("Published version 1.", timeout=60_000)
    site_url = await page.locator("#live-link").get_attribute("href")
    assert site_url is not None
    host = re.sub(r"^http://|:\d+/$", "", site_url)
    home = view(served, host, "/", want=b"--primary:#8a6e00").text
    assert "--primary:#8a6e00" in home
    assert f'<img src="/assets/{theme["logo"]}.png" alt="Sunny Bakes"' in home
    icon = re.search(r'<link rel="icon" href="([^"]+)"', home)
    assert icon is not None
    assert icon.group(1) != f"/assets/{theme['logo']}.png"  # the square icon made from the logo
    assert view(served, host, icon.group(1)).status_code == 200
    await context.close()
