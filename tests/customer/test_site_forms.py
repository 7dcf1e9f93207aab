"""Issue 27.1, "an enquiry is never lost": a published lead form posts to the site's own host (domain
forwards it to customer over the CUSTOMER binding) and every outcome comes back on the site's own
page, in its design, with what the visitor typed kept and the problem next to its field.

Before: `anna@b` (an address the browser took and the server refused) landed on an unstyled page on
the portal's host, and its "Back to the page" link showed the form empty again."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from customer import forms
from devstack import stack as stack_module
from devstack.adapters import drained
from devstack.stack import Stack
from devstack.turnstile_standin import DUMMY_TOKEN, TEST_SECRET_PASSES, TEST_SITE_KEY_PASSES
from shared.app import App
from shared.http import Request, Response
from tests.core.conftest import Browser, Outbox, capture_outbox
from tests.customer.conftest import Owner, make_owner, published_page

FORM_PATH = "/_smartpages/forms/"


async def form_site(owner: Owner) -> tuple[dict[str, Any], str]:
    site = await owner.new_site()
    saved = await owner.ok(
        "PUT",
        f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}",
        {"blocks": [{"type": "lead_form", "heading": "Order a cake", "ask_phone": True, "thanks": "Thank you, Rosa"}]},
    )
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    return site, saved["blocks"][0]["id"]


async def post(
    stack: Stack,
    host: str,
    block: str,
    fields: dict[str, str] | list[tuple[str, str]],
    ip: str = "203.0.113.60",
    content_type: str = "application/x-www-form-urlencoded",
) -> Response:
    headers = {"host": f"{host}:8788", "content-type": content_type, "cf-connecting-ip": ip}
    body = urlencode(fields).encode()
    return await drained(await stack.domain.handle(Request("POST", FORM_PATH + block, "", headers, body)))


ANNA = {"name": "Anna <Ö>", "email": "anna@b", "phone": "+49 30 1234", "message": 'A "big" cake\nfor 12', "page": "/"}


def control(body: bytes, name: str) -> str:
    """The published control named `name` (its opening tag, or a textarea with its text)."""
    html = body.decode()
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>[^<]*</textarea>|<input[^>]*name="{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


def value_of(body: bytes, name: str) -> str:
    tag = control(body, name)
    if tag.startswith("<textarea"):
        return unescape(tag.split(">", 1)[1].rsplit("</textarea>", 1)[0])
    found = re.search(r'value="([^"]*)"', tag)
    return unescape(found.group(1)) if found else ""


async def test_the_published_form_posts_to_the_sites_own_host(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    page = await published_page(stack, str(site["default_host"]))
    assert f'action="{FORM_PATH}{block}"'.encode() in page.body
    assert b"/api/v1/forms/" not in page.body  # no portal address baked in any more
    assert "form-action 'self';" in page.header("content-security-policy")


async def test_a_refused_address_comes_back_on_the_sites_page_with_everything_kept(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    host = str(site["default_host"])
    home = await published_page(stack, host)
    answer = await post(stack, host, block, ANNA)
    assert answer.status == 400
    assert answer.header("content-type").startswith("text/html")
    assert answer.header("cache-control") == "no-store"
    assert answer.header("content-security-policy") == home.header("content-security-policy")
    # The site's own page in its design: its inline style (allowed by the CSP's hash) and its blocks.
    style = re.search(rb"<style>.*?</style>", home.body, re.S)
    assert style
    assert style.group(0) in answer.body
    assert b"Order a cake" in answer.body
    # Every field kept, the problem next to the email field, and the field focused.
    assert [value_of(answer.body, n) for n in ("name", "email", "phone", "message")] == [
        ANNA["name"],
        "anna@b",
        "+49 30 1234",
        ANNA["message"],
    ]
    email = control(answer.body, "email")
    assert 'aria-invalid="true"' in email
    assert "autofocus" in email
    described = re.search(r'aria-describedby="([^"]+)"', email)
    assert described
    note = re.search(rf'<span class="field-error" id="{described.group(1)}">([^<]+)</span>', answer.body.decode())
    assert note
    assert "email address" in note.group(1)
    assert "aria-invalid" not in control(answer.body, "name")
    assert b'role="alert"' in answer.body  # a summary above the form, announced
    assert (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"] == []


async def test_a_missing_field_is_named_next_to_it(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    answer = await post(stack, str(site["default_host"]), block, {**ANNA, "email": "anna@example.com", "name": ""})
    assert answer.status == 400
    name = control(answer.body, "name")
    assert 'aria-invalid="true"' in name
    assert "autofocus" in name
    assert value_of(answer.body, "email") == "anna@example.com"
    assert value_of(answer.body, "message") == ANNA["message"]


async def test_a_taken_enquiry_goes_to_the_thank_you_on_the_same_host(
    owner: Owner, stack: Stack, outbox: Outbox
) -> None:
    site, block = await form_site(owner)
    answer = await post(stack, str(site["default_host"]), block, {**ANNA, "email": "anna@example.com"})
    assert answer.status == 303
    assert answer.header("location") == f"/#thanks-{block}"  # relative: the host the visitor is on
    assert answer.header("cache-control") == "no-store"
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert [(x["name"], x["email"], x["phone"], x["mailed"]) for x in leads] == [
        (ANNA["name"], "anna@example.com", "+49 30 1234", 1)
    ]
    assert outbox.sent[-1]["template"] == "lead_notification"
    home = await published_page(stack, str(site["default_host"]))
    assert f'id="thanks-{block}"'.encode() in home.body
    assert b"Thank you, Rosa" in home.body


async def test_a_lead_is_stored_before_any_mail_and_kept_when_mail_fails(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    seen: list[int] = []

    async def down(request: Request) -> Response:
        rows = await (await stack.site_db(site["id"])).all("SELECT count(*) AS n FROM leads", ())
        seen.append(int(rows[0]["n"]))
        return Response(503)

    stack.bindings["mailer"].app = App("mailer", down, stack.ports["mailer"].clock, stack.ports["mailer"].crypto)
    answer = await post(stack, str(site["default_host"]), block, {**ANNA, "email": "anna@example.com"})
    assert answer.status == 303  # the visitor is thanked: the enquiry is in the inbox
    assert seen == [1]  # the lead was stored when mail was first attempted
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert [(x["email"], x["mailed"]) for x in leads] == [("anna@example.com", 0)]


async def test_over_the_limit_the_page_comes_back_with_the_words_kept(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    host = str(site["default_host"])
    good = {**ANNA, "email": "anna@example.com"}
    replies = [await post(stack, host, block, good, ip="198.51.100.9") for _ in range(forms.PER_ADDRESS + 1)]
    assert [r.status for r in replies] == [303] * forms.PER_ADDRESS + [429]
    refused = replies[-1]
    assert refused.header("retry-after") == "3600"
    assert b"Too many messages" in refused.body
    assert value_of(refused.body, "message") == ANNA["message"]
    assert b"Order a cake" in refused.body


async def test_an_unreadable_post_and_wrong_methods(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    host = str(site["default_host"])
    json_post = await post(stack, host, block, ANNA, content_type="application/json")
    assert json_post.status == 415
    assert b"Order a cake" in json_post.body  # still the site's page, in words
    missing = await post(stack, host, "b_00000000", ANNA)
    assert missing.status == 404
    get = await drained(await stack.domain.handle(Request("GET", FORM_PATH + block, "", {"host": host})))
    assert get.status == 405
    unknown = await post(stack, "nobody.localhost", block, ANNA)
    assert unknown.status == 404
    huge = await post(stack, host, block, {**ANNA, "message": "x" * 70_000})
    assert huge.status == 413


async def test_customer_answers_the_forwarded_form_only_for_domain(owner: Owner, stack: Stack) -> None:
    """The internal route is reached only through a signed call; core's identity is not domain's."""
    site, block = await form_site(owner)
    unsigned = await stack.customer.handle(
        Request("POST", f"/internal/forms/{site['id']}/{block}", "", {"content-type": "text/plain"}, b"")
    )
    assert unsigned.status == 403


async def test_turnstile_failure_comes_back_on_the_page(tmp_path: Path, clock, crypto) -> None:
    keys = {"TURNSTILE_SECRET_KEY": TEST_SECRET_PASSES, "TURNSTILE_SITE_KEY": TEST_SITE_KEY_PASSES}
    built = await stack_module.build(tmp_path / "t", clock=clock, crypto=crypto, env={"customer": keys})
    try:
        me = await make_owner(built, Browser(built), capture_outbox(built))
        site, block = await form_site(me)
        host = str(site["default_host"])
        good = {**ANNA, "email": "anna@example.com"}
        bot = await post(built, host, block, good)
        assert bot.status == 400
        assert b"person" in bot.body
        assert value_of(bot.body, "message") == ANNA["message"]
        assert b'class="cf-turnstile"' in bot.body  # the widget is there to try again
        person = await post(built, host, block, {**good, forms.TURNSTILE_FIELD: DUMMY_TOKEN})
        assert person.status == 303
    finally:
        built.close()
