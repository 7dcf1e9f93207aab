"""Templates (issue 26.5): twenty starter sites as data (customer/templates.py), each checked by the
API's own block validation and rendered by the renderer; creating a site from one gives it the
template's pages, theme and photos as its own uploads."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
from PIL import Image

from customer import blocks, render, templatephotos, templates
from customer.templates import TEMPLATES, named, site_data
from devstack.stack import Stack
from shared import plans
from tests.customer.conftest import Owner, published_page
from tests.customer.html_checks import assert_well_formed_page
from tools import templatephotos as photo_tool
from tools import thumbnails

LONGEST_NAME = "N" * 80  # the longest site name a site may have


def test_there_are_twenty_templates_across_trades_each_fitting_every_plan() -> None:
    assert len(TEMPLATES) == 20
    assert len({t.id for t in TEMPLATES}) == 20
    assert len({t.name for t in TEMPLATES}) == 20
    fewest = min(p.entitlements.pages_per_site for p in plans.PLANS)
    for t in TEMPLATES:
        assert 2 <= len(t.pages) <= fewest, t.id
        assert t.pages[0].slug == "", t.id
        assert len({p.slug for p in t.pages}) == len(t.pages), t.id
        assert t.palette in blocks.PALETTES, t.id
        assert t.fonts in blocks.FONT_PAIRINGS, t.id
        assert t.photos(), f"{t.id} shows no photo"
        assert len({b["type"] for p in t.pages for b in p.blocks}) >= 5, f"{t.id} is too samey"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_every_template_passes_the_apis_checks_and_renders_well_formed_pages(template: templates.Template) -> None:
    for page in template.pages:
        checked = blocks.check_blocks(named(list(page.blocks), LONGEST_NAME))  # the longest name still fits
        assert [b["type"] for b in checked] == [b["type"] for b in page.blocks]
        assert not any("{name}" in str(b) for b in checked)
        described = templates.description(page, LONGEST_NAME)
        assert described, f"{template.id} {page.title} has no description for search results"
        assert len(described) <= 160
        assert "{name}" not in described
    rendered = render.render_site(site_data(template, "Harbour Lane"))
    for page in template.pages:
        html = rendered.files[f"/{page.slug}/" if page.slug else "/"].body
        assert_well_formed_page(html)
        assert b"Harbour Lane" in html
    shown = {sha for sha, _ in rendered.assets.values()}
    assert {templates.photo(p) for p in template.photos()} <= shown


def test_the_photo_module_is_the_photo_files_and_each_hash_is_its_bytes() -> None:
    assert photo_tool.MODULE.read_text() == photo_tool.module_text(), "run: .venv/bin/python -m tools.templatephotos"
    readme = (photo_tool.PHOTOS / "README.md").read_text()
    for name, (original, variants) in templatephotos.PHOTOS.items():
        assert f"`{name}" in readme, f"{name} has no source and licence in the README"
        for sha, kind, width, height, b64 in (original, *variants):
            data = base64.b64decode(b64)
            assert hashlib.sha256(data).hexdigest() == sha
            assert kind == "image/webp"
            with Image.open(io.BytesIO(data)) as image:
                assert image.size == (width, height)
        assert original[2] <= 800
        assert all(v[2] == photo_tool.VARIANT_WIDTH < original[2] for v in variants)


def test_the_photos_stay_small() -> None:
    """They travel in customer's bundle (3 MB compressed on Workers Free): kept under 300 KB."""
    assert sum(len(f[4]) * 3 // 4 for o, v in templatephotos.PHOTOS.values() for f in (o, *v)) < 300_000


async def test_the_catalogue_lists_the_templates(owner: Owner) -> None:
    got = await owner.ok("GET", "/api/v1/catalogue")
    assert [t["id"] for t in got["templates"]] == [t.id for t in TEMPLATES]
    bakery = got["templates"][0]
    assert bakery["name"] == "Bakery"
    assert bakery["pages"] == ["Home", "Bakes", "Contact"]
    assert bakery["version"] == TEMPLATES[0].fingerprint()


async def test_a_site_from_a_template_has_its_pages_theme_and_photos_as_its_own(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site("Harbour Lane Café", template="cafe")
    cafe = templates.BY_ID["cafe"]
    assert [p["title"] for p in site["pages"]] == ["Home", "Menu", "Contact"]
    assert site["theme"]["palette"] == "sunset"
    assert site["theme"]["fonts"] == "bistro"
    home = await owner.ok("GET", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}")
    assert home["blocks"][0]["subheading"].startswith("Harbour Lane Café roasts")
    assert home["description"] == home["blocks"][0]["subheading"]
    assert all(b["id"].startswith("b_") for b in home["blocks"])
    contact = await owner.ok("GET", f"/api/v1/sites/{site['id']}/pages/{site['pages'][2]['id']}")
    assert contact["blocks"][0]["type"] == "lead_form"  # Pro has contact forms
    library = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets"))["assets"]
    coffee = templates.photo("coffee")
    assert [a["sha256"] for a in library] == [coffee]
    assert library[0]["name"] == "coffee.webp"
    assert library[0]["used_in"] == ["Home", "Menu"]
    assert [(v["content_type"], v["width"]) for v in library[0]["variants"]] == [("image/webp", 480)]
    assert stack.blobs is not None
    stored = await stack.blobs.list(f"sites/{site['id']}/files/")
    assert sorted(stored) == sorted(
        f"sites/{site['id']}/files/{f[0]}"
        for f in (templatephotos.PHOTOS["coffee"][0], *templatephotos.PHOTOS["coffee"][1])
    )
    assert cafe.photos() == ["coffee"]
    published = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    page = await published_page(stack, published["url"].split("//")[1].split("/")[0])
    assert page.status == 200
    assert f"/assets/{coffee}.webp".encode() in page.body


async def test_a_template_photo_is_replaced_and_deleted_like_any_upload(owner: Owner) -> None:
    site = await owner.new_site("Rosa", template="groomer")
    base = f"/api/v1/sites/{site['id']}"
    cat = templates.photo("cat")
    refused = await owner.call("DELETE", f"{base}/assets/{cat}")
    assert (refused.status, refused.json()["error"]["code"]) == (409, "asset_in_use")
    for page in site["pages"]:
        got = await owner.ok("GET", f"{base}/pages/{page['id']}")
        kept = [b for b in got["blocks"] if cat not in str(b)]
        await owner.ok("PUT", f"{base}/pages/{page['id']}", {"blocks": kept})
    assert (await owner.call("DELETE", f"{base}/assets/{cat}")).status == 204


async def test_on_free_the_template_comes_without_contact_forms(owner: Owner) -> None:
    owner.plan = "free"
    site = await owner.new_site("Rosa", template="bakery")
    assert len(site["pages"]) == 3
    contact = await owner.ok("GET", f"/api/v1/sites/{site['id']}/pages/{site['pages'][2]['id']}")
    assert [b["type"] for b in contact["blocks"]] == ["hours_location", "footer"]


async def test_an_unknown_template_is_refused_and_nothing_is_created(owner: Owner) -> None:
    refused = await owner.call("POST", "/api/v1/sites", {"name": "Rosa", "template": "spaceship"})
    error = refused.json()["error"]
    assert (refused.status, error["field"], error["reason"]) == (400, "template", "not_an_option")
    assert (await owner.ok("GET", "/api/v1/sites"))["sites"] == []


async def test_a_blank_site_is_as_before(owner: Owner) -> None:
    site = await owner.new_site("Rosa")
    home = await owner.ok("GET", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}")
    assert [b["type"] for b in home["blocks"]] == ["hero"]
    assert len(site["pages"]) == 1
    assert (await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets"))["assets"] == []


def test_every_template_has_its_thumbnail_and_previews_made_from_what_it_is_now() -> None:
    """tools/thumbnails.py renders each template and screenshots it; when a template changes, its
    pictures must be made again (`.venv/bin/python -m tools.thumbnails <id>`)."""
    made = json.loads(thumbnails.VERSIONS.read_text())
    assert sorted(made) == sorted(t.id for t in TEMPLATES)
    for t in TEMPLATES:
        assert made[t.id] == t.fingerprint(), f"run: .venv/bin/python -m tools.thumbnails {t.id}"
        folder = thumbnails.OUT / t.id
        names = sorted(p.name for p in folder.glob("*.webp"))
        assert names == sorted(["thumb.webp", *(f"page-{n}.webp" for n in range(len(t.pages)))]), t.id
        with Image.open(folder / "thumb.webp") as thumb, Image.open(folder / "page-0.webp") as home:
            assert thumb.size == (480, 300)
            assert home.size[1] > 600  # the whole home page


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
async def test_every_template_publishes_as_a_site(template: templates.Template, owner: Owner, stack: Stack) -> None:
    """Made through the API as the portal makes it, published, every page served well formed with
    the template's photos (the Lighthouse figures of these pages: docs/sites.md)."""
    site = await owner.new_site("Harbour Lane", template=template.id)
    published = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    host = published["url"].split("//")[1].split("/")[0]
    shown = b""
    for page in template.pages:
        got = await published_page(stack, host, f"/{page.slug}/" if page.slug else "/")
        assert got.status == 200
        assert_well_formed_page(got.body)
        shown += got.body
    for name in template.photos():
        assert f"/assets/{templates.photo(name)}.webp".encode() in shown
