import pytest

from devstack.stack import Stack
from shared.http import Request
from tests.conftest import get


async def test_unknown_host_gets_the_smartpages_404_page(stack: Stack) -> None:
    response = await stack.domain.handle(get("/", {"host": "unknown.example.com"}))
    assert response.status == 404
    assert response.header("content-type").startswith("text/html")
    assert b"There is no site here" in response.body
    assert response.header("x-content-type-options") == "nosniff"
    assert response.header("set-cookie") == ""


async def test_a_pointer_we_did_not_write_is_503_without_content(stack: Stack) -> None:
    assert stack.blobs is not None
    await stack.blobs.put("hosts/shop.example.com.json", b'{"secret": "tenant data"}', "application/json")
    response = await stack.domain.handle(get("/", {"host": "Shop.Example.com:8788"}))
    assert response.status == 503
    assert response.header("x-error-code") == "site_unavailable"
    assert b"tenant data" not in response.body


@pytest.mark.parametrize("host", ["", "bad host", "../etc", "a..b", "x" * 300, "ex ample.com:80", "host:port"])
async def test_invalid_hosts_are_400_html(stack: Stack, host: str) -> None:
    response = await stack.domain.handle(get("/", {"host": host}))
    assert response.status == 400
    assert response.header("content-type").startswith("text/html")


async def test_health_and_read_only(stack: Stack) -> None:
    health = await stack.domain.handle(get("/_smartpages/health"))
    assert health.json() == {"worker": "domain", "status": "ok", "stores": {"r2": "ok"}}
    post = await stack.domain.handle(Request("POST", "/", headers={"host": "a.example.com"}))
    assert (post.status, post.header("allow")) == (405, "GET, HEAD")


async def test_escapes_what_it_echoes(stack: Stack) -> None:
    response = await stack.domain.handle(get("/", {"host": "<script>"}))
    assert b"<script>" not in response.body


async def test_a_page_view_writes_no_log_line_but_an_error_does(stack: Stack) -> None:
    """Cloudflare's invocation logs record every view; the app's own line is for errors only."""
    app = stack.domain
    logs: list[str] = []
    saved, app.log = app.log, logs.append  # type: ignore[method-assign]
    try:
        health = await app.handle(get("/_smartpages/health"))
        assert (health.status, logs) == (200, [])
        missing = await app.handle(get("/", {"host": "unknown.example.com"}))
        assert missing.status == 404
        assert len(logs) == 1
    finally:
        app.log = saved  # type: ignore[method-assign]
