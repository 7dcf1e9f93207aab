"""The scheduled repair and retention (Cron Trigger + JOBS queue): stale locks, orphaned files found
from what publishing recorded (never by listing R2) after a grace period, stale pending domain
claims, form attempts past their window; the Cron only plans, each job a bounded step at a time."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from customer import domains, maintenance, publish
from customer.app import bootstrap_consumer, bootstrap_job
from customer.deps import CustomerDeps
from customer.maintenance import ORPHAN_GRACE_SECONDS, ORPHAN_PAGE, PENDING_DOMAIN_DAYS
from customer.model import Site
from devstack.queues import MemoryQueue
from devstack.stack import Stack
from shared import plans
from tests.conftest import FakeClock
from tests.customer.conftest import Owner
from tests.customer.test_publish import fresh, site_with_content


async def run(stack: Stack) -> dict[str, Any]:
    """The Cron's job without a queue: every job inline, to completion."""
    return await bootstrap_job(stack.settings["customer"], stack.ports["customer"])("*/10 * * * *", 0)


def files_of(stack: Stack, site_id: str) -> Any:
    assert stack.blobs is not None
    return stack.blobs.list(f"sites/{site_id}/files/")


async def killed_publish(owner: Owner, site_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A publish that dies after writing its new files and before recording its version."""

    async def dies(*_: Any) -> None:
        raise RuntimeError("isolate evicted")

    with monkeypatch.context() as patched:
        patched.setattr(publish, "still_locked", dies)
        reply = await owner.call("POST", f"/api/v1/sites/{site_id}/publish", {})
    assert reply.status == 500


async def edit(owner: Owner, site: dict[str, Any], text: str) -> None:
    home = site["pages"][0]["id"]
    body = {"blocks": [{"type": "rich_text", "markdown": text}]}
    await owner.ok("PUT", f"/api/v1/sites/{site['id']}/pages/{home}", body)


async def test_a_publish_killed_half_way_is_repaired(
    owner: Owner, stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finding: a publish killed half-way left unreferenced files forever. Its files were
    recorded as candidates when written; the collector deletes them after the grace."""
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    await edit(owner, site, "## New hours")
    before = set(await files_of(stack, site["id"]))
    await killed_publish(owner, site["id"], monkeypatch)
    orphans = set(await files_of(stack, site["id"])) - before
    assert orphans  # what kill -9 after writing and before recording leaves behind
    await stack.databases["customer"].run(
        "UPDATE sites SET publish_lock = ?, publish_lock_owner = 'dead' WHERE id = ?", [clock.now() - 1, site["id"]]
    )
    first = await run(stack)
    assert (first["locks_released"], first["orphans_deleted"], first["domains_expired"]) == (1, 0, 0)
    clock.advance(ORPHAN_GRACE_SECONDS - 60)
    assert (await run(stack))["orphans_deleted"] == 0  # still inside the grace period
    clock.advance(120)
    assert (await run(stack))["orphans_deleted"] == len(orphans)
    assert set(await files_of(stack, site["id"])) == before
    assert (await fresh(stack, "/")).status == 200  # what the live version uses is untouched
    assert (await fresh(stack, "/about/")).status == 200
    again = await run(stack)
    assert (again["orphans_deleted"], again["orphans_referenced"]) == (0, 0)  # nothing left to check
    assert await stack.databases["customer"].all("SELECT * FROM orphan_files") == []


async def test_a_file_referenced_again_within_the_grace_is_kept(
    owner: Owner, stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = await site_with_content(owner)
    await killed_publish(owner, site["id"], monkeypatch)
    await stack.databases["customer"].run("UPDATE sites SET publish_lock = NULL WHERE id = ?", [site["id"]])
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)  # the retry uses the same files
    clock.advance(ORPHAN_GRACE_SECONDS + 1)
    ran = await run(stack)
    assert ran["orphans_deleted"] == 0
    assert ran["orphans_referenced"] > 0
    assert (await fresh(stack, "/")).status == 200


async def test_files_of_versions_dropped_past_retention_are_collected_even_if_the_publish_dies(
    owner: Owner, stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the plan's kept versions a publish drops the oldest and deletes its files inline; if it
    dies before that, what it dropped was recorded first and the collector finishes the work."""
    site = await site_with_content(owner)
    for n in range(plans.get(owner.plan).entitlements.kept_versions + 2):
        await edit(owner, site, f"Version {n}")
        result = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
        if result["files_deleted"]:
            break
    else:
        pytest.fail("no publish dropped a version")
    # Now one whose inline collection dies after the versions were dropped.
    await edit(owner, site, "The last one")

    async def dies(*_: Any) -> int:
        raise RuntimeError("isolate evicted")

    monkeypatch.setattr(publish, "collect", dies)
    assert (await owner.call("POST", f"/api/v1/sites/{site['id']}/publish", {})).status == 500
    monkeypatch.undo()
    await stack.databases["customer"].run("UPDATE sites SET publish_lock = NULL WHERE id = ?", [site["id"]])
    site_row = await stack.databases["customer"].all("SELECT * FROM sites WHERE id = ?", [site["id"]])
    in_use = await publish.known_files(stack_deps(stack), Site.from_row(site_row[0]))
    assert set(await files_of(stack, site["id"])) > {f"sites/{site['id']}/files/{sha}" for sha in in_use}
    clock.advance(ORPHAN_GRACE_SECONDS + 1)
    ran = await run(stack)
    assert ran["orphans_deleted"] > 0
    left = {key.rsplit("/", 1)[1] for key in await files_of(stack, site["id"])}
    assert left == in_use
    assert (await fresh(stack, "/")).status == 200


def stack_deps(stack: Stack) -> CustomerDeps:
    return CustomerDeps.of(stack.settings["customer"], stack.ports["customer"])


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


async def test_the_cron_only_plans_and_each_job_is_a_bounded_step_of_its_own(
    owner: Owner, stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With JOBS: the Cron sends one message per job; each consumer batch is one step, and a job
    with more work than a step sends its next step; a failing job is retried alone."""
    db = stack.databases["customer"]
    site = await owner.new_site()
    n = ORPHAN_PAGE * 2 + 5
    for i in range(n):
        await db.run(
            "INSERT INTO orphan_files (site_id, sha256, first_seen) VALUES (?, ?, ?)",
            [site["id"], f"{i:064x}", clock.now() - ORPHAN_GRACE_SECONDS - 1],
        )
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "www.rosa.com"}, 201)
    clock.advance(PENDING_DOMAIN_DAYS * 86400 + 1)
    queue = MemoryQueue("smartpages-customer-jobs", clock, max_batch_size=1, max_retries=5)
    ports = dataclasses.replace(stack.ports["customer"], jobs=queue)
    settings = stack.settings["customer"]
    assert await bootstrap_job(settings, ports)("*/10 * * * *", clock.now()) == {"jobs_planned": 7}
    planned = sorted(m.body["job"] for m in queue.messages)
    assert planned == ["digests", "domain_checks", "domains", "locks", "orphans", "retention", "stores"]

    release = domains.remove_rows

    async def cloudflare_down(*_: Any) -> None:
        raise RuntimeError("Cloudflare's API answered 503")

    monkeypatch.setattr(domains, "remove_rows", cloudflare_down)  # the domain job fails, the others go on
    consumer = bootstrap_consumer(settings, ports)
    steps: list[list[str]] = []
    original = consumer

    async def recording(name: str, deliveries: list[Any]) -> Any:
        steps.append([d.body["job"] for d in deliveries])
        return await original(name, deliveries)

    await queue.deliver(recording)
    await queue.deliver(recording)
    await queue.deliver(recording)
    assert all(len(batch) == 1 for batch in steps)  # one step per invocation
    assert [b[0] for b in steps].count("orphans") == 3  # 125 candidates: 60 + 60 + 5
    assert await db.all("SELECT * FROM orphan_files") == []
    assert len(await db.all("SELECT * FROM domains")) == 2  # still there: its job is being retried
    assert [m.body["job"] for m in queue.messages] == ["domains"]
    monkeypatch.setattr(domains, "remove_rows", release)
    clock.advance(3600)
    await queue.deliver(recording)
    assert await db.all("SELECT * FROM domains") == []
    assert queue.messages == []


async def test_form_attempts_past_their_window_are_deleted_in_bounded_chunks(
    stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = stack.databases["customer"]
    now = clock.now()
    for i in range(25):
        await db.run("INSERT INTO form_attempts (bucket, at) VALUES (?, ?)", [f"ip:{i}", now - 7200])
    await db.run("INSERT INTO form_attempts (bucket, at) VALUES ('ip:new', ?)", [now - 60])
    await db.run("INSERT INTO held_addresses (slug, held_until) VALUES ('gone', ?), ('held', ?)", [now - 1, now + 99])
    monkeypatch.setattr("shared.retention.CHUNK", 4)
    monkeypatch.setattr("shared.retention.CHUNKS_PER_STEP", 2)
    step = await maintenance.jobs(stack_deps(stack), None).steps["retention"]({"job": "retention"})
    assert step.report["retention_form_attempts"] == 8
    assert step.next == ({"job": "retention"},)  # more to do: the next step, not a longer one
    ran = await run(stack)
    assert ran["retention_form_attempts"] == 17
    assert [r["bucket"] for r in await db.all("SELECT bucket FROM form_attempts")] == ["ip:new"]
    assert [r["slug"] for r in await db.all("SELECT slug FROM held_addresses")] == ["held"]


async def test_an_orphan_step_asks_at_most_orphan_sites_stores(stack: Stack, clock: FakeClock) -> None:
    """Each site in a step costs a call to its store (a subrequest): a step spans at most
    ORPHAN_SITES sites, whatever fits ORPHAN_PAGE, and the walk goes on from where it stopped."""
    db = stack.databases["customer"]
    sites = maintenance.ORPHAN_SITES + 5
    for i in range(sites):  # one candidate each, of sites deleted since (nothing of theirs is kept)
        await db.run(
            "INSERT INTO orphan_files (site_id, sha256, first_seen) VALUES (?, ?, ?)",
            [f"s_gone{i:03d}", f"{i:064x}", clock.now() - ORPHAN_GRACE_SECONDS - 1],
        )
    deps = CustomerDeps.of(stack.settings["customer"], stack.ports["customer"])
    first = await maintenance.collect_orphans(deps)
    assert first.report["orphans_deleted"] == maintenance.ORPHAN_SITES
    (step,) = first.next
    second = await maintenance.collect_orphans(deps, step["after"])
    assert second.report["orphans_deleted"] == 5
    assert second.next == ()
    assert await db.all("SELECT * FROM orphan_files") == []
