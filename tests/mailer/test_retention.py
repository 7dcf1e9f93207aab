"""The mailer's retention job (Cron Trigger): the mail log and outbox after 90 days (never a message
still queued), Resend's webhook ids after 30 days."""

from __future__ import annotations

from devstack.stack import Stack
from mailer.app import bootstrap_job
from mailer.retention import MAIL_LOG_DAYS
from tests.conftest import FakeClock

DAY = 86400


async def test_old_mail_log_outbox_and_webhook_ids_go(stack: Stack, clock: FakeClock) -> None:
    db = stack.databases["mailer"]
    now = clock.now()
    old, recent = now - MAIL_LOG_DAYS * DAY - 1, now - DAY
    for mid, status, created in (("old_sent", "sent", old), ("old_queued", "queued", old), ("new", "sent", recent)):
        await db.run(
            "INSERT INTO emails (id, idempotency_key, template, recipient, status, created_at, updated_at)"
            " VALUES (?, ?, 'verify_email', 'ada@example.com', ?, ?, ?)",
            [mid, f"key-{mid}", status, created, created],
        )
    await db.run(
        "INSERT INTO outbox (email_id, sender, recipient, subject, html, text, created_at)"
        " VALUES ('old_sent', 's', 'r', 'x', 'x', 'x', ?), ('new', 's', 'r', 'x', 'x', 'x', ?)",
        [old, recent],
    )
    await db.run(
        "INSERT INTO webhook_events (svix_id, type, received_at) VALUES ('msg_old', 't', ?), ('msg_new', 't', ?)",
        [now - 31 * DAY, now - 29 * DAY],
    )
    ran = await bootstrap_job(stack.settings["mailer"], stack.ports["mailer"])("41 * * * *", now)
    assert ran == {"retention_outbox": 1, "retention_emails": 1, "retention_webhook_events": 1}
    assert sorted(r["id"] for r in await db.all("SELECT id FROM emails")) == ["new", "old_queued"]
    assert [r["email_id"] for r in await db.all("SELECT email_id FROM outbox")] == ["new"]
    assert [r["svix_id"] for r in await db.all("SELECT svix_id FROM webhook_events")] == ["msg_new"]
