"""De-duplication of Stripe events: an event id is claimed with one atomic INSERT before any side
effect, so of two deliveries arriving at the same moment exactly one proceeds. A failed attempt
releases its claim so Stripe's retry is processed; a claim whose worker died (still 'processing'
after STALE_CLAIM_SECONDS) may be taken over."""

from __future__ import annotations

from dataclasses import dataclass

from shared.ports import Database

STALE_CLAIM_SECONDS = 300


@dataclass
class EventLog:
    db: Database

    async def claim(self, event_id: str, event_type: str, now: float) -> bool:
        changed = await self.db.run(
            "INSERT INTO processed_events (event_id, type, processed_at, state) VALUES (?, ?, ?, 'processing') "
            "ON CONFLICT (event_id) DO UPDATE SET processed_at = excluded.processed_at "
            "WHERE processed_events.state = 'processing' AND processed_events.processed_at < ?",
            [event_id, event_type, now, now - STALE_CLAIM_SECONDS],
        )
        return changed == 1

    async def done(self, event_id: str, now: float) -> None:
        await self.db.run(
            "UPDATE processed_events SET state = 'done', processed_at = ? WHERE event_id = ?", [now, event_id]
        )

    async def release(self, event_id: str) -> None:
        await self.db.run("DELETE FROM processed_events WHERE event_id = ? AND state = 'processing'", [event_id])
