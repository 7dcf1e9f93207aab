"""Optimistic concurrency on every editor write: GET answers an ETag, a write with a stale If-Match
is refused with 412 precondition_failed, and concurrent writes never silently drop each other."""

from __future__ import annotations

import asyncio

from tests.customer.conftest import Owner


def etag(response: object) -> str:
    return str(response.header("etag"))  # type: ignore[attr-defined]


async def test_page_writes_need_the_current_etag(owner: Owner) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    read = await owner.call("GET", url)
    first = etag(read)
    assert first.startswith('"page-')
    blocks = read.json()["blocks"]
    saved = await owner.call("PUT", url, {"blocks": blocks, "title": "Home"}, {"if-match": first})
    assert saved.status == 200
    assert etag(saved) != first
    # A second tab still holding the first ETag is refused, and nothing changes.
    stale = await owner.call("PUT", url, {"blocks": [], "title": "Stale"}, {"if-match": first})
    assert stale.status == 412
    error = stale.json()["error"]
    assert error["code"] == "precondition_failed"
    assert "another tab" in error["message"]
    assert (await owner.ok("GET", url))["title"] == "Home"
    added = await owner.call(
        "POST", f"{url}/blocks", {"type": "cta", "heading": "Hi", "label": "Go", "href": "/"}, {"if-match": first}
    )
    assert added.status == 412
    assert (await owner.call("DELETE", url, None, {"if-match": first})).status in (409, 412)


async def test_site_settings_need_the_current_etag(owner: Owner) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}"
    first = etag(await owner.call("GET", url))
    ok = await owner.call("PATCH", url, {"theme": {"palette": "forest"}}, {"if-match": first})
    assert ok.status == 200
    assert etag(ok) != first
    stale = await owner.call("PATCH", url, {"theme": {"palette": "berry"}}, {"if-match": first})
    assert (stale.status, stale.json()["error"]["code"]) == (412, "precondition_failed")
    assert (await owner.ok("GET", url))["theme"]["palette"] == "forest"


async def test_concurrent_adds_either_land_or_are_refused(owner: Owner) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    block = {"type": "cta", "heading": "Hi", "label": "Go", "href": "/"}
    replies = await asyncio.gather(*(owner.call("POST", f"{url}/blocks", block) for _ in range(10)))
    landed = sum(1 for r in replies if r.status == 201)
    assert {r.status for r in replies} <= {201, 412}
    assert len((await owner.ok("GET", url))["blocks"]) == 1 + landed  # the hero plus every 201, none lost
