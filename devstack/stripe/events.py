"""Events and webhook delivery."""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from devstack.stripe.common import API_VERSION, _id, shape, signature_header
from devstack.stripe.state import StandinState

Webhook = Callable[[bytes, dict[str, str]], Awaitable[int]]


@dataclass(frozen=True)
class Delivery:
    event_id: str
    type: str
    status: int


class Events(StandinState):
    """Events (`/v1/events/{id}`) and their signed delivery to the webhook: now, later, held back,
    duplicated or out of order. Mixed into StripeStandin (standin.py), which holds the state."""

    def _emit(self, type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = previous
        event = shape(
            "event",
            id=_id("evt"),
            api_version=API_VERSION,
            created=int(self.now()),
            data=data,
            livemode=False,
            pending_webhooks=1,
            request={"id": None, "idempotency_key": None},
            type=type_,
        )
        self.events.append(event)
        return event

    async def _settle_from(self, first: int) -> list[dict[str, Any]]:
        emitted = self.events[first:]
        if self.auto_deliver:
            for event in emitted:
                await self.deliver(event)
        else:
            self.pending.extend(emitted)
        return emitted

    def _deliver_later(self, fresh: list[dict[str, Any]]) -> None:
        """Events an API call caused reach the webhook after the call returns, as on Stripe."""
        if not fresh:
            return
        if not self.auto_deliver:
            self.pending.extend(fresh)
            return
        for event in fresh:
            task = asyncio.get_running_loop().create_task(self._deliver_quietly(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver_quietly(self, event: dict[str, Any]) -> None:
        await self.deliver(event)

    async def settle(self) -> None:
        """Waits for deliveries scheduled by API calls."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def body_of(self, event: dict[str, Any]) -> bytes:
        return json.dumps(event, indent=2).encode()

    async def deliver(
        self,
        event: dict[str, Any],
        *,
        secret: str | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        raw: bytes | None = None,
    ) -> int:
        """POSTs one event to the webhook, signed like Stripe (override any part to test refusals)."""
        body = raw if raw is not None else self.body_of(event)
        t = int(self.now() if timestamp is None else timestamp)
        header = signature if signature is not None else signature_header(secret or self.webhook_secret, t, body)
        headers = {
            "content-type": "application/json; charset=utf-8",
            "stripe-signature": header,
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        status = await self._post(body, headers)
        self.deliveries.append(Delivery(event["id"], event["type"], status))
        if 200 <= status < 300 and event in self.pending:
            self.pending.remove(event)
        return status

    async def _post(self, body: bytes, headers: dict[str, str]) -> int:
        if self.webhook is not None:
            return await self.webhook(body, headers)
        if self.webhook_url:
            import httpx  # only the served stand-in posts over HTTP

            async with httpx.AsyncClient(timeout=30) as client:
                try:
                    reply = await client.post(self.webhook_url, content=body, headers=headers)
                except httpx.HTTPError:
                    return 0
                return reply.status_code
        return 0

    async def deliver_concurrently(self, event: dict[str, Any], times: int = 2) -> list[int]:
        return list(await asyncio.gather(*(self.deliver(event) for _ in range(times))))

    async def flush(self, order: str = "emitted") -> list[int]:
        """Delivers the held events: `emitted` order, `reversed`, or `shuffled`."""
        batch = list(self.pending)
        if order == "reversed":
            batch.reverse()
        elif order == "shuffled":
            secrets.SystemRandom().shuffle(batch)
        return [await self.deliver(event) for event in batch]

    def last_event(self, type_: str) -> dict[str, Any]:
        return next(e for e in reversed(self.events) if e["type"] == type_)
