"""The scheduled repair (Cron Trigger): stale locks, orphaned files after a grace period, stale
pending domain claims."""

from __future__ import annotations

from typing import Any

from customer.app import bootstrap_job
from customer.maintenance import ORPHAN_GRACE_SECONDS, PENDING_DOMAIN_DAYS
from devstack.stack import Stack
from tests.conftest import FakeClock
from tests.customer.conftest import Owner
from tests.customer.test_publish import fresh, site_with_content


async def run(stack: Stack) -> dict[str, Any]:
    return await bootstrap_job(stack.settings["customer"], stack.ports["customer"])("*/10 * * * *", 0)


async def test_a_publish_killed_half_way_is_repaired(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    """The finding: a publish killed half-way left 32-36 unreferenced files forever."""
    assert stack.blobs is not None
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    # What kill -9 after writing new files and before recording the version leaves behind.
    orphans = [f"{n:064x}" for n in range(3)]
    for sha in orphans:
        await stack.blobs.put(f"sites/{site['id']}/files/{sha}", b"half a publish", "text/html")
    await stack.databases["customer"].run(
        "UPDATE sites SET publish_lock = ?, publish_lock_owner = 'dead' WHERE id = ?", [clock.now() - 1, site["id"]]
    )
    first = await run(stack)
    assert first == {"locks_released": 1, "orphans_noted": 3, "orphans_deleted": 0, "domains_expired": 0}
    clock.advance(ORPHAN_GRACE_SECONDS - 60)
    assert (await run(stack))["orphans_deleted"] == 0  # still inside the grace period
    clock.advance(120)
    assert (await run(stack))["orphans_deleted"] == 3
    left = set(await stack.blobs.list(f"sites/{site['id']}/files/"))
    assert not any(key.endswith(tuple(orphans)) for key in left)
    assert (await fresh(stack, "/")).status == 200  # what the live version uses is untouched
    assert (await fresh(stack, "/about/")).status == 200
    assert await run(stack) == {"locks_released": 0, "orphans_noted": 0, "orphans_deleted": 0, "domains_expired": 0}


async def test_a_file_referenced_again_within_the_grace_is_kept(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    assert stack.blobs is not None
    site = await site_with_content(owner)
    first = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    assert first["version"] == 1
    await stack.databases["customer"].run("DELETE FROM versions WHERE site_id = ?", [site["id"]])
    assert (await run(stack))["orphans_noted"] > 0  # nothing references the live files any more…
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)  # …until the next publish
    clock.advance(ORPHAN_GRACE_SECONDS + 1)
    assert (await run(stack))["orphans_deleted"] == 0
    assert (await fresh(stack, "/")).status == 200


async def test_a_domain_pending_too_long_is_released(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    assert stack.cloudflare is not None
    site = await owner.new_site()
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "www.rosa.com"}, 201)
    clock.advance(PENDING_DOMAIN_DAYS * 86400 - 3600)
    assert (await run(stack))["domains_expired"] == 0
    clock.advance(7200)
    assert (await run(stack))["domains_expired"] == 2  # www and its apex
    assert stack.cloudflare.hostnames == {}
    assert await stack.databases["customer"].all("SELECT * FROM domains") == []
