"""Mailer's app core: its routes, built from ports. Everything sits behind InternalGuard (core only).

POST /internal/send               record a message and enqueue it (or keep it in the outbox)
POST /internal/crm                {"event", "email", "attribution"?}: queue a HubSpot contact sync (mailer.crm)
POST /api/v1/webhooks/resend      Resend's Svix-signed events, forwarded raw by core
GET  /internal/outbox[.json|/id]  the local outbox; 404 when RESEND_API_KEY is set
POST /internal/forget             {"address"}: an account was deleted; forget everything about the address
POST /internal/export             {"address"}: the mail log for the address (an account export)
GET  /internal/health

The composition root: `settings_from(env)` reads the worker's vars and secrets, `bootstrap(settings,
ports)` builds the app, `bootstrap_consumer` the consumer of MAIL_QUEUE (mailer.delivery) and
CRM_QUEUE (mailer.crm), each with its dead-letter queue, `bootstrap_job` the Cron Trigger's job
(mailer.retention). entry.py, devstack/stack.py and the tests all build mailer this way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from mailer import crm, delivery, outbox, retention, sending, sweeper
from mailer.headers import FieldError, check_address
from mailer.hubspot import API_BASE as HUBSPOT_API
from mailer.hubspot import HubSpotClient
from mailer.operations import API
from mailer.resend import EMAILS_URL, ResendClient, Sleep
from mailer.store import MailStore
from mailer.webhooks import WebhookHandler
from shared import crm as crm_contract
from shared import health, mail, queue
from shared.app import App
from shared.deadline import PROVIDER_SECONDS, Timed
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal import InternalGuard
from shared.jsonbody import read_json_object
from shared.log import log
from shared.openapi import describe
from shared.ports import Clock, Crypto, Database, HttpClient, Queue
from shared.queue import Consumer, Delivery, Verdict
from shared.routing import Call, Router
from shared.scheduled import Job
from shared.settings import reader

TABLES = ("emails", "suppressions", "outbox", "webhook_events", "crm_forgotten")
DEFAULT_MAIL_FROM = "SmartPages <hello@smartpages.online>"


@dataclass(frozen=True)
class Settings:
    """The worker's vars and secrets (shared.settings: fields without a default are required)."""

    internal_secret: str
    resend_api_key: str = ""  # empty: outbox mode (local stack), nothing leaves the machine
    resend_webhook_secret: str = ""  # whsec_…; webhooks answer 500 until it is set
    mail_from: str = DEFAULT_MAIL_FROM
    mail_retry_seconds: int = delivery.RETRY_BASE_SECONDS  # the consumer's first backoff
    resend_api_base: str = ""  # a local stand-in instead of https://api.resend.com
    hubspot_token: str = ""  # a HubSpot private app's; empty: the CRM sync is off
    hubspot_api_base: str = HUBSPOT_API  # a local stand-in instead
    crm_retry_seconds: int = crm.RETRY_BASE_SECONDS  # the CRM consumer's first backoff


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass
class Ports:
    db: Database
    http: HttpClient  # to Resend
    clock: Clock
    crypto: Crypto
    queue: Queue | None = None  # MAIL_QUEUE; without it (unit tests) Resend is called inline
    sleep: Sleep = asyncio.sleep  # between retries; tests pass one that records instead of waiting
    crm_queue: Queue | None = None  # CRM_QUEUE; without it HubSpot is called inline
    crm_http: HttpClient | None = None  # HubSpot's transport when not `http` (the CPython stack's stand-in)


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
    crm_sync = _crm(settings, ports)
    webhooks = WebhookHandler(store, ports.crypto, ports.clock, settings.resend_webhook_secret)
    router = Router()

    @router.route("GET", "/internal/health")
    async def get_health(c: Call) -> Response:
        _request, _params = c.request, c.params
        return json_response(health.report("mailer", {"d1": await health.check_database(ports.db, TABLES)}))

    @router.route("POST", mail.SEND_PATH)
    async def send(c: Call) -> Response:
        request, _params = c.request, c.params
        result = await sender.send(sending.parse(read_json_object(request)))
        return json_response(result.body(), 202)

    @router.route("POST", crm_contract.CRM_PATH)
    async def crm_sync_request(c: Call) -> Response:
        request, _params = c.request, c.params
        return json_response({"crm": await crm_sync.request(read_json_object(request))}, 202)

    def address_of(request: Request) -> str:
        try:
            return check_address("address", read_json_object(request).get("address"))
        except FieldError as exc:
            raise HttpError(400, exc.code, exc.message, details={"field": exc.field}) from None

    @router.route("POST", "/internal/forget")
    async def forget(c: Call) -> Response:
        request, _params = c.request, c.params
        address = address_of(request)
        await store.forget(address)
        await crm_sync.forget(address)  # the CRM contact goes too, through the queue with retries
        return Response(204)

    @router.route("POST", "/internal/export")
    async def export(c: Call) -> Response:
        request, _params = c.request, c.params
        return json_response(await store.about(address_of(request)))

    @router.route("POST", "/api/v1/webhooks/resend")
    async def resend_webhook(c: Call) -> Response:
        request, _params = c.request, c.params
        return json_response(await webhooks.handle(request))

    def outbox_mode(request: Request) -> None:
        if resend is not None:  # Real sending: there is no outbox, and mail bodies are never kept.
            raise HttpError(404, "not_found", f"No route for {request.path}.")

    @router.route("GET", "/internal/outbox")
    async def outbox_list(c: Call) -> Response:
        request, _params = c.request, c.params
        outbox_mode(request)
        return outbox.list_page(await store.outbox())

    @router.route("GET", "/internal/outbox.json")
    async def outbox_json(c: Call) -> Response:
        request, _params = c.request, c.params
        outbox_mode(request)
        return outbox.as_json(await store.outbox())

    @router.route("GET", "/internal/outbox/{email_id}")
    async def outbox_message(c: Call) -> Response:
        request, params = c.request, c.params
        outbox_mode(request)
        return outbox.message_page(await outbox.find(store, params["email_id"]))

    describe(router, API)
    guard = InternalGuard(router, ports.crypto, ports.clock, settings.internal_secret)
    return App("mailer", guard, ports.clock, ports.crypto)
