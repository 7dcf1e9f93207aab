"""Sites end to end on the lane (Pyodide, the Workers SDK, Miniflare's D1 and R2, the in-memory
Cache API): sign up through core, build a site, upload an image, preview, publish, read it back
through the domain worker by Host, edit, republish, roll back: the first version's bytes return.
The plan's limits through core on the lane: test_nothing_lost.py (twenty concurrent creates); the
402's fields: tests/customer/test_sites.py."""

from __future__ import annotations

import re

import pytest

from customer import formscript
from tests import loopback
from tests.customer.html_checks import assert_well_formed_page
from tests.imagefiles import png
from tests.lane.client import signed_in, view
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane
PNG = png(seed=5, size=300)


def test_build_publish_edit_republish_roll_back(lane: Lane) -> None:
    owner = signed_in(lane, "lane-sites@example.com")
    created = owner.post("/api/v1/sites", {"name": "Lane Bakery"})
    assert created.status_code == 201, created.text
    site = created.json()
    sid, home = site["id"], site["pages"][0]["id"]
    host = site["default_host"]
    assert host == "lane-bakery.localhost"

    upload = loopback.post(
        f"{lane.core}/api/v1/sites/{sid}/assets",
        content=PNG,
        headers={
            "origin": lane.core,
            "sec-fetch-site": "same-origin",
            "cookie": owner.cookie,
            "content-type": "image/png",
        },
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    sha = upload.json()["sha256"]
    blocks = [
        {"type": "hero", "heading": "Bread <b>& butter</b>", "image": sha, "image_alt": "A loaf"},
        {"type": "rich_text", "markdown": "First **edition**"},
    ]
    assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks}).status_code == 200
    added = owner.post(
        f"/api/v1/sites/{sid}/pages/{home}/blocks",
        {"type": "cta", "heading": "Visit", "label": "Map", "href": "/about/"},
    )
    assert added.status_code == 201, added.text
    bad = owner.post(
        f"/api/v1/sites/{sid}/pages/{home}/blocks",
        {"type": "cta", "heading": "x", "label": "y", "href": "javascript:alert(1)"},
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_field")
    assert "block.href" in bad.json()["error"]["message"]

    preview = owner.post(f"/api/v1/sites/{sid}/preview")
    assert preview.status_code == 200, preview.text
    preview_host = preview.json()["url"].split("//")[1].split(":")[0]
    shown = view(lane, preview_host)
    assert shown.status_code == 200
    assert b"noindex" in shown.content
    assert view(lane, host).status_code == 404  # not live yet

    first = owner.post(f"/api/v1/sites/{sid}/publish")
    assert first.status_code == 201, first.text
    v1 = view(lane, host, want=b"First <strong>edition</strong>")
    assert v1.status_code == 200, v1.text
    assert b"Bread &lt;b&gt;&amp; butter&lt;/b&gt;" in v1.content
    assert v1.headers["x-content-type-options"] == "nosniff"
    assert_well_formed_page(v1.content)
    csp = v1.headers["content-security-policy"]
    assert "connect-src 'self'" in csp  # audit tools read robots.txt from the page's context
    # One script only, by its hash: the lead-form script (customer/formscript.py); nothing else runs.
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+';", csp)
    assert f"script-src {formscript.HASH_SOURCE};" in csp
    icon = re.search(rb'<link rel="icon" href="([^"]+)"', v1.content)
    assert icon is not None
    assert view(lane, host, icon.group(1).decode()).status_code == 200
    assert "set-cookie" not in v1.headers
    image = view(lane, host, f"/assets/{sha}.png")
    assert (image.status_code, image.content, image.headers["content-type"]) == (200, PNG, "image/png")
    assert image.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = v1.headers["etag"]
    assert loopback.get(f"{lane.domain}/", headers={"host": host, "if-none-match": etag}, timeout=60).status_code == 304
    assert loopback.get(f"{lane.domain}/index.html", headers={"host": host}, timeout=60).headers["location"] == "/"

    blocks[1] = {"type": "rich_text", "markdown": "Second edition"}
    assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks}).status_code == 200
    second = owner.post(f"/api/v1/sites/{sid}/publish")
    assert second.status_code == 201, second.text
    assert second.json()["files_written"] == 1
    v2 = view(lane, host, want=b"Second edition")
    assert b"Second edition" in v2.content

    rolled = owner.post(f"/api/v1/sites/{sid}/versions/1/rollback")
    assert rolled.status_code == 200, rolled.text
    back = view(lane, host, want=b"First <strong>edition</strong>")
    assert back.content == v1.content  # byte for byte

    assert owner.post(f"/api/v1/sites/{sid}/unpublish").status_code == 204
    assert view(lane, host, unwanted=b"edition").status_code == 404
