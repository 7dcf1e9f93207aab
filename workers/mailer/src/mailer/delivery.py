"""The MAIL_QUEUE consumer: sends each queued message through Resend, once.

`POST /internal/send` records a message as `queued` and enqueues it; this consumer takes it from
there. One Resend call per delivery, with the message's idempotency key (so a redelivery, which
Queues allow, never sends twice):
- sent, or refused for good (4xx): recorded (`sent` / `failed`), acked;
- transient (network, 429, 5xx): the attempt and its error are recorded, and the message is
  retried after an exponential backoff (`retry(delaySeconds=…)`);
- after the consumer's `max_retries` Queues moves it to the dead-letter queue, whose consumer (this
  one too) marks it `failed` with the last error: nothing stays `queued` silently.
A message that is no longer `queued` (already sent, suppressed, marked failed) is acked untouched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailer.sending import Sender, parse
from mailer.store import MailStore
from shared import queue
from shared.errors import HttpError
from shared.log import log
from shared.queue import Delivery, Verdict

MAIL_QUEUE = "smartpages-mail"
DEAD_LETTER_QUEUE = "smartpages-mail-dlq"
RETRY_BASE_SECONDS = 30  # then 60, 120, … (wrangler.toml's max_retries bounds the attempts)


@dataclass
class MailConsumer:
    store: MailStore
    sender: Sender
    retry_base_seconds: int = RETRY_BASE_SECONDS

    async def consume(self, queue_name: str, deliveries: list[Delivery]) -> dict[str, Verdict]:
        verdicts: dict[str, Verdict] = {}
        for delivery in deliveries:
            if queue.is_queue(queue_name, DEAD_LETTER_QUEUE):
                verdicts[delivery.id] = await self.give_up(delivery)
            else:
                verdicts[delivery.id] = await self.send(delivery)
        return verdicts

    async def send(self, delivery: Delivery) -> Verdict:
        job = _job(delivery.body)
        if job is None:
            return queue.ACK  # not ours to send (logged by the edge): retrying cannot help
        email_id, body = job
        record = await self.store.by_id(email_id)
        if record is None or record.status != "queued":
            return queue.ACK
        try:
            request = parse(body)
        except HttpError as exc:
            log("mail_unsendable", exc, email=email_id)
            await self.store.finish(email_id, "failed", error=f"unsendable: {exc}")
            return queue.ACK
        result = await self.sender.deliver_now(email_id, request, max_attempts=1)
        if result.status != "queued":
            return queue.ACK
        return queue.retry(queue.backoff(delivery.attempts, self.retry_base_seconds))

    async def give_up(self, delivery: Delivery) -> Verdict:
        job = _job(delivery.body)
        if job is not None:
            record = await self.store.by_id(job[0])
            if record is not None and record.status == "queued":
                last = record.error or "no answer"
                error = f"gave up after {record.attempts} attempts (dead-letter queue): {last}"
                await self.store.finish(record.id, "failed", error=error[:500])
        return queue.ACK


def _job(body: Any) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(body, dict):
        return None
    email_id, request = body.get("email_id"), body.get("request")
    if not isinstance(email_id, str) or not isinstance(request, dict):
        return None
    return email_id, dict(request)
