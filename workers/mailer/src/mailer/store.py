"""The mailer's D1: the email log, the suppression list, the outbox and processed webhook ids.

All SQL lives here; callers get records and booleans."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.mailbox import mailbox
from shared.ports import Clock, Database, Row, SqlValue

Statement = tuple[str, Sequence[SqlValue]]

# A status only moves forward: a late `delivered` never hides a bounce, a complaint or a failure.
# The message is found by our id (the `email_id` tag we send) or by Resend's id.
_ADVANCE_SQL = (
    "UPDATE emails SET status = ?, provider_id = COALESCE(provider_id, ?), error = COALESCE(?, error),"
    " updated_at = ?, request = NULL WHERE (id = ? OR provider_id = ?) AND status IN ({})"
)
_BEFORE = {
    "delivered": "'queued', 'sent'",
    "soft_bounced": "'queued', 'sent', 'delivered'",
    "failed": "'queued', 'sent'",
    "bounced": "'queued', 'sent', 'delivered', 'soft_bounced'",
    "complained": "'queued', 'sent', 'delivered', 'soft_bounced'",
}
_ADVANCE = {status: _ADVANCE_SQL.format(before) for status, before in _BEFORE.items()}


@dataclass(frozen=True)
class EmailRecord:
    id: str
    idempotency_key: str
    template: str
    recipient: str
    status: str
    provider_id: str | None
    error: str | None
    request_hash: str | None
    attempts: int
    created_at: float

    @classmethod
    def from_row(cls, row: Row) -> EmailRecord:
        return _record(cls, row)


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    template: str
    sender: str
    recipient: str
    subject: str
    html: str
    text: str
    created_at: float

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "template": self.template,
            "from": self.sender,
            "to": self.recipient,
            "subject": self.subject,
            "created_at": self.created_at,
        }


_EMAIL_BY_KEY = (
    "SELECT id, idempotency_key, template, recipient, status, provider_id, error, request_hash, attempts, created_at"
    " FROM emails WHERE idempotency_key = ?"
)
_OUTBOX_LIST = (
    "SELECT o.email_id AS id, e.template, o.sender, o.recipient, o.subject, o.html, o.text, o.created_at"
    " FROM outbox o JOIN emails e ON e.id = o.email_id ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?"
)
_OUTBOX_ONE = (
    "SELECT o.email_id AS id, e.template, o.sender, o.recipient, o.subject, o.html, o.text, o.created_at"
    " FROM outbox o JOIN emails e ON e.id = o.email_id WHERE o.email_id = ?"
)


@dataclass
class MailStore:
    db: Database
    clock: Clock

    # --- the email log -------------------------------------------------------------------------

    async def by_key(self, idempotency_key: str) -> EmailRecord | None:
        rows = await self.db.all(_EMAIL_BY_KEY, [idempotency_key])
        return EmailRecord.from_row(rows[0]) if rows else None

    async def by_id(self, email_id: str) -> EmailRecord | None:
        rows = await self.db.all(_EMAIL_BY_KEY.replace("idempotency_key = ?", "id = ?"), [email_id])
        return EmailRecord.from_row(rows[0]) if rows else None

    async def claim(
        self, email_id: str, idempotency_key: str, template: str, recipient: str, request_hash: str, request: str
    ) -> bool:
        """Records a new message as `queued`, with its request (what the sweeper would enqueue again);
        False when the idempotency key is already taken."""
        now = self.clock.now()
        changed = await self.db.run(
            "INSERT INTO emails (id, idempotency_key, template, recipient, mailbox, status, request_hash, attempts,"
            " created_at, updated_at, request) VALUES (?, ?, ?, ?, ?, 'queued', ?, 0, ?, ?, ?)"
            " ON CONFLICT (idempotency_key) DO NOTHING",
            [email_id, idempotency_key, template, recipient, mailbox(recipient), request_hash, now, now, request],
        )
        return changed == 1

    async def stale_queued(self, before: float, limit: int) -> list[tuple[str, str]]:
        """(id, request) of messages `queued` and untouched since `before`, oldest first."""
        rows = await self.db.all(
            "SELECT id, request FROM emails WHERE status = 'queued' AND updated_at < ? AND request IS NOT NULL"
            " ORDER BY updated_at LIMIT ?",
            [before, limit],
        )
        return [(str(r["id"]), str(r["request"])) for r in rows]

    async def touch(self, email_id: str) -> None:
        """Marks a queued message as just enqueued again (the sweeper waits a whole window before the next)."""
        await self.db.run(
            "UPDATE emails SET updated_at = ? WHERE id = ? AND status = 'queued'", [self.clock.now(), email_id]
        )

    async def finish(
        self, email_id: str, status: str, attempts: int = 0, provider_id: str | None = None, error: str | None = None
    ) -> None:
        await self.db.run(
            "UPDATE emails SET status = ?, provider_id = COALESCE(?, provider_id), error = ?,"
            " attempts = attempts + ?, updated_at = ?,"
            " request = CASE WHEN ? = 'queued' THEN request ELSE NULL END WHERE id = ?",
            [status, provider_id, error, attempts, self.clock.now(), status, email_id],
        )

    async def recent(self, recipient: str, templates: Sequence[str], since: float) -> int:
        """Messages to the mailbox `recipient` reaches (any of its aliases: shared/mailbox.py) of these
        templates recorded since `since`, the budget's own refusals aside (the message being decided
        counts itself)."""
        marks = ", ".join("?" for _ in templates)
        rows = await self.db.all(
            f"SELECT count(*) AS n FROM emails WHERE mailbox = ? AND template IN ({marks})"  # noqa: S608
            " AND created_at > ? AND status != 'throttled'",
            [mailbox(recipient), *templates, since],
        )
        return int(rows[0]["n"])

    async def about(self, address: str) -> dict[str, Any]:
        """Everything kept about the address (an export): the mail log, without bodies."""
        emails = await self.db.all(
            "SELECT id, template, recipient, status, error, attempts, created_at, updated_at FROM emails"
            " WHERE recipient = ? ORDER BY created_at",
            [address],
        )
        suppressed = await self.db.all(
            "SELECT reason, created_at, expires_at FROM suppressions WHERE address = ?", [address]
        )
        return {"emails": emails, "suppression": suppressed[0] if suppressed else None}

    async def forget(self, address: str) -> None:
        """The account is deleted: its mail log, outbox copies and suppression entry go."""
        await self.db.batch(
            [
                ("DELETE FROM outbox WHERE email_id IN (SELECT id FROM emails WHERE recipient = ?)", [address]),
                ("DELETE FROM outbox WHERE recipient = ?", [address]),
                ("DELETE FROM emails WHERE recipient = ?", [address]),
                ("DELETE FROM suppressions WHERE address = ?", [address]),
            ]
        )

    # --- suppressions --------------------------------------------------------------------------

    async def is_suppressed(self, address: str) -> bool:
        return bool(
            await self.db.all(
                "SELECT 1 FROM suppressions WHERE address = ? AND (expires_at IS NULL OR expires_at > ?)",
                [address, self.clock.now()],
            )
        )

    def suppress(self, address: str, reason: str) -> Statement:
        """For good (a hard bounce, a complaint); replaces a suppression that would have ended."""
        return (
            "INSERT INTO suppressions (address, reason, created_at, expires_at) VALUES (?, ?, ?, NULL)"
            " ON CONFLICT (address) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at,"
            " expires_at = NULL WHERE suppressions.expires_at IS NOT NULL",
            [address, reason, self.clock.now()],
        )

    def suppress_until(self, address: str, reason: str, until: float) -> Statement:
        """For a while (soft bounces); never shortens or ends a permanent one."""
        return (
            "INSERT INTO suppressions (address, reason, created_at, expires_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (address) DO UPDATE SET reason = excluded.reason, expires_at = excluded.expires_at"
            " WHERE suppressions.expires_at IS NOT NULL",
            [address, reason, self.clock.now(), until],
        )

    def lift_temporary(self, address: str) -> Statement:
        """A delivery proves the mailbox takes mail again: a soft bounce's suppression ends."""
        return ("DELETE FROM suppressions WHERE address = ? AND expires_at IS NOT NULL", [address])

    async def soft_bounces(self, address: str, since: float) -> int:
        rows = await self.db.all(
            "SELECT count(*) AS n FROM emails WHERE recipient = ? AND status = 'soft_bounced' AND updated_at > ?",
            [address, since],
        )
        return int(rows[0]["n"])

    # --- webhook effects -----------------------------------------------------------------------

    def advance(
        self, email_id: str | None, provider_id: str | None, status: str, error: str | None = None
    ) -> Statement:
        """Moves the message to `status` (delivered, soft_bounced, failed, bounced, complained) if that
        is a step forward, with what went wrong."""
        return (_ADVANCE[status], [status, provider_id, error, self.clock.now(), email_id, provider_id])

    async def seen_webhook(self, svix_id: str) -> bool:
        return bool(await self.db.all("SELECT 1 FROM webhook_events WHERE svix_id = ?", [svix_id]))

    def record_webhook(self, svix_id: str, event_type: str) -> Statement:
        return self._stamped(
            "INSERT INTO webhook_events (svix_id, type, received_at) VALUES (?, ?, ?)", svix_id, event_type
        )

    def _stamped(self, sql: str, *values: str) -> Statement:
        """An insert whose last column is now."""
        return (sql, [*values, self.clock.now()])

    def forget_webhooks_before(self, seconds_ago: float) -> Statement:
        """Svix retries a delivery for a few days; ids older than that can no longer come back."""
        return ("DELETE FROM webhook_events WHERE received_at < ?", [self.clock.now() - seconds_ago])

    async def apply(self, statements: Sequence[Statement]) -> None:
        await self.db.batch(statements)

    # --- the outbox ----------------------------------------------------------------------------

    async def put_outbox(self, email_id: str, sender: str, recipient: str, subject: str, html: str, text: str) -> None:
        now = self.clock.now()
        await self.db.batch(
            [
                (
                    "INSERT INTO outbox (email_id, sender, recipient, subject, html, text, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [email_id, sender, recipient, subject, html, text, now],
                ),
                ("UPDATE emails SET status = 'outbox', error = NULL, updated_at = ? WHERE id = ?", [now, email_id]),
            ]
        )

    async def outbox(self, limit: int = 200) -> list[OutboxMessage]:
        rows = await self.db.all(_OUTBOX_LIST, [limit])
        return [_outbox_message(row) for row in rows]

    async def outbox_message(self, email_id: str) -> OutboxMessage | None:
        rows = await self.db.all(_OUTBOX_ONE, [email_id])
        return _outbox_message(rows[0]) if rows else None


def _outbox_message(row: Row) -> OutboxMessage:
    return _record(OutboxMessage, row)


R = TypeVar("R")
_CASTS: dict[str, Any] = {"str": str, "int": int, "float": float}


def _record(cls: type[R], row: Row) -> R:
    """A record from a row whose columns are named as its fields; numbers cast as declared (D1 may
    hand back 3.0 for 3), optional fields as they come."""
    columns = dataclasses.fields(cls)  # type: ignore[arg-type]
    return cls(**{f.name: _CASTS.get(str(f.type), lambda value: value)(row[f.name]) for f in columns})
