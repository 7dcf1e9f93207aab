"""shared.jobs: the Cron plans one message per job; the consumer runs one step per message, sends
what the step asks next (with the trigger's time), retries a failed step alone; without a queue the
jobs run inline, each isolated from the others' failures."""

from __future__ import annotations

from devstack.queues import MemoryQueue
from shared.jobs import Body, Jobs, Step
from shared.queue import Delivery
from tests.conftest import FakeClock


def counting_jobs(queue: MemoryQueue | None, failures: list[str]) -> Jobs:
    async def walk(body: Body) -> Step:
        page = int(body.get("page", 0))
        more = ({"job": "walk", "page": page + 1},) if page < 2 else ()
        return Step({"pages": 1}, more)

    async def flaky(body: Body) -> Step:
        if failures:
            raise RuntimeError(failures.pop())
        return Step({"flaky_done": 1})

    async def fanned(body: Body) -> Step:
        return Step({"fanned": 1})

    return Jobs({"walk": walk, "flaky": flaky, "fanned": fanned}, queue, internal=frozenset({"fanned"}))


async def test_the_cron_plans_and_each_message_is_one_step(clock: FakeClock) -> None:
    queue = MemoryQueue("jobs", clock, max_batch_size=1)
    jobs = counting_jobs(queue, ["Cloudflare is down"])
    assert await jobs.plan("* * * * *", 1234.0) == {"jobs_planned": 2}  # not the internal one
    assert [m.body for m in queue.messages] == [{"job": "walk", "at": 1234.0}, {"job": "flaky", "at": 1234.0}]
    await queue.deliver(jobs.consume)
    assert sorted(m.body["job"] for m in queue.messages) == ["flaky", "walk"]  # the next page; flaky retried
    walk = next(m for m in queue.messages if m.body["job"] == "walk")
    assert walk.body == {"job": "walk", "page": 1, "at": 1234.0}  # the trigger's time travels on
    flaky = next(m for m in queue.messages if m.body["job"] == "flaky")
    assert flaky.due == clock.now() + 60  # backoff, alone
    clock.advance(60)
    while queue.messages:
        await queue.deliver(jobs.consume)
    verdicts = await jobs.consume("jobs", [Delivery("x", {"job": "nobody"}, 1)])
    assert not verdicts["x"].retry  # an unknown job is dropped (logged), never retried forever


async def test_inline_runs_every_job_to_completion_and_isolates_failures() -> None:
    jobs = counting_jobs(None, ["boom"])
    assert await jobs.plan("* * * * *", 0) == {"pages": 3, "jobs_failed": 1}
    assert await jobs.plan("* * * * *", 0) == {"pages": 3, "flaky_done": 1}
