from workers import WorkerEntrypoint

from customer.app import Ports, bootstrap, bootstrap_consumer, bootstrap_job, settings_from
from shared.edge import bindings
from shared.edge.events import consume, run_scheduled
from shared.edge.worker import composed, serve


def ports(env):
    db, blobs, mailer = (
        bindings.D1Database(env.DB),
        bindings.R2BlobStore(env.SITES),
        bindings.ServiceBinding(env.MAILER, "mailer"),
    )
    jobs = bindings.QueueProducer(env.JOBS)
    return Ports(db=db, blobs=blobs, mailer=mailer, http=bindings.FetchClient(), jobs=jobs, **bindings.runtime())


# env -> what the handlers below serve; serve/consume/run_scheduled call it once per isolate.
build_app = composed(settings_from, ports, bootstrap)
build_job = composed(settings_from, ports, bootstrap_job)
build_consumer = composed(settings_from, ports, bootstrap_consumer)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("customer", self.env, request, build_app)

    async def scheduled(self, controller, *_):
        await run_scheduled("customer", self.env, controller, build_job)

    async def queue(self, batch, *_):
        await consume("customer", self.env, batch, build_consumer)
