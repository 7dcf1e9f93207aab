from workers import WorkerEntrypoint

from core.app import Ports, bootstrap, settings_from
from shared.edge import bindings
from shared.edge.worker import composed, serve


def ports(env):
    customer, billing, mailer, domain = (
        bindings.ServiceBinding(env.CUSTOMER, "customer"),
        bindings.ServiceBinding(env.BILLING, "billing"),
        bindings.ServiceBinding(env.MAILER, "mailer"),
        bindings.ServiceBinding(env.DOMAIN, "domain"),
    )
    db, http = bindings.D1Database(env.DB), bindings.FetchClient()
    return Ports(db, customer, billing, mailer, domain, bindings.SystemClock(), bindings.WebCrypto(), http)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("core", self.env, request, composed(settings_from, ports, bootstrap), self.ctx)
