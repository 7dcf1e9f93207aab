from workers import WorkerEntrypoint

from domain.app import Ports, bootstrap, settings_from
from shared.edge import bindings
from shared.edge.worker import composed, serve


def ports(env):
    analytics = bindings.AnalyticsEngine(env.ANALYTICS) if hasattr(env, "ANALYTICS") else None
    blobs, cache = bindings.R2BlobStore(env.SITES), bindings.EdgeCache()
    customer = bindings.ServiceBinding(env.CUSTOMER, "customer")  # lead forms posted to a site (domain/forms.py)
    return Ports(blobs=blobs, cache=cache, analytics=analytics, customer=customer, **bindings.runtime())


# env -> what the handlers below serve; serve/consume/run_scheduled call it once per isolate.
build_app = composed(settings_from, ports, bootstrap)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("domain", self.env, request, build_app)
