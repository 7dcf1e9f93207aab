"""Core's app core: its own routes (health, accounts, OpenAPI) and the gateway.

The composition root, as in every worker: `settings_from(env)` (core.deps), then `bootstrap(settings,
ports)`, `bootstrap_job(settings, ports)` for the Cron Trigger (it plans: one message per job on
JOBS) and `bootstrap_consumer(settings, ports)` for JOBS' consumer, a bounded step per message
(retention: core.retention; deletions past their 14 days: core.deletion)."""

from __future__ import annotations

import dataclasses

from core import accounts, csrf, deletion, gateway, health, openapi, report, retention
from core.deps import Ports, Settings, settings_from
from core.services import Services
from shared import attribution, plans
from shared.app import REQUEST_ID_HEADER, App
from shared.deadline import MAILER_SECONDS, SERVICE_SECONDS, Timed
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal_auth import Identity
from shared.jobs import Body, Jobs, Step
from shared.mail import MailClient
from shared.ports import Service
from shared.queue import Consumer
from shared.retention import sweep
from shared.routing import Call, Router
from shared.scheduled import Job
from shared.schema import read_query
from shared.turnstile import SITEVERIFY_SECONDS, Turnstile

__all__ = ["Ports", "Settings", "bootstrap", "bootstrap_consumer", "bootstrap_job", "settings_from"]

# Sent on every core response, errors included. The API never serves HTML, so its CSP is the
# strictest there is; the portal's static pages get theirs from the assets config.
SECURITY_HEADERS = [
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("content-security-policy", "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cache-control", "no-store"),
]
# The dev outbox page renders mail HTML, so it gets a CSP that allows inline styles but no script.
DEV_OUTBOX_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)


def jobs(settings: Settings, ports: Ports) -> Jobs:
    """Core's scheduled jobs (shared.jobs): retention, and deleting the accounts whose 14 days have
    passed (core.deletion), each its own message, each step bounded."""
    ports = timed(ports)
    gw = gateway_of(settings, ports)

    async def retention_step(body: Body) -> Step:
        report, more = await sweep(ports.db, retention.RULES, ports.clock.now())
        return Step(report, ({"job": "retention"},) if more else ())

    async def deletions(body: Body) -> Step:
        # The trigger's time (Cloudflare: now; the lane's admin door can name a later one: a moved clock).
        at = float(body.get("at") or 0) or ports.clock.now()
        return await deletion.delete_due(gw, ports.db, at, body.get("after"))

    return Jobs({"retention": retention_step, "deletions": deletions}, ports.jobs)


def bootstrap_job(settings: Settings, ports: Ports) -> Job:
    """The Cron Trigger's job: plan core's jobs (one message each on JOBS; inline without a queue)."""
    return jobs(settings, ports).plan


def bootstrap_consumer(settings: Settings, ports: Ports) -> Consumer:
    """JOBS' consumer: one bounded step of a job per message."""
    return jobs(settings, ports).consume


def gateway_of(settings: Settings, ports: Ports) -> gateway.Gateway:
    return gateway.Gateway(
        services={"customer": ports.customer, "billing": ports.billing, "mailer": ports.mailer},
        db=ports.db,
        clock=ports.clock,
        crypto=ports.crypto,
        internal_secret=settings.internal_secret,
    )


def timed(ports: Ports) -> Ports:
    """Every outbound port with its deadline (shared.deadline), applied once, here."""

    def worker(service: Service, name: str, seconds: float = SERVICE_SECONDS) -> Service:
        return Timed(service, seconds, f"the {name} worker")

    return dataclasses.replace(
        ports,
        customer=worker(ports.customer, "customer"),
        billing=worker(ports.billing, "billing"),
        mailer=worker(ports.mailer, "mailer", MAILER_SECONDS),
        domain=worker(ports.domain, "domain"),
        http=Timed(ports.http, SITEVERIFY_SECONDS, "Turnstile siteverify"),  # core's only outbound HTTP
    )


def bootstrap(settings: Settings, ports: Ports) -> App:
    ports = timed(ports)
    gw = gateway_of(settings, ports)
    router = own_routes(settings, ports, gw)

    async def dispatch(request: Request) -> Response:
        route = gateway.find(request.path)
        if route is None or route.session:
            csrf.check(request, settings.portal_origin)  # webhooks come from servers, not browsers
        if route is not None:
            return await gw.forward(route, request)
        return await router.dispatch(request)

    return App("core", dispatch, ports.clock, ports.crypto, response_headers=SECURITY_HEADERS)


def own_routes(settings: Settings, ports: Ports, gw: gateway.Gateway) -> Router:
    """The routes core answers itself (everything else in gateway.ROUTES goes to internal workers)."""
    router = Router()

    @router.route("GET", "/api/v1/health")
    async def get_health(c: Call) -> Response:
        """Public: liveness from memory (no store, no other worker). `?deep=1` with the operator's
        token: every store and worker, which costs an R2 write and four database queries."""
        if read_query(c.request, health.QUERY)["deep"] != "1":
            return json_response(health.LIVE)
        health.require_operator(c.request, settings.operator_token)
        checked = await health.check(ports.db, gw, ports.domain, c.request.header(REQUEST_ID_HEADER))
        return json_response(checked, 200 if checked["status"] == "ok" else 503)

    @router.route("GET", "/api/v1/plans")
    async def get_plans(c: Call) -> Response:
        # The attribution contract rides along, so the portal keeps exactly what core and billing accept.
        contract = {"keys": list(attribution.KEYS), "pattern": attribution.VALUE_PATTERN}
        return json_response({"plans": [plan.public() for plan in plans.PLANS], "attribution": contract})

    @router.route("GET", "/api/v1/operator/report")
    async def get_operator_report(c: Call) -> Response:
        if not settings.operator_token:  # without the secret the route does not exist
            raise HttpError(404, "not_found", f"No route for {c.request.path}.")
        health.require_operator(c.request, settings.operator_token)
        query = read_query(c.request, report.QUERY)
        start, end = report.period(query["from"], query["to"])
        table = await report.report(ports.db, gw, start, end)
        if query["format"] == "csv":
            name = f"smartpages-funnel-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"
            disposition = ("content-disposition", f'attachment; filename="{name}"')
            return Response(200, [("content-type", "text/csv; charset=utf-8"), disposition], report.as_csv(table))
        return json_response({"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}", "rows": table})

    @router.route("GET", "/api/v1/openapi.json")
    async def get_openapi(c: Call) -> Response:
        return json_response(await openapi.gather(gw, c.request))

    async def dev_outbox(c: Call) -> Response:
        """The local stack's outbox (mailer's page), like Mailpit. 404 unless DEV_OUTBOX is set."""
        request = c.request
        if not settings.dev_outbox:
            raise HttpError(404, "not_found", f"No route for {request.path}.")
        inner = Request(
            "GET",
            "/internal" + request.path.removeprefix("/dev"),
            request.query,
            {REQUEST_ID_HEADER: request.header(REQUEST_ID_HEADER)},
        )
        reply = await gw.call("mailer", inner, Identity(caller="core"))
        headers = [(k, v) for k, v in reply.headers if k.lower() == "content-type"]
        return Response(reply.status, [*headers, ("content-security-policy", DEV_OUTBOX_CSP)], reply.body)

    for pattern in ("/dev/outbox", "/dev/outbox.json", "/dev/outbox/{rest*}"):
        router.add("GET", pattern, dev_outbox)

    mail = MailClient(ports.mailer, ports.crypto, ports.clock, settings.internal_secret, "core")
    turnstile = Turnstile(ports.http, settings.turnstile_secret_key, settings.turnstile_site_key)
    accounts.register(router, Services(settings=settings, ports=ports, gateway=gw, mail=mail, turnstile=turnstile))
    return router
