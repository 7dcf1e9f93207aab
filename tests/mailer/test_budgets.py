"""Mail budgets (issue 15): 20 of 20 forgot-password requests used to mail one address. Per recipient,
at most PER_KIND_PER_HOUR account mails of one kind an hour and DAILY_ACROSS_KINDS a day; over
budget the message is logged `throttled` and nothing reaches Resend."""

from __future__ import annotations

from mailer.sending import DAILY_ACROSS_KINDS, PER_KIND_PER_HOUR
from tests.mailer.conftest import Mailer

LINK = {"link": "https://www.smartpages.online/reset?token=x"}


async def test_twenty_resets_to_one_address_send_only_the_hourly_budget(mailer: Mailer) -> None:
    statuses = [
        (await mailer.send(template="password_reset", data=LINK, idempotency_key=f"password-reset/tok_{i}")).json()[
            "status"
        ]
        for i in range(20)
    ]
    assert statuses == ["sent"] * PER_KIND_PER_HOUR + ["throttled"] * (20 - PER_KIND_PER_HOUR)
    assert len(mailer.resend.emails) == PER_KIND_PER_HOUR
    # Another recipient has its own budget; the next hour the first one has room again.
    other = await mailer.send(template="password_reset", to="bob@example.com", data=LINK, idempotency_key="o/1")
    assert other.json()["status"] == "sent"
    mailer.clock.advance(3601)
    again = await mailer.send(template="password_reset", data=LINK, idempotency_key="password-reset/later")
    assert again.json()["status"] == "sent"


async def test_a_daily_cap_holds_across_kinds(mailer: Mailer) -> None:
    kinds = ("password_reset", "magic_link", "verify_email", "account_exists")
    sent = 0
    for hour in range(6):
        for kind in kinds:
            for i in range(PER_KIND_PER_HOUR):
                reply = await mailer.send(template=kind, data=LINK, idempotency_key=f"{kind}/{hour}/{i}")
                sent += reply.json()["status"] == "sent"
        mailer.clock.advance(3601)
    assert sent == DAILY_ACROSS_KINDS
    assert len(mailer.resend.emails) == DAILY_ACROSS_KINDS


async def test_security_notices_and_other_mail_are_not_budgeted(mailer: Mailer) -> None:
    for i in range(PER_KIND_PER_HOUR + 2):
        reply = await mailer.send(template="password_changed", data=LINK, idempotency_key=f"password-changed/{i}")
        assert reply.json()["status"] == "sent"


async def test_a_replayed_key_over_budget_still_sends_nothing(mailer: Mailer) -> None:
    for i in range(PER_KIND_PER_HOUR + 1):
        await mailer.send(template="magic_link", data=LINK, idempotency_key=f"magic-link/{i}")
    replay = await mailer.send(template="magic_link", data=LINK, idempotency_key=f"magic-link/{PER_KIND_PER_HOUR}")
    assert replay.json()["status"] == "throttled"
    assert len(mailer.resend.emails) == PER_KIND_PER_HOUR


async def test_aliases_of_one_mailbox_share_its_budget(mailer: Mailer) -> None:
    """Issue 23, M3: `+tag` aliases and Gmail's dots reach one mailbox, and each had its own budget."""
    statuses = []
    for i, to in enumerate(
        ["stranger+1@example.org", "Stranger+2@example.org", "stranger@example.org", "stranger+3@example.org"]
    ):
        reply = await mailer.send(template="email_change", to=to, data=LINK, idempotency_key=f"email-change/{i}")
        statuses.append(reply.json()["status"])
    assert statuses == ["sent"] * PER_KIND_PER_HOUR + ["throttled"]
    gmail = ["a.da@gmail.com", "ada+x@googlemail.com", "A.D.A@gmail.com", "ada@gmail.com"]
    statuses = []
    for i, to in enumerate(gmail):
        reply = await mailer.send(template="magic_link", to=to, data=LINK, idempotency_key=f"magic-link/g{i}")
        statuses.append(reply.json()["status"])
    assert statuses == ["sent"] * PER_KIND_PER_HOUR + ["throttled"]


async def test_automatic_replies_of_many_sites_to_one_typed_address_share_its_budget(mailer: Mailer) -> None:
    """Issue 27.2 (c): each site replies once a day to an address; twenty sites' forms with the same
    stranger's address typed in still mail it only the hourly budget."""
    data = {"site_name": "A bakery", "text": "Thank you!", "link": "https://shop.example/"}
    statuses = [
        (await mailer.send(template="lead_auto_reply", data=data, idempotency_key=f"lead-auto-reply-l_{i}")).json()[
            "status"
        ]
        for i in range(20)
    ]
    assert statuses == ["sent"] * PER_KIND_PER_HOUR + ["throttled"] * (20 - PER_KIND_PER_HOUR)
