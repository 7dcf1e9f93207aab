from workers import WorkerEntrypoint

from domain.app import Ports, bootstrap, settings_from
from shared.edge import bindings
from shared.edge.worker import composed, serve


def ports(env):
    return Ports(bindings.R2BlobStore(env.SITES), bindings.SystemClock(), bindings.WebCrypto(), bindings.EdgeCache())


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("domain", self.env, request, composed(settings_from, ports, bootstrap))
