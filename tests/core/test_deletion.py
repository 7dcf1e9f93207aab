"""Deleting an account with 14 days to change her mind (core/deletion.py): the request cancels the
subscription at once and takes the sites offline; signing in on day 13 puts everything back; on
day 15 the Cron's `deletions` job has deleted it all; the job works a bounded page a step."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from core import deletion
from core.app import bootstrap_consumer, bootstrap_job
from devstack.queues import MemoryQueue
from devstack.stack import Stack
from tests.conftest import FakeClock, error_code
from tests.core.conftest import DAY, PASSWORD, Browser, Outbox, run_core_cron
from tests.customer.conftest import Owner, owner, published_page
from tests.customer.test_publish import site_with_content

__all__ = ["owner"]
HOST = "bakery-rosa.localhost"
LOGIN = {"email": "ada@example.com", "password": PASSWORD}


async def published(owner: Owner) -> dict:  # type: ignore[type-arg]
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    assert (await published_page(owner.stack, HOST)).status == 200
    return site


async def test_signing_in_on_day_13_restores_the_account_and_its_site(
    owner: Owner, stack: Stack, clock: FakeClock
) -> None:
    site = await published(owner)
    refused = await owner.call("DELETE", "/api/v1/account", {"password": "not it"})
    assert (refused.status, error_code(refused)) == (403, "wrong_password")
    asked = await owner.call("DELETE", "/api/v1/account", {"password": PASSWORD})
    assert asked.status == 200
    assert asked.json() == {"deletes_at": clock.now() + 14 * DAY}
    # Meanwhile: logged out everywhere, the site offline, nothing deleted.
    assert (await owner.call("GET", "/api/v1/account")).status == 401
    clock.advance(61)  # the domain worker's pointer cache lets go
    assert (await published_page(stack, HOST)).status == 404
    assert len(await (await stack.site_db(site["id"])).all("SELECT * FROM versions")) == 1
    assert (await run_core_cron(stack, clock.now() + 13 * DAY))["accounts_deleted"] == 0

    clock.advance(13 * DAY)
    back = Browser(stack)
    signed = await back.post("/api/v1/auth/login", LOGIN)
    assert signed.status == 200
    assert signed.json()["account"]["restored"] is True
    home = await published_page(stack, HOST)
    assert home.status == 200
    assert b"Fresh bread" in home.body
    assert (await published_page(stack, HOST, "/about/")).status == 200
    mine = (await back.call("GET", f"/api/v1/sites/{site['id']}")).json()
    assert mine["live_version"] == 1
    # The mark is gone: a later Cron deletes nothing, and the next sign-in is an ordinary one.
    assert (await run_core_cron(stack, clock.now() + 30 * DAY))["accounts_deleted"] == 0
    again = await Browser(stack).post("/api/v1/auth/login", LOGIN)
    assert "restored" not in again.json()["account"]


async def test_on_day_15_everything_is_gone(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    site = await published(owner)
    asked = await owner.call("DELETE", "/api/v1/account", {"password": PASSWORD})
    assert asked.status == 200
    assert (await run_core_cron(stack, clock.now() + 15 * DAY))["accounts_deleted"] == 1
    clock.advance(15 * DAY)
    refused = await Browser(stack).post("/api/v1/auth/login", LOGIN)
    assert (refused.status, error_code(refused)) == (401, "invalid_credentials")
    assert (await published_page(stack, HOST)).status == 404
    for worker, table in (("core", "accounts"), ("customer", "customers"), ("customer", "sites")):
        assert await stack.databases[worker].all(f"SELECT * FROM {table}") == [], (worker, table)  # noqa: S608
    assert stack.blobs is not None
    assert await stack.blobs.list(f"sites/{site['id']}/") == []


async def test_a_magic_link_within_the_window_restores_too(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    """She forgot her password: a sign-in link is a sign-in."""
    await published(owner)
    assert (await owner.call("DELETE", "/api/v1/account", {"password": PASSWORD})).status == 200
    back = Browser(stack)
    assert (await back.post("/api/v1/auth/magic-link", {"email": "ada@example.com"})).status == 202
    consumed = await back.post("/api/v1/auth/magic-link/consume", {"token": outbox.last_token("magic_link")})
    assert consumed.status == 200
    assert consumed.json()["account"]["restored"] is True
    assert (await published_page(stack, HOST)).status == 200


async def test_if_the_sites_cannot_come_back_the_sign_in_is_refused_and_nothing_is_lost(
    owner: Owner, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await published(owner)
    assert (await owner.call("DELETE", "/api/v1/account", {"password": PASSWORD})).status == 200
    original = stack.customer.dispatch

    async def down(request):  # type: ignore[no-untyped-def]
        if request.path.endswith("/restore"):
            from shared.http import json_response

            return json_response({"error": {"code": "internal_error", "message": "x", "request_id": ""}}, 500)
        return await original(request)

    monkeypatch.setattr(stack.customer, "dispatch", down)
    refused = await Browser(stack).post("/api/v1/auth/login", LOGIN)
    assert (refused.status, error_code(refused)) == (502, "restore_failed")
    (row,) = await stack.databases["core"].all("SELECT deletion_requested_at FROM accounts")
    assert row["deletion_requested_at"] is not None  # still scheduled: she tries again
    monkeypatch.setattr(stack.customer, "dispatch", original)
    assert (await Browser(stack).post("/api/v1/auth/login", LOGIN)).status == 200
    assert (await published_page(stack, HOST)).status == 200


async def test_the_cron_only_plans_and_deletions_go_a_bounded_page_a_step(
    stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never all accounts in one invocation: the Cron sends one message per job; each step deletes
    at most DELETION_PAGE accounts and sends the next page's message (a cursor)."""
    monkeypatch.setattr(deletion, "DELETION_PAGE", 4)
    db = stack.databases["core"]
    due = clock.now() - 15 * DAY
    for i in range(10):
        await db.run(
            "INSERT INTO accounts (id, email, created_at, deletion_requested_at) VALUES (?, ?, 0, ?)",
            (f"acct_{i:02}", f"gone{i}@example.com", due + i),
        )
    await db.run(
        "INSERT INTO accounts (id, email, created_at, deletion_requested_at) VALUES ('acct_wait', 'w@x.com', 0, ?)",
        (clock.now() - 13 * DAY,),
    )
    await db.run("INSERT INTO accounts (id, email, created_at) VALUES ('acct_live', 'l@example.com', 0)")
    queue = MemoryQueue("smartpages-core-jobs", clock, max_batch_size=1, max_retries=5)
    ports = dataclasses.replace(stack.ports["core"], jobs=queue)
    settings = stack.settings["core"]
    assert await bootstrap_job(settings, ports)("23 * * * *", clock.now()) == {"jobs_planned": 2}
    assert len(await db.all("SELECT id FROM accounts")) == 12  # the Cron itself deleted nothing
    consumer = bootstrap_consumer(settings, ports)
    deleted_per_step: list[tuple[str, int]] = []

    async def recording(name: str, deliveries: list[Any]) -> Any:
        assert len(deliveries) == 1  # one step per invocation
        before = len(await db.all("SELECT id FROM accounts"))
        verdicts = await consumer(name, deliveries)
        deleted_per_step.append((deliveries[0].body["job"], before - len(await db.all("SELECT id FROM accounts"))))
        return verdicts

    while queue.messages:
        await queue.deliver(recording)
    assert deleted_per_step == [("retention", 0), ("deletions", 4), ("deletions", 4), ("deletions", 2)]
    remaining = sorted(r["id"] for r in await db.all("SELECT id FROM accounts"))
    assert remaining == ["acct_live", "acct_wait"]
