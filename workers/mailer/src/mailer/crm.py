"""The CRM sync: `POST /internal/crm` enqueues what happened on CRM_QUEUE; this module's consumer
tells HubSpot (mailer.hubspot). Off when HUBSPOT_TOKEN is unset: the request is answered 202 and
nothing is queued or sent.

Like mail (mailer.delivery): a transient failure (network, 429, 5xx) is retried after an
exponential backoff; after the consumer's `max_retries` Queues moves the message to the
dead-letter queue, whose consumer logs `crm_gave_up` with the address's event; a refusal (4xx: an
unknown property, a revoked token) is logged `crm_refused` and acked. `signed_up` and `paid` are
upserts, so a redelivery repeats them harmlessly. An account's deletion (`forget`) deletes the
contact for good (HubSpot's GDPR delete) and leaves a tombstone (the address's SHA-256 and when,
7 days) so an upsert queued before the deletion, delivered after it, is dropped instead of bringing
the contact back. Without a queue (unit tests, the CPython stack) the call is made inline, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailer.hubspot import CUSTOMER_STAGE, HubSpotClient, HubSpotError, contact_properties
from shared import crm, queue
from shared.errors import HttpError
from shared.log import log
from shared.ports import Clock, Crypto, Database, Queue
from shared.queue import Delivery, Verdict
from shared.schema import invalid

CRM_QUEUE = "smartpages-crm"
DEAD_LETTER_QUEUE = "smartpages-crm-dlq"
RETRY_BASE_SECONDS = 60  # then 120, 240, … capped at 1 h (wrangler.toml's max_retries bounds them)


@dataclass
class CrmSync:
    client: HubSpotClient | None  # None: HUBSPOT_TOKEN unset, the sync is off
    tombstones: Tombstones
    queue: Queue | None = None
    retry_base_seconds: int = RETRY_BASE_SECONDS

    async def request(self, body: dict[str, Any]) -> str:
        """`queued`, `sent` (inline) or `off`. Raises HttpError 400 for a malformed body."""
        event, email, kept, _ = crm.parse(body)
        if event == "deleted":  # mailer's own, from /internal/forget with its tombstone
            raise invalid("event", "deleted is mailer's own (POST /internal/forget)")
        return await self._send({"event": event, "email": email, "attribution": kept})

    async def forget(self, email: str) -> str:
        """The account is deleted: its CRM contact goes too (through the queue, with retries)."""
        if self.client is None:
            return "off"
        await self.tombstones.bury(email)
        return await self._send({"event": "deleted", "email": email, "attribution": {}})

    async def _send(self, job: dict[str, Any]) -> str:
        if self.client is None:
            return "off"
        job["at"] = int(self.tombstones.clock.now())  # the tombstones' clock: one timeline for both
        if self.queue is not None:
            await self.queue.send(job)
            return "queued"
        try:
            await self.tell(job)
        except HubSpotError as exc:
            self._log("crm_failed", job, str(exc))
            return "failed"
        return "sent"

    async def tell(self, job: dict[str, Any]) -> None:
        assert self.client is not None
        email, kept = str(job["email"]), dict(job.get("attribution") or {})
        if job["event"] == "deleted":
            await self.client.gdpr_delete(email)
            return
        if await self.tombstones.forgotten_since(email, job.get("at")):
            log("crm_skipped_deleted", crm_event=job["event"])  # queued before the account's deletion
            return
        properties = contact_properties(email, kept)
        if job["event"] == "paid":
            properties = {"email": email, "lifecyclestage": CUSTOMER_STAGE}
        await self.client.upsert(email, properties)

    async def consume(self, queue_name: str, deliveries: list[Delivery]) -> dict[str, Verdict]:
        verdicts: dict[str, Verdict] = {}
        for delivery in deliveries:
            job = _job(delivery.body)
            if job is None or self.client is None:
                verdicts[delivery.id] = queue.ACK  # not ours, or the sync was switched off meanwhile
            elif queue.is_queue(queue_name, DEAD_LETTER_QUEUE):
                self._log("crm_gave_up", job, f"after {delivery.attempts} deliveries on the dead-letter queue")
                verdicts[delivery.id] = queue.ACK
            else:
                verdicts[delivery.id] = await self._deliver(job, delivery.attempts)
        return verdicts

    async def _deliver(self, job: dict[str, Any], attempts: int) -> Verdict:
        try:
            await self.tell(job)
        except HubSpotError as exc:
            if exc.transient:
                return queue.retry(queue.backoff(attempts, self.retry_base_seconds))
            self._log("crm_refused", job, str(exc))
        return queue.ACK

    def _log(self, what: str, job: dict[str, Any], error: str) -> None:
        log(what, crm_event=job.get("event"), email=job.get("email"), error=error)


def _job(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    try:
        event, email, kept, at = crm.parse(body)
    except HttpError as exc:  # not a message mailer's /internal/crm would have queued
        log("crm_unreadable", exc)
        return None
    return {"event": event, "email": email, "attribution": kept, "at": at}


TOMBSTONE_SECONDS = 7 * 24 * 3600  # longer than the CRM queue's retries (about 2 hours)


@dataclass
class Tombstones:
    """Addresses whose contact was deleted, by SHA-256 (no address is kept), for 7 days."""

    db: Database
    crypto: Crypto
    clock: Clock

    async def _key(self, email: str) -> str:
        return (await self.crypto.sha256(email.strip().lower().encode())).hex()

    async def bury(self, email: str) -> None:
        now = self.clock.now()
        await self.db.batch(
            [
                ("DELETE FROM crm_forgotten WHERE forgotten_at < ?", [now - TOMBSTONE_SECONDS]),
                (
                    "INSERT INTO crm_forgotten (address_hash, forgotten_at) VALUES (?, ?)"
                    " ON CONFLICT (address_hash) DO UPDATE SET forgotten_at = excluded.forgotten_at",
                    [await self._key(email), now],
                ),
            ]
        )

    async def forgotten_since(self, email: str, at: int | None) -> bool:
        """Whether the address was deleted at or after `at` (a job without `at` predates tombstones)."""
        rows = await self.db.all(
            "SELECT forgotten_at FROM crm_forgotten WHERE address_hash = ?", [await self._key(email)]
        )
        return bool(rows) and (at is None or float(rows[0]["forgotten_at"]) >= at)
