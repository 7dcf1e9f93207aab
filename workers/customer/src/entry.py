from workers import WorkerEntrypoint

from customer.app import CustomerDeps, create_app
from shared.edge import bindings
from shared.edge.worker import serve, var


def build(env):
    return create_app(
        CustomerDeps(
            db=bindings.D1Database(env.DB),
            blobs=bindings.R2BlobStore(env.SITES),
            mailer=bindings.ServiceBinding(env.MAILER, "mailer"),
            clock=bindings.SystemClock(),
            crypto=bindings.WebCrypto(),
            internal_secret=var(env, "INTERNAL_SECRET"),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("customer", self.env, request, build)
