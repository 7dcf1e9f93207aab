"""`POST /internal/send`: validate, de-duplicate on the idempotency key, skip suppressed addresses,
render, then send through Resend (or, with no API key, keep the message in the local outbox).

The first call with a key records the message before anything is sent, so a second call with the
same key returns the first result instead of sending again. Only a `queued` message (Resend was
unreachable or rate-limited past our patience) is attempted again by a later call with its key;
Resend's own idempotency on the same key keeps that retry from sending twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mailer import templates
from mailer.headers import Address, check_address, check_sender
from mailer.resend import MAX_IDEMPOTENCY_KEY, Outgoing, ResendClient
from mailer.store import EmailRecord, MailStore
from shared.errors import Conflict
from shared.ports import Clock, Crypto, Queue
from shared.schema import Field, check_fields, invalid

# Mail budgets for account mail a stranger can trigger by typing someone's address (sign-up,
# verification, reset, magic link, email change): per recipient, at most PER_KIND_PER_HOUR of one
# template in any hour and DAILY_ACROSS_KINDS of them all in any day. Over budget the message is
# recorded as `throttled` and nothing is sent; callers answer the user the same either way.
# Notices of a credential change (password_changed, email_changed) need the password, and billing
# and lead mail have their own triggers, so they are not budgeted here.
# A lead form's automatic reply (customer/forms.py) goes to an address a visitor typed: budgeted too.
BUDGETED = ("verify_email", "password_reset", "magic_link", "email_change", "account_exists", "lead_auto_reply")
PER_KIND_PER_HOUR = 3
DAILY_ACROSS_KINDS = 10

# What a caller is told: the send outcome. Delivery events that came later report as `sent`.
_REPORTED = {"delivered": "sent", "soft_bounced": "sent", "bounced": "sent", "complained": "sent"}


@dataclass(frozen=True)
class SendRequest:
    template: templates.Template
    to: str
    data: dict[str, str]
    idempotency_key: str
    reply_to: str | None = None

    def body(self) -> dict[str, Any]:
        """The /internal/send body this request was parsed from (what a queued message carries)."""
        return {
            "template": self.template.name,
            "to": self.to,
            "data": self.data,
            "idempotency_key": self.idempotency_key,
        }

    def fingerprint(self) -> bytes:
        canonical = {"template": self.template.name, "to": self.to.lower(), "data": self.data}
        return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class SendResult:
    id: str
    status: str

    def body(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status}


@dataclass
class IdempotencyKey(Field):
    """The caller's name for this one message: a repeat with it returns the first result."""

    required: bool = True
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_IDEMPOTENCY_KEY or not value.isprintable():
            raise invalid(path, f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters", "bad_format")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY}


# The /internal/send body (shared.mail.send_request writes it), checked in this order.
SEND: dict[str, Field] = {
    "template": templates.TemplateName(),
    "to": Address(),
    "idempotency_key": IdempotencyKey(),
    "data": templates.TemplateData(),
}


def parse(body: dict[str, Any]) -> SendRequest:
    """The JSON body of /internal/send, or a 400 naming the field that is wrong (shared.schema)."""
    clean = check_fields(SEND, body)
    template: templates.Template = clean["template"]
    data = templates.validate(template, clean["data"])
    reply_to = None
    if template.reply_to_key:
        reply_to = check_address(f"data.{template.reply_to_key}", data[template.reply_to_key])
    return SendRequest(template, clean["to"], data, clean["idempotency_key"], reply_to)


@dataclass
class Sender:
    store: MailStore
    crypto: Crypto
    resend: ResendClient | None  # None: outbox mode (no RESEND_API_KEY)
    mail_from: str
    clock: Clock
    queue: Queue | None = None  # MAIL_QUEUE: Resend is called by the queue's consumer (mailer.delivery)

    async def send(self, request: SendRequest) -> SendResult:
        fingerprint = (await self.crypto.sha256(request.fingerprint())).hex()
        record = await self.store.by_key(request.idempotency_key)
        if record is None:
            email_id = "em_" + self.crypto.random_bytes(16).hex()
            claimed = await self.store.claim(
                email_id,
                request.idempotency_key,
                request.template.name,
                request.to,
                fingerprint,
                json.dumps(request.body(), separators=(",", ":")),
            )
            if not claimed:  # Another call took the key between our read and our insert.
                record = await self.store.by_key(request.idempotency_key)
                assert record is not None
                return self._replay(record, fingerprint)
        else:
            if record.status != "queued":
                return self._replay(record, fingerprint)
            self._check_same_request(record, fingerprint)
            email_id = record.id
        return await self._deliver(email_id, request)

    def _check_same_request(self, record: EmailRecord, fingerprint: str) -> None:
        if record.request_hash and record.request_hash != fingerprint:
            raise Conflict("idempotency_conflict", "This idempotency_key was already used for a different message.")

    def _replay(self, record: EmailRecord, fingerprint: str) -> SendResult:
        self._check_same_request(record, fingerprint)
        return SendResult(record.id, _REPORTED.get(record.status, record.status))

    async def over_budget(self, request: SendRequest) -> bool:
        kind = request.template.name
        if kind not in BUDGETED:
            return False
        now = self.clock.now()
        return (
            await self.store.recent(request.to, (kind,), now - 3600) > PER_KIND_PER_HOUR
            or await self.store.recent(request.to, BUDGETED, now - 86400) > DAILY_ACROSS_KINDS
        )

    async def _deliver(self, email_id: str, request: SendRequest) -> SendResult:
        if await self.over_budget(request):
            await self.store.finish(email_id, "throttled", error="over the recipient's mail budget")
            return SendResult(email_id, "throttled")
        if await self.store.is_suppressed(request.to):
            await self.store.finish(email_id, "suppressed", error="recipient is on the suppression list")
            return SendResult(email_id, "suppressed")
        check_sender(self.mail_from)  # A bad MAIL_FROM is a deploy mistake: 500, the message stays queued.
        if self.resend is None:
            rendered = templates.render(request.template, request.data)
            await self.store.put_outbox(
                email_id, self.mail_from, request.to, rendered.subject, rendered.html, rendered.text
            )
            return SendResult(email_id, "outbox")
        if self.queue is not None:
            # Durable from here: the consumer sends, retries with backoff, and marks the outcome.
            await self.queue.send({"email_id": email_id, "request": request.body()})
            return SendResult(email_id, "queued")
        return await self.deliver_now(email_id, request)

    async def deliver_now(self, email_id: str, request: SendRequest, max_attempts: int | None = None) -> SendResult:
        """Calls Resend for a recorded message and records the outcome (`queued` when it may be retried)."""
        assert self.resend is not None
        rendered = templates.render(request.template, request.data)
        message = Outgoing(
            self.mail_from,
            request.to,
            rendered.subject,
            rendered.html,
            rendered.text,
            request.reply_to,
            (("email_id", email_id), ("template", request.template.name)),
        )
        result = await self.resend.send(message, request.idempotency_key, max_attempts)
        await self.store.finish(email_id, result.outcome, result.attempts, result.provider_id, result.error)
        return SendResult(email_id, result.outcome)
