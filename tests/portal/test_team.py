"""A site's team in real Chromium on the CPython stack (issue 28, item 3): the owner invites an editor and a
viewer from the editor's Team panel; the editor opens the emailed link signed out, creates her
account with that address, accepts, edits and publishes the owner's site, never sees the owner's
controls (team, domain, enquiries, taking the site offline) and gets 403 from the API for them; the
viewer gets a read-only editor and 403 on writes. axe finds nothing on any of the new views."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests import loopback
from tests.lane.client import PASSWORD, PortalClient, signed_in, subscribed, view
from tests.portal.conftest import shot
from tests.portal.test_accessibility import violations
from tests.portal.test_editor import confirm, saved, signed_in_context
from tests.served import Served

OWNER, EDITOR, VIEWER = "rosa.team@example.com", "ed.team@example.com", "vi.team@example.com"


def invitation_link(served: Served, to: str) -> str:
    """The link of the newest invitation mail to `to`, from the dev outbox (mailer's stand-in)."""
    deadline = time.monotonic() + 15
    while True:
        messages = loopback.get(f"{served.core}/dev/outbox.json", timeout=60).json()["messages"]
        for message in messages:  # newest first
            if message["template"] == "site_invitation" and message["to"] == to:
                return str(message["links"][0])
        assert time.monotonic() < deadline, f"no invitation mail to {to}"
        time.sleep(0.3)


async def api(page: Page, served: Served, method: str, path: str, body: Any = None, **headers: str) -> Any:
    """A call from the page's own browser context (its session cookie), as the portal makes it."""
    sent = {"origin": served.core, "sec-fetch-site": "same-origin", **headers}
    return await page.request.fetch(f"{served.core}{path}", method=method, headers=sent, data=body)


async def invite_from_the_team_panel(page: Page, email: str, role: str) -> None:
    team = page.locator("#panel-team")
    await team.get_by_label("Email address of the person to invite").fill(email)
    await team.get_by_label("What they may do").select_option(role)
    await team.get_by_role("button", name="Send the invitation").click()
    await expect(page.locator("#flash")).to_contain_text(f"Invitation sent to {email}.")
    await expect(team.locator("#team-invitations")).to_contain_text(email)


async def sign_up_from_the_invitation(
    browser: Browser, served: Served, link: str
) -> tuple[BrowserContext, Page, list[str]]:
    """Opens the mailed link signed out, creates the account with the invited address, confirms it
    from the outbox in the same tab and chooses a password: the portal brings her back to the
    invitation. Returns the context, its page and axe's findings on the invitation page."""
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(link)
    await expect(page.get_by_role("heading", name="You are invited to Team Bakery")).to_be_visible(timeout=30_000)
    await expect(page.locator("main")).to_contain_text(f"{OWNER} invited {EDITOR} to edit and publish")
    found = await violations(page, "/invite signed out")
    await shot(page, "team-01-invitation-signed-out")
    await page.get_by_role("link", name="Create an account").click()
    await page.get_by_label("Email").fill(EDITOR)
    await page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    verify = PortalClient(served.core).last_token("verify_email", EDITOR)
    await page.goto(f"{served.core}/verify?token={verify}")
    await expect(page.get_by_role("heading", name="Choose your password")).to_be_visible(timeout=30_000)
    await page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    await page.get_by_role("button", name="Save my password").click()
    return context, page, found


async def test_an_invited_editor_publishes_but_never_reaches_the_owners_controls(
    browser: Browser, served: Served
) -> None:
    owner = await asyncio.to_thread(subscribed, served, OWNER, "pro")
    site = owner.post("/api/v1/sites", {"name": "Team Bakery", "slug": "team-bakery"}).json()
    sid = site["id"]
    found: list[str] = []

    # The owner invites an editor and a viewer from her editor's Team panel.
    rosa_context = await signed_in_context(browser, served, OWNER, bypass_csp=True)
    rosa = await rosa_context.new_page()
    await rosa.goto(f"{served.core}/sites/{sid}")
    await expect(rosa.get_by_role("heading", name="Your team")).to_be_visible(timeout=30_000)
    await expect(rosa.locator("#team-seats")).to_have_text("0 of 5 team places used on your plan.")
    await invite_from_the_team_panel(rosa, EDITOR, "editor")
    await invite_from_the_team_panel(rosa, VIEWER, "viewer")
    await expect(rosa.locator("#team-seats")).to_have_text("2 of 5 team places used on your plan.")
    # A mistyped address is refused beside its field; nothing typed is lost.
    await rosa.locator("#panel-team").get_by_label("Email address of the person to invite").fill("not an address")
    await rosa.locator("#panel-team").get_by_role("button", name="Send the invitation").click()
    await expect(rosa.locator("#panel-team .field-error")).to_be_visible()
    found += await violations(rosa, "editor (owner) with the team and activity panels, a refused address")
    await shot(rosa, "team-02-owner-team-panel")

    # The editor: from the mailed link to the owner's site.
    ed_context, ed, seen = await sign_up_from_the_invitation(browser, served, invitation_link(served, EDITOR))
    found += seen
    await expect(ed.get_by_role("button", name="Accept and open Team Bakery")).to_be_visible(timeout=30_000)
    found += await violations(ed, "/invite signed in")
    await ed.get_by_role("button", name="Accept and open Team Bakery").click()
    await expect(ed.get_by_role("heading", name="Team Bakery", level=1)).to_be_visible(timeout=30_000)
    await expect(ed.locator("#flash")).to_contain_text("You joined the team of Team Bakery.")
    # She never sees the owner's controls.
    await expect(ed.locator("#panel-team")).to_have_count(0)
    await expect(ed.locator("#panel-domains")).to_have_count(0)
    await expect(ed.get_by_role("button", name="Take offline")).to_have_count(0)
    await expect(ed.locator("#status").get_by_role("link", name="Enquiries")).to_have_count(0)
    # She edits and publishes.
    hero = ed.get_by_role("listitem", name="Big headline block")
    await hero.get_by_text("Edit big headline").click()
    await hero.get_by_label("Headline", exact=True).fill("Baked by the team")
    await saved(ed)
    await ed.get_by_role("button", name="Publish", exact=True).click()
    await confirm(ed, "Publish")
    await expect(ed.locator("#flash")).to_contain_text("Published version 1.", timeout=60_000)
    activity = ed.locator("#activity-list")
    await expect(activity).to_contain_text(f"{EDITOR} published version 1")
    await expect(activity).to_contain_text(f"{EDITOR} edited the page “Home”")
    found += await violations(ed, "editor (an editor of the team)")
    await shot(ed, "team-03-editor-published")
    live = await asyncio.to_thread(view, served, "team-bakery.localhost", "/", b"Baked by the team")
    assert b"Baked by the team" in live.content

    # The owner's actions answer 403 to her through the API.
    for method, path in [
        ("DELETE", f"/api/v1/sites/{sid}"),
        ("GET", f"/api/v1/sites/{sid}/leads.csv"),
        ("POST", f"/api/v1/sites/{sid}/unpublish"),
        ("GET", f"/api/v1/sites/{sid}/team"),
    ]:
        refused = await api(ed, served, method, path, {} if method == "POST" else None)
        assert refused.status == 403, (method, path, refused.status)
        assert (await refused.json())["error"]["code"] == "role_forbidden"
    # Billing, export and deletion of an account are her own: they show her Free plan and her own
    # data (her membership of the site, none of its content), never the owner's.
    billing = await (await api(ed, served, "GET", "/api/v1/billing/subscription")).json()
    assert billing["plan"] == "free"
    export = await api(ed, served, "GET", "/api/v1/account/export")
    assert export.status == 200
    assert "Baked by the team" not in await export.text()
    # Her sites page lists the shared site under its own heading, with her role in words.
    await ed.goto(f"{served.core}/")
    shared = ed.locator("#shared-sites")
    await expect(shared).to_contain_text(f"{OWNER} shared it with you: you can edit and publish it")
    found += await violations(ed, "/ (dashboard with a shared site)")
    await ed_context.close()

    # The viewer: accepts, and gets a read-only editor.
    vi_client = await asyncio.to_thread(signed_in, served, VIEWER)
    token = invitation_link(served, VIEWER).split("token=", 1)[1]
    assert vi_client.post("/api/v1/invitations/accept", {"token": token}).json()["role"] == "viewer"
    vi_context = await signed_in_context(browser, served, VIEWER, bypass_csp=True)
    vi = await vi_context.new_page()
    await vi.goto(f"{served.core}/sites/{sid}")
    await expect(vi.locator("#view-only")).to_contain_text("You can look at this site, not change it.", timeout=30_000)
    for hidden in ("#panel-blocks", "#panel-team", "#panel-domains", "#panel-pages", "#save-status"):
        await expect(vi.locator(hidden)).to_have_count(0)
    await expect(vi.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    await expect(vi.locator("#activity-list")).to_contain_text(f"{EDITOR} published version 1")
    found += await violations(vi, "editor (a viewer of the team)")
    await shot(vi, "team-04-viewer")
    home = site["pages"][0]["id"]
    write = await api(vi, served, "PUT", f"/api/v1/sites/{sid}/pages/{home}", {"title": "Mine"}, **{"if-match": "*"})
    assert write.status == 403
    assert (await write.json())["error"]["required_role"] == "editor"
    assert (await api(vi, served, "POST", f"/api/v1/sites/{sid}/publish", {})).status == 403
    await vi_context.close()

    # The owner withdraws nothing but sees who did what, and removes the viewer.
    await rosa.reload()
    await expect(rosa.locator("#activity-list")).to_contain_text(f"{VIEWER} joined the team as viewer", timeout=30_000)
    await rosa.locator("#team-members").get_by_role("button", name="Remove").last.click()
    await confirm(rosa, "Remove")
    await expect(rosa.locator("#flash")).to_contain_text(f"{VIEWER} was removed from the team.")
    await rosa_context.close()
    assert found == []
