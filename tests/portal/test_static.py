"""The portal's static files: self-hosted, served with their security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import Lane
from tests.served import CPythonStack

PUBLIC = Path(__file__).resolve().parents[2] / "workers" / "core" / "public"


@pytest.mark.parametrize(
    "name",
    sorted(str(p.relative_to(PUBLIC)) for p in PUBLIC.rglob("*") if p.suffix in (".html", ".js", ".css")),
)
def test_nothing_is_fetched_from_another_host_at_run_time(name: str) -> None:
    text = (PUBLIC / name).read_text()
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", text)
    assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", text)
    assert not re.search(r"""(import|fetch)\s*\(\s*['"`](https?:)?//""", text)


@pytest.mark.lane
def test_portal_pages_carry_the_csp_and_deep_links_get_the_app(lane: Lane) -> None:
    for path in ("/", "/start?plan=pro&utm_source=x", "/sites/s_123"):
        reply = loopback.get(
            lane.core + path, headers={"sec-fetch-mode": "navigate", "accept": "text/html"}, timeout=30
        )
        assert reply.status_code == 200
        assert '<script type="module" src="/portal.js">' in reply.text
        csp = reply.headers["content-security-policy"]
        for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert reply.headers["x-content-type-options"] == "nosniff"
    assert loopback.get(lane.core + "/_headers", timeout=30).status_code == 404


NAVIGATE = {"sec-fetch-mode": "navigate", "accept": "text/html"}
REQUESTS = [
    ("GET", "/", NAVIGATE),
    ("GET", "/start?plan=pro&utm_source=x", NAVIGATE),
    ("GET", "/sites/s_123", NAVIGATE),  # a deep link: the app's index
    ("GET", "/sites/s_123", {"accept": "*/*"}),  # not a navigation: core answers
    ("GET", "/login", NAVIGATE),
    ("GET", "/portal.js", {}),
    ("HEAD", "/portal.js", {}),
    ("GET", "/lib/html.js", {"if-none-match": "*"}),
    ("GET", "/_headers", {}),
    ("GET", "/%2e%2e/wrangler.toml", NAVIGATE),
    ("GET", "/api/v1/openapi.json", NAVIGATE),  # run_worker_first
    ("GET", "/dev/outbox.json", {}),
    ("POST", "/", {"content-type": "application/json"}),
]
COMPARED = ("content-type", "etag", "content-security-policy", "x-content-type-options", "strict-transport-security")


@pytest.mark.parametrize(("method", "path", "headers"), REQUESTS, ids=[f"{m} {p} {h}" for m, p, h in REQUESTS])
def test_the_cpython_stack_serves_the_portals_files_as_the_lane_does(
    lane: Lane, served: CPythonStack, method: str, path: str, headers: dict[str, str]
) -> None:
    """devstack/assets.py against the lane's asset routing (tools/lane/web.mjs): the same status,
    headers and bytes for what the folder serves, the same status and type for what core answers.
    Uncompressed, so the lane's edge leaves the ETag strong, as the CPython stack's is."""
    answers = []
    for origin in (lane.core, served.core):
        given = {**headers, "accept-encoding": "identity"}
        if given.get("if-none-match") == "*":  # the file's own ETag, as a browser's second visit sends
            given["if-none-match"] = loopback.get(origin + path, timeout=30).headers["etag"]
        reply = loopback.request(method, origin + path, headers=given, timeout=30)
        answers.append(reply)
    on_lane, on_cpython = answers
    assert on_cpython.status_code == on_lane.status_code
    assert [on_cpython.headers.get(h) for h in COMPARED] == [on_lane.headers.get(h) for h in COMPARED]
    if on_lane.headers.get("etag"):  # served from the folder
        assert on_cpython.content == on_lane.content


def _imports(path: Path) -> set[Path]:
    """The modules `path` imports statically (import … from './x.js', import './x.js')."""
    found = re.findall(r"""^import (?:[^'"]+ from )?['"](\.{1,2}/[^'"]+)['"];""", path.read_text(), re.M)
    return {(path.parent / name).resolve() for name in found}


def test_index_preloads_every_module_the_portal_imports() -> None:
    """The portal is many small modules: index.html preloads all of them, so the browser fetches
    them at once rather than one import level at a time, and names no module that is gone."""
    seen: set[Path] = set()
    todo = [PUBLIC / "portal.js"]
    while todo:
        for module in _imports(todo.pop()) - seen:
            assert module.is_file(), module
            seen.add(module)
            todo.append(module)
    preloaded = re.findall(r'<link rel="modulepreload" href="/([^"]+)">', (PUBLIC / "index.html").read_text())
    assert sorted(preloaded) == sorted(str(p.relative_to(PUBLIC.resolve())) for p in seen)


def test_markup_is_written_only_through_the_escaping_template() -> None:
    """No hand-written escaping and no markup built from plain template strings: every
    innerHTML/outerHTML/insertAdjacentHTML gets an html`…` value (lib/html.js) or a constant."""
    for path in PUBLIC.rglob("*.js"):
        text = path.read_text()
        assert "esc(" not in text.replace("CSS.escape(", ""), path
        assert not re.search(r"(innerHTML|outerHTML)\s*=\s*`", text), path
        assert not re.search(r"insertAdjacentHTML\([^,]+,\s*`", text), path
