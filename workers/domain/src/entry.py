from workers import WorkerEntrypoint

from domain.app import DomainDeps, create_app
from shared.edge import bindings
from shared.edge.worker import serve


def build(env):
    return create_app(
        DomainDeps(
            blobs=bindings.R2BlobStore(env.SITES),
            clock=bindings.SystemClock(),
            crypto=bindings.WebCrypto(),
        )
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("domain", self.env, request, build)
