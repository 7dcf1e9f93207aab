"""Sites, pages and blocks through core: validation names the field, plans limit, owners only."""

from __future__ import annotations

import base64
import hashlib

import pytest

from customer import formscript
from devstack.stack import Stack
from tests.conftest import FakeClock
from tests.core.conftest import Browser, Outbox, deleted_for_good, signed_up
from tests.customer.conftest import Owner


async def test_create_site_makes_a_home_page_and_a_default_host(owner: Owner) -> None:
    site = await owner.new_site("Café Zoë & Co")
    assert site["slug"] == "caf-zo-co"
    assert site["default_host"] == "caf-zo-co.localhost"
    assert [p["path"] for p in site["pages"]] == ["/"]
    again = await owner.new_site("Café Zoë & Co")
    assert again["slug"].startswith("caf-zo-co-")
    assert again["slug"] != site["slug"]
    taken = await owner.write("POST", "/api/v1/sites", {"name": "X", "slug": site["slug"]})
    assert (taken.status, taken.json()["error"]["code"]) == (409, "slug_taken")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "colour": "red"}, "colour"),
        ({"name": 5}, "name"),
        ({}, "name"),
        ({"name": "A", "slug": "Bad Slug"}, "slug"),
        ({"name": "A", "slug": "www"}, "slug"),
        ({"name": "A", "slug": "a--b"}, "slug"),
    ],
)
async def test_site_writes_are_validated(owner: Owner, body: dict[str, object], field: str) -> None:
    response = await owner.write("POST", "/api/v1/sites", body)
    assert response.status == 400
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "video"}, "blocks[0].type"),
        ({"type": "hero"}, "blocks[0].heading"),
        ({"type": "hero", "heading": "x", "extra": 1}, "blocks[0].extra"),
        ({"type": "hero", "heading": 3}, "blocks[0].heading"),
        ({"type": "cta", "heading": "h", "label": "l", "href": "javascript:alert(1)"}, "blocks[0].href"),
        ({"type": "cta", "heading": "h", "label": "l", "href": "//evil.example"}, "blocks[0].href"),
        ({"type": "features", "items": [{"title": "a", "text": ["no"]}]}, "blocks[0].items[0].text"),
        (
            {"type": "pricing", "plans": [{"name": "a", "price": "1", "highlighted": "yes"}]},
            "blocks[0].plans[0].highlighted",
        ),
        ({"type": "hours_location", "hours": [{"day": "mon", "opens": "25:00"}]}, "blocks[0].hours[0].opens"),
        ({"type": "image", "asset": "f" * 64}, "blocks"),
        ({"type": "gallery", "images": []}, "blocks[0].images"),
    ],
)
async def test_block_writes_name_the_field(owner: Owner, block: dict[str, object], field: str) -> None:
    site = await owner.new_site()
    response = await owner.write(
        "PUT", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}", {"blocks": [block]}
    )
    assert response.status == 400, response.body
    assert response.json()["error"]["field"] == field


async def test_every_block_type_renders(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    blocks = [
        {"type": "hero", "heading": "Hi", "cta_label": "Go", "cta_href": "#x"},
        {"type": "rich_text", "markdown": "# T\n\n- a\n- b\n\n> q"},
        {"type": "features", "heading": "F", "items": [{"title": "Fast", "text": "yes"}]},
        {
            "type": "pricing",
            "plans": [{"name": "Basic", "price": "€9", "period": "/mo", "features": ["a"], "highlighted": True}],
        },
        {"type": "testimonials", "items": [{"quote": "Great\nreally", "author": "Ann", "role": "CEO"}]},
        {"type": "cta", "heading": "Call", "label": "Now", "href": "tel:+1"},
        {"type": "lead_form", "heading": "Write", "ask_phone": True},
        {
            "type": "hours_location",
            "hours": [{"day": "mon", "opens": "09:00", "closes": "17:00"}, {"day": "sun", "closed": True}],
            "address": "1 Road\nTown",
            "phone": "+1 2",
            "email": "a@b.example",
            "map_url": "https://maps.example/x",
        },
        {"type": "footer", "text": "© Us", "links": [{"label": "Imprint", "href": "/imprint/"}]},
    ]
    saved = await owner.ok("PUT", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}", {"blocks": blocks})
    assert all(b["id"].startswith("b_") for b in saved["blocks"])
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    host = site["default_host"]
    from tests.customer.conftest import published_page

    html = (await published_page(stack, host)).body.decode()
    for needle in (
        "<h2>T</h2>",
        "<li>a</li>",
        "<blockquote>",
        "Fast",
        "€9",
        "Great<br>really",
        'href="tel:+1"',
        '<form method="post" action="/_smartpages/forms/',
        'name="phone"',
        "Monday",
        "Closed",
        "1 Road<br>Town",
        "Imprint",
        "Made with SmartPages" if owner.plan != "pro" else "Imprint",
    ):
        assert needle in html, needle
    # One script of ours, the lead form's (by its hash), and LocalBusiness data (JSON-LD).
    assert html.count('<script type="application/ld+json">') == 1
    assert html.count("<script") == 2
    assert f'<script src="{formscript.PATH}" integrity="{formscript.INTEGRITY}" defer></script>' in html


async def test_free_plan_limits(owner: Owner) -> None:
    owner.plan = "free"
    site = await owner.new_site()
    second = await owner.write("POST", "/api/v1/sites", {"name": "Two"})
    assert second.status == 402
    assert second.json()["error"] | {"message": "", "request_id": ""} == {
        "code": "requires_pro_plan",
        "required_plan": "pro",
        "feature": "sites",
        "limit": 1,
        "message": "",
        "request_id": "",
    }
    for n in range(2):
        await owner.ok("POST", f"/api/v1/sites/{site['id']}/pages", {"title": f"P{n}"}, 201)
    fourth = await owner.write("POST", f"/api/v1/sites/{site['id']}/pages", {"title": "P3"})
    assert (fourth.status, fourth.json()["error"]["code"]) == (402, "requires_starter_plan")
    form = await owner.write(
        "PUT", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}", {"blocks": [{"type": "lead_form"}]}
    )
    assert (form.status, form.json()["error"]["code"]) == (402, "requires_starter_plan")
    domains = await owner.write("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "example.com"})
    assert (domains.status, domains.json()["error"]["code"]) == (402, "requires_starter_plan")
    assert (await owner.call("GET", "/api/v1/domains")).status == 200  # seeing them is always allowed


async def test_another_account_cannot_see_or_touch_a_site(owner: Owner, stack: Stack, outbox: Outbox) -> None:
    site = await owner.new_site()
    mallory = Browser(stack, address="198.51.100.9")
    await signed_up(mallory, outbox, "mallory@example.com")
    for method, path in [
        ("GET", f"/api/v1/sites/{site['id']}"),
        ("POST", f"/api/v1/sites/{site['id']}/publish"),
        ("DELETE", f"/api/v1/sites/{site['id']}"),
        ("GET", f"/api/v1/sites/{site['id']}/assets"),
    ]:
        response = await mallory.call(method, path, {} if method == "POST" else None)
        assert response.status == 404, (method, path)


async def test_pages_add_block_and_delete(owner: Owner) -> None:
    site = await owner.new_site()
    page = await owner.ok("POST", f"/api/v1/sites/{site['id']}/pages", {"title": "Our Team", "blocks": []}, 201)
    assert page["path"] == "/our-team/"
    block = await owner.ok(
        "POST", f"/api/v1/sites/{site['id']}/pages/{page['id']}/blocks", {"type": "rich_text", "markdown": "x"}, 201
    )
    first = await owner.ok(
        "POST",
        f"/api/v1/sites/{site['id']}/pages/{page['id']}/blocks",
        {"type": "rich_text", "markdown": "y", "position": 0},
        201,
    )
    got = await owner.ok("GET", f"/api/v1/sites/{site['id']}/pages/{page['id']}")
    assert [b["id"] for b in got["blocks"]] == [first["id"], block["id"]]
    clash = await owner.write("POST", f"/api/v1/sites/{site['id']}/pages", {"title": "Our team"})
    assert clash.status == 409
    home = await owner.write("DELETE", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}")
    assert home.status == 409
    await owner.ok("DELETE", f"/api/v1/sites/{site['id']}/pages/{page['id']}", status=204)


async def test_theme_seo_and_redirects(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    bad = await owner.write("PATCH", f"/api/v1/sites/{site['id']}", {"theme": {"palette": "neon"}})
    assert bad.json()["error"]["field"] == "theme.palette"
    bad = await owner.write("PATCH", f"/api/v1/sites/{site['id']}", {"redirects": {"old": "/new/"}})
    assert bad.status == 400
    updated = await owner.ok(
        "PATCH",
        f"/api/v1/sites/{site['id']}",
        {
            "theme": {"palette": "forest", "primary": "#112233", "fonts": "classic"},
            "seo": {"title": "Rosa's", "description": 'Best "bread"', "language": "de"},
            "redirects": {"/old": "/"},
        },
    )
    assert updated["theme"]["primary"] == "#112233"
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    from tests.customer.conftest import published_page

    html = (await published_page(stack, site["default_host"])).body
    assert b'<html lang="de">' in html
    assert b"Best &quot;bread&quot;" in html
    assert b"<title>Rosa&#x27;s</title>" in html
    css = html.split(b"<style>")[1].split(b"</style>")[0]
    assert b"--primary:#112233" in css
    assert b"Georgia" in css
    # The site's CSP allows exactly this CSS, by its hash, and no other inline style.
    digest = base64.b64encode(hashlib.sha256(css).digest()).decode()
    policy = (await published_page(stack, site["default_host"])).header("content-security-policy")
    assert f"style-src 'sha256-{digest}';" in policy
    assert (await published_page(stack, site["default_host"], "/old")).header("location") == "/"


async def test_theme_and_seo_updates_are_partial(owner: Owner) -> None:
    """Updating one theme field used to reset the others to their defaults."""
    site = await owner.new_site()
    path = f"/api/v1/sites/{site['id']}"
    await owner.ok("PATCH", path, {"theme": {"palette": "forest", "fonts": "classic"}, "seo": {"language": "de"}})
    updated = await owner.ok("PATCH", path, {"theme": {"primary": "#112233"}, "seo": {"title": "Rosa's"}})
    assert (updated["theme"]["palette"], updated["theme"]["fonts"], updated["theme"]["primary"]) == (
        "forest",
        "classic",
        "#112233",
    )
    assert (updated["seo"]["language"], updated["seo"]["title"]) == ("de", "Rosa's")
    bad = await owner.write("PATCH", path, {"theme": {"palette": "neon"}})
    assert bad.json()["error"]["field"] == "theme.palette"
    assert (await owner.ok("GET", path))["theme"]["primary"] == "#112233"  # nothing half-written


async def test_a_renamed_page_answers_301_from_its_old_address(owner: Owner, stack: Stack) -> None:
    """Renaming a page's slug used to leave the old URL a 404."""
    from tests.customer.conftest import published_page

    site = await owner.new_site()
    sid = site["id"]
    page = await owner.ok("POST", f"/api/v1/sites/{sid}/pages", {"title": "About", "slug": "about"}, 201)
    await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 201)
    await owner.ok("PUT", f"/api/v1/sites/{sid}/pages/{page['id']}", {"slug": "about-us"})
    await owner.ok("PUT", f"/api/v1/sites/{sid}/pages/{page['id']}", {"slug": "our-story"})
    await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 201)
    host = str(site["default_host"])
    for old in ("/about/", "/about", "/about-us/"):
        moved = await published_page(stack, host, old)
        assert (moved.status, moved.header("location")) == (301, "/our-story/"), old
    assert (await published_page(stack, host, "/our-story/")).status == 200
    # A new page at the old address takes it back.
    await owner.ok("POST", f"/api/v1/sites/{sid}/pages", {"title": "About", "slug": "about"}, 201)
    redirects = (await owner.ok("GET", f"/api/v1/sites/{sid}"))["redirects"]
    assert "/about/" not in redirects
    assert "/about" not in redirects
    assert redirects["/about-us/"] == "/our-story/"


async def test_a_deleted_accounts_addresses_are_held_for_30_days(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    """A deleted account's site address could be claimed by anyone at once."""
    from tests.core.conftest import PASSWORD

    await owner.new_site(slug="bakery-rosa")
    await deleted_for_good(owner.browser, PASSWORD)
    mallory = Browser(stack, address="198.51.100.9")
    await signed_up(mallory, outbox, "mallory@example.com")
    taken = await mallory.call("POST", "/api/v1/sites", {"name": "Rosa", "slug": "bakery-rosa"})
    assert (taken.status, taken.json()["error"]["code"]) == (409, "slug_taken")
    named = await mallory.call("POST", "/api/v1/sites", {"name": "Bakery Rosa"})  # from the name: another address
    assert named.json()["slug"].startswith("bakery-rosa-")
    clock.advance(30 * 86400 + 1)
    assert (
        await mallory.post("/api/v1/auth/login", {"email": "mallory@example.com", "password": PASSWORD})
    ).status == 200
    later = await mallory.call("POST", "/api/v1/sites", {"name": "Rosa", "slug": "bakery-rosa"})
    assert later.status == 201, later.body


async def test_sites_beyond_free_stay_online_and_read_only(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    """Sites over Free's limits could still be edited and republished after a downgrade."""
    from tests.customer.conftest import published_page

    first = await owner.new_site("First")
    clock.advance(1)  # the newer site is the one beyond the limit
    second = await owner.new_site("Second")
    await owner.ok("POST", f"/api/v1/sites/{second['id']}/publish", {}, 201)
    owner.plan = "free"  # one site
    refused = await owner.write("PATCH", f"/api/v1/sites/{second['id']}", {"name": "Changed"})
    assert (refused.status, refused.json()["error"]["code"]) == (402, "site_read_only")
    assert (await owner.write("POST", f"/api/v1/sites/{second['id']}/publish", {})).status == 402
    assert (await published_page(stack, str(second["default_host"]))).status == 200  # still online
    await owner.ok("PATCH", f"/api/v1/sites/{first['id']}", {"name": "First, renamed"})  # within the limit
    await owner.ok("GET", f"/api/v1/sites/{second['id']}")  # seeing it is always allowed
    await owner.ok("DELETE", f"/api/v1/sites/{first['id']}", status=204)
    await owner.ok("PATCH", f"/api/v1/sites/{second['id']}", {"name": "Changed"})  # back under the limit
