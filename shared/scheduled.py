"""A Cron Trigger's job, runtime-free: called with the trigger's cron pattern and its scheduled
time (seconds since the epoch), it returns a small report (logged by `shared.edge.events`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Job = Callable[[str, float], Awaitable[dict[str, Any]]]
