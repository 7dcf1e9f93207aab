from workers import WorkerEntrypoint

from billing.app import BillingDeps, create_app
from shared.edge import bindings
from shared.edge.worker import serve, var


def build(env):
    return create_app(
        BillingDeps(
            db=bindings.D1Database(env.DB),
            mailer=bindings.ServiceBinding(env.MAILER, "mailer"),
            http=bindings.FetchClient(),
            clock=bindings.SystemClock(),
            crypto=bindings.WebCrypto(),
            internal_secret=var(env, "INTERNAL_SECRET"),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("billing", self.env, request, build)
