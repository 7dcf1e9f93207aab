"""Issue 23, M3: change-email and resend-verification mailed any number of `+tag` aliases of one
mailbox (30 change-email requests to `stranger+N@` → 30 mails; 30 alias sign-ups + 60 resends →
90). Now the mail budget counts the normalised mailbox, and core caps both per account and per
mailbox."""

from __future__ import annotations

from devstack.stack import Stack
from tests.conftest import FakeClock, error_code
from tests.core.conftest import PASSWORD, Browser, Outbox, signed_up


async def mails_to_mailbox(stack: Stack, local: str, domain: str = "example.org") -> int:
    rows = await stack.databases["mailer"].all(
        "SELECT count(*) AS n FROM emails WHERE recipient LIKE ? AND status IN ('outbox', 'sent')",
        (f"{local}%@{domain}",),
    )
    return int(rows[0]["n"])


async def test_thirty_change_email_requests_to_aliases_send_a_few_mails(
    browser: Browser, outbox: Outbox, stack: Stack
) -> None:
    await signed_up(browser, outbox)
    answers = []
    for n in range(30):
        reply = await browser.post(
            "/api/v1/account/email", {"new_email": f"stranger+{n}@example.org", "password": PASSWORD}
        )
        answers.append(reply.status)
    assert await mails_to_mailbox(stack, "stranger") <= 3
    # The account's own cap answers plainly once it is reached.
    assert answers[:3] == [202, 202, 202]
    assert set(answers[3:]) == {429}


async def test_change_email_is_capped_per_mailbox_across_accounts(outbox: Outbox, stack: Stack) -> None:
    for n in range(6):
        owner = Browser(stack, address=f"198.51.100.{n + 1}")
        await signed_up(owner, outbox, f"owner{n}@example.com")
        reply = await owner.post("/api/v1/account/email", {"new_email": f"victim+{n}@gmail.com", "password": PASSWORD})
        assert reply.status == 202  # the same answer: no telling whether that mailbox was asked before
    assert await mails_to_mailbox(stack, "victim", "gmail.com") <= 3


async def test_alias_sign_ups_and_resends_send_a_few_mails(stack: Stack) -> None:
    browser = Browser(stack)
    for n in range(30):
        await browser.post("/api/v1/auth/signup", {"email": f"stranger+{n}@example.org", "password": PASSWORD})
    for n in range(60):
        reply = await browser.post("/api/v1/auth/verify/resend", {"email": f"stranger+{n % 30}@example.org"})
        assert reply.status == 202
    assert await mails_to_mailbox(stack, "stranger") <= 10  # the mailbox's daily budget at most


async def test_resend_is_capped_per_account(outbox: Outbox, stack: Stack, clock: FakeClock) -> None:
    browser = Browser(stack)
    await browser.post("/api/v1/auth/signup", {"email": "slow@example.org", "password": PASSWORD})
    before = len(outbox.sent)
    for _ in range(10):
        clock.advance(3601)  # even spread out, past the mailer's hourly budget
        await browser.post("/api/v1/auth/verify/resend", {"email": "slow@example.org"})
    resent = [m for m in outbox.sent[before:] if m["template"] == "verify_email"]
    assert len(resent) <= 5


async def test_the_capped_answer_is_a_plain_error(browser: Browser, outbox: Outbox) -> None:
    await signed_up(browser, outbox)
    for n in range(4):
        reply = await browser.post("/api/v1/account/email", {"new_email": f"x{n}@example.org", "password": PASSWORD})
    assert (reply.status, error_code(reply)) == (429, "too_many_requests")
    assert int(reply.header("retry-after")) > 0
    assert "request_id" in reply.json()["error"]


async def test_change_email_to_a_registered_address_answers_like_any_other(
    browser: Browser, outbox: Outbox, stack: Stack
) -> None:
    """Issue 23, L1: 409 `email_taken` told anyone signed in which addresses have accounts (40/40)."""
    await signed_up(Browser(stack, address="198.51.100.9"), outbox, "bob@example.com")
    await signed_up(browser, outbox)
    taken = await browser.post("/api/v1/account/email", {"new_email": "bob@example.com", "password": PASSWORD})
    free = await browser.post("/api/v1/account/email", {"new_email": "carol@example.com", "password": PASSWORD})
    assert (taken.status, taken.body) == (free.status, free.body) == (202, b'{"status":"accepted"}')
    to_bob = [m for m in outbox.sent if m["to"] == "bob@example.com"]
    assert to_bob[-1]["template"] == "account_exists"  # bob is told, as sign-up tells him
    assert all(m["template"] != "email_change" for m in to_bob)
    assert (await browser.call("GET", "/api/v1/account")).json()["account"]["email"] == "ada@example.com"
