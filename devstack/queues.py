"""An in-process queue with Cloudflare Queues' delivery semantics, for the CPython stack and tests:
batches of up to `max_batch_size`, `retry` with a delay (on the injected clock), at most
`max_retries` retries, then the dead-letter queue. The lane uses Miniflare's real broker instead."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from shared.ports import Clock
from shared.queue import Consumer, Delivery


@dataclass
class _Held:
    id: str
    body: Any
    attempts: int
    due: float


@dataclass
class MemoryQueue:
    name: str
    clock: Clock
    max_batch_size: int = 10
    max_retries: int = 3
    dead_letter: MemoryQueue | None = None
    messages: list[_Held] = field(default_factory=list)
    _ids: Any = field(default_factory=itertools.count)

    async def send(self, body: dict[str, Any], delay_seconds: int = 0) -> None:
        self.messages.append(_Held(f"{self.name}-{next(self._ids)}", body, 0, self.clock.now() + delay_seconds))

    async def deliver(self, consumer: Consumer) -> int:
        """Hands the due messages to `consumer` in batches, applying its verdicts; returns how many."""
        due = [m for m in self.messages if m.due <= self.clock.now()]
        for start in range(0, len(due), self.max_batch_size):
            batch = due[start : start + self.max_batch_size]
            for held in batch:
                held.attempts += 1
            verdicts = await consumer(self.name, [Delivery(m.id, m.body, m.attempts) for m in batch])
            for held in batch:
                verdict = verdicts.get(held.id)
                self.messages.remove(held)
                if verdict is None or not verdict.retry:
                    continue
                if held.attempts > self.max_retries:
                    if self.dead_letter is not None:
                        await self.dead_letter.send(held.body)
                    continue
                held.due = self.clock.now() + verdict.delay_seconds
                self.messages.append(held)
        return len(due)
