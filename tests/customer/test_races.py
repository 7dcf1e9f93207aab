"""Concurrent writers (double clicks, two tabs, retries racing the original): each race answers
409 or succeeds once, never 500. The database yields on every call, as D1 does (each statement is a
round trip), so the requests really interleave between their checks and their writes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from devstack.stack import Stack
from shared.ports import Row, SqlValue
from tests.customer.conftest import Owner


class YieldingDatabase:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        await asyncio.sleep(0)
        return await self.inner.all(sql, params)  # type: ignore[no-any-return]

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        await asyncio.sleep(0)
        return await self.inner.run(sql, params)  # type: ignore[no-any-return]

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        await asyncio.sleep(0)
        await self.inner.batch(statements)


def interleaved(stack: Stack) -> None:
    stack.swap_ports("customer", db=YieldingDatabase(stack.databases["customer"]))


async def at_once(owner: Owner, method: str, path: str, body: dict[str, Any], times: int = 10) -> list[int]:
    replies = await asyncio.gather(*(owner.call(method, path, body) for _ in range(times)))
    assert all(r.status != 500 for r in replies), [r.body for r in replies if r.status == 500]
    return sorted(r.status for r in replies)


async def test_concurrent_sites_with_one_slug(owner: Owner, stack: Stack) -> None:
    interleaved(stack)
    statuses = await at_once(owner, "POST", "/api/v1/sites", {"name": "Rosa", "slug": "rosa"})
    assert statuses == [201] + [409] * 9
    assert len(await stack.databases["customer"].all("SELECT id FROM sites WHERE slug = 'rosa'")) == 1
    # Every site has its home page: nothing half-written by the losers.
    orphans = "SELECT id FROM pages WHERE site_id NOT IN (SELECT id FROM sites)"
    assert await stack.databases["customer"].all(orphans) == []


async def test_concurrent_pages_with_one_slug(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    interleaved(stack)
    statuses = await at_once(owner, "POST", f"/api/v1/sites/{site['id']}/pages", {"title": "About", "slug": "about"})
    assert statuses == [201] + [409] * 9


async def test_concurrent_claims_of_one_domain(owner: Owner, stack: Stack) -> None:
    assert stack.cloudflare is not None
    site = await owner.new_site()
    interleaved(stack)
    statuses = await at_once(owner, "POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "www.rosa.com"}, 5)
    assert statuses == [201] + [409] * 4
    names = sorted(h["hostname"] for h in stack.cloudflare.hostnames.values())
    assert names == ["rosa.com", "www.rosa.com"]  # the losers registered nothing at Cloudflare


async def test_concurrent_publishes(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    interleaved(stack)
    statuses = await at_once(owner, "POST", f"/api/v1/sites/{site['id']}/publish", {}, 5)
    assert statuses[0] == 201
    assert set(statuses) <= {201, 409}


async def test_concurrent_creates_never_exceed_the_plans_sites(owner: Owner, stack: Stack) -> None:
    # Before: 20 at once made 6 sites on the Free plan's one (each checked the count, then wrote).
    owner.plan = "free"
    interleaved(stack)
    replies = await asyncio.gather(*(owner.call("POST", "/api/v1/sites", {"name": f"Shop {n}"}) for n in range(20)))
    assert sorted(r.status for r in replies) == [201] + [402] * 19
    assert {r.json()["error"]["code"] for r in replies if r.status == 402} == {"requires_pro_plan"}
    assert len(await stack.databases["customer"].all("SELECT id FROM sites")) == 1
    orphans = "SELECT id FROM pages WHERE site_id NOT IN (SELECT id FROM sites)"
    assert await stack.databases["customer"].all(orphans) == []


async def test_concurrent_creates_never_exceed_the_plans_pages(owner: Owner, stack: Stack) -> None:
    # Before: 14 pages on a 10-page Starter site.
    owner.plan = "starter"
    site = await owner.new_site()
    interleaved(stack)
    path = f"/api/v1/sites/{site['id']}/pages"
    replies = await asyncio.gather(*(owner.call("POST", path, {"title": f"Page {n}"}) for n in range(20)))
    assert sorted(r.status for r in replies) == [201] * 9 + [402] * 11  # the home page is the tenth
    assert (
        len(await (await stack.site_db(site["id"])).all("SELECT id FROM pages WHERE site_id = ?", (site["id"],))) == 10
    )
