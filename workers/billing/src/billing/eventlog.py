"""De-duplication of Stripe events: an event id is claimed with one atomic INSERT before any side
effect, so of two deliveries arriving at the same moment exactly one proceeds. The claim records
when it was taken. A failed attempt releases its claim so Stripe's retry is processed; a delivery
that finds a live claim is told `busy` (answered non-2xx, so Stripe keeps retrying: the claim's
holder may still die); a claim older than STALE_CLAIM_SECONDS belongs to a worker that died and is
taken over. Only a `done` event is a duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.ports import Database

# Longer than any delivery can run: every outbound call has a deadline (billing.app), and a
# Worker's request ends when its client (Stripe waits up to ~20 s) goes away.
STALE_CLAIM_SECONDS = 120

Claim = Literal["claimed", "done", "busy"]


@dataclass
class EventLog:
    db: Database
    stale_seconds: float = STALE_CLAIM_SECONDS

    async def claim(self, event_id: str, event_type: str, now: float) -> Claim:
        changed = await self.db.run(
            "INSERT INTO processed_events (event_id, type, processed_at, state) VALUES (?, ?, ?, 'processing') "
            "ON CONFLICT (event_id) DO UPDATE SET processed_at = excluded.processed_at "
            "WHERE processed_events.state = 'processing' AND processed_events.processed_at < ?",
            [event_id, event_type, now, now - self.stale_seconds],
        )
        if changed == 1:
            return "claimed"
        rows = await self.db.all("SELECT state FROM processed_events WHERE event_id = ?", [event_id])
        return "done" if rows and rows[0]["state"] == "done" else "busy"

    async def done(self, event_id: str, now: float) -> None:
        await self.db.run(
            "UPDATE processed_events SET state = 'done', processed_at = ? WHERE event_id = ?", [now, event_id]
        )

    async def release(self, event_id: str) -> None:
        await self.db.run("DELETE FROM processed_events WHERE event_id = ? AND state = 'processing'", [event_id])
