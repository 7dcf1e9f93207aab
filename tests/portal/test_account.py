"""Her data is hers (issue 28.4), in real Chromium on the CPython stack: the Account view's button downloads
a published site as a zip whose index.html opens from a folder (file://) with its picture and its
links working; deleting the account says what happens, takes the site offline, and signing in on
day 13 brings it back, while on day 15 (core's Cron run at a moved time) everything is gone.
axe finds nothing on the new parts."""

from __future__ import annotations

import asyncio
import time
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.lane.client import PASSWORD, PortalClient, signed_in, view
from tests.portal.conftest import shot, watched_page
from tests.portal.test_accessibility import upload_picture, violations
from tests.served import Served

DAY = 86400


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """The conftest's page, with the portal's CSP bypassed so axe can be injected."""
    async for opened in watched_page(browser, bypass_csp=True, accept_downloads=True):
        yield opened


async def published_site(served: Served, email: str, name: str) -> tuple[PortalClient, dict]:  # type: ignore[type-arg]
    owner = await asyncio.to_thread(signed_in, served, email)
    site = (await asyncio.to_thread(owner.post, "/api/v1/sites", {"name": name})).json()
    sha = await upload_picture(served, owner, site["id"])
    blocks = [
        {"type": "hero", "heading": "Fresh bread daily", "subheading": "Since 1999", "image": sha, "image_alt": "Loaf"},
        {"type": "rich_text", "markdown": "## Hours\n\nOpen every day. [Our story](/about/)"},
    ]
    home = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    assert (await asyncio.to_thread(owner.call, "PUT", home, {"blocks": blocks})).status_code == 200
    about = {"title": "About", "slug": "about"}
    assert (await asyncio.to_thread(owner.post, f"/api/v1/sites/{site['id']}/pages", about)).status_code == 201
    published = await asyncio.to_thread(owner.post, f"/api/v1/sites/{site['id']}/publish")
    assert published.status_code == 201, published.text
    return owner, site


async def log_in(page: Page, served: Served, email: str) -> None:
    await page.goto(f"{served.core}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()


def run_core_cron(served: Served, at: float) -> None:
    served.scheduled("core", at)


def wait_for_status(served: Served, host: str, status: int) -> int:
    deadline = time.monotonic() + 20
    while True:
        got = view(served, host).status_code
        if got == status or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


async def test_the_export_button_downloads_a_site_that_opens_from_a_folder(
    page: Page, served: Served, tmp_path: Path
) -> None:
    await published_site(served, "zip@example.com", "Zip Bakery")
    await log_in(page, served, "zip@example.com")
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible()
    await page.get_by_role("link", name="Account").click()
    button = page.get_by_role("button", name="Download Zip Bakery as a website")
    await expect(button).to_be_visible()
    assert await violations(page, "/account with the site downloads") == []
    async with page.expect_download() as downloading:
        await button.click()
    download = await downloading.value
    assert download.suggested_filename == "zip-bakery-site.zip"
    await expect(page.get_by_role("status").filter(has_text="Your site is downloaded")).to_be_visible()
    saved = await download.path()
    assert saved is not None
    folder = tmp_path / "site"
    zipfile.ZipFile(saved).extractall(folder)
    assert (folder / "index.html").is_file()
    assert (folder / "about" / "index.html").is_file()

    # Opened from the folder, no server: the page, its picture and its links work.
    await page.goto((folder / "index.html").as_uri())
    await expect(page.get_by_role("heading", name="Fresh bread daily")).to_be_visible()
    loaded = await page.locator("img[alt=Loaf]").evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded, "the picture did not load from the folder"
    await shot(page, "account-zip-from-folder")
    await page.get_by_role("link", name="Our story").click()
    await expect(page).to_have_url((folder / "about" / "index.html").as_uri())
    await expect(page.get_by_role("heading", name="About")).to_be_visible()
    await page.get_by_role("link", name="Home").first.click()
    await expect(page).to_have_url((folder / "index.html").as_uri())


async def delete_in_the_portal(page: Page, served: Served, email: str) -> None:
    await log_in(page, served, email)
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible()  # signed in and landed
    await page.get_by_role("link", name="Account").click()
    await page.get_by_role("button", name="Delete my account…").click()
    dialog = page.get_by_role("dialog", name="Delete your account?")
    await expect(dialog).to_contain_text("You have 14 days to change your mind")
    await expect(dialog).to_contain_text("You have no paid plan, so nothing is charged.")
    await dialog.get_by_label("Type your password to confirm").fill(PASSWORD)
    await dialog.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_text("Your account will be deleted on")).to_be_visible()
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()


async def test_deleting_and_signing_in_on_day_13_restores_the_site(page: Page, served: Served) -> None:
    email = "day13@example.com"
    _, site = await published_site(served, email, "Day Thirteen Bakery")
    host = site["default_host"]
    assert (await asyncio.to_thread(wait_for_status, served, host, 200)) == 200
    await delete_in_the_portal(page, served, email)
    assert await violations(page, "/login after asking for deletion") == []
    await shot(page, "account-deletion-scheduled")
    assert (await asyncio.to_thread(wait_for_status, served, host, 404)) == 404  # offline meanwhile
    assert (await page.request.get(f"{served.core}/api/v1/account")).status == 401

    await asyncio.to_thread(run_core_cron, served, time.time() + 13 * DAY)  # day 13: nothing is deleted
    await log_in(page, served, email)
    await expect(
        page.get_by_text("Welcome back: your account is kept and your sites are online again.")
    ).to_be_visible()
    await expect(page.get_by_role("heading", name="Your sites")).to_be_visible()
    assert (await asyncio.to_thread(wait_for_status, served, host, 200)) == 200
    assert b"Fresh bread daily" in (await asyncio.to_thread(view, served, host)).content
    # The window is closed: a Cron on day 15 (from the first request) deletes nothing now.
    await asyncio.to_thread(run_core_cron, served, time.time() + 15 * DAY)
    assert (await page.request.get(f"{served.core}/api/v1/account")).status == 200


async def test_deleting_and_waiting_15_days_deletes_everything(page: Page, served: Served) -> None:
    email = "day15@example.com"
    owner, site = await published_site(served, email, "Day Fifteen Bakery")
    host = site["default_host"]
    await delete_in_the_portal(page, served, email)
    await asyncio.to_thread(run_core_cron, served, time.time() + 15 * DAY)  # day 15
    # The queue works the deletion off in its own invocations. Signing in to look would restore the
    # account, so the sign is mailer forgetting the address: the outbox holds no mail to it any more.
    deadline = time.monotonic() + 60
    while any(m["to"] == email for m in await asyncio.to_thread(owner.outbox)):
        assert time.monotonic() < deadline, "the account was never deleted"
        await asyncio.sleep(1)
    await log_in(page, served, email)
    await expect(page.get_by_text("The email or password is not right.")).to_be_visible()
    assert (await asyncio.to_thread(wait_for_status, served, host, 404)) == 404
