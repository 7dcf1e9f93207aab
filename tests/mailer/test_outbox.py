"""Outbox mode (no RESEND_API_KEY): mail is kept, listed and shown, never sent."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import error_code
from tests.mailer.conftest import Mailer, lead

PATHS = ["/internal/outbox", "/internal/outbox.json", "/internal/outbox/em_x"]


async def test_without_an_api_key_mail_goes_to_the_outbox_and_nothing_is_sent(outbox_mailer: Mailer) -> None:
    response = await outbox_mailer.send()
    assert (response.status, response.json()["status"]) == (202, "outbox")
    assert outbox_mailer.resend.calls == []
    assert (await outbox_mailer.email(response.json()["id"]))["status"] == "outbox"
    again = await outbox_mailer.send()
    assert again.json() == response.json()
    assert len(await outbox_mailer.rows("SELECT * FROM outbox")) == 1


async def test_the_json_list_is_newest_first_with_bodies_and_links(outbox_mailer: Mailer) -> None:
    first = (await outbox_mailer.send()).json()["id"]
    outbox_mailer.clock.advance(5)
    second = (
        await outbox_mailer.send(
            template="password_reset",
            data={"link": "https://www.smartpages.online/reset#t=xyz"},
            idempotency_key="password-reset/tok_2",
        )
    ).json()["id"]
    response = await outbox_mailer.get("/internal/outbox.json")
    messages = response.json()["messages"]
    assert [m["id"] for m in messages] == [second, first]
    newest = messages[0]
    assert newest["to"] == "ada@example.com"
    assert newest["from"] == "SmartPages <hello@smartpages.online>"
    assert newest["subject"] == "Reset your SmartPages password"
    assert newest["template"] == "password_reset"
    assert newest["links"] == ["https://www.smartpages.online/reset#t=xyz"]
    assert "https://www.smartpages.online/reset#t=xyz" in newest["text"]
    assert newest["html"].startswith("<!doctype html>")


async def test_the_html_list_links_each_message_relatively(outbox_mailer: Mailer) -> None:
    email_id = (await outbox_mailer.send()).json()["id"]
    page = await outbox_mailer.get("/internal/outbox")
    assert page.status == 200
    assert page.header("content-type").startswith("text/html")
    body = page.body.decode()
    assert f'href="outbox/{email_id}"' in body  # resolves under /internal/… here and /dev/… in core
    assert "Confirm your email address" in body
    assert "Outbox (1)" in body


async def test_a_message_page_shows_the_html_sandboxed_and_the_text(outbox_mailer: Mailer) -> None:
    data = lead(
        site_name="Bakery", lead_name="Eve", lead_email="eve@example.org", message="</iframe><script>alert(1)</script>"
    )
    email_id = (await outbox_mailer.send(template="lead_notification", data=data, idempotency_key="lead/1")).json()[
        "id"
    ]
    page = await outbox_mailer.get(f"/internal/outbox/{email_id}")
    body = page.body.decode()
    assert page.status == 200
    assert "<script>" not in body
    assert "</iframe><script>" not in body
    match = re.search(r'<iframe sandbox="([^"]*)"[^>]*srcdoc="([^"]*)"', body)
    assert match is not None
    assert "allow-scripts" not in match[1]
    assert "allow-same-origin" not in match[1]
    document = html.unescape(match[2])
    assert 'href="https://www.smartpages.online/leads"' in document  # links in the message are clickable
    assert "&lt;script&gt;" in document  # the lead's text stays escaped inside the message itself
    assert '<a href="../outbox">' in body
    assert "script-src" not in page.header("content-security-policy")
    assert page.header("content-security-policy").startswith("default-src 'none'")


async def test_an_unknown_message_is_404(outbox_mailer: Mailer) -> None:
    response = await outbox_mailer.get("/internal/outbox/em_nope")
    assert (response.status, error_code(response)) == (404, "not_found")


async def test_an_empty_outbox_says_so(outbox_mailer: Mailer) -> None:
    assert "No mail yet." in (await outbox_mailer.get("/internal/outbox")).body.decode()
    assert (await outbox_mailer.get("/internal/outbox.json")).json() == {"messages": []}


@pytest.mark.parametrize("path", PATHS)
async def test_with_an_api_key_there_is_no_outbox(mailer: Mailer, path: str) -> None:
    await mailer.send()
    response = await mailer.get(path)
    assert (response.status, error_code(response)) == (404, "not_found")
    assert await mailer.rows("SELECT * FROM outbox") == []
