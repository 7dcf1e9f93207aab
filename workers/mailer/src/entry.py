from workers import WorkerEntrypoint

from mailer.app import MailerDeps, create_app
from shared.edge import bindings
from shared.edge.worker import serve, var


def build(env):
    return create_app(
        MailerDeps(
            db=bindings.D1Database(env.DB),
            http=bindings.FetchClient(),
            clock=bindings.SystemClock(),
            crypto=bindings.WebCrypto(),
            internal_secret=var(env, "INTERNAL_SECRET"),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("mailer", self.env, request, build)
