from workers import WorkerEntrypoint

from core.app import Ports, bootstrap, bootstrap_consumer, bootstrap_job, settings_from
from shared.edge import bindings
from shared.edge.events import consume, run_scheduled
from shared.edge.worker import composed, serve


def ports(env):
    names = ("customer", "billing", "mailer", "domain")
    services = {name: bindings.ServiceBinding(getattr(env, name.upper()), name) for name in names}
    db, http, jobs = bindings.D1Database(env.DB), bindings.FetchClient(), bindings.QueueProducer(env.JOBS)
    return Ports(db=db, http=http, jobs=jobs, **services, **bindings.runtime())


# env -> what the handlers below serve; serve/consume/run_scheduled call it once per isolate.
build_app = composed(settings_from, ports, bootstrap)
build_job = composed(settings_from, ports, bootstrap_job)
build_consumer = composed(settings_from, ports, bootstrap_consumer)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("core", self.env, request, build_app, self.ctx)

    async def scheduled(self, controller, *_):
        await run_scheduled("core", self.env, controller, build_job)

    async def queue(self, batch, *_):
        await consume("core", self.env, batch, build_consumer)
