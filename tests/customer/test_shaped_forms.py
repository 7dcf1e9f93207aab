"""Issue 27.2 (a), forms the owner shapes: she adds a date and a choice (and checkboxes, a consent
box) to her contact form, a visitor fills them in on the site's own host, the server checks them by
the same rules the published controls carry (customer/formfields.py), and the enquiry shows every
answer in the inbox and the CSV. A post is checked against the form as published, not the draft."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from customer import forms
from customer.app import bootstrap_job
from devstack.stack import Stack
from tests.conftest import FakeClock
from tests.core.conftest import Outbox
from tests.customer.conftest import Owner, published_page
from tests.customer.test_site_forms import post

FIELDS = [
    {"label": "Your name", "kind": "short", "required": True},
    {"label": "Email", "kind": "email", "required": True},
    {"label": "Date of the party", "kind": "date", "required": True},
    {"label": "Cake size", "kind": "choice", "required": True, "options": "Small\nLarge\n\nLarge"},
    {"label": "Extras", "kind": "checkboxes", "options": "Candles\nA card"},
    {"label": "Guests", "kind": "number"},
    {"label": "I agree to be contacted", "kind": "consent", "required": True},
]
NAMES = ["f-your-name", "f-email", "f-date-of-the-party", "f-cake-size", "f-extras", "f-guests"]
NAMES.append("f-i-agree-to-be-contacted")


async def shaped_site(owner: Owner, fields: list[dict[str, Any]]) -> tuple[dict[str, Any], str, str]:
    site = await owner.new_site()
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    form = {"type": "lead_form", "heading": "Order a cake", "fields": fields}
    saved = await owner.ok("PUT", page, {"blocks": [form]})
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    return site, saved["blocks"][0]["id"], page


async def run_cron(stack: Stack) -> Any:
    """Customer's Cron without a queue: every job inline, to completion."""
    return await bootstrap_job(stack.settings["customer"], stack.ports["customer"])("*/10 * * * *", 0)


def body(answers: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [("page", "/")]
    for name, value in answers.items():
        pairs += [(name, v) for v in (value if isinstance(value, list) else [value])]
    return pairs


GOOD = {
    "f-your-name": "Anna",
    "f-email": "anna@example.com",
    "f-date-of-the-party": "2027-03-14",
    "f-cake-size": "Large",
    "f-extras": ["Candles", "A card"],
    "f-guests": "12",
    "f-i-agree-to-be-contacted": "yes",
}


async def test_the_owners_questions_are_published_with_their_rules(owner: Owner, stack: Stack) -> None:
    site, block, _ = await shaped_site(owner, FIELDS)
    html = (await published_page(stack, str(site["default_host"]))).body.decode()
    for name in NAMES:
        assert f'name="{name}"' in html
    assert f'<label for="{block}-f-date-of-the-party">Date of the party</label>' in html
    assert re.search(rf'<input id="{block}-f-date-of-the-party" name="f-date-of-the-party" type="date" required>', html)
    # The choices, each once, blank lines left out; a required choice starts unchosen.
    assert re.search(
        r'<select [^>]*name="f-cake-size" required><option value="">Choose…</option>'
        r'<option value="Small">Small</option><option value="Large">Large</option></select>',
        html,
    )
    assert html.count('name="f-extras"') == 2
    assert "Guests (optional)" in html
    assert 'name="f-i-agree-to-be-contacted" value="yes" type="checkbox" required' in html
    assert 'name="message"' not in html  # the fixed questions are gone


async def test_a_visitor_fills_them_in_and_the_inbox_and_csv_show_every_answer(
    owner: Owner, stack: Stack, outbox: Outbox
) -> None:
    site, block, _ = await shaped_site(owner, FIELDS)
    answer = await post(stack, str(site["default_host"]), block, {})
    assert answer.status == 400  # nothing filled in: every required question is named
    taken = await post(stack, str(site["default_host"]), block, body(GOOD))
    assert taken.status == 303
    (lead,) = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert (lead["name"], lead["email"]) == ("Anna", "anna@example.com")
    assert [(a["label"], a["value"]) for a in lead["answers"]] == [
        ("Your name", "Anna"),
        ("Email", "anna@example.com"),
        ("Date of the party", "2027-03-14"),
        ("Cake size", "Large"),
        ("Extras", "Candles, A card"),
        ("Guests", "12"),
        ("I agree to be contacted", "Yes"),
    ]
    mail = outbox.sent[-1]
    assert mail["template"] == "lead_notification"
    assert "Date of the party: 2027-03-14" in mail["data"]["message"]
    assert "Cake size: Large" in mail["data"]["message"]
    exported = await owner.write("GET", f"/api/v1/sites/{site['id']}/leads.csv")
    table = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    header, row = table
    assert header[-7:] == [f["label"] for f in FIELDS]
    assert row[-7:] == ["Anna", "anna@example.com", "2027-03-14", "Large", "Candles, A card", "12", "Yes"]


async def test_a_wrong_date_and_choice_come_back_marked_with_the_answers_kept(owner: Owner, stack: Stack) -> None:
    site, block, _ = await shaped_site(owner, FIELDS)
    wrong = {**GOOD, "f-date-of-the-party": "2027-02-30", "f-cake-size": "Huge", "f-extras": ["A card"]}
    answer = await post(stack, str(site["default_host"]), block, body(wrong))
    assert answer.status == 400
    html = answer.body.decode()
    assert f'<span class="field-error" id="{block}-f-date-of-the-party-error">Please enter a date.</span>' in html
    assert f'id="{block}-f-cake-size-error">Please choose from the options shown.</span>' in html
    assert 'value="2027-02-30"' in html  # kept as typed
    assert '<input type="checkbox" id="' + block + '-f-extras-1" name="f-extras" value="A card" checked>' in html
    assert 'value="Candles" checked' not in html
    assert 'value="anna@example.com"' in html
    assert re.search(r'name="f-i-agree-to-be-contacted" value="yes" type="checkbox" required checked', html)
    date = re.search(r'<input id="[^"]*-f-date-of-the-party"[^>]*>', html)
    assert date
    assert "autofocus" in date.group(0)
    assert (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"] == []


async def test_a_post_is_checked_against_the_published_form_not_the_draft(owner: Owner, stack: Stack) -> None:
    site, block, page = await shaped_site(owner, FIELDS)
    blocks = (await owner.ok("GET", page))["blocks"]
    blocks[0]["fields"] = [*FIELDS, {"label": "New question", "kind": "short", "required": True}]
    await owner.ok("PUT", page, {"blocks": blocks})  # saved, not published
    taken = await post(stack, str(site["default_host"]), block, body(GOOD))
    assert taken.status == 303


async def test_a_form_without_an_email_question_gets_one(owner: Owner, stack: Stack) -> None:
    site, block, _ = await shaped_site(owner, [{"label": "Date", "kind": "date", "required": True}])
    html = (await published_page(stack, str(site["default_host"]))).body.decode()
    assert html.index('name="f-email"') < html.index('name="f-date"')
    refused = await post(stack, str(site["default_host"]), block, {"f-date": "2027-01-01"})
    assert refused.status == 400
    assert f'id="{block}-f-email-error">Please fill this in.</span>' in refused.body.decode()


async def test_the_owners_automatic_reply_goes_once_a_day_and_never_in_a_flood(
    owner: Owner, stack: Stack, outbox: Outbox
) -> None:
    """27.2 (c): her words to the visitor; someone else's address can be typed in, so one reply a day
    per address and site, only among the hour's first leads (never to a flood), budgeted by mailer."""
    site = await owner.new_site()
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    form = {"type": "lead_form", "auto_reply": "Thank you! We bake on Mondays and answer by Tuesday."}
    block = (await owner.ok("PUT", page, {"blocks": [form]}))["blocks"][0]["id"]
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    host = str(site["default_host"])
    lead = {"name": "Anna", "email": "anna@example.com", "message": "A cake", "page": "/"}

    def replies() -> list[dict[str, Any]]:
        return [m for m in outbox.sent if m["template"] == "lead_auto_reply"]

    assert (await post(stack, host, block, lead, ip="198.51.100.70")).status == 303
    (reply,) = replies()
    assert reply["to"] == "anna@example.com"
    assert reply["data"] == {"site_name": "Bakery Rosa", "text": form["auto_reply"], "link": f"http://{host}:8788/"}
    assert (await post(stack, host, block, lead, ip="198.51.100.71")).status == 303
    assert len(replies()) == 1  # the same address the same day: no second reply
    for i in range(6):  # a flood of other addresses: only the hour's first five leads are answered
        other = {**lead, "email": f"visitor{i}@example.com"}
        assert (await post(stack, host, block, other, ip=f"198.51.100.{80 + i}")).status == 303
    assert [m["to"] for m in replies()[1:]] == [f"visitor{i}@example.com" for i in range(3)]
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert len(leads) == 8  # every enquiry kept


async def test_a_daily_digest_instead_of_a_mail_per_lead_when_the_owner_chooses_it(
    owner: Owner, stack: Stack, outbox: Outbox, clock: FakeClock
) -> None:
    """27.2 (d): "once a day": no mail per lead; the Cron mails one digest when the oldest waiting
    enquiry is a day old, naming them; then nothing until new ones are a day old."""
    site = await owner.new_site()
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    block = (await owner.ok("PUT", page, {"blocks": [{"type": "lead_form", "owner_mail": "daily"}]}))["blocks"][0]["id"]
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    host = str(site["default_host"])
    for i in range(12):
        lead = {"name": f"Guest {i}", "email": f"guest{i}@example.com", "message": "Hi", "page": "/"}
        assert (await post(stack, host, block, lead, ip=f"198.51.100.{100 + i}")).status == 303
        clock.advance(60)
    owner_mail = [m for m in outbox.sent if m["to"] == "ada@example.com" and m["template"].startswith("lead")]
    assert owner_mail == []  # neither a mail per lead nor "more are waiting"

    def digests() -> list[dict[str, Any]]:
        return [m for m in outbox.sent if m["template"] == "leads_digest"]

    await run_cron(stack)
    assert digests() == []  # the oldest is not a day old yet
    clock.advance(forms.DIGEST_SECONDS)
    await run_cron(stack)
    (digest,) = digests()
    assert digest["to"] == "ada@example.com"
    assert digest["data"]["count"] == "12"
    assert digest["data"]["summary"].splitlines()[0] == "Guest 0 (guest0@example.com)"
    assert digest["data"]["summary"].splitlines()[-1] == "and 2 more"
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert {x["mailed"] for x in leads} == {1}
    await run_cron(stack)
    assert len(digests()) == 1  # nothing new waiting: no second digest
