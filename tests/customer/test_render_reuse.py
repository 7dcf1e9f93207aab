"""Only what changed is rendered (customer/render.py: render keys, Earlier): a render that reuses an
earlier one gives exactly the files a full render gives, and renders only the documents whose inputs
changed: the page itself, the site's settings and navigation, the uploads it shows, what it borrows
from other pages, the rendering code."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from customer import render
from customer.blocks import check_blocks
from customer.images import Image, Variant
from customer.model import Page
from customer.render import NOT_FOUND, Earlier, Rendered, SiteData, render_site
from devstack.stack import Stack
from tests.customer.conftest import Owner

HERO, PHOTO, OTHER = "a" * 64, "b" * 64, "c" * 64
HOURS = {"type": "hours_location", "heading": "Visit", "hours": [{"day": "mon", "opens": "07:00", "closes": "18:00"}]}


def page(slug: str, title: str, blocks: list[dict[str, Any]]) -> Page:
    return Page(f"p_{slug or 'home'}", slug, title, "", check_blocks(blocks))


def bakery() -> SiteData:
    return SiteData(
        id="s_" + "1" * 32,
        name="Mill Lane Bakery",
        theme={"palette": "ocean"},
        seo={},
        pages=[
            page("", "Home", [{"type": "hero", "heading": "Bread", "image": HERO, "image_alt": "Loaves"}]),
            page("visit", "Visit", [{"type": "rich_text", "markdown": "Come by"}, HOURS]),
            page("cakes", "Cakes", [{"type": "image", "asset": PHOTO, "alt": "A cake"}]),
            *(page(f"p{n}", f"Page {n}", [{"type": "rich_text", "markdown": f"Page {n}"}]) for n in range(5)),
        ],
        origin="https://www.example.com",
        form_action="https://portal.example/api/v1/forms/s_1",
        assets={HERO: "image/jpeg", PHOTO: "image/png", OTHER: "image/png"},
    )


def manifest(rendered: Rendered) -> dict[str, Any]:
    """What customer/publish.py's manifest_of keeps of a render (uploads' sizes left at 0)."""
    files = {path: [f.sha256, f.content_type, len(f.body)] for path, f in rendered.files.items()}
    files |= {path: list(entry) for path, entry in rendered.reused.items() if path != NOT_FOUND}
    files |= {path: [sha, ctype, 0] for path, (sha, ctype) in rendered.assets.items()}
    nf = rendered.not_found
    not_found = [nf.sha256, nf.content_type, len(nf.body)] if nf else list(rendered.reused[NOT_FOUND])
    return {"files": files, "not_found": not_found, "renders": rendered.renders()}


def edited(site: SiteData, index: int, blocks: list[dict[str, Any]] | None = None, **fields: Any) -> SiteData:
    pages = list(site.pages)
    changed = dict(fields, blocks=check_blocks(blocks)) if blocks is not None else fields
    pages[index] = dataclasses.replace(pages[index], **changed)
    return dataclasses.replace(site, pages=pages)


def with_variant(site: SiteData) -> SiteData:
    variant = Variant("d" * 64, "image/webp", 800, 533)
    return dataclasses.replace(site, images={PHOTO: Image(PHOTO, "image/png", 1600, 1067, (variant,))})


def visit_hours(site: SiteData) -> SiteData:
    return edited(site, 1, [{"type": "rich_text", "markdown": "Come by"}, {**HOURS, "phone": "+41 44 000 00 00"}])


# change -> the paths that must be rendered again (every other document is reused)
CHANGES: list[tuple[str, Callable[[SiteData], SiteData], set[str]]] = [
    ("nothing", lambda s: s, set()),
    ("one block of one page", lambda s: edited(s, 3, [{"type": "rich_text", "markdown": "New"}]), {"/p0/"}),
    ("a page's description", lambda s: edited(s, 4, description="About p1"), {"/p1/"}),
    ("a page's title (the navigation)", lambda s: edited(s, 4, title="Renamed"), "all"),  # type: ignore[list-item]
    ("the theme", lambda s: dataclasses.replace(s, theme={"palette": "forest"}), "all"),  # type: ignore[list-item]
    ("the site's name", lambda s: dataclasses.replace(s, name="Mill Lane"), "all"),  # type: ignore[list-item]
    # The home page's JSON-LD carries the site's first opening hours; the hours page's carries the
    # home page's first picture.
    ("opening hours on another page", visit_hours, {"/", "/visit/"}),
    (
        "the home page's picture",
        lambda s: edited(s, 0, [{"type": "hero", "heading": "Bread", "image": OTHER}]),
        {"/", "/visit/"},
    ),
    ("a shown upload gains a variant", with_variant, {"/cakes/"}),
    ("a shown upload is deleted", lambda s: dataclasses.replace(s, assets={HERO: "image/jpeg"}), {"/cakes/"}),
    ("noindex (a preview)", lambda s: dataclasses.replace(s, noindex=True), "all"),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("change", "make", "expected"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_reusing_render_equals_a_full_render_and_renders_only_what_changed(
    change: str, make: Callable[[SiteData], SiteData], expected: set[str] | str
) -> None:
    before = bakery()
    first = render_site(before)
    assert first.documents == len(before.pages) + 1  # every page and the 404
    present = {entry[0] for entry in manifest(first)["files"].values()} | {manifest(first)["not_found"][0]}
    after = make(before)
    again = render_site(after, Earlier.of(manifest(first)), present)
    full = render_site(after)
    assert manifest(again)["files"] == manifest(full)["files"]
    assert manifest(again)["not_found"] == manifest(full)["not_found"]
    assert manifest(again)["renders"] == manifest(full)["renders"]
    everything = {p.path for p in after.pages} | {NOT_FOUND}
    rendered = (set(again.files) & everything) | ({NOT_FOUND} if again.not_found else set())
    assert rendered == (everything if expected == "all" else expected)
    assert again.documents == len(rendered)


def test_a_page_whose_file_r2_lost_is_rendered_again() -> None:
    site = bakery()
    first = render_site(site)
    present = {entry[0] for entry in manifest(first)["files"].values()} | {manifest(first)["not_found"][0]}
    present.discard(first.files["/cakes/"].sha256)
    again = render_site(site, Earlier.of(manifest(first)), present)
    assert set(again.files) & {p.path for p in site.pages} == {"/cakes/"}
    assert again.files["/cakes/"].body == first.files["/cakes/"].body


def test_new_rendering_code_renders_every_page_again(monkeypatch: pytest.MonkeyPatch) -> None:
    site = bakery()
    first = render_site(site)
    present = {entry[0] for entry in manifest(first)["files"].values()} | {manifest(first)["not_found"][0]}
    assert render_site(site, Earlier.of(manifest(first)), present).documents == 0
    monkeypatch.setattr(render, "CODE_VERSION", "a deploy changed the renderer")
    assert render_site(site, Earlier.of(manifest(first)), present).documents == len(site.pages) + 1


@pytest.mark.parametrize("kept", [None, {}, {"files": {}}, {"files": {}, "renders": {"pages": {"/": ["k", [9]]}}}])
def test_a_manifest_without_usable_render_keys_reuses_nothing(kept: dict[str, Any] | None) -> None:
    site = bakery()
    assert render_site(site, Earlier.of(kept), {"x"}).documents == len(site.pages) + 1


class Counted:
    """Counts the calls that reach a port (R2 or D1) and passes each on, unchanged."""

    def __init__(self, inner: Any, counted: tuple[str, ...]) -> None:
        self.inner, self.counted, self.calls = inner, counted, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in self.counted:
            return method

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return await method(*args, **kwargs)

        return call


async def one_block_save(owner: Owner, stack: Stack, pages: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A site of `pages` pages, previewed and published, then one block of its last page changed:
    what the next preview and republish cost (documents rendered, R2 puts, D1 queries)."""
    site = await owner.new_site(f"Bakery {pages}")
    sid, ids = site["id"], [site["pages"][0]["id"]]
    blocks = [{"type": "hero", "heading": "Bread"}, {"type": "rich_text", "markdown": "Open daily"}, HOURS]
    for n in range(1, pages):
        ids.append(
            (await owner.ok("POST", f"/api/v1/sites/{sid}/pages", {"title": f"P{n}", "blocks": blocks}, 201))["id"]
        )
    await owner.ok("POST", f"/api/v1/sites/{sid}/preview", {})
    await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 201)
    changed = [*blocks[:1], {"type": "rich_text", "markdown": "Open daily, and on Sundays"}, *blocks[2:]]
    await owner.ok("PUT", f"/api/v1/sites/{sid}/pages/{ids[-1]}", {"blocks": changed})

    documents = 0
    original = render.Renderer.document

    def document(self: render.Renderer, *args: Any, **kwargs: Any) -> bytes:
        nonlocal documents
        documents += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(render.Renderer, "document", document)
    blobs, db = Counted(stack.blobs, ("put",)), Counted(stack.databases["customer"], ("all", "run", "batch"))
    stack.swap_ports("customer", blobs=blobs, db=db)
    cost: dict[str, Any] = {}
    for step, status in (("preview", 200), ("publish", 201)):
        documents = blobs.calls = db.calls = 0
        answer = await owner.ok("POST", f"/api/v1/sites/{sid}/{step}", {}, status)
        cost[step] = {
            "rendered": documents,
            "said": answer.get("pages_rendered"),
            "puts": blobs.calls,
            "queries": db.calls,
        }
    stack.swap_ports("customer", blobs=blobs.inner, db=db.inner)
    monkeypatch.undo()
    return cost


async def test_a_one_block_save_costs_the_same_on_a_big_site_as_on_a_one_page_site(
    owner: Owner, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finding: each block save re-rendered the whole site for the preview, and each publish
    every page (a 200-page site: 13.8 s of CPU). Now the changed page alone is rendered, and the
    counts do not grow with the site."""
    small = await one_block_save(owner, stack, 1, monkeypatch)
    big = await one_block_save(owner, stack, 30, monkeypatch)
    assert big == small
    for step in ("preview", "publish"):
        assert big[step]["rendered"] == big[step]["said"] == 1  # the changed page, nothing else
        assert big[step]["puts"] == 2  # that page and the pointer


async def test_a_version_recorded_without_render_keys_is_still_unchanged_and_renders_everything_once(
    owner: Owner, stack: Stack
) -> None:
    """Versions published before render keys existed: the next publish of the same draft says
    `unchanged` (the keys are not part of what is served), renders every page once, and records
    nothing; after a change, the version it records carries keys and the next publish reuses them."""
    site = await owner.new_site()
    sid = site["id"]
    await owner.ok("POST", f"/api/v1/sites/{sid}/pages", {"title": "About", "slug": "about"}, 201)
    await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 201)
    db = await stack.site_db(sid)
    (row,) = await db.all("SELECT manifest FROM versions WHERE site_id = ?", (sid,))
    old = {k: v for k, v in json.loads(row["manifest"]).items() if k != "renders"}
    await db.run("UPDATE versions SET manifest = ? WHERE site_id = ?", (json.dumps(old), sid))
    again = await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 200)
    assert (again["unchanged"], again["pages_rendered"], again["files_written"]) == (True, 3, 0)
    home = site["pages"][0]["id"]
    await owner.ok("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": "New"}]})
    changed = await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 201)
    assert (changed["version"], changed["pages_rendered"]) == (2, 3)
    await owner.ok("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": "Newer"}]})
    assert (await owner.ok("POST", f"/api/v1/sites/{sid}/publish", {}, 201))["pages_rendered"] == 1


# formfields: the published controls carry its rules; formscript: pages name the script by its hash.
RENDERING_MODULES = ("render", "images", "markdown", "head", "theme", "blocks", "assets", "colours", "fontfiles")
RENDERING_MODULES += ("formfields", "formscript")


def rendering_code_fingerprint() -> str:
    """SHA-256 over the modules that shape the HTML (render.py without its CODE_VERSION line)."""
    digest = hashlib.sha256()
    for name in RENDERING_MODULES:
        source = (Path(render.__file__).parent / f"{name}.py").read_text()
        if name == "render":
            source = re.sub(r'(?m)^CODE_VERSION = ".*"\n', "", source)
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()[:32]


def test_code_version_names_the_rendering_code() -> None:
    # A change to how pages look must re-render every page on the next publish: bump the constant.
    wanted = rendering_code_fingerprint()
    assert wanted == render.CODE_VERSION, f'rendering code changed: set CODE_VERSION = "{wanted}" in customer/render.py'
