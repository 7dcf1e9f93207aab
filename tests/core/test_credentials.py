"""Issue 15, credential events: emailed links issued before a password reset or change, an email
change or a deletion must die; reset and change end every other session; the old address is told
about an email change and can undo it; a password change is announced."""

from __future__ import annotations

from devstack.stack import Stack
from shared import background
from shared.http import Request
from tests.conftest import error_code
from tests.core.conftest import ORIGIN, PASSWORD, Browser, Outbox, signed_up

NEW = "a new long passphrase"


async def links_for_ada(browser: Browser, outbox: Outbox) -> tuple[str, str]:
    """A reset link and a magic link, as an attacker reading ada's old mail would hold them."""
    await browser.post("/api/v1/auth/password/forgot", {"email": "ada@example.com"})
    await browser.post("/api/v1/auth/magic-link", {"email": "ada@example.com"})
    return outbox.last_token("password_reset"), outbox.last_token("magic_link")


async def still_work(stack: Stack, reset: str, magic: str) -> tuple[int, int]:
    stranger = Browser(stack, address="192.0.2.66")
    r = await stranger.post("/api/v1/auth/password/reset", {"token": reset, "password": "attacker passphrase"})
    m = await stranger.post("/api/v1/auth/magic-link/consume", {"token": magic})
    return r.status, m.status


async def test_a_password_reset_kills_every_other_link(browser: Browser, outbox: Outbox, stack: Stack) -> None:
    await signed_up(browser, outbox)
    old_reset, old_magic = await links_for_ada(browser, outbox)
    await browser.post("/api/v1/auth/password/forgot", {"email": "ada@example.com"})
    reset = await browser.post(
        "/api/v1/auth/password/reset", {"token": outbox.last_token("password_reset"), "password": NEW}
    )
    assert reset.status == 204
    assert await still_work(stack, old_reset, old_magic) == (400, 400)
    assert outbox.sent[-1]["template"] == "password_changed"


async def test_a_password_change_kills_links_ends_sessions_and_mails_a_notice(
    browser: Browser, outbox: Outbox, stack: Stack
) -> None:
    await signed_up(browser, outbox)
    attacker = Browser(stack, address="192.0.2.66")
    await attacker.post("/api/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    old_reset, old_magic = await links_for_ada(browser, outbox)
    changed = await browser.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": NEW})
    assert changed.status == 200
    assert (await attacker.call("GET", "/api/v1/account")).status == 401  # no longer kept by default
    assert (await browser.call("GET", "/api/v1/account")).status == 200
    assert await still_work(stack, old_reset, old_magic) == (400, 400)
    notice = outbox.sent[-1]
    assert (notice["template"], notice["to"], notice["data"]["link"]) == (
        "password_changed",
        "ada@example.com",
        f"{ORIGIN}/forgot",
    )


async def test_an_email_change_kills_links_to_the_old_address_and_the_old_address_can_undo_it(
    browser: Browser, outbox: Outbox, stack: Stack
) -> None:
    """The finding: links sent to the old address took the account over after it moved."""
    await signed_up(browser, outbox)
    old_reset, old_magic = await links_for_ada(browser, outbox)
    # Someone with ada's password moves the account to their own address.
    thief = Browser(stack, address="192.0.2.66")
    await thief.post("/api/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    await thief.post("/api/v1/account/email", {"new_email": "thief@example.net", "password": PASSWORD})
    confirmed = await thief.post("/api/v1/auth/email/confirm", {"token": outbox.last_token("email_change")})
    assert confirmed.json()["account"]["email"] == "thief@example.net"
    assert await still_work(stack, old_reset, old_magic) == (400, 400)

    notice = outbox.sent[-1]
    assert (notice["template"], notice["to"], notice["data"]["new_email"]) == (
        "email_changed",
        "ada@example.com",
        "thief@example.net",
    )
    assert notice["data"]["link"].startswith(f"{ORIGIN}/undo-email?token=")
    # The thief changes the password too: the undo link survives that.
    await thief.post("/api/v1/account/password", {"current_password": PASSWORD, "new_password": "thief passphrase"})
    undo_token = outbox.last_token("email_changed", "ada@example.com")
    ada = Browser(stack)
    weak = await ada.post("/api/v1/auth/email/revert", {"token": undo_token, "password": "short"})
    assert (weak.status, error_code(weak)) == (400, "weak_password")
    undone = await ada.post("/api/v1/auth/email/revert", {"token": undo_token, "password": NEW})
    assert undone.status == 200, undone.body
    assert undone.json()["account"]["email"] == "ada@example.com"
    assert (await thief.call("GET", "/api/v1/account")).status == 401
    assert (await ada.call("GET", "/api/v1/account")).status == 200
    fresh = Browser(stack)
    assert (await fresh.post("/api/v1/auth/login", {"email": "ada@example.com", "password": NEW})).status == 200
    again = await Browser(stack).post("/api/v1/auth/email/revert", {"token": undo_token, "password": NEW})
    assert (again.status, error_code(again)) == (400, "invalid_token")


async def test_deleting_the_account_kills_its_links(browser: Browser, outbox: Outbox, stack: Stack) -> None:
    await signed_up(browser, outbox)
    _, magic = await links_for_ada(browser, outbox)
    assert (await browser.call("DELETE", "/api/v1/account", {"password": PASSWORD})).status == 200
    rows = await stack.databases["core"].all("SELECT count(*) AS n FROM tokens WHERE used_at IS NULL")
    assert rows[0]["n"] == 0
    consumed = await Browser(stack).post("/api/v1/auth/magic-link/consume", {"token": magic})
    assert consumed.status in (400, 401)


async def test_forgot_and_magic_link_answer_before_any_mail_work(outbox: Outbox, stack: Stack) -> None:
    """Issue 15: forgot-password and magic-link took ~40 ms longer for a real account, because the
    link was issued and mailed before answering. Now both answer first; the work follows."""
    browser = Browser(stack)
    await signed_up(browser, outbox)
    headers = {"origin": ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/json"}
    for path in ("/api/v1/auth/password/forgot", "/api/v1/auth/magic-link", "/api/v1/auth/signup"):
        before = len(outbox.sent)
        body = b'{"email": "ada@example.com", "password": "correct horse battery staple"}'
        if path != "/api/v1/auth/signup":
            body = b'{"email": "ada@example.com"}'
        reply = await stack.core.handle(Request("POST", path, "", headers, body))
        assert reply.status == 202
        assert len(outbox.sent) == before  # nothing issued or mailed before the answer
        await background.drain()
        assert len(outbox.sent) == before + 1
