"""A queue consumer's side, runtime-free: what a batch's messages are, and what the consumer
decides for each. `shared.edge.events` turns a Workers `MessageBatch` into Deliveries and applies
the Verdicts (`message.ack()`, `message.retry(delaySeconds=…)`); tests call consumers directly.

Cloudflare's delivery semantics, which consumers are written for: at least once, in batches;
a message retried more than the consumer's `max_retries` goes to its dead-letter queue (consumed
like any queue), and an exception in the handler retries every message not yet acked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Delivery:
    id: str
    body: Any  # what the producer sent (a dict for ours)
    attempts: int  # 1 on the first delivery


@dataclass(frozen=True)
class Verdict:
    retry: bool = False
    delay_seconds: int = 0


ACK = Verdict()


def retry(delay_seconds: int) -> Verdict:
    return Verdict(True, max(0, int(delay_seconds)))


# A consumer: the queue's name and its messages in; a verdict per message id out.
Consumer = Callable[[str, list[Delivery]], Awaitable[dict[str, Verdict]]]


def backoff(attempts: int, base_seconds: int, cap_seconds: int = 3600) -> int:
    """Exponential: base, 2×base, 4×base, … capped."""
    return int(min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


# wrangler.toml suffixes every queue per deployed environment (`smartpages-mail-dlq-staging`).
ENVIRONMENTS = ("staging", "production")


def is_queue(queue_name: str, base: str) -> bool:
    """Whether a batch's queue is `base` in any environment (the local name, or a suffixed one)."""
    return queue_name == base or any(queue_name == f"{base}-{env}" for env in ENVIRONMENTS)
