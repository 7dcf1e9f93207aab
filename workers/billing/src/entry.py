from workers import WorkerEntrypoint

from billing.app import Ports, bootstrap, bootstrap_consumer, bootstrap_job, settings_from
from shared.edge import bindings
from shared.edge.events import consume, run_scheduled
from shared.edge.worker import composed, serve


def ports(env):
    db, mailer = bindings.D1Database(env.DB), bindings.ServiceBinding(env.MAILER, "mailer")
    customer, jobs = bindings.ServiceBinding(env.CUSTOMER, "customer"), bindings.QueueProducer(env.JOBS)
    return Ports(db=db, mailer=mailer, http=bindings.FetchClient(), customer=customer, jobs=jobs, **bindings.runtime())


# env -> what the handlers below serve; serve/consume/run_scheduled call it once per isolate.
build_app = composed(settings_from, ports, bootstrap)
build_job = composed(settings_from, ports, bootstrap_job)
build_consumer = composed(settings_from, ports, bootstrap_consumer)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("billing", self.env, request, build_app)

    async def scheduled(self, controller, *_):
        await run_scheduled("billing", self.env, controller, build_job)

    async def queue(self, batch, *_):
        await consume("billing", self.env, batch, build_consumer)
