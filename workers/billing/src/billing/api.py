"""Billing's HTTP layer, and nothing else: each handler parses the request into a typed command
(billing/operations.py), calls a business function with plain values (subscribing, plan_switch,
overview, account_data) and turns its result into a response. A Stripe error a business function
lets through is told to the caller here, once (billing.stripe.refusal).

Every route acts for the account core vouched for (InternalGuard verified it once: `Call.identity`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from billing import account_data, overview, plan_switch, subscribing
from billing.operations import API, CHECKOUT, CHECKOUT_CONFIRM, PLAN_SWITCH, Checkout, ConfirmCheckout, PlanSwitch
from billing.services import Billing
from billing.stripe import StripeError, refusal
from billing.webhooks import WebhookHandler
from shared import health
from shared.errors import Forbidden, Unauthenticated
from shared.http import Response, json_response
from shared.openapi import describe
from shared.ports import Database
from shared.routing import Call, Router, Table
from shared.schema import read_command

TABLES = ("subscriptions", "processed_events", "deleted_accounts")


def account(c: Call) -> str:
    """The signed-in account the call is for (401 without one)."""
    if not c.identity.account_id:
        raise Unauthenticated("session_required", "Log in first.")
    return c.identity.account_id


def own_account(c: Call, why: str) -> str:
    """The path's account, only for the account core vouched for."""
    if c.identity.account_id != c.params["account_id"]:
        raise Forbidden("forbidden", why)
    return c.params["account_id"]


async def get_subscription(svc: Billing, c: Call) -> Response:
    return json_response(await overview.subscription(svc, account(c)))


async def get_details(svc: Billing, c: Call) -> Response:
    return json_response(await overview.details(svc, account(c)))


async def post_checkout(svc: Billing, c: Call) -> Response:
    account_id = account(c)
    command = read_command(c.request, CHECKOUT, Checkout)
    return json_response(await subscribing.start_checkout(svc, account_id, c.identity.email, command))


async def post_checkout_confirm(svc: Billing, c: Call) -> Response:
    account_id = account(c)
    command = read_command(c.request, CHECKOUT_CONFIRM, ConfirmCheckout)
    return json_response(await subscribing.confirm_checkout(svc, account_id, command))


async def post_portal(svc: Billing, c: Call) -> Response:
    return json_response(await subscribing.open_portal(svc, account(c)))


async def post_plan_preview(svc: Billing, c: Call) -> Response:
    account_id = account(c)
    return json_response(await plan_switch.preview(svc, account_id, read_command(c.request, PLAN_SWITCH, PlanSwitch)))


async def post_plan(svc: Billing, c: Call) -> Response:
    account_id = account(c)
    return json_response(await plan_switch.switch(svc, account_id, read_command(c.request, PLAN_SWITCH, PlanSwitch)))


async def get_entitlements(svc: Billing, c: Call) -> Response:
    account_id = own_account(c, "Entitlements are only told about the calling account.")
    return json_response(await overview.effective_plan(svc, account_id))


async def get_funnel(svc: Billing, c: Call) -> Response:
    """Core's operator report: per account, the first checkout and the first payment."""
    if c.identity.caller != "core" or c.identity.account_id is not None:
        raise Forbidden("forbidden", "Only core's operator report reads the funnel.")
    return json_response({"accounts": await svc.store.funnel()})


async def export_account(svc: Billing, c: Call) -> Response:
    return json_response(await account_data.export(svc, own_account(c, "Only the calling account is exported.")))


async def delete_account(svc: Billing, c: Call) -> Response:
    """Core deletes an account: cancel its subscription now and forget it."""
    await account_data.delete(svc, own_account(c, "Only the account being deleted can be cancelled."))
    return Response(204)


async def cancel_account(svc: Billing, c: Call) -> Response:
    """Core schedules an account's deletion: cancel its subscription now, keep the row."""
    await account_data.cancel(svc, own_account(c, "Only the account being deleted can be cancelled."))
    return Response(204)


BillingHandler = Callable[[Billing, Call], Awaitable[Response]]


def stripe_told(handler: BillingHandler) -> BillingHandler:
    """The handler, with a Stripe error its business function let through told to the caller."""

    async def handle(svc: Billing, c: Call) -> Response:
        try:
            return await handler(svc, c)
        except StripeError as exc:
            raise refusal(exc) from exc

    return handle


# Every route billing answers with its business functions, in one table: path -> method -> handler.
ROUTES: Table[Billing] = {
    "/internal/entitlements/{account_id}": {"GET": get_entitlements},
    "/internal/funnel": {"GET": get_funnel},
    "/internal/accounts/{account_id}/export": {"GET": export_account},
    "/internal/accounts/{account_id}": {"DELETE": delete_account},
    "/internal/accounts/{account_id}/cancel": {"POST": cancel_account},
    "/api/v1/billing/subscription": {"GET": get_subscription},
    "/api/v1/billing/details": {"GET": get_details},
    "/api/v1/billing/checkout": {"POST": post_checkout},
    "/api/v1/billing/checkout/confirm": {"POST": post_checkout_confirm},
    "/api/v1/billing/portal": {"POST": post_portal},
    "/api/v1/billing/plan/preview": {"POST": post_plan_preview},
    "/api/v1/billing/plan": {"POST": post_plan},
}


def router(svc: Billing, db: Database, webhooks: WebhookHandler) -> Router:
    routes = Router()
    routes.add_table({path: {m: stripe_told(h) for m, h in methods.items()} for path, methods in ROUTES.items()}, svc)

    @routes.route("GET", "/internal/health")
    async def get_health(c: Call) -> Response:
        return json_response(health.report("billing", {"d1": await health.check_database(db, TABLES)}))

    @routes.route("POST", "/api/v1/webhooks/stripe")
    async def stripe_webhook(c: Call) -> Response:
        return json_response(await webhooks.handle(c.request.header("stripe-signature"), c.request.body))

    describe(routes, API)
    return routes
