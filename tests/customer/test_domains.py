"""Custom domains through the Cloudflare for SaaS stand-in: register, DNS records, refresh until
active, apex -> www, HSTS, removal."""

from __future__ import annotations

import dataclasses

from customer import domains
from devstack.adapters import HashlibCrypto
from devstack.stack import Stack
from shared import internal_auth
from shared.http import Request, Response
from tests.conftest import FakeClock, signed
from tests.core.conftest import Browser, Outbox, signed_up
from tests.customer.conftest import Owner, published_page


async def live_site(owner: Owner) -> dict[str, object]:
    site = await owner.new_site()
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    return site


async def test_apex_and_www_from_pending_to_active_to_removed(owner: Owner, stack: Stack) -> None:
    assert stack.cloudflare is not None
    site = await live_site(owner)
    added = await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "Example.COM"}, 201)
    assert added["hostname"] == "www.example.com"
    assert added["status"] == "pending"
    assert {h["hostname"]: h["redirects_to"] for h in added["hostnames"]} == {
        "www.example.com": None,
        "example.com": "www.example.com",
    }
    records = {(r["type"], r["name"]) for r in added["dns_records"]}
    assert ("CNAME", "www.example.com") in records
    assert ("TXT", "_cf-custom-hostname.www.example.com") in records
    assert next(r for r in added["dns_records"] if r["type"] == "CNAME")["value"] == "edge.localhost"
    assert (await published_page(stack, "www.example.com")).status == 404  # not active: nothing served

    pending = await owner.ok("POST", "/api/v1/domains/www.example.com/refresh", {})
    assert pending["status"] == "pending"
    stack.cloudflare.activate("www.example.com")
    stack.cloudflare.activate("example.com")
    active = await owner.ok("POST", "/api/v1/domains/example.com/refresh", {})
    assert active["status"] == "active"
    later(stack)  # the edge had cached "no site here" for www.example.com for a while

    page = await published_page(stack, "www.example.com")
    assert page.status == 200
    assert page.header("strict-transport-security") == "max-age=31536000"
    assert b'<link rel="canonical" href="http://www.example.com:8788/">' in page.body
    apex = await published_page(stack, "example.com", "/about/?a=1")
    assert (apex.status, apex.header("location")) == (301, "http://www.example.com:8788/about/?a=1")
    later(stack)
    default = await published_page(stack, str(site["default_host"]))
    assert default.header("location") == "http://www.example.com:8788/"

    listed = await owner.ok("GET", "/api/v1/domains")
    assert [d["hostname"] for d in listed["domains"]] == ["www.example.com"]
    await owner.ok("DELETE", "/api/v1/domains/example.com", status=204)
    assert stack.cloudflare.hostnames == {}
    later(stack)
    assert (await published_page(stack, "www.example.com")).status == 404
    assert (await published_page(stack, str(site["default_host"]))).status == 200


async def test_domain_rules(owner: Owner, stack: Stack) -> None:
    site = await live_site(owner)
    for bad in ("localhost", "x.smartpages.site", "a.localhost", "not a host", "www.smartpages.online"):
        response = await owner.call("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": bad})
        assert response.status == 400, bad
    single = await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "shop.example.net"}, 201)
    assert [h["hostname"] for h in single["hostnames"]] == ["shop.example.net"]
    dup = await owner.call("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "shop.example.net"})
    assert dup.status == 409
    owner.plan = "starter"  # one custom domain
    more = await owner.call("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "other.example.net"})
    assert (more.status, more.json()["error"]["code"]) == (402, "requires_pro_plan")


def later(stack: Stack) -> None:
    """Past the pointer TTL, as another visitor some time later."""
    stack.domain.clock.advance(60)  # type: ignore[attr-defined]


async def test_activating_a_domain_keeps_the_version_the_owner_rolled_back_to(owner: Owner, stack: Stack) -> None:
    """Activating a custom domain used to re-publish the draft over a rollback, silently."""
    assert stack.cloudflare is not None
    site = await owner.new_site()
    home = site["pages"][0]["id"]
    await owner.ok(
        "PUT", f"/api/v1/sites/{site['id']}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": "Good"}]}
    )
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    await owner.ok(
        "PUT", f"/api/v1/sites/{site['id']}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": "Oops"}]}
    )
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/versions/1/rollback", {})
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "shop.example.com"}, 201)
    stack.cloudflare.activate("shop.example.com")
    await owner.ok("POST", "/api/v1/domains/shop.example.com/refresh", {})
    later(stack)
    page = await published_page(stack, "shop.example.com")
    assert b"Good" in page.body
    assert b"Oops" not in page.body
    versions = await owner.ok("GET", f"/api/v1/sites/{site['id']}/versions")
    assert (versions["live_version"], [v["number"] for v in versions["versions"]]) == (1, [2, 1])
    # The site's address follows its primary domain.
    assert (await owner.ok("GET", f"/api/v1/sites/{site['id']}"))["url"] == "http://shop.example.com:8788/"


async def second_owner(stack: Stack, owner: Owner, outbox: Outbox) -> Owner:
    """Another paying account (billing's answer is the first owner's plan for everyone)."""
    browser = Browser(stack, address="198.51.100.77")
    await signed_up(browser, outbox, "squatter@example.net")
    return Owner(browser, stack)


async def test_an_unproven_claim_lapses_and_another_account_can_claim_the_name(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    """Issue 15: any paying account could claim a hostname it does not own; the claim stayed pending
    forever and the real owner got 409 `domain_taken`."""
    assert stack.cloudflare is not None
    squatter = await second_owner(stack, owner, outbox)
    theirs = await live_site(squatter)
    claim = await squatter.ok("POST", "/api/v1/domains", {"site_id": theirs["id"], "hostname": "bakery.example"}, 201)
    assert claim["claim_expires_at"] == clock.now() + domains.PENDING_CLAIM_SECONDS

    mine = await live_site(owner)
    body = {"site_id": mine["id"], "hostname": "www.bakery.example"}
    held = await owner.call("POST", "/api/v1/domains", body)
    assert (held.status, held.json()["error"]["code"]) == (409, "domain_taken")  # for a few days at most

    clock.advance(domains.PENDING_CLAIM_SECONDS + 1)
    taken_over = await owner.ok("POST", "/api/v1/domains", body, 201)
    assert taken_over["site_id"] == mine["id"]
    assert (await squatter.ok("GET", "/api/v1/domains"))["domains"] == []
    assert sorted(h["hostname"] for h in stack.cloudflare.hostnames.values()) == [
        "bakery.example",
        "www.bakery.example",
    ]
    assert len(stack.cloudflare.hostnames) == 2  # the squatter's custom hostnames were deleted


async def test_a_proven_claim_stays_exclusive(owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock) -> None:
    assert stack.cloudflare is not None
    site = await live_site(owner)
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "shop.example.org"}, 201)
    stack.cloudflare.activate("shop.example.org")
    proven = await owner.ok("POST", "/api/v1/domains/shop.example.org/refresh", {})
    assert (proven["status"], proven["claim_expires_at"]) == ("active", None)
    clock.advance(30 * 24 * 3600)
    other = await second_owner(stack, owner, outbox)
    theirs = await live_site(other)
    refused = await other.call("POST", "/api/v1/domains", {"site_id": theirs["id"], "hostname": "shop.example.org"})
    assert (refused.status, refused.json()["error"]["code"]) == (409, "domain_taken")


async def cut_over(stack: Stack, crypto: HashlibCrypto, clock: FakeClock, account: str, vouched: str = "") -> Response:
    """What billing's downgrade timeline asks on day 14 (billing.downgrades.CustomerDomains)."""
    path = f"/internal/accounts/{account}/domains/cut-over"
    identity = internal_auth.Identity(account_id=vouched or account, caller="billing")
    return await stack.customer.handle(Request("POST", path, "", await signed(crypto, clock, "POST", path, identity)))


async def active_domain(owner: Owner, stack: Stack, site: dict[str, object], hostname: str) -> None:
    assert stack.cloudflare is not None
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": hostname}, 201)
    for host in [h["hostname"] for h in stack.cloudflare.hostnames.values()]:
        stack.cloudflare.activate(host)
    await owner.ok("POST", f"/api/v1/domains/{hostname}/refresh", {})
    later(stack)


async def test_day_14_cut_over_redirects_the_domains_until_a_paid_publish(
    owner: Owner, stack: Stack, crypto: HashlibCrypto, clock: FakeClock
) -> None:
    site = await live_site(owner)
    await active_domain(owner, stack, site, "example.com")
    assert (await published_page(stack, "www.example.com")).status == 200
    account = (await owner.ok("GET", "/api/v1/account"))["account"]["id"]

    refused = await cut_over(stack, crypto, clock, account, vouched="acct_someone_else")
    assert refused.status == 403
    owner.plan = "free"  # the downgrade; day 14 has come
    done = await cut_over(stack, crypto, clock, account)
    assert (done.status, done.json()) == (200, {"domains_cut_over": 2})
    later(stack)
    default = f"http://{site['default_host']}:8788"
    www = await published_page(stack, "www.example.com", "/about/?a=1")
    assert (www.status, www.header("location")) == (302, default + "/about/?a=1")  # temporary: it may serve again
    apex = await published_page(stack, "example.com")
    assert (apex.status, apex.header("location")) == (302, default + "/")
    assert (await published_page(stack, str(site["default_host"]))).status == 200  # the site itself serves
    again = await cut_over(stack, crypto, clock, account)
    assert again.json() == {"domains_cut_over": 0}  # idempotent: the next run changes nothing
    listed = await owner.ok("GET", "/api/v1/domains")
    assert [(d["hostname"], d["paused"]) for d in listed["domains"]] == [("www.example.com", True)]  # kept

    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)  # still on Free: still cut over
    later(stack)
    assert (await published_page(stack, "www.example.com")).status == 302
    owner.plan = "pro"  # resubscribed: the next publish serves the domains again
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    later(stack)
    page = await published_page(stack, "www.example.com")
    assert page.status == 200
    assert b'<link rel="canonical" href="http://www.example.com:8788/">' in page.body
    apex = await published_page(stack, "example.com")
    assert (apex.status, apex.header("location")) == (301, "http://www.example.com:8788/")
    assert (await published_page(stack, str(site["default_host"]))).status == 301
    assert [d["paused"] for d in (await owner.ok("GET", "/api/v1/domains"))["domains"]] == [False]


async def test_cut_over_of_an_account_without_sites_is_done(
    stack: Stack, crypto: HashlibCrypto, clock: FakeClock
) -> None:
    done = await cut_over(stack, crypto, clock, "acct_never_built_a_site")
    assert (done.status, done.json()) == (200, {"domains_cut_over": 0})


async def test_past_the_zones_custom_hostname_cap_a_new_domain_is_refused_in_plain_words(
    owner: Owner, stack: Stack
) -> None:
    # Cloudflare for SaaS stops at 50,000 custom hostnames (apex and www count apart): here, 3.
    stack.settings["customer"] = dataclasses.replace(stack.settings["customer"], custom_hostname_limit=3)
    stack.swap_ports("customer")
    first, second = await live_site(owner), await live_site(owner)
    await owner.ok("POST", "/api/v1/domains", {"site_id": first["id"], "hostname": "example.com"}, 201)
    refused = await owner.call("POST", "/api/v1/domains", {"site_id": second["id"], "hostname": "example.net"})
    error = refused.json()["error"]
    assert (refused.status, error["code"]) == (409, "domains_full")
    assert "Your site stays online" in error["message"]
    assert len(stack.cloudflare.hostnames) == 2  # nothing half-made at Cloudflare


async def test_a_lapsed_claim_cannot_be_renewed_by_its_claimant_at_once(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    """Issue 23, L13: the squatter re-claimed the name the second it lapsed, and the owner's 409 did
    not say when the claim would lapse."""
    squatter = await second_owner(stack, owner, outbox)
    theirs = await live_site(squatter)
    body = {"site_id": theirs["id"], "hostname": "bakery.example"}
    claim = await squatter.ok("POST", "/api/v1/domains", body, 201)

    mine = await live_site(owner)
    held = await owner.call("POST", "/api/v1/domains", {"site_id": mine["id"], "hostname": "bakery.example"})
    error = held.json()["error"]
    assert (held.status, error["code"], error["field"]) == (409, "domain_taken", "hostname")
    assert error["claim_expires_at"] == claim["claim_expires_at"]
    assert "UTC" in error["message"]  # says when, in words an owner reads

    clock.advance(domains.PENDING_CLAIM_SECONDS + 1)
    again = await squatter.call("POST", "/api/v1/domains", body)
    assert (again.status, again.json()["error"]["code"]) == (409, "claim_cooling_down")
    assert again.json()["error"]["available_at"] > clock.now()
    assert (
        await owner.call("POST", "/api/v1/domains", {"site_id": mine["id"], "hostname": "bakery.example"})
    ).status == 201


async def test_dropping_and_re_adding_a_pending_claim_does_not_restart_its_clock(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    squatter = await second_owner(stack, owner, outbox)
    theirs = await live_site(squatter)
    body = {"site_id": theirs["id"], "hostname": "bakery.example"}
    first = await squatter.ok("POST", "/api/v1/domains", body, 201)
    clock.advance(domains.PENDING_CLAIM_SECONDS - 60)
    assert (await squatter.call("DELETE", "/api/v1/domains/bakery.example")).status == 204
    # Claimed again (an owner moving it to another site is not held up), with the same deadline.
    renewed = await squatter.ok("POST", "/api/v1/domains", body, 201)
    assert renewed["claim_expires_at"] == first["claim_expires_at"]
    clock.advance(61)
    assert (await squatter.call("DELETE", "/api/v1/domains/bakery.example")).status == 204
    again = await squatter.call("POST", "/api/v1/domains", body)
    assert (again.status, again.json()["error"]["code"]) == (409, "claim_cooling_down")
    clock.advance(domains.CLAIM_COOLDOWN_SECONDS)
    assert (await squatter.call("POST", "/api/v1/domains", body)).status == 201  # then a fresh claim
