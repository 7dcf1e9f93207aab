"""Mailer's composition root: `settings_from(env)` (mailer.deps) reads the worker's vars and secrets,
`bootstrap(settings, ports)` builds the app (mailer/api.py's routes), `bootstrap_consumer` the
consumer of MAIL_QUEUE (mailer.delivery) and CRM_QUEUE (mailer.crm), each with its dead-letter
queue, `bootstrap_job` the Cron Trigger's job (mailer.retention). entry.py, devstack/stack.py and
the tests all build mailer this way."""

from __future__ import annotations

from typing import Any

from mailer import api, crm, delivery, retention, sending, sweeper
from mailer.deps import Ports, Settings, settings_from
from mailer.hubspot import API_BASE as HUBSPOT_API
from mailer.hubspot import HubSpotClient
from mailer.resend import EMAILS_URL, ResendClient
from mailer.services import Mailer
from mailer.store import MailStore
from mailer.webhooks import WebhookHandler
from shared import queue
from shared.app import App
from shared.deadline import PROVIDER_SECONDS, Timed
from shared.internal import InternalGuard
from shared.log import log
from shared.queue import Consumer, Delivery, Verdict
from shared.scheduled import Job

__all__ = ["Ports", "Settings", "bootstrap", "bootstrap_consumer", "bootstrap_job", "settings_from"]


def _sender(settings: Settings, ports: Ports) -> tuple[MailStore, ResendClient | None, sending.Sender]:
    store = MailStore(ports.db, ports.clock)
    http = Timed(ports.http, PROVIDER_SECONDS, "Resend")
    url = settings.resend_api_base.rstrip("/") + "/emails" if settings.resend_api_base else EMAILS_URL
    resend = ResendClient(http, settings.resend_api_key, ports.sleep, url=url) if settings.resend_api_key else None
    return store, resend, sending.Sender(store, ports.crypto, resend, settings.mail_from, ports.clock, ports.queue)


def _crm(settings: Settings, ports: Ports) -> crm.CrmSync:
    http = Timed(ports.crm_http or ports.http, PROVIDER_SECONDS, "HubSpot")
    base = settings.hubspot_api_base or HUBSPOT_API
    client = HubSpotClient(http, settings.hubspot_token, base) if settings.hubspot_token else None
    tombstones = crm.Tombstones(ports.db, ports.crypto, ports.clock)
    return crm.CrmSync(client, tombstones, ports.crm_queue, settings.crm_retry_seconds)


def bootstrap_consumer(settings: Settings, ports: Ports) -> Consumer:
    store, _, sender = _sender(settings, ports)
    mail_consumer = delivery.MailConsumer(store, sender, settings.mail_retry_seconds).consume
    crm_consumer = _crm(settings, ports).consume

    async def consume(queue_name: str, deliveries: list[Delivery]) -> dict[str, Verdict]:
        if queue.is_queue(queue_name, crm.CRM_QUEUE) or queue.is_queue(queue_name, crm.DEAD_LETTER_QUEUE):
            return await crm_consumer(queue_name, deliveries)
        return await mail_consumer(queue_name, deliveries)

    return consume


def bootstrap_job(settings: Settings, ports: Ports) -> Job:
    """The Cron Trigger's job, two bounded steps a run that never block each other: the sweeper
    (mail `queued` past its delivery window enqueued again, mailer.sweeper) and retention."""
    retain = retention.job(ports.db, ports.clock)
    store = MailStore(ports.db, ports.clock)

    async def run(cron: str, scheduled_time: float) -> dict[str, Any]:
        report: dict[str, Any] = {}
        if ports.queue is not None:  # without MAIL_QUEUE (outbox mode, tests) nothing waits in a queue
            try:
                # The trigger's time (the lane's admin door can move it), never before the clock's.
                now = max(scheduled_time, ports.clock.now())
                report["requeued"] = await sweeper.requeue_stale(store, ports.queue, now)
            except Exception as exc:  # retention still runs
                log("mail_sweep_failed", exc)
                report["requeued"] = "failed"
        report.update(await retain(cron, scheduled_time))
        return report

    return run


def bootstrap(settings: Settings, ports: Ports) -> App:
    store, resend, sender = _sender(settings, ports)
    webhooks = WebhookHandler(store, ports.crypto, ports.clock, settings.resend_webhook_secret)
    svc = Mailer(
        db=ports.db, store=store, sender=sender, crm=_crm(settings, ports), webhooks=webhooks, outbox=resend is None
    )
    guard = InternalGuard(api.router(svc), ports.crypto, ports.clock, settings.internal_secret)
    return App("mailer", guard, ports.clock, ports.crypto)
