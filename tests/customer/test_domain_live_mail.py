"""The "your domain is live" mail (issue 28.1): sent to the site's owner when her domain turns
active, once per activation, whether the panel's refresh or the scheduled check notices it; if
mailer cannot take it, a later check tries again, still once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from customer import dnscheck, maintenance
from customer.app import bootstrap_job
from devstack.stack import Stack
from shared.http import Request, Response, json_response
from tests.conftest import FakeClock
from tests.core.conftest import Outbox
from tests.customer.conftest import Owner, published_page
from tests.customer.test_domains import later, live_site

HOST = "www.rosa-bakery.ch"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    dnscheck.forget()
    yield
    dnscheck.forget()


def live_mails(outbox: Outbox) -> list[dict[str, Any]]:
    return [m for m in outbox.sent if m["template"] == "domain_live"]


async def connect(owner: Owner, stack: Stack) -> dict[str, Any]:
    site = await live_site(owner)
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "rosa-bakery.ch"}, 201)
    return site


def records_in_place(stack: Stack, hostnames: tuple[str, ...] = (HOST,)) -> None:
    """What she does at her registrar: the records Cloudflare asked for, as the world will see them."""
    assert stack.dns is not None
    assert stack.cloudflare is not None
    for item in stack.cloudflare.hostnames.values():
        if item["hostname"] not in hostnames:
            continue
        stack.dns.set(item["hostname"], "CNAME", ["edge.localhost"])
        stack.dns.set(item["ownership_verification"]["name"], "TXT", [item["ownership_verification"]["value"]])
        for record in item["ssl"]["validation_records"]:
            stack.dns.set(record["txt_name"], "TXT", [record["txt_value"]])


async def run_cron(stack: Stack, clock: FakeClock) -> dict[str, Any]:
    return await bootstrap_job(stack.settings["customer"], stack.ports["customer"])("*/10 * * * *", clock.now())


async def test_the_owner_is_mailed_once_when_her_domain_turns_live(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    site = await connect(owner, stack)
    await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {})
    assert live_mails(outbox) == []  # pending: nothing to say yet
    records_in_place(stack)
    live = await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {})
    assert live["live"] is True
    [mail] = live_mails(outbox)
    email = (await stack.databases["customer"].all("SELECT email FROM customers"))[0]["email"]
    assert mail["to"] == email
    assert mail["data"] == {"hostname": HOST, "site_name": site["name"], "link": f"http://{HOST}:8788/"}
    later(stack)
    assert (await published_page(stack, HOST)).status == 200  # what the mail says is true

    await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {})
    clock.advance(maintenance.DOMAIN_CHECK_SECONDS + 1)
    await run_cron(stack, clock)
    records_in_place(stack, ("rosa-bakery.ch",))  # the apex too: the whole pair active
    await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {})
    # Cloudflare re-validates (pending a moment), then active again: the same activation.
    assert stack.cloudflare is not None
    item = next(i for i in stack.cloudflare.hostnames.values() if i["hostname"] == HOST)
    item["status"] = "pending"
    await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {})
    stack.cloudflare.activate(HOST)
    await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {})
    assert len(live_mails(outbox)) == 1


async def test_the_scheduled_check_turns_it_live_and_mails_with_nobody_watching(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    await connect(owner, stack)
    first = await run_cron(stack, clock)
    assert (first["domains_checked"], first["domains_changed"]) == (1, 0)  # no records yet
    records_in_place(stack)
    assert (await run_cron(stack, clock))["domains_checked"] == 0  # asked a moment ago: not again yet
    clock.advance(maintenance.DOMAIN_CHECK_SECONDS + 1)
    report = await run_cron(stack, clock)
    assert report["domains_changed"] == 1
    assert len(live_mails(outbox)) == 1
    later(stack)
    assert (await published_page(stack, HOST)).status == 200
    clock.advance(maintenance.DOMAIN_CHECK_SECONDS + 1)
    await run_cron(stack, clock)
    assert len(live_mails(outbox)) == 1


async def test_when_mailer_cannot_take_it_a_later_check_sends_it_once(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    await connect(owner, stack)
    records_in_place(stack)
    original = stack.mailer.dispatch

    async def down(request: Request) -> Response:
        if request.path == "/internal/send" and b"domain_live" in request.body:
            return json_response({"error": {"code": "unavailable", "message": "down", "request_id": ""}}, 503)
        return await original(request)

    stack.mailer.dispatch = down
    assert (await owner.ok("POST", f"/api/v1/domains/{HOST}/refresh", {}))["live"] is True
    rows = await stack.databases["customer"].all("SELECT live_mailed_at FROM domains WHERE hostname = ?", [HOST])
    assert rows[0]["live_mailed_at"] is None  # not marked: it is owed
    stack.mailer.dispatch = original
    clock.advance(maintenance.DOMAIN_CHECK_SECONDS + 1)
    await run_cron(stack, clock)
    clock.advance(maintenance.DOMAIN_CHECK_SECONDS + 1)
    await run_cron(stack, clock)
    assert len(live_mails(outbox)) == 1  # the one mailer took (the refused one never reached it)
    kept = await stack.databases["mailer"].all("SELECT subject FROM outbox")
    assert [r["subject"] for r in kept].count(f"{HOST} is live") == 1


async def test_the_scheduled_check_reads_only_the_domains_it_may_act_on(stack: Stack) -> None:
    plan = await stack.databases["customer"].all(
        "EXPLAIN QUERY PLAN SELECT hostname, checked_at FROM domains INDEXED BY domains_to_check"
        " WHERE redirect_to IS NULL AND (status = 'pending' OR live_mailed_at IS NULL) AND hostname > ?"
        " ORDER BY hostname LIMIT ?",
        ["", 10],
    )
    assert any("domains_to_check" in str(row["detail"]) for row in plan)
