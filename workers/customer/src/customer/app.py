"""Customer's app core: sites, pages, blocks, assets, publishing, domains and lead forms. Its routes
(customer/api.py) sit behind InternalGuard: only core may call."""

from __future__ import annotations

from typing import Any

from customer import api, maintenance
from customer.deps import CustomerDeps, Settings
from shared.app import App
from shared.internal import InternalGuard
from shared.scheduled import Job

__all__ = ["CustomerDeps", "Settings", "create_app", "create_job"]


def create_job(deps: CustomerDeps) -> Job:
    """The Cron Trigger's job: customer.maintenance, whatever the pattern (there is one)."""

    async def job(cron: str, scheduled_time: float) -> dict[str, Any]:
        return await maintenance.run(deps)

    return job


def create_app(deps: CustomerDeps) -> App:
    guard = InternalGuard(api.router(deps), deps.crypto, deps.clock, deps.internal_secret)
    return App("customer", guard, deps.clock, deps.crypto)
