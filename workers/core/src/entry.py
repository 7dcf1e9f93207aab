from workers import WorkerEntrypoint

from core.app import create_app
from core.deps import CoreDeps
from shared.edge import bindings
from shared.edge.worker import serve, var
from shared.turnstile import Turnstile


def build(env):
    return create_app(
        CoreDeps(
            db=bindings.D1Database(env.DB),
            customer=bindings.ServiceBinding(env.CUSTOMER, "customer"),
            billing=bindings.ServiceBinding(env.BILLING, "billing"),
            mailer=bindings.ServiceBinding(env.MAILER, "mailer"),
            domain=bindings.ServiceBinding(env.DOMAIN, "domain"),
            clock=bindings.SystemClock(),
            crypto=bindings.WebCrypto(),
            internal_secret=var(env, "INTERNAL_SECRET"),
            portal_origin=var(env, "PORTAL_ORIGIN"),
            dev_outbox=var(env, "DEV_OUTBOX") == "1",
            turnstile=Turnstile(
                bindings.FetchClient(), var(env, "TURNSTILE_SECRET_KEY"), var(env, "TURNSTILE_SITE_KEY")
            ),
            operator_token=var(env, "OPERATOR_TOKEN"),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("core", self.env, request, build, self.ctx)
