"""Billing's app core: routes only; the work is in the modules they call.

GET  /internal/entitlements/{account_id}   the effective plan (core's paywall asks)
POST /api/v1/billing/checkout              a Stripe Checkout Session for a plan -> {"url"}
POST /api/v1/billing/checkout/confirm      back from checkout: ask Stripe, apply what the webhook would
POST /api/v1/billing/portal                a Stripe billing-portal session -> {"url"}
GET  /api/v1/billing/subscription          the account's subscription and the plans
POST /api/v1/webhooks/stripe               Stripe's events, raw bytes forwarded by core
DELETE /internal/accounts/{account_id}     the account is being deleted: cancel and forget
GET  /internal/health

The composition root, as in every worker: `settings_from(env)`, then `bootstrap(settings, ports)` for
the routes, `bootstrap_job(settings, ports)` for the Cron Trigger (it plans: one message per job on
JOBS) and `bootstrap_consumer(settings, ports)` for JOBS' consumer (a bounded step per message)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from billing import checkout, entitlements, plan_change, reconcile
from billing.downgrades import DAY, CustomerDomains, Timeline
from billing.eventlog import STALE_CLAIM_SECONDS, EventLog
from billing.events import Event, EventProcessor
from billing.operations import API, CHECKOUT, CHECKOUT_CONFIRM, PLAN_SWITCH
from billing.stripe import API_BASE, Sleep, StripeClient, StripeError
from billing.subscriptions import Record, SubscriptionStore
from billing.webhooks import WebhookHandler
from shared import health, plans
from shared.app import App
from shared.deadline import PROVIDER_SECONDS, SERVICE_SECONDS, Timed
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal import InternalGuard, identity_of
from shared.internal_auth import Identity
from shared.jobs import Body, Jobs, Step
from shared.log import log
from shared.mail import MailClient, MailUnavailable
from shared.openapi import describe
from shared.ports import Clock, Crypto, Database, HttpClient, Queue, Service
from shared.queue import Consumer
from shared.retention import Rule, sweep
from shared.routing import Call, Router
from shared.scheduled import Job
from shared.schema import Field, read_body
from shared.settings import reader

TABLES = ("subscriptions", "processed_events", "deleted_accounts")

ENDED = frozenset({"canceled", "incomplete_expired"})


@dataclass(frozen=True)
class Settings:
    """The worker's vars and secrets (shared.settings: fields without a default are required)."""

    internal_secret: str
    portal_origin: str  # where Stripe sends the customer back
    stripe_secret_key: str = ""  # sk_…; without it checkout and portal answer 503
    stripe_webhook_secret: str = ""  # whsec_…; without it webhooks answer 500
    stripe_prices: str = ""  # `starter=price_…,pro=price_…` (default: shared/plans.py's)
    stripe_api_base: str = API_BASE  # the local stand-in instead of api.stripe.com
    event_claim_seconds: float = STALE_CLAIM_SECONDS  # when a dead delivery's claim on an event is taken over


settings_from = reader(Settings)  # env -> Settings, or SettingsError naming what is missing


@dataclass
class Ports:
    db: Database
    mailer: Service
    http: HttpClient  # to Stripe (or the stand-in)
    clock: Clock
    crypto: Crypto
    sleep: Sleep = asyncio.sleep  # between Stripe retries
    customer: Service | None = None  # CUSTOMER: the day-14 domain cut-over (billing.downgrades)
    jobs: Queue | None = None  # JOBS: the scheduled jobs' steps; without it (tests) they run inline


def stripe_failure(exc: StripeError) -> HttpError:
    """A Stripe error, told to our caller: never Stripe's raw status (our request, not theirs, failed)."""
    if exc.type == "configuration_error":
        return HttpError(503, "billing_not_configured", "Payments are not set up on this server.")
    if exc.status == 429:
        return HttpError(
            503, "stripe_busy", "The payment provider is busy; try again in a minute.", [("retry-after", "30")]
        )
    if exc.code == "timeout":
        return HttpError(504, "stripe_timeout", "The payment provider did not answer in time; try again in a minute.")
    if exc.status == 0 or exc.status >= 500:
        return HttpError(502, "stripe_unavailable", "The payment provider did not answer; try again in a minute.")
    return HttpError(
        502,
        "stripe_request_failed",
        f"The payment provider refused the request: {exc.message}",
        details={"stripe_code": exc.code or exc.type},
    )


def _mail(settings: Settings, ports: Ports) -> MailClient:
    return MailClient(ports.mailer, ports.crypto, ports.clock, settings.internal_secret, "billing")


def _processor(settings: Settings, ports: Ports) -> tuple[SubscriptionStore, StripeClient, EventProcessor]:
    store = SubscriptionStore(ports.db)
    stripe = StripeClient(
        Timed(ports.http, PROVIDER_SECONDS, "Stripe"), settings.stripe_secret_key, ports.sleep, settings.stripe_api_base
    )
    mail = _mail(settings, ports)
    processor = EventProcessor(store, stripe, mail, ports.clock, settings.stripe_prices, settings.portal_origin)
    return store, stripe, processor


def downgrade_timeline(settings: Settings, ports: Ports) -> Timeline:
    """The downgrade mails (billing/downgrades.py), one pass per run of the Cron job below."""
    domains = None
    if ports.customer is not None:
        customer = Timed(ports.customer, SERVICE_SECONDS, "customer")
        domains = CustomerDomains(customer, ports.crypto, ports.clock, settings.internal_secret)
    return Timeline(ports.db, SubscriptionStore(ports.db), _mail(settings, ports), settings.portal_origin, domains)


# Stripe's processed events are kept long enough to de-duplicate its retries (3 days) many times over.
RETENTION = (Rule("processed_events", "processed_events", "state = 'done' AND processed_at < ?", 30 * DAY),)


def jobs(settings: Settings, ports: Ports) -> Jobs:
    """The scheduled jobs (shared.jobs): reconcile subscriptions with Stripe (billing.reconcile,
    PER_RUN a run), the downgrade timeline (billing.downgrades, fanned out in batches of accounts),
    and retention. Each is its own message, so a Stripe outage never holds the downgrade mails."""
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
    store, stripe, processor = _processor(settings, ports)
    events = EventLog(ports.db, settings.event_claim_seconds)
    webhooks = WebhookHandler(settings.stripe_webhook_secret, ports.crypto, ports.clock, events, processor)
    router = Router()

    def account_of(request: Request) -> Identity:
        identity = identity_of(request)
        if not identity.account_id:
            raise HttpError(401, "session_required", "Log in first.")
        return identity

    def plan_asked(request: Request, spec: dict[str, Field]) -> tuple[Identity, str, dict[str, Any]]:
        """The calling account, the plan its body asks for (one we sell) and the checked body; 400 otherwise."""
        identity = account_of(request)
        body = read_body(request, spec)
        return identity, body["plan"], body

    async def call_stripe(path: str, params: dict[str, object], key: str) -> dict[str, object]:
        try:
            return await stripe.post(path, params, key)
        except StripeError as exc:
            raise stripe_failure(exc) from exc

    @router.route("GET", "/internal/health")
    async def get_health(c: Call) -> Response:
        _request, _params = c.request, c.params
        return json_response(health.report("billing", {"d1": await health.check_database(ports.db, TABLES)}))

    @router.route("GET", "/internal/entitlements/{account_id}")
    async def get_entitlements(c: Call) -> Response:
        request, params = c.request, c.params
        if identity_of(request).account_id != params["account_id"]:
            raise HttpError(403, "forbidden", "Entitlements are only told about the calling account.")
        record = await store.get(params["account_id"])
        return json_response(entitlements.effective(params["account_id"], record, ports.clock.now()).to_json())

    @router.route("GET", "/internal/funnel")
    async def get_funnel(c: Call) -> Response:
        """Core's operator report: per account, the first checkout and the first payment."""
        request, _params = c.request, c.params
        identity = identity_of(request)
        if identity.caller != "core" or identity.account_id is not None:
            raise HttpError(403, "forbidden", "Only core's operator report reads the funnel.")
        return json_response({"accounts": await store.funnel()})

    @router.route("GET", "/api/v1/billing/subscription")
    async def get_subscription(c: Call) -> Response:
        request, _params = c.request, c.params
        identity = account_of(request)
        assert identity.account_id is not None
        record = await store.get(identity.account_id)
        state = entitlements.effective(identity.account_id, record, ports.clock.now()).to_json()
        return json_response({**state, "plans": [plan.public() for plan in plans.PLANS]})

    @router.route("POST", "/api/v1/billing/checkout")
    async def post_checkout(c: Call) -> Response:
        request, _params = c.request, c.params
        identity, plan_id, body = plan_asked(request, CHECKOUT)
        assert identity.account_id is not None
        utm = body["attribution"]
        now = ports.clock.now()
        if identity.email:
            await store.remember_email(identity.account_id, identity.email, now)
        record = await store.get(identity.account_id)
        checkout.refuse_if_subscribed(record)
        price = prices[(plan_id, body["interval"])]
        stripe_params = checkout.session_params(
            identity.account_id, plan_id, price, record, identity.email, settings.portal_origin, utm
        )
        key = await checkout.checkout_key(ports.crypto, identity.account_id, plan_id, now, stripe_params)
        session = await call_stripe("/v1/checkout/sessions", stripe_params, key)
        await store.checkout_started(identity.account_id, now, str(session.get("id") or ""))
        return json_response({"url": session.get("url"), "id": session.get("id")})

    async def switch_target(request: Request) -> tuple[Identity, Record, dict[str, object], str, dict[str, object]]:
        """The live subscription, its Stripe copy, the plan asked for and the checked body (its
        `interval`: monthly or yearly); 400/409 otherwise."""
        identity, plan_id, body = plan_asked(request, PLAN_SWITCH)
        assert identity.account_id is not None
        record = await store.get(identity.account_id)
        if record is None or not record.stripe_subscription_id or record.status not in entitlements.GRANTING:
            raise HttpError(409, "no_subscription", "There is no active subscription to change: choose a plan first.")
        body = {**body, "interval": body.get("interval") or record.interval or "month"}  # unsaid: as now
        if record.plan == plan_id and (record.interval or "month") == body["interval"]:
            raise HttpError(409, "same_plan", "You are on that plan already.")
        try:
            sub = await stripe.get(f"/v1/subscriptions/{record.stripe_subscription_id}")
        except StripeError as exc:
            raise stripe_failure(exc) from exc
        return identity, record, sub, plan_id, body

    @router.route("GET", "/api/v1/billing/details")
    async def get_details(c: Call) -> Response:
        """For the billing view: the next charge, the card's last digits, the last invoices with
        Stripe's hosted links. Empty before the first checkout."""
        request, _params = c.request, c.params
        identity = account_of(request)
        assert identity.account_id is not None
        record = await store.get(identity.account_id)
        if record is None or not record.stripe_customer_id:
            return json_response({"next_charge_at": None, "card": None, "invoices": []})
        try:
            listed = await stripe.get("/v1/invoices", {"customer": record.stripe_customer_id, "limit": 12})
            card = None
            live = record.stripe_subscription_id and record.status not in ENDED
            if live:
                sub = await stripe.get(f"/v1/subscriptions/{record.stripe_subscription_id}")
                method = sub.get("default_payment_method")
                if isinstance(method, str) and method:
                    card = plan_change.card(await stripe.get(f"/v1/payment_methods/{method}"))
        except StripeError as exc:
            raise stripe_failure(exc) from exc
        next_charge = record.current_period_end if live and not record.cancel_at_period_end else None
        invoices = [plan_change.invoice(i) for i in listed.get("data") or [] if isinstance(i, dict)]
        return json_response({"next_charge_at": next_charge, "card": card, "invoices": invoices})

    @router.route("POST", "/api/v1/billing/plan/preview")
    async def post_plan_preview(c: Call) -> Response:
        """What switching plans costs: Stripe's preview invoice with prorations. The returned
        `proration_date` makes the switch charge exactly what was shown."""
        request, _params = c.request, c.params
        _, record, sub, plan_id, body = await switch_target(request)
        interval = str(body["interval"])
        when = int(ports.clock.now())
        try:
            preview = await stripe.post(
                "/v1/invoices/create_preview",
                {
                    "customer": record.stripe_customer_id,
                    "subscription": record.stripe_subscription_id,
                    "subscription_details": plan_change.details(sub, prices[(plan_id, interval)], when),
                },
                f"preview/{record.account_id}/{plan_id}/{interval}/{when}",
            )
        except StripeError as exc:
            raise stripe_failure(exc) from exc
        summary = plan_change.summary(preview)
        return json_response({"plan": plan_id, "interval": interval, "proration_date": when, **summary})

    @router.route("POST", "/api/v1/billing/plan")
    async def post_plan(c: Call) -> Response:
        """Switch between paid plans now (Stripe's subscription update, prorated on the next
        invoice). The entitlement follows when Stripe's `customer.subscription.updated` arrives."""
        request, _params = c.request, c.params
        _, record, sub, plan_id, body = await switch_target(request)
        interval = str(body["interval"])
        when = plan_change.proration_date(body.get("proration_date"), ports.clock.now())
        details = plan_change.details(sub, prices[(plan_id, interval)], when)
        try:
            updated = await stripe.post(
                f"/v1/subscriptions/{record.stripe_subscription_id}",
                details,
                f"plan/{record.stripe_subscription_id}/{plan_id}/{interval}/{when}",
            )
        except StripeError as exc:
            raise stripe_failure(exc) from exc
        answer = {"plan": plan_id, "interval": interval, "status": updated.get("status"), "proration_date": when}
        return json_response(answer)

    @router.route("POST", "/api/v1/billing/checkout/confirm")
    async def post_checkout_confirm(c: Call) -> Response:
        """The return page asks: if the webhook has not arrived (or never will), the user is not
        left on Free after paying. Stripe is asked about the session; its effect is the webhook's."""
        request, _params = c.request, c.params
        identity = account_of(request)
        assert identity.account_id is not None
        session_id = read_body(request, CHECKOUT_CONFIRM)["session_id"]
        try:
            session = await stripe.get(f"/v1/checkout/sessions/{session_id}")
        except StripeError as exc:
            if exc.status == 404:
                raise HttpError(404, "checkout_not_found", "There is no such checkout.") from exc
            raise stripe_failure(exc) from exc
        if session.get("client_reference_id") != identity.account_id:
            raise HttpError(404, "checkout_not_found", "There is no such checkout.")
        if session.get("status") == "complete":
            try:
                await processor.checkout_completed(
                    Event(f"return/{session_id}", "checkout.session.completed", 0, session)
                )
            except StripeError as exc:
                raise stripe_failure(exc) from exc
            except MailUnavailable as exc:  # the plan is saved; the webhook's processing sends the notice
                log("checkout_notice_deferred", exc, session=session_id)  # (same idempotency key)
        record = await store.get(identity.account_id)
        state = entitlements.effective(identity.account_id, record, ports.clock.now()).to_json()
        return json_response({**state, "checkout_status": session.get("status")})

    @router.route("POST", "/api/v1/billing/portal")
    async def post_portal(c: Call) -> Response:
        request, _params = c.request, c.params
        identity = account_of(request)
        assert identity.account_id is not None
        record = await store.get(identity.account_id)
        if record is None or not record.stripe_customer_id:
            raise HttpError(409, "no_billing_account", "There is nothing to manage yet: subscribe to a plan first.")
        now = ports.clock.now()
        portal = await call_stripe(
            "/v1/billing_portal/sessions",
            checkout.portal_params(record.stripe_customer_id, settings.portal_origin),
            checkout.portal_key(identity.account_id, record.stripe_customer_id, now),
        )
        return json_response({"url": portal.get("url")})

    @router.route("GET", "/internal/accounts/{account_id}/export")
    async def export_account(c: Call) -> Response:
        """What billing holds about the account (Stripe holds the invoices: the billing portal shows them)."""
        request, params = c.request, c.params
        if identity_of(request).account_id != params["account_id"]:
            raise HttpError(403, "forbidden", "Only the calling account is exported.")
        rows = await ports.db.all("SELECT * FROM subscriptions WHERE account_id = ?", (params["account_id"],))
        return json_response({"subscription": rows[0] if rows else None})

    @router.route("DELETE", "/internal/accounts/{account_id}")
    async def delete_account(c: Call) -> Response:
        """Core deletes an account: cancel its subscription now (no more charges) and drop the row.
        Stripe keeps the customer and invoices, which bookkeeping needs."""
        request, params = c.request, c.params
        account_id = params["account_id"]
        if identity_of(request).account_id != account_id:
            raise HttpError(403, "forbidden", "Only the account being deleted can be cancelled.")
        record = await store.get(account_id)
        live = record is not None and record.stripe_subscription_id and record.status not in ENDED
        if live:
            assert record is not None
            try:
                await stripe.request("DELETE", f"/v1/subscriptions/{record.stripe_subscription_id}", {})
            except StripeError as exc:
                if exc.status != 404:  # already gone at Stripe is what we wanted
                    raise stripe_failure(exc) from exc
        await store.forget(account_id, ports.clock.now())
        return Response(204)

    @router.route("POST", "/api/v1/webhooks/stripe")
    async def stripe_webhook(c: Call) -> Response:
        request, _params = c.request, c.params
        return json_response(await webhooks.handle(request))

    describe(router, API)
    guard = InternalGuard(router, ports.crypto, ports.clock, settings.internal_secret)
    return App("billing", guard, ports.clock, ports.crypto)
