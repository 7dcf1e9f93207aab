"""Customer's app core: sites, pages, blocks, assets, publishing, domains and lead forms. Its routes
(customer/api.py) sit behind InternalGuard: only core may call.

The composition root, as in every worker: `settings_from(env)` (customer.deps), then
`bootstrap(settings, ports)` for the routes and `bootstrap_job(settings, ports)` for the Cron Trigger."""

from __future__ import annotations

from typing import Any

from customer import api, maintenance
from customer.deps import CustomerDeps, Ports, Settings, settings_from
from shared.app import App
from shared.internal import InternalGuard
from shared.scheduled import Job

__all__ = ["Ports", "Settings", "bootstrap", "bootstrap_job", "settings_from"]


def bootstrap(settings: Settings, ports: Ports) -> App:
    return create_app(CustomerDeps.of(settings, ports))


def bootstrap_job(settings: Settings, ports: Ports) -> Job:
    return create_job(CustomerDeps.of(settings, ports))


def create_job(deps: CustomerDeps) -> Job:
    """The Cron Trigger's job: customer.maintenance, whatever the pattern (there is one)."""

    async def job(cron: str, scheduled_time: float) -> dict[str, Any]:
        return await maintenance.run(deps)

    return job


def create_app(deps: CustomerDeps) -> App:
    guard = InternalGuard(api.router(deps), deps.crypto, deps.clock, deps.internal_secret)
    return App("customer", guard, deps.clock, deps.crypto)
