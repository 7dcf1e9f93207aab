"""Customer's app core: sites, pages, blocks, assets, publishing, domains and lead forms. Its routes
(customer/api.py) sit behind InternalGuard: only core may call.

The composition root, as in every worker: `settings_from(env)` (customer.deps), then
`bootstrap(settings, ports)` for the routes, `bootstrap_job(settings, ports)` for the Cron Trigger (it
plans: one message per job on JOBS) and `bootstrap_consumer(settings, ports)` for JOBS' consumer,
which does each job a bounded step at a time (customer.maintenance, shared.jobs)."""

from __future__ import annotations

from customer import api, maintenance
from customer.deps import CustomerDeps, Ports, Settings, settings_from
from shared.app import App
from shared.internal import InternalGuard
from shared.queue import Consumer
from shared.scheduled import Job

__all__ = ["Ports", "Settings", "bootstrap", "bootstrap_consumer", "bootstrap_job", "settings_from"]


def bootstrap(settings: Settings, ports: Ports) -> App:
    return create_app(CustomerDeps.of(settings, ports))


def bootstrap_job(settings: Settings, ports: Ports) -> Job:
    """The Cron Trigger's job, whatever the pattern (there is one): plan customer.maintenance's jobs."""
    return maintenance.jobs(CustomerDeps.of(settings, ports), ports.jobs).plan


def bootstrap_consumer(settings: Settings, ports: Ports) -> Consumer:
    """JOBS' consumer: one bounded step of a job per message."""
    return maintenance.jobs(CustomerDeps.of(settings, ports), ports.jobs).consume


def create_app(deps: CustomerDeps) -> App:
    guard = InternalGuard(api.router(deps), deps.crypto, deps.clock, deps.internal_secret)
    return App("customer", guard, deps.clock, deps.crypto)
