"""On-page editing's preview-only markup: the editor's preview says which block and field each
element shows (data-sp-*) and loads the portal's frame script; a published page carries neither."""

from __future__ import annotations

import re
from typing import Any

from customer import formscript
from customer.render import FRAME_SCRIPT, SiteData, render_site
from devstack.stack import Stack
from tests.customer.conftest import Owner, published_page
from tests.customer.test_publish import HOST, fresh, site_with_content
from tests.customer.test_render import HOURS, page, site

EVERY: list[dict[str, Any]] = [
    {"type": "hero", "heading": "Bread", "subheading": "Daily", "cta_label": "Order", "cta_href": "/contact/"},
    {"type": "rich_text", "markdown": "## Story\n\nSince **1990**."},
    {"type": "features", "heading": "Why", "items": [{"title": "Slow", "text": "36 hours"}]},
    {
        "type": "pricing",
        "plans": [{"name": "Cake", "price": "€20", "features": ["Serves 6"], "cta_label": "Buy", "cta_href": "/"}],
    },
    {"type": "testimonials", "items": [{"quote": "Lovely\nreally", "author": "Mara", "role": "Zurich"}]},
    {"type": "cta", "heading": "Order", "text": "Now", "label": "Call", "href": "tel:+41000"},
    {"type": "lead_form", "heading": "Write to us", "intro": "We answer fast"},
    HOURS,
    {"type": "footer", "text": "© Bakery"},
]
FIELDS = [
    "heading",
    "subheading",
    "cta_label",
    "markdown",
    "items.0.title",
    "items.0.text",
    "plans.0.name",
    "plans.0.features.0",
    "plans.0.cta_label",
    "items.0.quote",
    "items.0.author",
    "text",
    "label",
    "intro",
]


def rendered(editor: str) -> str:
    blocks = [{**b, "id": f"b_{n:08x}"} for n, b in enumerate(EVERY)]
    data: SiteData = site(page("", "Home", blocks))
    data = SiteData(**{**data.__dict__, "editor": editor})
    return render_site(data).files["/"].body.decode()


def test_the_editors_preview_names_each_block_and_field() -> None:
    html = rendered("https://portal.example")
    for n, b in enumerate(EVERY):
        assert f'data-sp-block="b_{n:08x}" data-sp-type="{b["type"]}"' in html
    for name in FIELDS:
        assert f'data-sp-field="{name}"' in html, name
    assert 'data-sp-field="markdown" data-sp-rich' in html
    assert f'<script src="https://portal.example{FRAME_SCRIPT}" defer></script>' in html


def test_a_published_page_carries_no_editing_markup() -> None:
    html = rendered("")
    assert "data-sp-" not in html
    assert FRAME_SCRIPT not in html
    # The only script of ours is the lead-form one (customer/formscript.py), by its hash.
    assert re.findall(r"<script src=\"[^\"]*\"", html) == [f'<script src="{formscript.PATH}"']
    # The same page otherwise: only the preview-only attributes and the frame's two tags differ.
    assert "<strong>1990</strong>" in html


async def test_only_the_preview_loads_the_frame_script(owner: Owner, stack: Stack) -> None:
    site_ = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site_['id']}/publish", {}, 201)
    live = await published_page(stack, HOST)
    assert b"data-sp-" not in live.body
    assert FRAME_SCRIPT.encode() not in live.body
    assert "onpage" not in live.header("content-security-policy")
    preview = await owner.ok("POST", f"/api/v1/sites/{site_['id']}/preview", {})
    host = preview["url"].split("//")[1].split(":")[0]
    framed = await published_page(stack, host)
    assert b"data-sp-block=" in framed.body
    assert b'data-sp-field="heading"' in framed.body
    assert FRAME_SCRIPT.encode() in framed.body
    csp = framed.header("content-security-policy")
    assert f"script-src http://127.0.0.1:8787{FRAME_SCRIPT};" in csp
    # Publishing after a preview still publishes clean pages (nothing reused across the two).
    await owner.ok(
        "PUT",
        f"/api/v1/sites/{site_['id']}/pages/{site_['pages'][0]['id']}",
        {"blocks": [{"type": "hero", "heading": "Changed"}]},
    )
    await owner.ok("POST", f"/api/v1/sites/{site_['id']}/publish", {}, 201)
    again = await fresh(stack, "/")
    assert b"Changed" in again.body
    assert b"data-sp-" not in again.body
