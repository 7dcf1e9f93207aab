"""The portal's static files: self-hosted, served with their security headers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.lane.harness import Lane

PUBLIC = Path(__file__).resolve().parents[2] / "workers" / "core" / "public"


@pytest.mark.parametrize(
    "name",
    [
        "index.html",
        "portal.js",
        "sites.js",
        "blockforms.js",
        "autosave.js",
        "recover.js",
        "photos.js",
        "templates.js",
        "insights.js",
        "portal.css",
    ],
)
def test_nothing_is_fetched_from_another_host_at_run_time(name: str) -> None:
    text = (PUBLIC / name).read_text()
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", text)
    assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", text)
    assert not re.search(r"""(import|fetch)\s*\(\s*['"`](https?:)?//""", text)


@pytest.mark.lane
def test_portal_pages_carry_the_csp_and_deep_links_get_the_app(lane: Lane) -> None:
    for path in ("/", "/start?plan=pro&utm_source=x", "/sites/s_123"):
        reply = httpx.get(lane.core + path, headers={"sec-fetch-mode": "navigate", "accept": "text/html"}, timeout=30)
        assert reply.status_code == 200
        assert '<script type="module" src="/portal.js">' in reply.text
        csp = reply.headers["content-security-policy"]
        for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert reply.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(lane.core + "/_headers", timeout=30).status_code == 404
