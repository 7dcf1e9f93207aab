"""Lead forms posted to core's public endpoint: stored, the owner mailed, honeypot, rate limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from devstack.stack import Stack
from shared.http import Request, Response
from tests.core.conftest import Outbox
from tests.customer.conftest import Owner, published_page


async def form_site(owner: Owner) -> tuple[dict[str, Any], str]:
    site = await owner.new_site()
    saved = await owner.ok(
        "PUT",
        f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}",
        {"blocks": [{"type": "lead_form", "heading": "Write to us"}]},
    )
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    return site, saved["blocks"][0]["id"]


async def submit(
    stack: Stack, site_id: str, block_id: str, fields: dict[str, str], ip: str = "203.0.113.50"
) -> Response:
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "origin": "http://bakery-rosa.localhost:8788",
        "cf-connecting-ip": ip,
    }
    return await stack.core.handle(
        Request("POST", f"/api/v1/forms/{site_id}/{block_id}", "", headers, urlencode(fields).encode())
    )


LEAD = {"name": "Bob <b>", "email": "bob@example.net", "message": "Two loaves\nplease", "page": "/", "website": ""}


async def test_a_lead_is_stored_mailed_and_the_visitor_sent_back(owner: Owner, stack: Stack, outbox: Outbox) -> None:
    site, block = await form_site(owner)
    response = await submit(stack, site["id"], block, LEAD)
    assert response.status == 303
    assert response.header("location") == f"http://bakery-rosa.localhost:8788/#thanks-{block}"
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert [(lead["name"], lead["email"], lead["mailed"]) for lead in leads] == [("Bob <b>", "bob@example.net", 1)]
    mail = outbox.sent[-1]
    assert (mail["template"], mail["to"], mail["data"]["lead_email"]) == (
        "lead_notification",
        "ada@example.com",
        "bob@example.net",
    )


async def test_honeypot_and_rate_limit(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    bot = await submit(stack, site["id"], block, {**LEAD, "website": "http://spam.example"})
    assert bot.status == 303
    assert (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"] == []
    statuses = [(await submit(stack, site["id"], block, LEAD, ip="198.51.100.1")).status for _ in range(12)]
    assert statuses[:10] == [303] * 10
    assert statuses[10:] == [429, 429]


async def test_bad_forms(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    assert (await submit(stack, site["id"], "b_00000000", LEAD)).status == 404
    assert (await submit(stack, "s_" + "0" * 32, block, LEAD)).status == 404
    bad = await submit(stack, site["id"], block, {**LEAD, "email": "nope"})
    assert bad.status == 400


async def test_after_a_downgrade_the_lead_form_stays_and_can_be_fixed(owner: Owner, stack: Stack) -> None:
    """On Free, republishing used to drop the published lead form silently, and saving the page
    with the form unchanged answered 402. docs/billing.md: published forms keep working; new ones
    cannot be added."""
    site, block_id = await form_site(owner)
    owner.plan = "free"
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    blocks = (await owner.ok("GET", page))["blocks"]
    blocks[0]["heading"] = "Write to us today"  # a typo fixed
    saved = await owner.ok("PUT", page, {"blocks": blocks})
    assert saved["blocks"][0]["id"] == block_id
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    home = await published_page(stack, str(site["default_host"]))
    assert b"Write to us today" in home.body
    assert f"/api/v1/forms/{site['id']}/{block_id}".encode() in home.body
    assert (await submit(stack, site["id"], block_id, LEAD)).status == 303
    # A new form is what Free does not include.
    more = await owner.call("PUT", page, {"blocks": [*blocks, {"type": "lead_form", "heading": "Another"}]})
    assert more.status == 402
    copied = await owner.call("PUT", page, {"blocks": [*blocks, dict(blocks[0])]})  # a second copy is new
    assert copied.status == 402
