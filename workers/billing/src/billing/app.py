"""Billing's composition root: `settings_from(env)` (billing.deps), then `bootstrap(settings, ports)`
for the routes (billing/api.py, over the business modules subscribing, plan_switch, overview and
account_data), `bootstrap_job(settings, ports)` for the Cron Trigger (it plans: one message per job
on JOBS) and `bootstrap_consumer(settings, ports)` for JOBS' consumer (a bounded step per message)."""

from __future__ import annotations

import dataclasses

from billing import api, reconcile
from billing.deps import Ports, Settings, settings_from
from billing.downgrades import DAY, CustomerDomains, Timeline
from billing.eventlog import EventLog
from billing.events import EventProcessor
from billing.services import Billing
from billing.stripe import StripeClient
from billing.subscriptions import SubscriptionStore
from billing.webhooks import WebhookHandler
from shared import plans
from shared.app import App
from shared.deadline import MAILER_SECONDS, PROVIDER_SECONDS, SERVICE_SECONDS, Timed
from shared.internal import InternalGuard
from shared.jobs import Body, Jobs, Step
from shared.mail import MailClient
from shared.queue import Consumer
from shared.retention import Rule, sweep
from shared.scheduled import Job

__all__ = ["Ports", "Settings", "bootstrap", "bootstrap_consumer", "bootstrap_job", "settings_from"]


def timed(ports: Ports) -> Ports:
    """Every outbound port with its deadline (shared.deadline), applied once, here."""
    customer = None if ports.customer is None else Timed(ports.customer, SERVICE_SECONDS, "customer")
    mailer = Timed(ports.mailer, MAILER_SECONDS, "the mailer")
    return dataclasses.replace(
        ports, http=Timed(ports.http, PROVIDER_SECONDS, "Stripe"), mailer=mailer, customer=customer
    )


def _mail(settings: Settings, ports: Ports) -> MailClient:
    return MailClient(ports.mailer, ports.crypto, ports.clock, settings.internal_secret, "billing")


def _processor(settings: Settings, ports: Ports) -> tuple[SubscriptionStore, StripeClient, EventProcessor]:
    store = SubscriptionStore(ports.db)
    stripe = StripeClient(ports.http, settings.stripe_secret_key, ports.sleep, settings.stripe_api_base)
    mail = _mail(settings, ports)
    processor = EventProcessor(store, stripe, mail, ports.clock, settings.stripe_prices, settings.portal_origin)
    return store, stripe, processor


def downgrade_timeline(settings: Settings, ports: Ports) -> Timeline:
    """The downgrade mails (billing/downgrades.py), one pass per run of the Cron job below."""
    domains = None
    if ports.customer is not None:
        domains = CustomerDomains(ports.customer, ports.crypto, ports.clock, settings.internal_secret)
    return Timeline(ports.db, SubscriptionStore(ports.db), _mail(settings, ports), settings.portal_origin, domains)


# Stripe's processed events are kept long enough to de-duplicate its retries (3 days) many times over.
RETENTION = (Rule("processed_events", "processed_events", "state = 'done' AND processed_at < ?", 30 * DAY),)


def jobs(settings: Settings, ports: Ports) -> Jobs:
    """The scheduled jobs (shared.jobs): reconcile subscriptions with Stripe (billing.reconcile,
    PER_RUN a run), the downgrade timeline (billing.downgrades, fanned out in batches of accounts),
    and retention. Each is its own message, so a Stripe outage never holds the downgrade mails."""
    ports = timed(ports)
    store, stripe, processor = _processor(settings, ports)
    timeline = downgrade_timeline(settings, ports)

    def at(body: Body) -> float:
        # The trigger's time (Cloudflare: now; the lane's admin door can name another to walk the timeline).
        return float(body.get("at") or 0) or ports.clock.now()

    async def reconcile_step(body: Body) -> Step:
        return Step(await reconcile.run(ports.db, processor, ports.clock.now()))

    async def checkouts(body: Body) -> Step:
        return Step(await reconcile.settle_checkouts(store, stripe, processor, ports.clock.now()))

    async def downgrades(body: Body) -> Step:
        batches, after = await timeline.plan_page(str(body.get("after") or ""))
        more = [{"job": "downgrades_batch", "accounts": batch} for batch in batches]
        if after is not None:
            more.append({"job": "downgrades", "after": after})
        return Step({"downgrades_accounts": sum(map(len, batches))}, tuple(more))

    async def downgrades_batch(body: Body) -> Step:
        done = await timeline.run_accounts([str(a) for a in body.get("accounts") or []], at(body))
        return Step({f"downgrades_{what}": count for what, count in done.items()})

    async def retention(body: Body) -> Step:
        report, more = await sweep(ports.db, RETENTION, ports.clock.now())
        return Step(report, ({"job": "retention"},) if more else ())

    steps = {
        "reconcile": reconcile_step,
        "checkouts": checkouts,
        "downgrades": downgrades,
        "downgrades_batch": downgrades_batch,
    }
    return Jobs({**steps, "retention": retention}, ports.jobs, internal=frozenset({"downgrades_batch"}))


def bootstrap_job(settings: Settings, ports: Ports) -> Job:
    """The Cron Trigger's job: plan the jobs above (or, without a queue, run them inline)."""
    return jobs(settings, ports).plan


def bootstrap_consumer(settings: Settings, ports: Ports) -> Consumer:
    """JOBS' consumer: one bounded step of a job per message."""
    return jobs(settings, ports).consume


def bootstrap(settings: Settings, ports: Ports) -> App:
    prices = plans.prices(settings.stripe_prices)  # a bad STRIPE_PRICES fails at start-up, not at checkout
    ports = timed(ports)
    store, stripe, processor = _processor(settings, ports)
    events = EventLog(ports.db, settings.event_claim_seconds)
    webhooks = WebhookHandler(settings.stripe_webhook_secret, ports.crypto, ports.clock, events, processor)
    svc = Billing(
        store=store,
        stripe=stripe,
        processor=processor,
        clock=ports.clock,
        crypto=ports.crypto,
        prices=prices,
        portal_origin=settings.portal_origin,
    )
    guard = InternalGuard(api.router(svc, ports.db, webhooks), ports.crypto, ports.clock, settings.internal_secret)
    return App("billing", guard, ports.clock, ports.crypto)
