"""A site's team (issue 28, item 3), through core as a browser calls it: invitations (expiry,
revoke, the wrong address, seats per plan), the role matrix (every site route called as owner,
editor, viewer and stranger), the owner's plan governing her members' edits, and the activity."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from customer import api, maintenance, team
from customer.deps import CustomerDeps
from customer.store import site_by_id
from devstack.stack import Stack
from shared.http import Request, Response, json_response
from shared.internal_auth import Identity
from tests.conftest import FakeClock, signed
from tests.core.conftest import ORIGIN, Browser, Outbox, signed_up
from tests.imagefiles import png

SITE = "/api/v1/sites/{site_id}"


@dataclass
class People:
    """Accounts signed in on one stack, each on the plan the test gives its address (Free otherwise)."""

    stack: Stack
    outbox: Outbox
    plans: dict[str, str] = field(default_factory=dict)

    async def person(self, email: str, plan: str = "free") -> Browser:
        self.plans[email] = plan
        browser = Browser(self.stack, address=f"203.0.113.{len(self.plans) + 10}")
        await signed_up(browser, self.outbox, email)
        return browser

    def link(self, email: str) -> str:
        return self.outbox.last_link("site_invitation", email)

    def token(self, email: str) -> str:
        return self.outbox.last_token("site_invitation", email)


@pytest.fixture
async def people(stack: Stack, outbox: Outbox) -> People:
    found = People(stack, outbox)
    original = stack.billing.dispatch

    async def entitlements(request: Request) -> Response:
        if request.path.startswith("/internal/entitlements/"):
            account = request.path.rsplit("/", 1)[1]
            rows = await stack.databases["core"].all("SELECT email FROM accounts WHERE id = ?", (account,))
            return json_response({"plan": found.plans.get(str(rows[0]["email"]) if rows else "", "free")})
        return await original(request)

    stack.billing.dispatch = entitlements
    return found


async def ok(browser: Browser, method: str, path: str, body: Any = None, status: int = 200, **headers: str) -> Any:
    response = await browser.call(method, path, body, headers or None)
    assert response.status == status, (method, path, response.status, response.body[:400])
    return response.json() if response.body else None


async def invite(owner: Browser, site_id: str, email: str, role: str, status: int = 201) -> Any:
    return await ok(owner, "POST", f"/api/v1/sites/{site_id}/team/invitations", {"email": email, "role": role}, status)


async def try_invite(owner: Browser, site_id: str, email: str, role: str) -> Response:
    return await owner.call("POST", f"/api/v1/sites/{site_id}/team/invitations", {"email": email, "role": role})


async def joined(people: People, owner: Browser, site_id: str, email: str, role: str, plan: str = "free") -> Browser:
    """`email` invited by `owner` as `role`, signed up and accepted."""
    await invite(owner, site_id, email, role)
    member = await people.person(email, plan)
    accepted = await ok(member, "POST", "/api/v1/invitations/accept", {"token": people.token(email)})
    assert accepted == {"site_id": site_id, "site_name": accepted["site_name"], "role": role}
    return member


@pytest.fixture
async def rosa(people: People) -> Browser:
    return await people.person("rosa@example.com", "pro")


async def new_site(owner: Browser, name: str = "Bakery Rosa") -> dict[str, Any]:
    return await ok(owner, "POST", "/api/v1/sites", {"name": name}, 201)  # type: ignore[no-any-return]


# --- invitations --------------------------------------------------------------------------------------
async def test_the_invitation_mail_links_to_the_portal_and_says_who_and_for_how_long(
    people: People, rosa: Browser
) -> None:
    site = await new_site(rosa)
    made = await invite(rosa, site["id"], "Ed@Example.com", "editor")
    assert made["email"] == "ed@example.com"
    assert made["role"] == "editor"
    assert made["mailed"] is True
    assert made["expires_at"] - made["created_at"] == team.INVITATION_DAYS * 86400 == 7 * 86400
    mail = next(m for m in people.outbox.sent if m["template"] == "site_invitation")
    assert mail["to"] == "ed@example.com"
    assert mail["data"]["inviter"] == "rosa@example.com"
    assert mail["data"]["site_name"] == "Bakery Rosa"
    assert mail["data"]["link"].startswith(f"{ORIGIN}/invite?token=")
    # What the invitation page shows before she signs in: no session needed, only the link's token.
    anyone = Browser(people.stack)
    seen = await ok(anyone, "POST", "/api/v1/invitations/lookup", {"token": people.token("ed@example.com")})
    assert seen["site_name"] == "Bakery Rosa"
    assert seen["email"] == "ed@example.com"
    assert seen["state"] == "open"
    unknown = await anyone.call("POST", "/api/v1/invitations/lookup", {"token": "x" * 43})
    assert unknown.status == 404
    assert unknown.json()["error"]["code"] == "invitation_not_found"


async def test_an_invitation_expires_after_seven_days(people: People, rosa: Browser, clock: FakeClock) -> None:
    site = await new_site(rosa)
    await invite(rosa, site["id"], "ed@example.com", "editor")
    ed = await people.person("ed@example.com")
    clock.advance(7 * 86400 + 1)
    late = await ed.call("POST", "/api/v1/invitations/accept", {"token": people.token("ed@example.com")})
    assert late.status == 410
    assert late.json()["error"]["code"] == "invitation_expired"
    assert (await ok(ed, "GET", "/api/v1/sites"))["sites"] == []
    # An expired invitation holds no seat and is not listed; inviting again sends a new, working link.
    assert (await ok(rosa, "GET", f"/api/v1/sites/{site['id']}/team"))["invitations"] == []
    await invite(rosa, site["id"], "ed@example.com", "editor")
    assert (await ok(ed, "POST", "/api/v1/invitations/accept", {"token": people.token("ed@example.com")}))["role"]


async def test_a_revoked_invitation_link_dies_and_frees_the_seat(people: People, rosa: Browser) -> None:
    people.plans["rosa@example.com"] = "starter"  # one seat
    site = await new_site(rosa)
    made = await invite(rosa, site["id"], "ed@example.com", "editor")
    token = people.token("ed@example.com")
    await ok(rosa, "DELETE", f"/api/v1/sites/{site['id']}/team/invitations/{made['id']}", status=204)
    again = await rosa.call("DELETE", f"/api/v1/sites/{site['id']}/team/invitations/{made['id']}")
    assert again.status == 404
    ed = await people.person("ed@example.com")
    dead = await ed.call("POST", "/api/v1/invitations/accept", {"token": token})
    assert dead.status == 410
    assert dead.json()["error"]["code"] == "invitation_revoked"
    assert (await ok(ed, "POST", "/api/v1/invitations/lookup", {"token": token}))["state"] == "revoked"
    await invite(rosa, site["id"], "vi@example.com", "viewer")  # the seat is free again
    # A second invitation to the same address replaces the first: the first link dies.
    first = people.token("vi@example.com")
    await invite(rosa, site["id"], "vi@example.com", "editor")
    vi = await people.person("vi@example.com")
    assert (await vi.call("POST", "/api/v1/invitations/accept", {"token": first})).status == 410
    assert (await ok(vi, "POST", "/api/v1/invitations/accept", {"token": people.token("vi@example.com")}))["role"] == (
        "editor"
    )


async def test_only_the_invited_address_can_accept(people: People, rosa: Browser) -> None:
    site = await new_site(rosa)
    await invite(rosa, site["id"], "ed@example.com", "editor")
    token = people.token("ed@example.com")
    mallory = await people.person("mallory@example.com")
    wrong = await mallory.call("POST", "/api/v1/invitations/accept", {"token": token})
    assert wrong.status == 403
    assert wrong.json()["error"]["code"] == "invitation_wrong_email"
    assert "ed@example.com" in wrong.json()["error"]["message"]
    assert (await mallory.call("GET", f"/api/v1/sites/{site['id']}")).status == 404
    unsigned = await Browser(people.stack).call("POST", "/api/v1/invitations/accept", {"token": token})
    assert unsigned.status == 401
    ed = await people.person("ed@example.com")
    await ok(ed, "POST", "/api/v1/invitations/accept", {"token": token})
    used = await mallory.call("POST", "/api/v1/invitations/accept", {"token": token})
    assert used.status == 410
    assert used.json()["error"]["code"] == "invitation_used"
    # Accepting twice is harmless for the one who did.
    assert (await ok(ed, "POST", "/api/v1/invitations/accept", {"token": token}))["role"] == "editor"


async def test_seats_per_plan(people: People, rosa: Browser) -> None:
    people.plans["rosa@example.com"] = "free"
    site = await new_site(rosa)
    free = await rosa.call(
        "POST", f"/api/v1/sites/{site['id']}/team/invitations", {"email": "a@x.com", "role": "editor"}
    )
    assert free.status == 402
    assert free.json()["error"]["code"] == "requires_starter_plan"
    assert "team members" in free.json()["error"]["message"]
    people.plans["rosa@example.com"] = "starter"
    await invite(rosa, site["id"], "a@x.com", "editor")
    full = await rosa.call(
        "POST", f"/api/v1/sites/{site['id']}/team/invitations", {"email": "b@x.com", "role": "viewer"}
    )
    error = full.json()["error"]
    assert full.status == 402, error
    assert error["code"] == "requires_pro_plan", error
    assert error["message"] == "Your Starter plan allows 1. Upgrade to Pro for more team members."
    assert error["feature"] == "seats"
    assert error["limit"] == 1
    await invite(rosa, site["id"], "A@x.com", "viewer")  # the same person again takes no new seat
    seats = (await ok(rosa, "GET", f"/api/v1/sites/{site['id']}/team"))["seats"]
    assert seats == {"used": 1, "limit": 1}
    people.plans["rosa@example.com"] = "pro"
    for n in range(4):
        await invite(rosa, site["id"], f"p{n}@x.com", "viewer")
    over = await rosa.call(
        "POST", f"/api/v1/sites/{site['id']}/team/invitations", {"email": "z@x.com", "role": "viewer"}
    )
    assert over.status == 402
    assert over.json()["error"]["code"] == "limit_reached"


async def test_invitations_are_checked(people: People, rosa: Browser) -> None:
    site = await new_site(rosa)
    url = f"/api/v1/sites/{site['id']}/team/invitations"
    for body, where in [
        ({"email": "nope", "role": "editor"}, "email"),
        ({"email": "a@x.com", "role": "owner"}, "role"),
        ({"email": "a@x.com"}, "role"),
        ({"email": "rosa@example.com", "role": "editor"}, "email"),
    ]:
        refused = await rosa.call("POST", url, body)
        assert refused.status == 400, refused.body
        assert refused.json()["error"]["field"] == where, refused.body
    await joined(people, rosa, site["id"], "ed@example.com", "editor")
    twice = await rosa.call("POST", url, {"email": "ed@example.com", "role": "viewer"})
    assert twice.status == 409
    assert twice.json()["error"]["code"] == "already_member"


# --- what members do -----------------------------------------------------------------------------------
async def test_an_editor_edits_and_publishes_within_the_owners_plan_and_the_activity_says_who(
    people: People, rosa: Browser
) -> None:
    site = await new_site(rosa)
    sid = site["id"]
    ed = await joined(people, rosa, sid, "ed@example.com", "editor")  # on Free: 3 pages a site
    listed = (await ok(ed, "GET", "/api/v1/sites"))["sites"]
    assert [(s["id"], s["role"], s["owner_email"]) for s in listed] == [(sid, "editor", "rosa@example.com")]
    assert (await ok(rosa, "GET", "/api/v1/sites"))["sites"][0]["role"] == "owner"
    assert (await ok(ed, "GET", f"/api/v1/sites/{sid}"))["role"] == "editor"
    for n in range(4):  # beyond Free's 3 pages: Rosa's Pro plan governs her site
        await ok(ed, "POST", f"/api/v1/sites/{sid}/pages", {"title": f"Page {n}"}, 201)
    home = site["pages"][0]["id"]
    await ok(ed, "PUT", f"/api/v1/sites/{sid}/pages/{home}", {"title": "Welcome"}, **{"if-match": "*"})
    published = await ok(ed, "POST", f"/api/v1/sites/{sid}/publish", {}, 201)
    assert published["version"] == 1
    activity = (await ok(rosa, "GET", f"/api/v1/sites/{sid}/activity"))["activity"]
    said = [(a["who"], a["action"], a["subject"]) for a in activity]
    assert said[0] == ("ed@example.com", "published", "1")
    assert ("ed@example.com", "page_saved", "Welcome") in said
    assert ("ed@example.com", "page_added", "Page 3") in said
    assert ("ed@example.com", "joined", "editor") in said
    assert ("rosa@example.com", "invited", "ed@example.com (editor)") in said
    # Her own account stays hers: her own (Free) plan, her own export: her membership of Rosa's
    # site, none of its content.
    assert (await ok(ed, "GET", "/api/v1/billing/subscription"))["plan"] == "free"
    export = json.dumps(await ok(ed, "GET", "/api/v1/account/export"))
    assert '"role": "editor"' in export
    assert sid in export
    assert "Welcome" not in export
    assert home not in export


async def test_the_owners_only_actions_answer_403_to_an_editor(people: People, rosa: Browser) -> None:
    site = await new_site(rosa)
    sid = site["id"]
    ed = await joined(people, rosa, sid, "ed@example.com", "editor")
    for method, path in [
        ("DELETE", f"/api/v1/sites/{sid}"),
        ("GET", f"/api/v1/sites/{sid}/leads.csv"),
        ("GET", f"/api/v1/sites/{sid}/leads"),
        ("POST", f"/api/v1/sites/{sid}/unpublish"),
        ("GET", f"/api/v1/sites/{sid}/team"),
        ("POST", f"/api/v1/sites/{sid}/team/invitations"),
    ]:
        refused = await ed.call(method, path, {} if method == "POST" else None)
        assert refused.status == 403, (method, path, refused.status)
        assert refused.json()["error"]["code"] == "role_forbidden"
        assert refused.json()["error"]["required_role"] == "owner"
    assert (await ok(rosa, "GET", f"/api/v1/sites/{sid}"))["id"] == sid  # still there
    # Removed from the team, she no longer sees the site at all.
    members = (await ok(rosa, "GET", f"/api/v1/sites/{sid}/team"))["members"]
    assert [m["email"] for m in members] == ["ed@example.com"]
    await ok(rosa, "DELETE", f"/api/v1/sites/{sid}/team/members/{members[0]['id']}", status=204)
    assert (await ed.call("GET", f"/api/v1/sites/{sid}")).status == 404


async def test_a_viewer_looks_but_cannot_change(people: People, rosa: Browser) -> None:
    site = await new_site(rosa)
    sid, home = site["id"], site["pages"][0]["id"]
    vi = await joined(people, rosa, sid, "vi@example.com", "viewer")
    assert (await ok(vi, "GET", f"/api/v1/sites/{sid}"))["role"] == "viewer"
    await ok(vi, "GET", f"/api/v1/sites/{sid}/pages/{home}")
    refused = await vi.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"title": "Mine"}, {"if-match": "*"})
    assert refused.status == 403
    assert refused.json()["error"]["required_role"] == "editor"
    assert (await vi.call("POST", f"/api/v1/sites/{sid}/publish", {})).status == 403


@pytest.mark.parametrize("left_first", [False, True])
async def test_a_deleted_members_address_leaves_the_activity(
    people: People, rosa: Browser, clock: FakeClock, left_first: bool
) -> None:
    """Also when she had left the team before (the sites she helped on are indexed in D1's
    `site_contributors`: each site's activity is in its own store)."""
    site = await new_site(rosa)
    ed_email = "ed@example.com"
    ed = await joined(people, rosa, site["id"], ed_email, "editor")
    await ok(ed, "POST", f"/api/v1/sites/{site['id']}/pages", {"title": "Menu"}, 201)
    if left_first:
        (member,) = (await ok(rosa, "GET", f"/api/v1/sites/{site['id']}/team"))["members"]
        await ok(rosa, "DELETE", f"/api/v1/sites/{site['id']}/team/members/{member['id']}", None, 204)
    account = (
        await people.stack.databases["core"].all("SELECT id FROM accounts WHERE email = ?", ("ed@example.com",))
    )[0]
    path = f"/internal/accounts/{account['id']}"  # what core asks when the account's data is deleted
    identity = Identity(account_id=str(account["id"]))
    headers = await signed(people.stack.ports["customer"].crypto, clock, "DELETE", path, identity)
    assert (await people.stack.customer.handle(Request("DELETE", path, headers=headers))).status == 204
    whos = {a["who"] for a in (await ok(rosa, "GET", f"/api/v1/sites/{site['id']}/activity"))["activity"]}
    assert "ed@example.com" not in whos
    assert "a deleted account" in whos
    assert (await ok(rosa, "GET", f"/api/v1/sites/{site['id']}/team"))["members"] == []
    assert await people.stack.databases["customer"].all("SELECT * FROM site_contributors") == []


async def test_the_page_history_says_who_saved_and_keeps_two_peoples_edits_apart(
    people: People, rosa: Browser, clock: FakeClock
) -> None:
    site = await new_site(rosa)
    ed = await joined(people, rosa, site["id"], "ed@example.com", "editor")
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    await ok(rosa, "PUT", url, {"blocks": [{"type": "hero", "heading": "Rosa's words"}]}, **{"if-match": "*"})
    clock.advance(10)  # within the minutes one person's saves join one entry
    await ok(ed, "PUT", url, {"blocks": [{"type": "hero", "heading": "Ed's words"}]}, **{"if-match": "*"})
    await ok(ed, "POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    entries = (await ok(rosa, "GET", f"{url}/history"))["entries"]
    assert [(e["kind"], e["who"]) for e in entries] == [
        ("published", "ed@example.com"),
        ("draft", "ed@example.com"),
        ("draft", "rosa@example.com"),
        ("draft", ""),  # the page as it was
    ]
    account = (
        await people.stack.databases["core"].all("SELECT id FROM accounts WHERE email = ?", ("ed@example.com",))
    )[0]
    path = f"/internal/accounts/{account['id']}"
    headers = await signed(people.stack.ports["customer"].crypto, clock, "DELETE", path, Identity(str(account["id"])))
    assert (await people.stack.customer.handle(Request("DELETE", path, headers=headers))).status == 204
    whos = [e["who"] for e in (await ok(rosa, "GET", f"{url}/history"))["entries"]]
    assert whos == ["a deleted account", "a deleted account", "rosa@example.com", ""]


# --- the role matrix: every site route as owner, editor, viewer and stranger ---------------------------
# The least role each site route needs, written out here (not read from customer.api), so a change
# to who may do what fails this test until it is meant. A new site route fails it until it is added.
NEEDS = {
    ("GET", SITE): "viewer",
    ("PATCH", SITE): "editor",
    ("DELETE", SITE): "owner",
    ("POST", SITE + "/pages"): "editor",
    ("GET", SITE + "/pages/{page_id}"): "viewer",
    ("PUT", SITE + "/pages/{page_id}"): "editor",
    ("DELETE", SITE + "/pages/{page_id}"): "editor",
    ("POST", SITE + "/pages/{page_id}/blocks"): "editor",
    ("GET", SITE + "/pages/{page_id}/history"): "viewer",
    ("POST", SITE + "/pages/{page_id}/history/{number}/restore"): "editor",
    ("POST", SITE + "/assets"): "editor",
    ("GET", SITE + "/assets"): "viewer",
    ("GET", SITE + "/assets/{sha256}"): "viewer",
    ("DELETE", SITE + "/assets/{sha256}"): "editor",
    ("POST", SITE + "/assets/{sha256}/variants"): "editor",
    ("POST", SITE + "/preview"): "editor",
    ("POST", SITE + "/publish"): "editor",
    ("GET", SITE + "/versions"): "viewer",
    ("POST", SITE + "/versions/{number}/rollback"): "editor",
    ("POST", SITE + "/unpublish"): "owner",
    ("GET", SITE + "/leads"): "owner",
    ("GET", SITE + "/leads.csv"): "owner",
    ("PATCH", SITE + "/leads/{lead_id}"): "owner",
    ("DELETE", SITE + "/leads/{lead_id}"): "owner",
    ("GET", SITE + "/insights"): "viewer",
    ("GET", SITE + "/export.zip"): "owner",
    ("GET", SITE + "/team"): "owner",
    ("POST", SITE + "/team/invitations"): "owner",
    ("DELETE", SITE + "/team/invitations/{invitation_id}"): "owner",
    ("DELETE", SITE + "/team/members/{member_id}"): "owner",
    ("GET", SITE + "/activity"): "viewer",
}
RANK = {"stranger": -1, "viewer": 0, "editor": 1, "owner": 2}


def site_routes() -> set[tuple[str, str]]:
    return {
        (method, pattern) for pattern, methods in api.ROUTES.items() if pattern.startswith(SITE) for method in methods
    }


def test_every_site_route_is_in_the_matrix() -> None:
    assert site_routes() == set(NEEDS)
    # Secure by default: a site route customer.api does not name for members is the owner's alone.
    assert {k for k, v in NEEDS.items() if v != "owner"} == set(api.MEMBER_ACCESS)


async def raw(browser: Browser, method: str, path: str, body: bytes, content_type: str) -> Response:
    headers = {
        "origin": ORIGIN,
        "sec-fetch-site": "same-origin",
        "cookie": browser.cookie,
        "content-type": content_type,
    }
    path, _, query = path.partition("?")
    return await browser.stack.core.handle(Request(method, path, query, headers, body))


async def call_route(who: Browser, method: str, pattern: str, values: dict[str, str]) -> Response:
    path = pattern.format(**values)
    if (method, pattern) == ("POST", SITE + "/assets"):
        return await raw(who, method, path + "?name=p.png", png(1), "application/octet-stream")
    if (method, pattern) == ("POST", SITE + "/assets/{sha256}/variants"):
        return await raw(who, method, path, png(2), "application/octet-stream")
    bodies: dict[tuple[str, str], Any] = {
        ("PATCH", SITE): {"name": "Renamed"},
        ("POST", SITE + "/pages"): {"title": f"Page {len(values['made'])}"},
        ("PUT", SITE + "/pages/{page_id}"): {"title": "Saved"},
        ("POST", SITE + "/pages/{page_id}/blocks"): {"type": "text", "body": "Hello"},
        ("PATCH", SITE + "/leads/{lead_id}"): {"read": True},
        ("POST", SITE + "/team/invitations"): {"email": f"n{len(values['made'])}@x.com", "role": "viewer"},
    }
    values["made"] += "x"
    body = bodies.get((method, pattern), {} if method in ("POST", "PUT", "PATCH") else None)
    return await who.call(method, path, body, {"if-match": "*"})


async def test_role_matrix_every_site_route_as_owner_editor_viewer_and_stranger(people: People, rosa: Browser) -> None:
    site = await new_site(rosa)
    sid = site["id"]
    editor = await joined(people, rosa, sid, "ed@example.com", "editor")
    viewer = await joined(people, rosa, sid, "vi@example.com", "viewer")
    stranger = await people.person("eve@example.com", "pro")
    await ok(stranger, "POST", "/api/v1/sites", {"name": "Eve's own"}, 201)
    other = await ok(rosa, "POST", f"/api/v1/sites/{sid}/pages", {"title": "Other"}, 201)
    uploaded = (await raw(rosa, "POST", f"/api/v1/sites/{sid}/assets?name=a.png", png(3), "image/png")).json()
    values = {
        "site_id": sid,
        "page_id": other["id"],
        "sha256": uploaded["sha256"],
        "number": "1",
        "lead_id": "l_unknown",
        "invitation_id": "inv_unknown",
        "member_id": "c_unknown",
        "made": "",
    }
    people_by_role = {"stranger": stranger, "viewer": viewer, "editor": editor, "owner": rosa}
    # Destructive routes last, so every route meets the site and its page as they were.
    order = sorted(NEEDS, key=lambda k: (k == ("DELETE", SITE), k[0] == "DELETE", k))
    seen = []
    for method, pattern in order:
        for role, who in people_by_role.items():
            if (method, pattern) == ("DELETE", SITE + "/pages/{page_id}") and role == "owner":
                continue  # the editor deleted the page already; deleting is the editor's to do
            response = await call_route(who, method, pattern, values)
            code = response.json()["error"]["code"] if response.status >= 400 and response.body else ""
            need = NEEDS[(method, pattern)]
            if role == "stranger":
                assert (response.status, code) == (404, "site_not_found"), (method, pattern, response.body[:300])
            elif RANK[role] < RANK[need]:
                assert (response.status, code) == (403, "role_forbidden"), (role, method, pattern, response.body)
            else:  # allowed: whatever the route answers, it is not about who is asking
                assert code not in ("role_forbidden", "site_not_found"), (role, method, pattern, response.body)
                assert response.status < 500, (role, method, pattern, response.body)
            seen.append((role, method, pattern, response.status))
    assert len(seen) == 4 * len(NEEDS) - 1
    assert (await rosa.call("GET", f"/api/v1/sites/{sid}")).status == 404  # the owner deleted it, last


async def test_dead_invitations_and_old_activity_are_swept(people: People, rosa: Browser, clock: FakeClock) -> None:
    site = await new_site(rosa)
    await invite(rosa, site["id"], "old@example.com", "editor")
    await invite(rosa, site["id"], "new@example.com", "editor")
    db, store = people.stack.databases["customer"], await people.stack.site_db(site["id"])
    later = 380 * 86400  # as if the second had been sent 380 days after the first
    await db.run("UPDATE site_invitations SET expires_at = expires_at + ? WHERE email = 'new@example.com'", (later,))
    await store.run("UPDATE site_activity SET at = at + ? WHERE subject LIKE 'new@%'", (later,))
    clock.advance(400 * 86400)
    deps = CustomerDeps.of(people.stack.settings["customer"], people.stack.ports["customer"])
    step = await maintenance.jobs(deps, None).steps["retention"]({"job": "retention"})
    assert step.report["retention_site_invitations"] == 1  # dead for more than 30 days
    assert [r["email"] for r in await db.all("SELECT email FROM site_invitations")] == ["new@example.com"]
    # The activity is in the site's own store, which drops its lines past a year as it writes a new one.
    found = await site_by_id(db, site["id"])
    assert found is not None
    await team.record(deps, found, found.customer_id, "rosa@example.com", "published")
    lines = [r["subject"] for r in await store.all("SELECT subject FROM site_activity ORDER BY id")]
    assert lines == ["new@example.com (editor)", ""]
