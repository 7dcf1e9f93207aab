from workers import WorkerEntrypoint

from billing.app import BillingDeps, create_app, create_job
from billing.eventlog import STALE_CLAIM_SECONDS
from billing.stripe import API_BASE
from shared.edge import bindings
from shared.edge.events import run_scheduled
from shared.edge.worker import serve, var


def deps(env):
    return BillingDeps(
        db=bindings.D1Database(env.DB),
        mailer=bindings.ServiceBinding(env.MAILER, "mailer"),
        customer=bindings.ServiceBinding(env.CUSTOMER, "customer"),
        http=bindings.FetchClient(),
        clock=bindings.SystemClock(),
        crypto=bindings.WebCrypto(),
        internal_secret=var(env, "INTERNAL_SECRET"),
        stripe_secret_key=var(env, "STRIPE_SECRET_KEY"),
        webhook_secret=var(env, "STRIPE_WEBHOOK_SECRET"),
        portal_origin=var(env, "PORTAL_ORIGIN"),
        stripe_prices=var(env, "STRIPE_PRICES"),
        stripe_api_base=var(env, "STRIPE_API_BASE", API_BASE),
        event_claim_seconds=float(var(env, "EVENT_CLAIM_SECONDS", str(STALE_CLAIM_SECONDS))),
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("billing", self.env, request, lambda env: create_app(deps(env)))

    async def scheduled(self, controller, *_):
        await run_scheduled("billing", self.env, controller, lambda env: create_job(deps(env)))
