"""The mailer's retention (Cron Trigger; docs/operations.md, "Retention"): the mail log (and the
local outbox) after MAIL_LOG_DAYS, except messages still `queued`; Resend's webhook ids after
webhooks.KEEP_IDS_SECONDS (de-duplication needs them far longer than Svix retries). Each run is one
bounded step per rule (shared.retention); a backlog is worked off over the next runs."""

from __future__ import annotations

from mailer import webhooks
from shared import retention
from shared.ports import Clock, Database
from shared.retention import DAY, Rule
from shared.scheduled import Job

MAIL_LOG_DAYS = 90

RULES = (
    # The outbox refers to its message: it goes first.
    Rule("outbox", "outbox", "created_at < ?", MAIL_LOG_DAYS * DAY),
    Rule(
        "emails",
        "emails",
        "status != 'queued' AND created_at < ? AND id NOT IN (SELECT email_id FROM outbox)",
        MAIL_LOG_DAYS * DAY,
    ),
    Rule("webhook_events", "webhook_events", "received_at < ?", webhooks.KEEP_IDS_SECONDS),
)


def job(db: Database, clock: Clock) -> Job:
    return retention.job(db, clock, RULES)
