"""The portal's static files: self-hosted, served with their security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import Lane

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
