"""Traversal and hostname fuzz: whatever the path and Host, the domain worker reads only the
pointer of a validated host and files under that host's own site prefix, and never serves another
tenant's bytes."""

from __future__ import annotations

import asyncio
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.domain.conftest import HOST, OTHER, SECRET, SITE, Site

ATTACKS = [
    "/../",
    "/..%2f",
    "/%2e%2e/",
    "%2e%2e%2f",
    "/..\\",
    "\\..\\",
    "//",
    "/./",
    "%2F",
    "%5c",
    "%00",
    "\x00",
    f"/sites/{OTHER}/files/",
    f"sites/{OTHER}/",
    "hosts/other.example.org.json",
    "/etc/passwd",
    "C:\\",
    "~",
    "\u2024\u2024/",
    "\uff0e\uff0e/",
    "\u2215",
    "\u29f5",
    "..",
    "index.html",
    "about",
    "/",
    "?",
    "#",
    ";",
]
paths = st.lists(st.one_of(st.sampled_from(ATTACKS), st.text(max_size=12)), max_size=6).map(lambda p: "/" + "".join(p))
hosts = st.one_of(
    st.just(HOST),
    st.sampled_from(
        [f"{HOST}:8788", "other.example.org/../x", "../hosts", "a..b", HOST.upper(), HOST + ".", "x" * 300]
    ),
    st.text(max_size=40),
    st.from_regex(r"[a-z0-9.-]{1,30}(:[0-9]{1,5})?", fullmatch=True),
)
_ALLOWED = re.compile(rf"^(hosts/[a-z0-9.-]+\.json|sites/{SITE}/files/[0-9a-f]{{64}})$")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=paths, host=hosts)
def test_no_read_outside_the_sites_prefix(site: Site, path: str, host: str) -> None:
    site.blobs.reads.clear()
    response = asyncio.run(site.get(path, host=host))
    assert SECRET not in response.body
    for key in site.blobs.reads:
        assert _ALLOWED.match(key), key
        if key.startswith("hosts/"):
            assert key not in ("hosts/other.example.org.json",) or host.lower().startswith("other.example.org")
    assert response.status in (200, 206, 301, 304, 400, 404, 416)
