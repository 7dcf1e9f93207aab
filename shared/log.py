"""The one way app cores and `shared/` write to the log: `log(event, …)`, a JSON line tagged with the
worker and the request id of what is being handled.

`shared.app.App.handle` (and the queue and cron glue) set the context, so code deep in a request
needs no request object to log: a caught exception is never silent, and the line carries the id the
client was given in `x-request-id`. On Workers, stdout is the worker's log stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_context: ContextVar[tuple[str, str]] = ContextVar("log_context", default=("", ""))


@contextmanager
def context(worker: str, request_id: str = "") -> Iterator[None]:
    """Every `log` line inside the block names this worker and request id."""
    token = _context.set((worker, request_id))
    try:
        yield
    finally:
        _context.reset(token)


def request_id() -> str:
    """The id of the request being handled ('' outside one: a cron run, a queue batch)."""
    return _context.get()[1]


def write(line: str) -> None:
    print(line)  # On Workers, stdout is the worker's log stream.


def log(event: str, exc: BaseException | None = None, /, **fields: Any) -> None:
    """One log line: what happened, the exception caught (type and message, never a secret we hold),
    and any plain fields that help find it."""
    worker, rid = _context.get()
    line: dict[str, Any] = {"worker": worker, "request_id": rid, "event": event, **fields}
    if exc is not None:
        line["error"] = f"{type(exc).__name__}: {exc}"
    write(json.dumps(line, default=str))
