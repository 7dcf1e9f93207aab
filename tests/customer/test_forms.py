"""Lead forms posted to core's public endpoint (pages published before issue 27.1 still post there):
stored, the owner mailed, honeypot, rate limit. tests/customer/test_site_forms.py: the site's own host."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from customer import forms, formscript
from devstack import stack as stack_module
from devstack.stack import Stack
from devstack.turnstile_standin import DUMMY_TOKEN, TEST_SECRET_PASSES, TEST_SITE_KEY_PASSES
from shared.http import Request, Response
from tests.conftest import FakeClock
from tests.core.conftest import Browser, Outbox, capture_outbox
from tests.customer.conftest import Owner, make_owner, published_page


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
    replies = [await submit(stack, site["id"], block, LEAD, ip="198.51.100.1") for _ in range(forms.PER_ADDRESS + 2)]
    assert [r.status for r in replies] == [303] * forms.PER_ADDRESS + [429, 429]
    refused = replies[-1]
    assert refused.header("content-type").startswith("text/html")  # a visitor's page, not JSON
    assert b"Two loaves\nplease" in refused.body  # what they wrote is shown back, not lost
    assert refused.header("retry-after") == "3600"


async def test_fifty_five_visitors_are_all_heard_and_the_site_ceiling_is_higher(
    owner: Owner, stack: Stack, monkeypatch
) -> None:
    """Issue 15: one shared 50-per-site hourly cap let anyone shut a form (55 posts from 55
    addresses: 31 accepted). Now the cap is per visitor, with a far higher ceiling per site."""
    site, block = await form_site(owner)
    statuses = [(await submit(stack, site["id"], block, LEAD, ip=f"198.18.0.{i}")).status for i in range(55)]
    assert statuses.count(303) == 55
    monkeypatch.setattr(forms, "PER_SITE", 57)
    more = [(await submit(stack, site["id"], block, LEAD, ip=f"198.18.1.{i}")).status for i in range(3)]
    assert more == [303, 303, 429]


async def test_bad_forms(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    assert (await submit(stack, site["id"], "b_00000000", LEAD)).status == 404
    assert (await submit(stack, "s_" + "0" * 32, block, LEAD)).status == 404
    bad = await submit(stack, site["id"], block, {**LEAD, "email": "nope"})
    assert bad.status == 400
    assert bad.header("content-type").startswith("text/html")
    assert b"Email: Please enter an email address like name@example.com." in bad.body
    assert b"Two loaves" in bad.body
    json_post = await stack.core.handle(
        Request(
            "POST",
            f"/api/v1/forms/{site['id']}/{block}",
            "",
            {"content-type": "application/json", "origin": "http://bakery-rosa.localhost:8788"},
            b"{}",
        )
    )
    assert json_post.status == 415
    assert json_post.header("content-type").startswith("text/html")


async def test_turnstile_on_published_lead_forms(tmp_path: Path, clock, crypto) -> None:
    """Nothing told bots from people: the published form now carries the widget, its CSP allows only
    Cloudflare's challenge script, and a post without a passing token is refused (HTML, message kept)."""
    keys = {"TURNSTILE_SECRET_KEY": TEST_SECRET_PASSES, "TURNSTILE_SITE_KEY": TEST_SITE_KEY_PASSES}
    built = await stack_module.build(tmp_path / "t", clock=clock, crypto=crypto, env={"customer": keys})
    try:
        me = await make_owner(built, Browser(built), capture_outbox(built))
        site, block = await form_site(me)
        page = await published_page(built, str(site["default_host"]))
        assert f'data-sitekey="{TEST_SITE_KEY_PASSES}"'.encode() in page.body
        assert b'src="https://challenges.cloudflare.com/turnstile/v0/api.js"' in page.body
        policy = page.header("content-security-policy")
        assert f"script-src https://challenges.cloudflare.com {formscript.HASH_SOURCE};" in policy

        bot = await submit(built, site["id"], block, LEAD)
        assert bot.status == 400
        assert b"person" in bot.body
        assert b"Two loaves" in bot.body
        person = await submit(built, site["id"], block, {**LEAD, forms.TURNSTILE_FIELD: DUMMY_TOKEN})
        assert person.status == 303
        assert built.turnstile is not None
        assert b"remoteip=203.0.113.50" in built.turnstile.requests[-1].body
    finally:
        built.close()


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
    assert f'action="/_smartpages/forms/{block_id}"'.encode() in home.body
    assert (await submit(stack, site["id"], block_id, LEAD)).status == 303
    # A new form is what Free does not include.
    more = await owner.write("PUT", page, {"blocks": [*blocks, {"type": "lead_form", "heading": "Another"}]})
    assert more.status == 402
    copied = await owner.write("PUT", page, {"blocks": [*blocks, dict(blocks[0])]})  # a second copy is new
    assert copied.status == 402


async def test_one_ipv6_64_is_one_visitor(owner: Owner, stack: Stack) -> None:
    """Issue 23, L6: limits keyed the whole IPv6 address, and a /64 holds 2^64 of them."""
    site, block = await form_site(owner)
    statuses = [(await submit(stack, site["id"], block, LEAD, ip=f"2001:db8:1:2::{i:x}")).status for i in range(12)]
    assert statuses == [303] * forms.PER_ADDRESS + [429] * (12 - forms.PER_ADDRESS)


async def test_one_ipv6_56_cannot_close_a_sites_form(owner: Owner, stack: Stack) -> None:
    """Issue 23, L6: 300 posts from one /64 (now: from one /56, a /64 each) closed the form for an hour."""
    site, block = await form_site(owner)
    accepted = 0
    for i in range(forms.PER_SITE // forms.PER_ADDRESS):
        for j in range(forms.PER_ADDRESS):
            reply = await submit(stack, site["id"], block, LEAD, ip=f"2001:db8:7:{i:x}::{j + 1:x}")
            accepted += reply.status == 303
    assert accepted == forms.PER_NETWORK
    visitor = await submit(stack, site["id"], block, LEAD, ip="192.0.2.200")
    assert visitor.status == 303  # someone else is still heard


async def test_a_burst_of_leads_mails_the_owner_a_few_times_then_once(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    """Issue 23, L6: 300 lead posts sent the owner 300 mails. Now a few, then one note; all kept."""
    site, block = await form_site(owner)
    before = len(outbox.sent)
    for i in range(20):
        assert (await submit(stack, site["id"], block, LEAD, ip=f"198.18.2.{i}")).status == 303
    mails = [m["template"] for m in outbox.sent[before:]]
    assert mails == ["lead_notification"] * forms.LEAD_MAILS_PER_HOUR + ["leads_waiting"]
    assert len((await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]) == 20
    clock.advance(3601)
    assert (await submit(stack, site["id"], block, LEAD, ip="198.18.3.1")).status == 303
    assert outbox.sent[-1]["template"] == "lead_notification"  # an hour later, mailed again one by one
