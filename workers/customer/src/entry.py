import asyncio

from workers import DurableObject, WorkerEntrypoint

from customer import sitestore
from customer.app import Ports, bootstrap, bootstrap_consumer, bootstrap_job, settings_from
from shared.edge import bindings, durable
from shared.edge.events import consume, run_scheduled
from shared.edge.worker import composed, serve


def ports(env):
    db, blobs, mailer = (
        bindings.D1Database(env.DB),
        bindings.R2BlobStore(env.SITES),
        bindings.ServiceBinding(env.MAILER, "mailer"),
    )
    jobs, stores = bindings.QueueProducer(env.JOBS), durable.ObjectDatabases(env.SITE_STORE)
    return Ports(
        db=db, stores=stores, blobs=blobs, mailer=mailer, http=bindings.FetchClient(), jobs=jobs, **bindings.runtime()
    )


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


class SiteStore(DurableObject):
    """One site's own database (customer/sitestore.py): D1's three calls over the object's SQLite.
    Its store opens under a lock: the copy from D1 awaits D1, which lets the object's next event in."""

    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        self._sql, self._d1 = durable.StorageSql(ctx.storage), bindings.D1Database(env.DB)
        self._store, self._opening = sitestore.SiteStore(self._sql, self._d1), asyncio.Lock()

    async def _ready(self, site_id):
        async with self._opening:
            await self._store.open(site_id)
        return self._store

    async def all(self, site_id, sql, params):
        return (await self._ready(site_id)).all(sql, params)

    async def run(self, site_id, sql, params):
        return (await self._ready(site_id)).run(sql, params)

    async def batch(self, site_id, statements):
        (await self._ready(site_id)).batch(statements)

    async def drop(self):
        async with self._opening:
            await self.ctx.storage.deleteAll()
            self._store = sitestore.SiteStore(self._sql, self._d1)  # opens afresh if called again
