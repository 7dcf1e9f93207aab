"""Work that finishes after the answer: `later(work)` starts it now and the runtime keeps it alive.

Used where doing the work before answering would tell a stranger something (forgot-password for a
registered address takes longer than for an unknown one). On the edge, `shared.edge.worker.serve`
collects what a request started and hands it to `ctx.waitUntil`; on CPython it simply runs on the
event loop. A failure is logged, never raised: the answer is already gone."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from shared.log import log

_collected: ContextVar[list[asyncio.Task[None]] | None] = ContextVar("background_collected", default=None)


async def _guarded(work: Coroutine[Any, Any, Any]) -> None:
    try:
        await work
    except Exception as exc:
        log("background_failed", exc, traceback=traceback.format_exc())


def later(work: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.ensure_future(_guarded(work))
    collected = _collected.get()
    if collected is not None:
        collected.append(task)


@contextmanager
def collecting() -> Iterator[list[asyncio.Task[None]]]:
    """The tasks `later` starts inside the block (for the runtime to keep alive)."""
    tasks: list[asyncio.Task[None]] = []
    token = _collected.set(tasks)
    try:
        yield tasks
    finally:
        _collected.reset(token)


async def drain() -> None:
    """Waits for every task started by `later` so far (tests; the local stack's shutdown)."""
    while pending := [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and _is_ours(t)]:
        await asyncio.gather(*pending)


def _is_ours(task: asyncio.Task[Any]) -> bool:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", "") == _guarded.__qualname__
