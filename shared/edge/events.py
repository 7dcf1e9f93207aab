"""The non-HTTP handlers every entry.py shares: a queue batch in, the app core's verdicts applied
(`message.ack()` / `message.retry(delaySeconds=…)`); a cron event in, the app core's job run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shared.log import context
from shared.queue import Consumer, Delivery
from shared.scheduled import Job

_consumers: dict[str, Consumer] = {}
_jobs: dict[str, Job] = {}


def _plain(value: Any) -> Any:
    # A message body arrives as a JsDict (or a JsProxy): plain JSON values for the app core.
    if hasattr(value, "to_py"):
        value = value.to_py()
    return json.loads(json.dumps(value))


async def consume(worker: str, env: Any, batch: Any, build: Callable[[Any], Consumer]) -> None:
    consumer = _consumers.get(worker)
    if consumer is None:
        consumer = _consumers[worker] = build(env)
    messages = list(batch.messages)
    deliveries = [Delivery(str(m.id), _plain(m.body), int(m.attempts)) for m in messages]
    with context(worker):
        verdicts = await consumer(str(batch.queue), deliveries)
    for message, delivery in zip(messages, deliveries, strict=True):
        verdict = verdicts.get(delivery.id)
        if verdict is None:
            continue  # the batch's outcome applies (acked when the handler returns)
        if verdict.retry:
            message.retry(delaySeconds=verdict.delay_seconds)
        else:
            message.ack()
    print(json.dumps({"worker": worker, "queue": str(batch.queue), "messages": len(messages)}))


async def run_scheduled(worker: str, env: Any, controller: Any, build: Callable[[Any], Job]) -> None:
    job = _jobs.get(worker)
    if job is None:
        job = _jobs[worker] = build(env)
    cron = str(getattr(controller, "cron", "") or "")
    scheduled = float(getattr(controller, "scheduledTime", 0) or 0) / 1000.0
    with context(worker):
        report = await job(cron, scheduled)
    print(json.dumps({"worker": worker, "cron": cron, "report": report}))
