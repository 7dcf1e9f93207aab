from workers import WorkerEntrypoint

from mailer.app import DEFAULT_MAIL_FROM, MailerDeps, create_app, create_consumer
from mailer.crm import RETRY_BASE_SECONDS as CRM_RETRY_SECONDS
from mailer.delivery import RETRY_BASE_SECONDS
from mailer.hubspot import API_BASE as HUBSPOT_API
from shared.edge import bindings
from shared.edge.events import consume
from shared.edge.worker import serve, var


def deps(env):
    return MailerDeps(
        db=bindings.D1Database(env.DB),
        http=bindings.FetchClient(),
        clock=bindings.SystemClock(),
        crypto=bindings.WebCrypto(),
        internal_secret=var(env, "INTERNAL_SECRET"),
        resend_api_key=var(env, "RESEND_API_KEY"),
        webhook_secret=var(env, "RESEND_WEBHOOK_SECRET"),
        mail_from=var(env, "MAIL_FROM", DEFAULT_MAIL_FROM),
        queue=bindings.QueueProducer(env.MAIL_QUEUE),
        retry_base_seconds=int(var(env, "MAIL_RETRY_SECONDS", str(RETRY_BASE_SECONDS))),
        resend_api_base=var(env, "RESEND_API_BASE"),
        hubspot_token=var(env, "HUBSPOT_TOKEN"),
        hubspot_api_base=var(env, "HUBSPOT_API_BASE", HUBSPOT_API),
        crm_queue=bindings.QueueProducer(env.CRM_QUEUE),
        crm_retry_base_seconds=int(var(env, "CRM_RETRY_SECONDS", str(CRM_RETRY_SECONDS))),
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("mailer", self.env, request, lambda env: create_app(deps(env)))

    async def queue(self, batch, *_):
        await consume("mailer", self.env, batch, lambda env: create_consumer(deps(env)))
