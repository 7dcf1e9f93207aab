from workers import WorkerEntrypoint

from mailer.app import Ports, bootstrap, bootstrap_consumer, bootstrap_job, settings_from
from shared.edge import bindings
from shared.edge.events import consume, run_scheduled
from shared.edge.worker import composed, serve


def ports(env):
    db, queue = bindings.D1Database(env.DB), bindings.QueueProducer(env.MAIL_QUEUE)
    crm_queue = bindings.QueueProducer(env.CRM_QUEUE)
    http = bindings.FetchClient()
    return Ports(db=db, http=http, queue=queue, crm_queue=crm_queue, **bindings.runtime())


# env -> what the handlers below serve; serve/consume/run_scheduled call it once per isolate.
build_app = composed(settings_from, ports, bootstrap)
build_consumer = composed(settings_from, ports, bootstrap_consumer)
build_job = composed(settings_from, ports, bootstrap_job)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("mailer", self.env, request, build_app)

    async def queue(self, batch, *_):
        await consume("mailer", self.env, batch, build_consumer)

    async def scheduled(self, controller, *_):
        await run_scheduled("mailer", self.env, controller, build_job)
