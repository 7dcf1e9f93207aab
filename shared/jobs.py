"""Scheduled work that never grows with the data in one invocation (docs/operations.md, "Scheduled
work"). Cloudflare counts 1,000 binding operations (and 50 / 10,000 subrequests) per invocation: a
Cron Trigger, a queue batch. So a worker's Cron handler only *plans*: it sends one message per job
to the worker's own jobs queue; the queue consumer does one bounded *step* of that job per message
(its consumer takes one message per batch, so a step is an invocation) and, when there is more,
sends the next step's message (a cursor, or a fan-out of per-batch messages). Each step is written
to stay under half of every limit whatever the number of sites or subscriptions.

Jobs are isolated: each is its own message, so a failing job is retried (with backoff) alone and
never holds the others back (domain expiry does not wait behind orphan collection). Steps are
idempotent: Queues delivers at least once, and a retried step redoes its work harmlessly.

Without a queue (unit tests, the CPython stack) `plan` runs every job to completion inline, step by
step, through the same step functions, and returns the summed report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.log import log
from shared.ports import Queue
from shared.queue import ACK, Delivery, Verdict, backoff, retry

Body = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """What one step did (counts, for the log and the inline report) and the messages to send
    next (each names its job in `"job"`)."""

    report: Mapping[str, int] = field(default_factory=dict)
    next: tuple[Body, ...] = ()


StepFn = Callable[[Body], Awaitable[Step]]

RETRY_SECONDS = 60
INLINE_STEPS = 100_000  # inline runs only: a runaway job stops here instead of looping forever


def add(total: dict[str, int], report: Mapping[str, int]) -> None:
    for key, value in report.items():
        total[key] = total.get(key, 0) + int(value)


@dataclass
class Jobs:
    steps: Mapping[str, StepFn]
    queue: Queue | None = None
    internal: frozenset[str] = frozenset()  # steps only ever sent by other steps (a fan-out's batches)

    @property
    def planned(self) -> list[str]:
        return [name for name in self.steps if name not in self.internal]

    async def plan(self, cron: str, scheduled_time: float) -> dict[str, int]:
        """The Cron Trigger's job: one message per job (or, without a queue, every job inline)."""
        if self.queue is None:
            return await self.run_inline(scheduled_time)
        planned = 0
        for name in self.planned:
            try:
                await self.queue.send({"job": name, "at": scheduled_time})
                planned += 1
            except Exception as exc:  # this job waits for the next run; the others go ahead
                log("job_not_planned", exc, job=name)
        return {"jobs_planned": planned}

    async def consume(self, queue_name: str, deliveries: list[Delivery]) -> dict[str, Verdict]:
        """The jobs queue's consumer: one step per message; a failed step is retried alone."""
        verdicts: dict[str, Verdict] = {}
        for delivery in deliveries:
            body = delivery.body if isinstance(delivery.body, dict) else {}
            name = str(body.get("job", ""))
            step = self.steps.get(name)
            if step is None:
                log("job_unknown", job=name, queue=queue_name)
                verdicts[delivery.id] = ACK
                continue
            try:
                done = await step(body)
                assert self.queue is not None  # a consumer always has its producer
                for message in done.next:
                    await self.queue.send({"at": body.get("at"), **message})
            except Exception as exc:
                log("job_step_failed", exc, job=name, attempts=delivery.attempts)
                verdicts[delivery.id] = retry(backoff(delivery.attempts, RETRY_SECONDS))
                continue
            log("job_step", job=name, more=len(done.next), **done.report)
            verdicts[delivery.id] = ACK
        return verdicts

    async def run_inline(self, scheduled_time: float) -> dict[str, int]:
        total: dict[str, int] = {}
        for name in self.planned:
            pending: list[Body] = [{"job": name, "at": scheduled_time}]
            steps = 0
            while pending and steps < INLINE_STEPS:
                body = pending.pop(0)
                steps += 1
                try:
                    done = await self.steps[str(body["job"])](body)
                except Exception as exc:
                    log("job_step_failed", exc, job=name)
                    add(total, {"jobs_failed": 1})
                    break
                add(total, done.report)
                pending.extend({"at": scheduled_time, **message} for message in done.next)
        return total
