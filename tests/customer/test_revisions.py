"""Optimistic concurrency on every editor write: GET answers an ETag, a write with a stale If-Match
is refused with 412 precondition_failed, and concurrent writes never silently drop each other."""

from __future__ import annotations

import asyncio

import pytest

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
    based_on = {"if-match": etag(await owner.call("GET", url))}
    replies = await asyncio.gather(*(owner.call("POST", f"{url}/blocks", block, based_on) for _ in range(10)))
    assert sorted(r.status for r in replies) == [201] + [412] * 9  # one version, one write lands on it
    assert len((await owner.ok("GET", url))["blocks"]) == 2  # the hero and the one 201, none lost


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "POST"])
async def test_an_editor_write_without_if_match_is_428_and_changes_nothing(owner: Owner, method: str) -> None:
    # Before: two concurrent PUTs without If-Match both answered 200 and one of them was lost.
    site = await owner.new_site()
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/pages", {"title": "About"}, 201)
    pages = (await owner.ok("GET", f"/api/v1/sites/{site['id']}"))["pages"]
    page = f"/api/v1/sites/{site['id']}/pages/{pages[1]['id']}"
    path, body = {
        "PUT": (page, {"blocks": []}),
        "DELETE": (page, None),
        "PATCH": (f"/api/v1/sites/{site['id']}", {"theme": {"palette": "forest"}}),
        "POST": (f"{page}/blocks", {"type": "rich_text", "markdown": "x"}),
    }[method]
    before = (await owner.call("GET", page)).body, (await owner.call("GET", f"/api/v1/sites/{site['id']}")).body
    blind = await owner.call(method, path, body)
    assert (blind.status, blind.json()["error"]["code"]) == (428, "precondition_required")
    after = (await owner.call("GET", page)).body, (await owner.call("GET", f"/api/v1/sites/{site['id']}")).body
    assert after == before


async def test_two_tabs_saving_the_same_version_keep_one_and_refuse_the_other(owner: Owner) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    based_on = {"if-match": etag(await owner.call("GET", url))}
    tabs = [{"blocks": [{"type": "rich_text", "markdown": f"tab {n}"}]} for n in (1, 2)]
    replies = await asyncio.gather(*(owner.call("PUT", url, body, based_on) for body in tabs))
    assert sorted(r.status for r in replies) == [200, 412]
    kept = next(body for body, r in zip(tabs, replies, strict=True) if r.status == 200)
    assert (await owner.ok("GET", url))["blocks"][0]["markdown"] == kept["blocks"][0]["markdown"]
