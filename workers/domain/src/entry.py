from workers import WorkerEntrypoint

from domain.app import DomainDeps, create_app
from shared.edge import bindings
from shared.edge.worker import serve, var


def build(env):
    return create_app(
        DomainDeps(
            blobs=bindings.R2BlobStore(env.SITES),
            clock=bindings.SystemClock(),
            crypto=bindings.WebCrypto(),
            cache=bindings.EdgeCache(),
            pointer_ttl=int(var(env, "POINTER_CACHE_SECONDS", "30")),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("domain", self.env, request, build)
