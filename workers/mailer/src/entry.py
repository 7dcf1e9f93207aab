from workers import WorkerEntrypoint

from mailer.app import DEFAULT_MAIL_FROM, MailerDeps, create_app
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
            resend_api_key=var(env, "RESEND_API_KEY"),
            webhook_secret=var(env, "RESEND_WEBHOOK_SECRET"),
            mail_from=var(env, "MAIL_FROM", DEFAULT_MAIL_FROM),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("mailer", self.env, request, build)
